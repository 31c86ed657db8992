#include "io/http/http_response_parser.hpp"

#include <algorithm>

namespace kilp::io {
namespace {

constexpr std::size_t kMaxErrorBytes = 200;
constexpr std::size_t kMaxContentTypeBytes = 128;
// A chunk or body larger than this is not a response QuestDB sends; refusing it
// also keeps the arithmetic far from overflow.
constexpr std::uint64_t kMaxBodyBytes = 1ull << 40;

bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// field-vchar / reason-phrase bytes: visible ASCII, obs-text, SP and HTAB.
bool is_text_byte(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 13) return false;  // 13 digits > kMaxBodyBytes
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = n;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HttpResponseParser::HttpResponseParser(std::size_t max_body_kept) : max_body_kept_(max_body_kept) {
  line_.reserve(kMaxLineBytes + 1);
  body_.reserve(max_body_kept_);
  content_type_.reserve(kMaxContentTypeBytes);
  error_.reserve(kMaxErrorBytes);
  reset();
}

void HttpResponseParser::reset() {
  phase_ = Phase::status_line;
  state_ = HttpParseState::need_more;
  line_.clear();
  line_cr_ = false;
  header_lines_ = 0;
  status_ = 0;
  http11_ = true;
  keep_alive_ = true;
  connection_close_ = false;
  connection_keep_alive_ = false;
  chunked_ = false;
  has_length_ = false;
  length_ = 0;
  remaining_ = 0;
  content_type_.clear();
  body_.clear();
  body_total_ = 0;
  error_.clear();
}

HttpParseState HttpResponseParser::fail(std::string_view why) {
  error_.assign(why.substr(0, kMaxErrorBytes));
  phase_ = Phase::failed;
  state_ = HttpParseState::error;
  keep_alive_ = false;
  return state_;
}

bool HttpResponseParser::take_line(std::string_view bytes, std::size_t& pos, bool& failed) {
  while (pos < bytes.size()) {
    const char c = bytes[pos++];
    if (line_cr_) {
      if (c != '\n') {
        failed = true;
        fail("bare CR in the response head");
        return false;
      }
      line_cr_ = false;
      return true;
    }
    if (c == '\r') {
      line_cr_ = true;
      continue;
    }
    if (c == '\n') {
      failed = true;
      fail("bare LF in the response head (lines must end in CRLF)");
      return false;
    }
    if (line_.size() == kMaxLineBytes) {
      failed = true;
      fail("response line longer than 8 KiB");
      return false;
    }
    line_.push_back(c);
  }
  return false;
}

bool HttpResponseParser::on_status_line() {
  const std::string_view line = line_;
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ') {
    fail("malformed status line (expected 'HTTP/1.x NNN reason')");
    return false;
  }
  http11_ = line[7] == '1';
  int code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      fail("malformed status code");
      return false;
    }
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100) {
    fail("status code below 100");
    return false;
  }
  if (line.size() > 12) {
    if (line[12] != ' ') {
      fail("status code longer than 3 digits");
      return false;
    }
    for (std::size_t i = 13; i < line.size(); ++i) {
      if (!is_text_byte(static_cast<unsigned char>(line[i]))) {
        fail("control byte in the reason phrase");
        return false;
      }
    }
  }
  status_ = code;
  return true;
}

bool HttpResponseParser::on_header_line() {
  const std::string_view line = line_;
  if (++header_lines_ > kMaxHeaderLines) {
    fail("more than 128 header lines");
    return false;
  }
  if (line.front() == ' ' || line.front() == '\t') {
    fail("obsolete header line folding");
    return false;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail("header line without 'name:'");
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!is_tchar(static_cast<unsigned char>(c))) {
      fail("invalid byte in a header name");
      return false;
    }
  }
  const std::string_view value = trim_ows(line.substr(colon + 1));
  for (char c : value) {
    if (!is_text_byte(static_cast<unsigned char>(c))) {
      fail("control byte in a header value");
      return false;
    }
  }
  if (iequals(name, "content-length")) {
    std::uint64_t n = 0;
    if (!parse_decimal(value, n) || n > kMaxBodyBytes) {
      fail("invalid Content-Length");
      return false;
    }
    if (has_length_ && n != length_) {
      fail("conflicting Content-Length headers");
      return false;
    }
    has_length_ = true;
    length_ = n;
  } else if (iequals(name, "transfer-encoding")) {
    if (!iequals(value, "chunked") || chunked_) {
      fail("unsupported Transfer-Encoding (only a single 'chunked' is accepted)");
      return false;
    }
    chunked_ = true;
  } else if (iequals(name, "connection")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view token = trim_ows(rest.substr(0, comma));
      if (iequals(token, "close")) connection_close_ = true;
      if (iequals(token, "keep-alive")) connection_keep_alive_ = true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (iequals(name, "content-type")) {
    content_type_.assign(value.substr(0, kMaxContentTypeBytes));
  }
  return true;
}

