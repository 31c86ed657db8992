#include "io/ilp/http_protocol_version.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <stdexcept>

#include "io/http/http_json.hpp"
#include "io/ilp/blocking_http_get.hpp"
#include "io/ilp/sink.hpp"

namespace kilp::io {

int negotiate_http_protocol_version(const HttpSinkConfig& config) {
  if (config.protocol_version >= 1 && config.protocol_version <= 3) return config.protocol_version;
  const std::string address_text = config.addr.to_string();
  auto fall_back = [&](std::string_view why) {
    fmt::print(stderr,
               "kilp: ILP/HTTP sink {}: protocol_version=auto: {}; using ILP protocol version 1\n",
               address_text, why);
    return 1;
  };
  using Failure = BlockingHttpAnswer::Failure;
  const BlockingHttpAnswer answer = blocking_http_get(config, "/settings");
  switch (answer.failure) {
    case Failure::kNone:
      break;
    case Failure::kClosedWithoutAnswer:
      // What a TLS endpoint does with a plain request; nothing else would work either.
      throw std::runtime_error(fmt::format(
          "ILP/HTTP sink {}: the server closed the connection without answering GET /settings "
          "(a TLS endpoint? then use https::)",
          address_text));
    case Failure::kTimedOut:
      return fall_back("no answer to GET /settings within request_timeout");
    case Failure::kMalformed:
      return fall_back(fmt::format("bad answer to GET /settings: {}", answer.detail));
    case Failure::kSendFailed:
    case Failure::kReceiveFailed:
      return fall_back(fmt::format("GET /settings failed: {}", answer.detail));
  }
  if (answer.status == 401 || answer.status == 403) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: authentication refused (HTTP {}); check username/password or token",
        address_text, answer.status));
  }
  if (answer.status != 200) {
    return fall_back(fmt::format("GET /settings answered HTTP {}", answer.status));
  }
  const std::uint32_t versions = parse_settings_protocol_versions(answer.body);
  if (versions & (1u << 3)) return 3;
  if (versions & (1u << 2)) return 2;
  if (versions & (1u << 1)) return 1;
  if (versions == 0) return fall_back("/settings does not list line.proto.support.versions");
  throw std::runtime_error(fmt::format(
      "ILP/HTTP sink {}: the server supports none of kilp's ILP protocol versions (1, 2, 3)",
      address_text));
}

}  // namespace kilp::io
