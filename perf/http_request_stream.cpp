#include "perf/http_request_stream.hpp"

#include <algorithm>
#include <charconv>

namespace kilp::perf {
namespace {

constexpr std::size_t kMaxHeadBytes = 64 << 10;

// What QuestDB 9 answers on GET /settings, trimmed to what a client reads, but
// listing ILP protocol 1 only: rows are counted as newlines, and protocol 2's
// binary doubles may hold newline bytes.
constexpr std::string_view kSettingsBody =
    R"({"config":{"release.type":"OSS","release.version":"ilp_count_sink",)"
    R"("line.proto.support.versions":[1],"ilp.proto.transports":["tcp","http"],)"
    R"("cairo.max.file.name.length":127},"preferences.version":0,"preferences":{}})";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool path_is(std::string_view target, std::string_view path) {
  return target == path || (target.starts_with(path) && target[path.size()] == '?');
}

}  // namespace

bool HttpRequestStream::feed(std::string_view bytes, std::string& responses, HttpCounts& counts) {
  while (!closed_ && !bytes.empty()) {
    if (!in_body_) {
      if (!take_head(bytes, responses, counts)) return false;
      continue;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, bytes.size()));
    if (route_ == Route::write) {
      counts.rows += static_cast<std::uint64_t>(std::count(bytes.data(), bytes.data() + n, '\n'));
      counts.body_bytes += n;
    }
    body_left_ -= n;
    bytes.remove_prefix(n);
    if (body_left_ == 0) finish_request(responses, counts);
  }
  return !closed_;
}

// Moves head bytes from `bytes` into head_; parses the head once complete.
bool HttpRequestStream::take_head(std::string_view& bytes, std::string& responses,
                                  HttpCounts& counts) {
  const std::size_t before = head_.size();
  const std::size_t take = std::min(bytes.size(), kMaxHeadBytes - before);
  head_.append(bytes.data(), take);
  const std::size_t end = head_.find("\r\n\r\n", scan_from_);
  if (end == std::string::npos) {
    bytes.remove_prefix(take);
    scan_from_ = head_.size() < 3 ? 0 : head_.size() - 3;
    if (head_.size() >= kMaxHeadBytes) return refuse("request head over 64 KiB", responses, counts);
    return true;
  }
  head_.resize(end + 4);
  bytes.remove_prefix(head_.size() - before);
  scan_from_ = 0;
  const bool ok = parse_head(responses, counts);
  head_.clear();
  return ok;
}

bool HttpRequestStream::parse_head(std::string& responses, HttpCounts& counts) {
  const std::string_view head(head_);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t space1 = request_line.find(' ');
  const std::size_t space2 = request_line.rfind(' ');
  if (space1 == std::string_view::npos || space2 == space1) {
    return refuse("malformed request line '" + std::string(request_line) + "'", responses, counts);
  }
  const std::string_view method = request_line.substr(0, space1);
  const std::string_view target = request_line.substr(space1 + 1, space2 - space1 - 1);
  const std::string_view version = request_line.substr(space2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return refuse("unsupported version '" + std::string(version) + "'", responses, counts);
  }
  close_after_ = version == "HTTP/1.0";
  bool has_length = false;
  std::uint64_t length = 0;
  bool expect_continue = false;
  for (std::size_t pos = line_end + 2; pos + 2 < head.size();) {
    const std::size_t next = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, next - pos);
    pos = next + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return refuse("malformed header line '" + std::string(line) + "'", responses, counts);
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (error != std::errc() || end != value.data() + value.size() || value.empty() ||
          (has_length && n != length)) {
        return refuse("bad Content-Length '" + std::string(value) + "'", responses, counts);
      }
      has_length = true;
      length = n;
    } else if (iequals(name, "transfer-encoding")) {
      return refuse("Transfer-Encoding is not supported (send Content-Length)", responses, counts);
    } else if (iequals(name, "connection")) {
      if (iequals(value, "close")) close_after_ = true;
      if (iequals(value, "keep-alive")) close_after_ = false;
    } else if (iequals(name, "expect") && iequals(value, "100-continue")) {
      expect_continue = true;
    }
  }
  if (method == "POST" && (path_is(target, "/write") || path_is(target, "/api/v2/write"))) {
    if (!has_length) return refuse("POST without Content-Length", responses, counts);
    route_ = Route::write;
  } else if (method == "GET" && path_is(target, "/settings")) {
    route_ = Route::settings;
  } else if ((method == "GET" || method == "HEAD") && path_is(target, "/ping")) {
    route_ = Route::ping;
  } else {
    route_ = Route::not_found;
    error_ = "no such endpoint: " + std::string(request_line);
  }
  if (expect_continue && length > 0) responses += "HTTP/1.1 100 Continue\r\n\r\n";
  body_left_ = length;
  in_body_ = true;
  if (body_left_ == 0) finish_request(responses, counts);
  return true;
}

void HttpRequestStream::finish_request(std::string& responses, HttpCounts& counts) {
  in_body_ = false;
  ++counts.requests;
  switch (route_) {
    case Route::write:
    case Route::ping:
      responses += "HTTP/1.1 204 No Content\r\n";
      break;
    case Route::settings:
      responses += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
      responses += std::to_string(kSettingsBody.size());
      responses += "\r\n";
      break;
    case Route::not_found:
      ++counts.bad_requests;
      responses += "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n";
      break;
  }
  if (close_after_) responses += "Connection: close\r\n";
  responses += "\r\n";
  if (route_ == Route::settings) responses += kSettingsBody;
  if (close_after_) closed_ = true;
}

bool HttpRequestStream::refuse(std::string reason, std::string& responses, HttpCounts& counts) {
  static constexpr std::string_view kBody = R"({"code":"invalid","message":"bad request"})";
  error_ = std::move(reason);
  ++counts.requests;
  ++counts.bad_requests;
  responses +=
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n";
  responses += "Content-Length: " + std::to_string(kBody.size()) + "\r\n\r\n";
  responses += kBody;
  closed_ = true;
  return false;
}

}  // namespace kilp::perf
