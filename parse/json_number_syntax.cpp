#include "parse/json_number_syntax.hpp"

namespace kilp::parse {

namespace {
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Advances past one or more digits; false if there is none.
bool skip_digits(std::string_view token, std::size_t& i) {
  const std::size_t start = i;
  while (i < token.size() && is_digit(token[i])) ++i;
  return i > start;
}

// JSON's integer part: an optional '-', then "0" or digits without a leading zero.
bool skip_integer_part(std::string_view token, std::size_t& i) {
  if (i < token.size() && token[i] == '-') ++i;
  if (i < token.size() && token[i] == '0') {
    ++i;
    return true;
  }
  return skip_digits(token, i);
}
}  // namespace

bool is_json_number(std::string_view token) {
  std::size_t i = 0;
  if (!skip_integer_part(token, i)) return false;
  if (i < token.size() && token[i] == '.') {
    ++i;
    if (!skip_digits(token, i)) return false;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!skip_digits(token, i)) return false;
  }
  return i == token.size();
}

NumberShape number_shape(std::string_view token) {
  // 300 digits stay far below DBL_MAX (about 1.8e308).
  if (token.size() > 300) return NumberShape::kOther;
  std::size_t i = 0;
  if (!skip_integer_part(token, i)) return NumberShape::kOther;
  if (i == token.size()) {
    const std::size_t digits = token[0] == '-' ? i - 1 : i;
    if (digits > 18 || token == "-0") return NumberShape::kOther;
    return NumberShape::kSmallInteger;
  }
  if (token[i] != '.') return NumberShape::kOther;
  ++i;
  return skip_digits(token, i) && i == token.size() ? NumberShape::kPlainDecimal
                                                    : NumberShape::kOther;
}

std::int64_t small_integer_value(std::string_view token) {
  const bool negative = token[0] == '-';
  std::int64_t value = 0;
  for (std::size_t i = negative ? 1 : 0; i < token.size(); ++i)
    value = 10 * value + (token[i] - '0');
  return negative ? -value : value;
}

}  // namespace kilp::parse
