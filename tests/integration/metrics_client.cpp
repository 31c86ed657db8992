#include "tests/integration/metrics_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/integration/subprocess.hpp"

namespace kilp::testing {

std::string http_get(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {};
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return {};
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, n);
  close(fd);
  return response;
}

std::uint64_t sum_metric(const std::string& text, const std::string& name) {
  std::uint64_t total = 0;
  std::regex line("^" + name + "(\\{[^}]*\\})? ([0-9]+)$", std::regex::multiline);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it) {
    total += std::stoull((*it)[2]);
  }
  return total;
}

int wait_for_metrics_port(const std::string& log_path) {
  const std::regex announced("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics");
  for (int i = 0; i < 200; ++i) {
    std::smatch m;
    const std::string log = read_file(log_path);
    if (std::regex_search(log, m, announced)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace kilp::testing
