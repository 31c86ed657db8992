#include "tests/support/strict_ilp_parser.hpp"

#include <charconv>
#include <cstring>
#include <limits>
#include <set>

namespace kilp::testing {

namespace {

constexpr std::size_t kMaxNameBytes = 127;
constexpr char kBinaryDoubleType = 0x10;
constexpr char kBinaryArrayType = 14;
constexpr char kArrayElementDouble = 10;
constexpr char kBinaryDecimalType = 23;
constexpr std::size_t kMaxDecimalBytes = 32;  // 76 digits
constexpr std::size_t kMaxDecimalDigits = 76;
constexpr std::size_t kMaxArrayDims = 32;

bool is_name_escapable(char c) {
  return c == ' ' || c == ',' || c == '=' || c == '\n' || c == '\r' || c == '\\';
}

bool is_refused_in_any_name(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte <= 0x0F || byte == 0x7F) return true;
  return std::strchr("?,'\"\\/:()+*%~", c) != nullptr && c != '\0';
}

bool has_byte_order_mark(std::string_view name) {
  return name.find("\xEF\xBB\xBF") != std::string_view::npos;
}

// QuestDB compares names ignoring case (`a` and `A` are one column, and it silently
// drops the second value): folded here for ASCII, which keeps this reader independent
// of kilp's full folding (parse/column_name_folding.hpp, checked against QuestDB).
std::string ascii_lowered(std::string name) {
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Strict decimal double: -?digits(.digits)?([eE][+-]?digits)?
bool is_decimal_double(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == int_start) return false;
  if (i < s.size() && s[i] == '.') {
    const std::size_t frac_start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac_start) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t exp_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == exp_start) return false;
  }
  return i == s.size();
}

class LineParser {
 public:
  explicit LineParser(std::string_view input) : in_(input) {}

  IlpParseResult parse() {
    IlpParseResult result;
    IlpRow row;
    if (!parse_row(row)) {
      result.error = error_ + " at byte " + std::to_string(pos_);
      return result;
    }
    result.row = std::move(row);
    result.consumed = pos_;
    return result;
  }

