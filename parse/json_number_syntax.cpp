#include "parse/json_number_syntax.hpp"

#include <cstdint>
#include <cstring>

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

// Eight bytes, first in the low byte (little-endian), all '0'..'9'.
bool eight_digits(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  return ((word & 0xF0F0F0F0F0F0F0F0ULL) |
          (((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

// The value of eight digits: pairs combined, then quads, then the two halves.
std::int64_t eight_digits_value(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  word -= 0x3030303030303030ULL;
  word = word * 10 + (word >> 8);
  word = (((word & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((word >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
         32;
  return static_cast<std::int64_t>(word & 0xFFFFFFFFULL);
}

// The end of the digits in p[i..n): eight at a time, then one by one.
std::size_t skip_digit_run(const char* p, std::size_t i, std::size_t n) {
  while (i + 8 <= n && eight_digits(p + i)) i += 8;
  while (i < n && is_digit(p[i])) ++i;
  return i;
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
  if (token.empty() || token.size() > 300) return NumberShape::kOther;
  const char* const p = token.data();
  const std::size_t n = token.size();
  const std::size_t start = p[0] == '-' ? 1 : 0;
  std::size_t i = start;
  if (i < n && p[i] == '0') {
    ++i;  // JSON allows no other digit after a leading zero
  } else {
    i = skip_digit_run(p, i, n);
    if (i == start) return NumberShape::kOther;
  }
  if (i == n) {
    if (i - start > 18 || (start == 1 && i == 2 && p[1] == '0')) return NumberShape::kOther;
    return NumberShape::kSmallInteger;
  }
  if (p[i] != '.') return NumberShape::kOther;
  const std::size_t fraction = i + 1;
  i = skip_digit_run(p, fraction, n);
  return i > fraction && i == n ? NumberShape::kPlainDecimal : NumberShape::kOther;
}

std::int64_t small_integer_value(std::string_view token) {
  const char* const p = token.data();
  const std::size_t n = token.size();
  const bool negative = p[0] == '-';
  std::size_t i = negative ? 1 : 0;
  std::int64_t value = 0;
  for (; i + 8 <= n; i += 8) value = value * 100000000 + eight_digits_value(p + i);
  for (; i < n; ++i) value = 10 * value + (p[i] - '0');
  return negative ? -value : value;
}

}  // namespace kilp::parse
