#include "tests/support/loopback_http.hpp"

#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "tests/support/loopback_socket.hpp"

namespace kilp::testing {
namespace {

// The body of a chunked response; nullopt while it is incomplete or broken.
std::optional<std::string> dechunk(std::string_view chunked) {
  std::string body;
  for (;;) {
    const std::size_t eol = chunked.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    std::size_t size = 0;
    if (std::sscanf(std::string(chunked.substr(0, eol)).c_str(), "%zx", &size) != 1) {
      return std::nullopt;
    }
    chunked.remove_prefix(eol + 2);
    if (size == 0) return body;
    if (chunked.size() < size + 2) return std::nullopt;
    body.append(chunked.substr(0, size));
    chunked.remove_prefix(size + 2);
  }
}

// The reply once `response` holds all of it: QuestDB keeps the connection open
// after answering, whatever the request said, so the framing tells the end.
std::optional<HttpReply> complete_reply(const std::string& response, bool closed) {
  const std::size_t head_end = response.find("\r\n\r\n");
  if (response.size() < 12 || head_end == std::string::npos) return std::nullopt;
  std::string head = response.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view body = std::string_view(response).substr(head_end + 4);
  HttpReply reply;
  reply.status = std::atoi(response.substr(9, 3).c_str());
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    std::optional<std::string> dechunked = dechunk(body);
    if (!dechunked) return std::nullopt;
    reply.body = std::move(*dechunked);
    return reply;
  }
  const std::size_t length_at = head.find("\r\ncontent-length:");
  if (length_at != std::string::npos) {
    const std::size_t length = std::strtoul(head.c_str() + length_at + 17, nullptr, 10);
    if (body.size() < length) return std::nullopt;
    reply.body = body.substr(0, length);
    return reply;
  }
  if (!closed) return std::nullopt;
  reply.body = body;
  return reply;
}

}  // namespace

HttpReply http_request(std::uint16_t port, std::string_view method, std::string_view target,
                       std::chrono::milliseconds timeout) {
  const int fd = connect_to_loopback(port);
  if (fd < 0) return {};
  std::string request(method);
  request.append(" ").append(target).append(
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  std::optional<HttpReply> reply;
  if (send_all(fd, request.data(), request.size())) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string response;
    char buffer[65536];
    while (!reply) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0) break;
      response.append(buffer, static_cast<std::size_t>(n));
      reply = complete_reply(response, n == 0);
      if (n == 0) break;
    }
  }
  ::close(fd);
  return reply.value_or(HttpReply{});
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", byte);
      out += hex;
    }
  }
  return out;
}

}  // namespace kilp::testing
