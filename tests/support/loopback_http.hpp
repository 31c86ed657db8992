#pragma once
// A plain HTTP/1.1 client for tests that query a real server on loopback (QuestDB's
// /exec, InfluxDB's /query): one request per connection, read until its framing ends. Independent
// of kilp's own HTTP code so it can judge that code.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::testing {

struct HttpReply {
  int status = 0;    // 0: no connection, or no complete answer in time
  std::string body;  // de-chunked
};

// `target` is the request target as sent (already percent-encoded).
HttpReply http_request(std::uint16_t port, std::string_view method, std::string_view target,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace kilp::testing
