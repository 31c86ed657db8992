#include "io/ilp/http_protocol_version.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "io/http/http_json.hpp"
#include "io/http/http_response_parser.hpp"
#include "io/ilp/http_connection.hpp"
#include "io/ilp/sink.hpp"

namespace kilp::io {
namespace {

constexpr std::size_t kReceiveBufferBytes = 16 * 1024;

}  // namespace

int negotiate_http_protocol_version(const HttpSinkConfig& config) {
  if (config.protocol_version == 1 || config.protocol_version == 2) return config.protocol_version;
  const std::string address_text = config.addr.to_string();
  const std::vector<SocketEndpoint> endpoints =
      resolve_tcp_endpoints(config.addr.host, config.addr.port, address_text);
  UringStream stream(make_http_tls_context(config));
  open_http_stream_blocking(stream, endpoints, address_text);
  const std::string request =
      fmt::format("GET /settings HTTP/1.1\r\n{}User-Agent: kilp\r\n{}Connection: close\r\n\r\n",
                  http_host_header(config), http_authorization_header(config));
  auto fall_back = [&](std::string_view why) {
    fmt::print(stderr,
               "kilp: ILP/HTTP sink {}: protocol_version=auto: {}; using ILP protocol version 1\n",
               address_text, why);
    return 1;
  };
  const auto deadline = std::chrono::steady_clock::now() + config.request_timeout;
  if (const int error = stream.send_all_blocking(request, deadline); error != 0) {
    return fall_back(fmt::format("GET /settings failed: {}", std::strerror(error)));
  }
  HttpResponseParser parser;
  std::vector<char> buffer(kReceiveBufferBytes);
  HttpParseState state = HttpParseState::need_more;
  bool answered = false;
  while (state == HttpParseState::need_more) {
    const int n = stream.receive_blocking(buffer, deadline);
    if (n == -ETIMEDOUT) return fall_back("no answer to GET /settings within request_timeout");
    if ((n == 0 || n == -ECONNRESET) && !answered && !stream.tls()) {
      // What a TLS endpoint does with a plain request; nothing else would work either.
      throw std::runtime_error(fmt::format(
          "ILP/HTTP sink {}: the server closed the connection without answering GET /settings "
          "(a TLS endpoint? then use https::)",
          address_text));
    }
    if (n < 0) return fall_back(fmt::format("GET /settings failed: {}", std::strerror(-n)));
    answered = answered || n > 0;
    std::size_t consumed = 0;
    state = n == 0 ? parser.finish_at_eof()
                   : parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                                 consumed);
  }
  if (state == HttpParseState::error) {
    return fall_back(fmt::format("bad answer to GET /settings: {}", parser.error()));
  }
  if (parser.status() == 401 || parser.status() == 403) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: authentication refused (HTTP {}); check username/password or token",
        address_text, parser.status()));
  }
  if (parser.status() != 200) {
    return fall_back(fmt::format("GET /settings answered HTTP {}", parser.status()));
  }
  const std::uint32_t versions = parse_settings_protocol_versions(parser.body());
  if (versions & (1u << 2)) return 2;
  if (versions & (1u << 1)) return 1;
  if (versions == 0) return fall_back("/settings does not list line.proto.support.versions");
  throw std::runtime_error(fmt::format(
      "ILP/HTTP sink {}: the server supports none of kilp's ILP protocol versions (1, 2)",
      address_text));
}

}  // namespace kilp::io
