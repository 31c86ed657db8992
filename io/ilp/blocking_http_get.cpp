#include "io/ilp/blocking_http_get.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "io/http/http_response_parser.hpp"
#include "io/ilp/http_connection.hpp"

namespace kilp::io {
namespace {

constexpr std::size_t kReceiveBufferBytes = 16 * 1024;

BlockingHttpAnswer failed(BlockingHttpAnswer::Failure failure, std::string detail) {
  BlockingHttpAnswer answer;
  answer.failure = failure;
  answer.detail = std::move(detail);
  return answer;
}

}  // namespace

BlockingHttpAnswer blocking_http_get(const HttpSinkConfig& config, std::string_view target) {
  using Failure = BlockingHttpAnswer::Failure;
  const std::string address_text = config.addr.to_string();
  const std::vector<SocketEndpoint> endpoints =
      resolve_tcp_endpoints(config.addr.host, config.addr.port, address_text);
  UringStream stream(make_http_tls_context(config));
  open_http_stream_blocking(stream, endpoints, address_text);
  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\n{}User-Agent: kilp\r\n{}Connection: close\r\n\r\n", target,
                  http_host_header(config), http_authorization_header(config));
  const auto deadline = std::chrono::steady_clock::now() + config.request_timeout;
  if (const int error = stream.send_all_blocking(request, deadline); error != 0) {
    return failed(Failure::kSendFailed, std::strerror(error));
  }
  HttpResponseParser parser;
  std::vector<char> buffer(kReceiveBufferBytes);
  HttpParseState state = HttpParseState::need_more;
  bool answered = false;
  while (state == HttpParseState::need_more) {
    const int n = stream.receive_blocking(buffer, deadline);
    if (n == -ETIMEDOUT) return failed(Failure::kTimedOut, "no answer within request_timeout");
    if ((n == 0 || n == -ECONNRESET) && !answered && !stream.tls()) {
      return failed(Failure::kClosedWithoutAnswer, "closed without answering");
    }
    if (n < 0) return failed(Failure::kReceiveFailed, std::strerror(-n));
    answered = answered || n > 0;
    std::size_t consumed = 0;
    state = n == 0 ? parser.finish_at_eof()
                   : parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                                 consumed);
  }
  if (state == HttpParseState::error) return failed(Failure::kMalformed, std::string(parser.error()));
  BlockingHttpAnswer answer;
  answer.status = parser.status();
  answer.body = parser.body();
  return answer;
}

}  // namespace kilp::io
