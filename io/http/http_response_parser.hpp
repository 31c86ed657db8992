#pragma once
// A small, strict, incremental HTTP/1.1 response parser for the ILP/HTTP sink.
//
// Debian 12 has no well-kept small HTTP/1.1 parser package (llhttp and
// picohttpparser are not packaged; libhttp-parser is the archived, unmaintained
// nodejs/http-parser), so kilp carries this one: it reads only responses, only
// what QuestDB (and InfluxDB-compatible servers) send, and refuses anything else
// with a reason, rather than guessing. It is fuzzed (tests/io/http_response_parser_fuzz.cpp).
//
// Accepted: "HTTP/1.0" or "HTTP/1.1" status lines with a 3-digit code; header lines
// "name: value" ending in CRLF (no obs-fold, no space before ':', no control bytes);
// a body framed by Content-Length, by "Transfer-Encoding: chunked" (with chunk
// extensions and trailers skipped), or by the connection closing; 1xx interim
// responses are skipped. Refused: bare LF, both framings at once, conflicting
// Content-Length values, any other transfer coding, 101 (we never upgrade).
//
// Memory is bounded and allocated once: header lines up to kMaxLineBytes, the
// first `max_body_kept` body bytes kept (QuestDB's error JSON is small), the rest
// counted and dropped. feed() never allocates.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::io {

enum class HttpParseState { need_more, complete, error };

class HttpResponseParser {
 public:
  static constexpr std::size_t kMaxLineBytes = 8192;
  static constexpr std::size_t kMaxHeaderLines = 128;

  explicit HttpResponseParser(std::size_t max_body_kept = 64 * 1024);

  // Forgets the previous response; call before each new one.
  void reset();

  // Consumes bytes of the response. `consumed` receives how many were used: on
  // `complete`, bytes after the end of the response are left unconsumed.
  HttpParseState feed(std::string_view bytes, std::size_t& consumed);

  // The peer closed the connection: completes a body framed by the close, else
  // the response is truncated (error).
  HttpParseState finish_at_eof();

  HttpParseState state() const { return state_; }
  int status() const { return status_; }
  // False when the server asked to close (Connection: close, HTTP/1.0 without
  // keep-alive, body framed by the close).
  bool keep_alive() const { return keep_alive_; }
  std::string_view body() const { return body_; }
  bool body_truncated() const { return body_total_ > body_.size(); }
  std::uint64_t body_bytes() const { return body_total_; }
  std::string_view content_type() const { return content_type_; }
  // Why the response was refused (state() == error).
  std::string_view error() const { return error_; }

 private:
  enum class Phase {
    status_line,
    header_line,
    body_length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailer_line,
    body_until_close,
    done,
    failed,
  };

  HttpParseState fail(std::string_view why);
  // Appends to line_ until CRLF; true when a whole line is in line_.
  bool take_line(std::string_view bytes, std::size_t& pos, bool& failed);
  bool on_status_line();
  bool on_header_line();
  bool on_headers_end();
  bool on_chunk_size_line();
  bool on_trailer_line();
  void keep_body(std::string_view bytes);

  std::size_t max_body_kept_;
  Phase phase_ = Phase::status_line;
  HttpParseState state_ = HttpParseState::need_more;
  std::string line_;
  bool line_cr_ = false;  // the last byte of line_ so far was a CR
  std::size_t header_lines_ = 0;

  int status_ = 0;
  bool http11_ = true;
  bool keep_alive_ = true;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t length_ = 0;     // Content-Length, or the current chunk's size
  std::uint64_t remaining_ = 0;  // bytes left in the body / chunk
  std::string content_type_;
  std::string body_;
  std::uint64_t body_total_ = 0;
  std::string error_;
};

}  // namespace kilp::io