 private:
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return in_[pos_]; }

  bool parse_row(IlpRow& row) {
    if (!read_name(row.table, /*stop_at_equals=*/false)) return false;
    if (!is_questdb_table_name(row.table)) return fail("invalid table name '" + row.table + "'");
    std::set<std::string> names;
    while (!at_end() && peek() == ',') {
      ++pos_;
      std::string name, value;
      if (!read_name(name, true) || !expect('=') || !read_symbol_value(value)) return false;
      if (!is_questdb_column_name(name)) return fail("invalid symbol name '" + name + "'");
      if (!names.insert(ascii_lowered(name)).second) return fail("duplicate name '" + name + "'");
      row.symbols.emplace_back(std::move(name), std::move(value));
    }
    if (!at_end() && peek() == ' ' && !timestamp_follows()) {
      do {
        ++pos_;
        std::string name;
        IlpValue value;
        if (!read_name(name, true) || !expect('=') || !read_field_value(value)) return false;
        if (!is_questdb_column_name(name)) return fail("invalid column name '" + name + "'");
        if (!names.insert(ascii_lowered(name)).second) return fail("duplicate name '" + name + "'");
        if (std::holds_alternative<std::vector<double>>(value)) {
          row.array_shapes.emplace_back(name, array_shape_);
        }
        row.columns.emplace_back(std::move(name), std::move(value));
      } while (!at_end() && peek() == ',');
    }
    if (row.symbols.empty() && row.columns.empty()) return fail("no symbol and no column");
    if (!at_end() && peek() == ' ') {
      ++pos_;
      const std::size_t start = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      std::int64_t ts = 0;
      const auto [ptr, ec] = std::from_chars(in_.data() + start, in_.data() + pos_, ts);
      if (pos_ == start || ec != std::errc() || ptr != in_.data() + pos_) {
        return fail("bad timestamp");
      }
      row.timestamp_ns = ts;
    }
    return expect('\n');
  }

  // After the symbols, a space introduces either the columns or (in a symbol-only
  // row) the timestamp: digits up to the end of the line.
  bool timestamp_follows() const {
    std::size_t i = pos_ + 1;
    const std::size_t start = i;
    while (i < in_.size() && in_[i] >= '0' && in_[i] <= '9') ++i;
    return i > start && i < in_.size() && in_[i] == '\n';
  }

  bool expect(char c) {
    if (at_end()) return fail(std::string("expected '") + c + "' but the input ended");
    if (peek() != c) return fail(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  // Table, symbol and column names end at an unescaped ',' or ' ' (and '=' for
  // symbol/column names).
  bool read_name(std::string& out, bool stop_at_equals) {
    while (!at_end()) {
      const char c = peek();
      if (c == ',' || c == ' ' || (stop_at_equals && c == '=')) break;
      if (c == '\\') {
        if (pos_ + 1 >= in_.size() || !is_name_escapable(in_[pos_ + 1])) {
          return fail("bad escape in name");
        }
        out.push_back(in_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (c == '\n' || c == '\r' || c == '=') return fail("unescaped special character in name");
      out.push_back(c);
      ++pos_;
    }
    if (out.empty()) return fail("empty name");
    return true;
  }

  bool read_symbol_value(std::string& out) {
    while (!at_end()) {
      const char c = peek();
      if (c == ',' || c == ' ' || c == '\n') return true;
      if (c == '\\') {
        if (pos_ + 1 >= in_.size() || !is_name_escapable(in_[pos_ + 1])) {
          return fail("bad escape in symbol value");
        }
        out.push_back(in_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (c == '\r' || c == '=') return fail("unescaped special character in symbol value");
      out.push_back(c);
      ++pos_;
    }
    return fail("line ended inside a symbol value");
  }

  bool read_field_value(IlpValue& value) {
    if (at_end()) return fail("missing field value");
    if (peek() == '"') return read_string(value);
    if (peek() == '=') return read_binary_double(value);
    const std::size_t start = pos_;
    while (!at_end() && peek() != ',' && peek() != ' ' && peek() != '\n') ++pos_;
    const std::string_view token = in_.substr(start, pos_ - start);
    if (token.empty()) return fail("missing field value");
    if (token == "t" || token == "T" || token == "true" || token == "True" || token == "TRUE") {
      value = true;
      return true;
    }
    if (token == "f" || token == "F" || token == "false" || token == "False" || token == "FALSE") {
      value = false;
      return true;
    }
    if (token.back() == 'i') return read_long(token.substr(0, token.size() - 1), value);
    if (token.back() == 't' || token.back() == 'n') return read_timestamp_column(token, value);
    return read_text_double(token, value);
  }

  bool read_long(std::string_view digits, IlpValue& value) {
    std::string_view unsigned_part = digits;
    if (!unsigned_part.empty() && unsigned_part.front() == '-') unsigned_part.remove_prefix(1);
    if (!is_digits(unsigned_part)) return fail("bad long '" + std::string(digits) + "i'");
    std::int64_t number = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return fail("long out of range '" + std::string(digits) + "'");
    }
    value = number;
    return true;
  }

  bool read_timestamp_column(std::string_view token, IlpValue& value) {
    const std::string_view digits = token.substr(0, token.size() - 1);
    std::int64_t number = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (!is_digits(digits) || ec != std::errc() || ptr != digits.data() + digits.size()) {
      return fail("bad timestamp column '" + std::string(token) + "'");
    }
    const std::int64_t scale = token.back() == 't' ? 1000 : 1;
    if (number > INT64_MAX / scale) return fail("timestamp column out of range");
    value = IlpTimestamp{number * scale};
    return true;
  }

  bool read_text_double(std::string_view token, IlpValue& value) {
    if (token == "NaN") {
      value = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (token == "Infinity" || token == "-Infinity") {
      value = token[0] == '-' ? -std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::infinity();
      return true;
    }
    if (!is_decimal_double(token)) return fail("bad double '" + std::string(token) + "'");
    double number = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), number);
    if (ec != std::errc() || ptr != token.data() + token.size()) {
      return fail("double out of range '" + std::string(token) + "'");
    }
    value = number;
    return true;
  }

  bool read_binary_double(IlpValue& value) {
    ++pos_;  // the second '='
    if (pos_ < in_.size() && in_[pos_] == kBinaryArrayType) return read_binary_array(value);
    if (pos_ < in_.size() && in_[pos_] == kBinaryDecimalType) return read_binary_decimal(value);
    if (in_.size() - pos_ < 1 + sizeof(double)) return fail("truncated binary double");
    if (in_[pos_] != kBinaryDoubleType) return fail("unknown binary value type");
    double number = 0;
    std::memcpy(&number, in_.data() + pos_ + 1, sizeof number);  // little-endian host
    pos_ += 1 + sizeof(double);
    value = number;
    return true;
  }

  // '=' 14, element type 10 (double), dimension count, uint32 LE length of each,
  // then the elements as little-endian doubles.
  bool read_binary_array(IlpValue& value) {
    ++pos_;  // the type byte
    if (in_.size() - pos_ < 2) return fail("truncated array header");
    if (in_[pos_] != kArrayElementDouble) return fail("array element type is not double");
    const auto dims = static_cast<unsigned char>(in_[pos_ + 1]);
    pos_ += 2;
    if (dims == 0 || dims > kMaxArrayDims) return fail("bad array dimension count");
    std::uint64_t elements = 1;
    array_shape_.clear();
    for (unsigned d = 0; d < dims; ++d) {
      if (in_.size() - pos_ < sizeof(std::uint32_t)) return fail("truncated array shape");
      std::uint32_t length = 0;
      std::memcpy(&length, in_.data() + pos_, sizeof length);
      pos_ += sizeof length;
      array_shape_.push_back(length);
      elements *= length;
      if (elements > (in_.size() - pos_) / sizeof(double) + 1) return fail("array longer than the line");
    }
    if (in_.size() - pos_ < elements * sizeof(double)) return fail("truncated array data");
    std::vector<double> data(elements);
    if (elements > 0) std::memcpy(data.data(), in_.data() + pos_, elements * sizeof(double));
    pos_ += elements * sizeof(double);
    value = std::move(data);
    return true;
  }

  // '=' 23, scale (0-76), byte count (1-32), then the unscaled value, big-endian two's
  // complement, in no more bytes than it needs.
  bool read_binary_decimal(IlpValue& value) {
    ++pos_;  // the type byte
    if (in_.size() - pos_ < 2) return fail("truncated decimal header");
    const auto scale = static_cast<unsigned char>(in_[pos_]);
    const auto length = static_cast<unsigned char>(in_[pos_ + 1]);
    pos_ += 2;
    if (scale > kMaxDecimalDigits) return fail("decimal scale above 76");
    if (length == 0 || length > kMaxDecimalBytes) return fail("bad decimal byte count");
    if (in_.size() - pos_ < length) return fail("truncated decimal value");
    std::vector<unsigned char> bytes(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                     in_.begin() + static_cast<std::ptrdiff_t>(pos_ + length));
    pos_ += length;
    if (length > 1 &&
        ((bytes[0] == 0x00 && !(bytes[1] & 0x80)) || (bytes[0] == 0xFF && (bytes[1] & 0x80)))) {
      return fail("decimal value not in its fewest bytes");
    }
    const bool negative = (bytes[0] & 0x80) != 0;
    if (negative) {  // magnitude = two's complement negated: invert, add one
      for (unsigned char& byte : bytes) byte = static_cast<unsigned char>(~byte);
      for (std::size_t i = bytes.size(); i-- > 0;) {
        if (++bytes[i] != 0) break;
      }
    }
    // Decimal digits by long division of the big-endian magnitude by ten.
    std::string digits;
    for (bool nonzero = true; nonzero;) {
      unsigned remainder = 0;
      nonzero = false;
      for (unsigned char& byte : bytes) {
        const unsigned current = (remainder << 8) | byte;
        byte = static_cast<unsigned char>(current / 10);
        remainder = current % 10;
        nonzero = nonzero || byte != 0;
      }
      digits.insert(digits.begin(), static_cast<char>('0' + remainder));
    }
    if (digits.size() > kMaxDecimalDigits) return fail("decimal of more than 76 digits");
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    if (scale > 0) digits.insert(digits.size() - scale, ".");
    value = IlpDecimal{(negative ? "-" : "") + digits};
    return true;
  }

  bool read_string(IlpValue& value) {
    ++pos_;  // opening quote
    std::string text;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') {
        ++pos_;
        value = std::move(text);
        return true;
      }
      if (c == '\\') {
        if (pos_ + 1 >= in_.size()) break;
        const char next = in_[pos_ + 1];
        if (next != '"' && next != '\\' && next != '\n' && next != '\r') {
          return fail("bad escape in string");
        }
        text.push_back(next);
        pos_ += 2;
        continue;
      }
      if (c == '\n' || c == '\r') return fail("unescaped line break in string");
      text.push_back(c);
      ++pos_;
    }
    return fail("unterminated string");
  }

  std::string_view in_;
  std::vector<std::uint32_t> array_shape_;  // of the last double array read
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool is_questdb_column_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || has_byte_order_mark(name)) return false;
  for (char c : name) {
    if (is_refused_in_any_name(c) || c == '.' || c == '-') return false;
  }
  return true;
}

bool is_questdb_table_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || has_byte_order_mark(name)) return false;
  for (char c : name) {
    if (is_refused_in_any_name(c)) return false;
  }
  return name.front() != '.' && name.back() != '.' && name.find("..") == std::string_view::npos;
}

IlpParseResult parse_ilp_line_prefix(std::string_view input) {
  return LineParser(input).parse();
}

IlpParseResult parse_ilp_line(std::string_view line) {
  IlpParseResult result = parse_ilp_line_prefix(line);
  if (result.ok() && result.consumed != line.size()) {
    result.row.reset();
    result.error = "trailing bytes after the line end at byte " + std::to_string(result.consumed);
  }
  return result;
}

bool split_ilp_lines(std::string_view stream, std::vector<std::string_view>& lines,
                     std::string& error) {
  std::size_t offset = 0;
  while (offset < stream.size()) {
    const IlpParseResult result = parse_ilp_line_prefix(stream.substr(offset));
    if (!result.ok()) {
      error = "line starting at byte " + std::to_string(offset) + ": " + result.error;
      return false;
    }
    lines.push_back(stream.substr(offset, result.consumed));
    offset += result.consumed;
  }
  return true;
}

}  // namespace kilp::testing
