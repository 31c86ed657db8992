#include "io/dead_letter/dead_letter_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "io/ilp/sink.hpp"

namespace kilp::io {
namespace {

// Length of the well-formed UTF-8 sequence starting at `p`, or 0 if it is not one.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) {
  const unsigned char lead = p[0];
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (left < length || p[1] < min_second || p[1] > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return length;
}

// Appends `text` as a JSON string body. Invalid UTF-8 (only possible in fields we
// do not base64, like topic or detail) becomes U+FFFD rather than broken JSON.
void append_json_escaped(std::string_view text, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t n = utf8_sequence_length(p + i, text.size() - i); n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
}

void append_string_field(std::string_view name, std::string_view value, std::string& out) {
  out += ",\"";
  out += name;
  out += "\":\"";
  append_json_escaped(value, out);
  out += '"';
}

// Cuts `bytes` to at most `max` bytes without splitting a UTF-8 sequence (when
// the text is UTF-8 at all; base64 output can be cut anywhere).
std::string_view bounded(std::string_view bytes, std::size_t max, bool utf8) {
  if (bytes.size() <= max) return bytes;
  std::size_t cut = max;
  while (utf8 && cut > 0 && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80) --cut;
  return bytes.substr(0, cut);
}

// Writes `bytes` as "<name>" (UTF-8 text) or "<name>_base64".
void append_bytes_field(std::string_view name, std::string_view bytes, std::size_t max,
                        std::string& out) {
  const bool utf8 = is_valid_utf8(bytes);
  const std::string_view kept = bounded(bytes, max, utf8);
  out += ",\"";
  out += name;
  out += utf8 ? "\":\"" : "_base64\":\"";
  if (utf8) {
    append_json_escaped(kept, out);
  } else {
    append_base64(kept, out);
  }
  out += '"';
  if (kept.size() < bytes.size()) {
    fmt::format_to(std::back_inserter(out), ",\"{}_truncated\":true,\"{}_bytes\":{}", name, name,
                   bytes.size());
  }
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  while (i < bytes.size()) {
    // ASCII fast path: most payloads are plain JSON text.
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p + i, bytes.size() - i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_base64(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  out.reserve(out.size() + (n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = p[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    const std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
}

void append_dead_letter_json(const DeadLetterRecord& record, std::size_t max_payload_bytes,
                             std::string& out) {
  out += "{\"reason\":\"";
  append_json_escaped(record.reason, out);
  out += '"';
  append_string_field("detail", record.detail, out);
  append_string_field("topic", record.topic, out);
  fmt::format_to(std::back_inserter(out), ",\"partition\":{},\"offset\":{}", record.partition,
                 record.offset);
  if (record.timestamp_ms >= 0) {
    fmt::format_to(std::back_inserter(out), ",\"timestamp_ms\":{}", record.timestamp_ms);
  } else {
    out += ",\"timestamp_ms\":null";
  }
  if (record.key.data() == nullptr) {
    out += ",\"key\":null";
  } else {
    append_bytes_field("key", record.key, max_payload_bytes, out);
  }
  append_bytes_field("payload", record.payload, max_payload_bytes, out);
  if (!record.ilp_line.empty()) append_bytes_field("ilp_line", record.ilp_line, max_payload_bytes, out);
  out += "}\n";
}

DeadLetterFile::DeadLetterFile(std::string path, std::size_t max_payload_bytes)
    : path_(std::move(path)), max_payload_bytes_(max_payload_bytes) {
  fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd_.valid()) {
    throw std::runtime_error(
        fmt::format("cannot open dead-letter file '{}': {}", path_, std::strerror(errno)));
  }
}

void DeadLetterFile::write(const DeadLetterRecord& record) {
  line_.clear();
  append_dead_letter_json(record, max_payload_bytes_, line_);
  std::string_view left = line_;
  while (!left.empty()) {
    const ssize_t written = ::write(fd_.get(), left.data(), left.size());
    if (written > 0) {
      left.remove_prefix(static_cast<std::size_t>(written));
    } else if (written < 0 && errno == EINTR) {
      continue;
    } else {
      const int error = written == 0 ? EIO : errno;
      throw SinkFatalError(
          fmt::format("dead-letter file '{}': write failed: {}", path_, std::strerror(error)));
    }
  }
  // A record with a huge payload must not pin that much memory for good.
  if (line_.capacity() > 4 * max_payload_bytes_ + 4096) std::string().swap(line_);
}

}  // namespace kilp::io
