#include "io/metrics/metrics_endpoint.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kilp::io {
namespace {

void write_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the scraper went away; nothing to recover
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(const std::string& address) {
  const auto colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  const std::string port = colon == std::string::npos ? "9464" : address.substr(colon + 1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    throw std::runtime_error(fmt::format("--metrics-addr {}: expected IPv4:PORT", address));
  }
  try {
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  } catch (const std::exception&) {
    throw std::runtime_error(fmt::format("--metrics-addr {}: bad port", address));
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error(fmt::format("cannot serve metrics on {}: {}", address, reason));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

MetricsEndpoint::~MetricsEndpoint() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsEndpoint::serve_pending(const std::function<std::string()>& render) {
  for (;;) {
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;  // EAGAIN: nobody waiting
    answer(client, render);
    ::close(client);
  }
}

void MetricsEndpoint::answer(int client, const std::function<std::string()>& render) {
  // Read the request head, waiting at most a moment: scrapers send it at once.
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) return;
    ssize_t n = ::read(client, buffer, sizeof buffer);
    if (n <= 0) return;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const bool is_metrics = request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET / ", 0) == 0;
  const std::string body = is_metrics ? render() : std::string("not found: try /metrics\n");
  write_all(client, fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                "Connection: close\r\n\r\n{}",
                                is_metrics ? "200 OK" : "404 Not Found",
                                is_metrics ? "text/plain; version=0.0.4" : "text/plain",
                                body.size(), body));
}

}  // namespace kilp::io
