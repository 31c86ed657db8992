// libFuzzer target: the ILP/HTTP sink's response parser and JSON readers must
// never crash, hang or read out of bounds, whatever a server sends. The input is
// fed whole and split at a position taken from its first byte, so partial reads
// are exercised too. Build with -DKILP_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/http/http_json.hpp"
#include "io/http/http_response_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static kilp::io::HttpResponseParser parser(1024);
  static kilp::io::HttpErrorBody error_body;

  parser.reset();
  std::size_t consumed = 0;
  parser.feed(input, consumed);
  if (consumed > input.size()) __builtin_trap();
  parser.finish_at_eof();

  parser.reset();
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  std::size_t first = 0, second = 0;
  if (parser.feed(input.substr(0, split), first) == kilp::io::HttpParseState::need_more) {
    parser.feed(input.substr(first), second);
  }
  if (parser.state() == kilp::io::HttpParseState::complete) {
    kilp::io::parse_http_error_body(parser.body(), error_body);
  }
  kilp::io::parse_http_error_body(input, error_body);
  kilp::io::parse_settings_protocol_versions(input);
  return 0;
}