bool HttpResponseParser::on_headers_end() {
  if (status_ == 101) {
    fail("unexpected 101 Switching Protocols");
    return false;
  }
  if (status_ < 200) {  // interim response (100 Continue, 103 Early Hints): skip it
    reset();
    return true;
  }
  if (chunked_ && has_length_) {
    fail("both Content-Length and Transfer-Encoding");
    return false;
  }
  keep_alive_ = !connection_close_ && (http11_ || connection_keep_alive_);
  if (status_ == 204 || status_ == 304) {
    if (chunked_ || (has_length_ && length_ != 0)) {
      fail("a body on a 204/304 response");
      return false;
    }
    phase_ = Phase::done;
  } else if (chunked_) {
    phase_ = Phase::chunk_size;
  } else if (has_length_) {
    remaining_ = length_;
    phase_ = remaining_ == 0 ? Phase::done : Phase::body_length;
  } else {
    keep_alive_ = false;  // the close ends the body
    phase_ = Phase::body_until_close;
  }
  return true;
}

bool HttpResponseParser::on_chunk_size_line() {
  std::string_view line = line_;
  const std::size_t semi = line.find(';');
  std::string_view size_text = line.substr(0, semi);
  while (!size_text.empty() && (size_text.back() == ' ' || size_text.back() == '\t')) {
    size_text.remove_suffix(1);
  }
  if (size_text.empty() || size_text.size() > 10) {
    fail("malformed chunk size");
    return false;
  }
  std::uint64_t n = 0;
  for (char c : size_text) {
    const int v = hex_value(c);
    if (v < 0) {
      fail("malformed chunk size");
      return false;
    }
    n = n * 16 + static_cast<std::uint64_t>(v);
  }
  if (semi != std::string_view::npos) {
    for (char c : line.substr(semi)) {
      if (!is_text_byte(static_cast<unsigned char>(c))) {
        fail("control byte in a chunk extension");
        return false;
      }
    }
  }
  if (body_total_ + n > kMaxBodyBytes) {
    fail("chunked body too large");
    return false;
  }
  remaining_ = n;
  phase_ = n == 0 ? Phase::trailer_line : Phase::chunk_data;
  return true;
}

bool HttpResponseParser::on_trailer_line() {
  if (line_.empty()) {
    phase_ = Phase::done;
    return true;
  }
  const bool had_length = has_length_;
  const std::uint64_t length = length_;
  const bool chunked = chunked_;
  // Trailer fields are checked like header fields but never change the framing.
  if (!on_header_line()) return false;
  has_length_ = had_length;
  length_ = length;
  chunked_ = chunked;
  return true;
}

void HttpResponseParser::keep_body(std::string_view bytes) {
  body_total_ += bytes.size();
  const std::size_t room = max_body_kept_ - body_.size();
  body_.append(bytes.substr(0, std::min(room, bytes.size())));
}

HttpParseState HttpResponseParser::feed(std::string_view bytes, std::size_t& consumed) {
  std::size_t pos = 0;
  bool failed = false;
  while (state_ == HttpParseState::need_more && pos < bytes.size()) {
    switch (phase_) {
      case Phase::status_line:
      case Phase::header_line:
      case Phase::chunk_size:
      case Phase::trailer_line: {
        if (!take_line(bytes, pos, failed)) break;
        bool ok = true;
        if (phase_ == Phase::status_line) {
          ok = on_status_line();
          if (ok) phase_ = Phase::header_line;
        } else if (phase_ == Phase::header_line) {
          ok = line_.empty() ? on_headers_end() : on_header_line();
        } else if (phase_ == Phase::chunk_size) {
          ok = on_chunk_size_line();
        } else {
          ok = on_trailer_line();
        }
        line_.clear();
        if (!ok) failed = true;
        break;
      }
      case Phase::body_length:
      case Phase::chunk_data: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size() - pos));
        keep_body(bytes.substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          phase_ = phase_ == Phase::body_length ? Phase::done : Phase::chunk_data_end;
        }
        break;
      }
      case Phase::chunk_data_end: {
        // CRLF after a chunk's data.
        const char c = bytes[pos++];
        if (!line_cr_) {
          if (c != '\r') {
            fail("chunk data not followed by CRLF");
            failed = true;
            break;
          }
          line_cr_ = true;
        } else {
          line_cr_ = false;
          if (c != '\n') {
            fail("chunk data not followed by CRLF");
            failed = true;
            break;
          }
          phase_ = Phase::chunk_size;
        }
        break;
      }
      case Phase::body_until_close:
        keep_body(bytes.substr(pos));
        pos = bytes.size();
        break;
      case Phase::done:
      case Phase::failed:
        break;
    }
    if (failed) break;
    if (phase_ == Phase::done) state_ = HttpParseState::complete;
  }
  consumed = pos;
  return state_;
}

HttpParseState HttpResponseParser::finish_at_eof() {
  if (state_ != HttpParseState::need_more) return state_;
  if (phase_ == Phase::body_until_close) {
    phase_ = Phase::done;
    state_ = HttpParseState::complete;
    return state_;
  }
  return fail(phase_ == Phase::status_line && line_.empty() && !line_cr_
                  ? "connection closed before a response"
                  : "connection closed in the middle of the response");
}

}  // namespace kilp::io
