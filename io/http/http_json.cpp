#include "io/http/http_json.hpp"

#include <algorithm>

namespace kilp::io {
namespace {

constexpr std::size_t kMaxMessageBytes = 4096;
constexpr int kMaxDepth = 32;

// A cursor over JSON text; every reader returns false on a syntax error.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  void skip_ws() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool at_end() {
    skip_ws();
    return pos_ == text_.size();
  }
  bool consume(char c) {
    skip_ws();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char peek() {
    skip_ws();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  // A string, decoded into `out` (cut at kMaxMessageBytes) when out != nullptr.
  bool string(std::string* out) {
    if (!consume('"')) return false;
    if (out) out->clear();
    while (pos_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') {
        append(out, static_cast<char>(c));
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': append(out, e); break;
        case 'b': append(out, '\b'); break;
        case 'f': append(out, '\f'); break;
        case 'n': append(out, '\n'); break;
        case 'r': append(out, '\r'); break;
        case 't': append(out, '\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return false;
            }
            pos_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // An integer (the only numbers we need as values); other numbers are skipped
  // and leave `is_integer` false.
  bool number(std::int64_t& value, bool& is_integer) {
    skip_ws();
    const std::size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !digit(text_[pos_])) return false;
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
    }
    is_integer = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_integer = false;
      ++pos_;
      if (pos_ >= text_.size() || !digit(text_[pos_])) return false;
      while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      is_integer = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= text_.size() || !digit(text_[pos_])) return false;
      while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
    }
    const std::string_view digits = text_.substr(start, pos_ - start);
    if (is_integer && digits.size() <= 18) {
      std::int64_t n = 0;
      for (char c : digits) {
        if (c != '-') n = n * 10 + (c - '0');
      }
      value = digits.front() == '-' ? -n : n;
    } else {
      is_integer = false;
    }
    return true;
  }

  bool literal(std::string_view word) {
    skip_ws();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Any value, discarded.
  bool skip_value(int depth) {
    if (depth > kMaxDepth) return false;
    const char c = peek();
    if (c == '"') return string(nullptr);
    if (c == '{') {
      ++pos_;
      if (consume('}')) return true;
      do {
        if (!string(nullptr) || !consume(':') || !skip_value(depth + 1)) return false;
      } while (consume(','));
      return consume('}');
    }
    if (c == '[') {
      ++pos_;
      if (consume(']')) return true;
      do {
        if (!skip_value(depth + 1)) return false;
      } while (consume(','));
      return consume(']');
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    std::int64_t ignored = 0;
    bool integer = false;
    return number(ignored, integer);
  }

  std::size_t position() const { return pos_; }
  void set_position(std::size_t pos) { pos_ = pos; }

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool hex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(v);
    }
    return true;
  }

  static void append(std::string* out, char c) {
    if (out && out->size() < kMaxMessageBytes) out->push_back(c);
  }

  static void append_utf8(std::string* out, std::uint32_t cp) {
    if (cp < 0x80) {
      append(out, static_cast<char>(cp));
    } else if (cp < 0x800) {
      append(out, static_cast<char>(0xC0 | (cp >> 6)));
      append(out, static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      append(out, static_cast<char>(0xE0 | (cp >> 12)));
      append(out, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      append(out, static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      append(out, static_cast<char>(0xF0 | (cp >> 18)));
      append(out, static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      append(out, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      append(out, static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool read_error_object(std::string_view body, HttpErrorBody& out) {
  JsonReader json(body);
  if (!json.consume('{')) return false;
  std::string key;
  bool have_message = false;
  if (!json.consume('}')) {
    do {
      if (!json.string(&key) || !json.consume(':')) return false;
      if ((key == "message" || key == "error") && json.peek() == '"') {
        if (!json.string(&out.message)) return false;
        have_message = true;
      } else if (key == "code" && json.peek() == '"') {
        if (!json.string(&out.code)) return false;
      } else if (key == "errorId" && json.peek() == '"') {
        if (!json.string(&out.error_id)) return false;
      } else if (key == "line" && json.peek() != '"') {
        std::int64_t n = 0;
        bool integer = false;
        const std::size_t start = json.position();
        if (json.number(n, integer)) {
          if (integer && n > 0) out.line = n;
        } else {
          json.set_position(start);
          if (!json.skip_value(0)) return false;
        }
      } else if (!json.skip_value(0)) {
        return false;
      }
    } while (json.consume(','));
    if (!json.consume('}')) return false;
  }
  return json.at_end() && have_message;
}

}  // namespace

void parse_http_error_body(std::string_view body, HttpErrorBody& out) {
  out.message.clear();
  out.code.clear();
  out.error_id.clear();
  out.line = 0;
  if (read_error_object(body, out)) return;
  out.code.clear();
  out.error_id.clear();
  out.line = 0;
  // Not QuestDB's JSON: keep the text, control bytes turned into spaces.
  out.message.clear();
  for (char c : body.substr(0, kMaxMessageBytes)) {
    out.message.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  while (!out.message.empty() && out.message.back() == ' ') out.message.pop_back();
}

std::uint32_t parse_settings_protocol_versions(std::string_view body) {
  constexpr std::string_view kKey = "\"line.proto.support.versions\"";
  std::uint32_t versions = 0;
  for (std::size_t at = body.find(kKey); at != std::string_view::npos;
       at = body.find(kKey, at + 1)) {
    JsonReader json(body.substr(at + kKey.size()));
    if (!json.consume(':') || !json.consume('[')) continue;
    if (json.consume(']')) continue;
    do {
      std::int64_t n = 0;
      bool integer = false;
      if (!json.number(n, integer)) break;
      if (integer && n >= 1 && n <= 31) versions |= 1u << n;
    } while (json.consume(','));
  }
  return versions;
}

}  // namespace kilp::io
