#pragma once
// The two small JSON documents the ILP/HTTP sink reads from a server:
// - QuestDB's error body, e.g.
//     {"code":"invalid","message":"failed to parse line protocol: ... error in line 3: ...",
//      "line":3,"errorId":"9d31..."}
//   (InfluxDB answers {"error":"..."}); anything that is not such an object is kept
//   as its text, so the user still sees what the server said.
// - QuestDB's /settings, of which only "line.proto.support.versions":[1,2] matters.
// Both readers are strict about JSON syntax, never throw, and are fuzzed.
#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::io {

struct HttpErrorBody {
  std::string message;    // "message" (QuestDB) or "error" (InfluxDB), else the body text
  std::string code;       // QuestDB's "code", may be empty
  std::string error_id;   // QuestDB's "errorId", may be empty
  std::int64_t line = 0;  // 1-based line of the request body QuestDB refused; 0 if not named
};

// Fills `out` (reusing its strings' capacity) from a response body.
void parse_http_error_body(std::string_view body, HttpErrorBody& out);

// Bit n set when /settings lists ILP protocol version n (1..31) as supported;
// 0 when the document names none (an older QuestDB, or not QuestDB at all).
std::uint32_t parse_settings_protocol_versions(std::string_view body);

}  // namespace kilp::io
