#include "parse/ilp_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace kilp::parse {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes exactly 8 digits of `chunk` (< 10^8) ending at `end`; returns the start.
char* put_8_digits(char* end, std::uint32_t chunk) {
  const std::uint32_t high = chunk / 10000, low = chunk % 10000;
  end -= 8;
  std::memcpy(end, kDigitPairs + 2 * (high / 100), 2);
  std::memcpy(end + 2, kDigitPairs + 2 * (high % 100), 2);
  std::memcpy(end + 4, kDigitPairs + 2 * (low / 100), 2);
  std::memcpy(end + 6, kDigitPairs + 2 * (low % 100), 2);
  return end;
}

// Writes the digits of `value` (< 10^8, no leading zeros) ending at `end`.
char* put_short_digits(char* end, std::uint32_t value) {
  while (value >= 100) {
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * (value % 100), 2);
    value /= 100;
  }
  if (value >= 10) {
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * value, 2);
  } else {
    *--end = static_cast<char>('0' + value);
  }
  return end;
}

}  // namespace

// Nanosecond timestamps have 19 digits: writing them 8 at a time from a digit-pair
// table costs about a third of std::to_chars, which measures each length first.
void append_decimal(IlpByteWriter& writer, std::int64_t value) {
  char digits[24];
  char* const end = digits + sizeof digits;
  std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  char* start = end;
  while (magnitude >= 100000000) {
    start = put_8_digits(start, static_cast<std::uint32_t>(magnitude % 100000000));
    magnitude /= 100000000;
  }
  start = put_short_digits(start, static_cast<std::uint32_t>(magnitude));
  if (value < 0) *--start = '-';
  writer.append(std::string_view(start, static_cast<std::size_t>(end - start)));
}

void append_double_text(IlpByteWriter& writer, double value) {
  if (std::isnan(value)) {
    writer.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    writer.append(value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  // Shortest form that reads back to the same double; QuestDB's clients spell the
  // exponent with an upper-case E, so we do too.
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  for (char* p = text; p != result.ptr; ++p) {
    if (*p == 'e') *p = 'E';
  }
  writer.append(std::string_view(text, static_cast<std::size_t>(result.ptr - text)));
}

}  // namespace kilp::parse
