#pragma once
// The counting sink's HTTP/1.1 side (ilp_count_sink --http): enough of QuestDB's
// ILP/HTTP endpoint for kilp. One object per connection reads requests as they
// stream in (keep-alive, pipelined or not), counts the rows (newlines) and bytes
// of each /write body without copying it, and appends one response per request,
// in order: 204 for /write and /ping, 200 with a QuestDB-like JSON for
// GET /settings, 404 for other paths, 400 (then close) for what it cannot parse.
#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::perf {

struct HttpCounts {
  std::uint64_t rows = 0;
  std::uint64_t body_bytes = 0;
  std::uint64_t requests = 0;
  std::uint64_t bad_requests = 0;  // answered 400 or 404
};

class HttpRequestStream {
 public:
  HttpRequestStream() { head_.reserve(4096); }

  // Feeds bytes read from the connection; appends the responses now due to
  // `responses`. Returns false once the connection must close after they are
  // sent (a bad request, `Connection: close` or HTTP/1.0); later bytes are ignored.
  bool feed(std::string_view bytes, std::string& responses, HttpCounts& counts);

  // Why the last bad request was refused ("" if none), for stderr.
  const std::string& last_error() const { return error_; }

 private:
  enum class Route { write, settings, ping, not_found };
  bool take_head(std::string_view& bytes, std::string& responses, HttpCounts& counts);
  bool parse_head(std::string& responses, HttpCounts& counts);
  bool refuse(std::string reason, std::string& responses, HttpCounts& counts);
  void finish_request(std::string& responses, HttpCounts& counts);

  std::string head_;           // the request head being read (reused)
  std::size_t scan_from_ = 0;  // where to look for the blank line next
  bool in_body_ = false;
  std::uint64_t body_left_ = 0;
  Route route_ = Route::not_found;
  bool close_after_ = false;
  bool closed_ = false;
  std::string error_;
};

}  // namespace kilp::perf
