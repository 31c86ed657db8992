#include "parse/java_double_text.hpp"

#include <charconv>
#include <limits>

namespace kilp::parse {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The end of a decimal number at the start of `text` (digits, an optional '.', an
// optional exponent), or nullptr when there is none.
const char* end_of_decimal(const char* p, const char* end) {
  std::size_t digits = 0;
  for (; p < end && is_digit(*p); ++p) ++digits;
  if (p < end && *p == '.') {
    for (++p; p < end && is_digit(*p); ++p) ++digits;
  }
  if (digits == 0) return nullptr;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* const exponent = p;
    while (p < end && is_digit(*p)) ++p;
    if (p == exponent) return nullptr;
  }
  return p;
}

}  // namespace

TextDoubleStatus parse_java_double(std::string_view text, double& value) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "NaN") {
    value = std::numeric_limits<double>::quiet_NaN();
    return TextDoubleStatus::kOk;
  }
  if (text == "Infinity") {
    value = negative ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
    return TextDoubleStatus::kOk;
  }
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* const number_end = end_of_decimal(begin, end);
  if (number_end == nullptr) return TextDoubleStatus::kNotANumber;
  if (number_end != end) {
    const char suffix = *number_end;
    if (number_end + 1 != end ||
        (suffix != 'f' && suffix != 'F' && suffix != 'd' && suffix != 'D')) {
      return TextDoubleStatus::kNotANumber;
    }
  }
  double magnitude = 0;
  const auto [stop, error] = std::from_chars(begin, number_end, magnitude);
  if (error == std::errc::result_out_of_range) return TextDoubleStatus::kOutOfRange;
  if (error != std::errc() || stop != number_end) return TextDoubleStatus::kNotANumber;
  value = negative ? -magnitude : magnitude;
  return TextDoubleStatus::kOk;
}

}  // namespace kilp::parse
