#include "parse/timestamp_conversion.hpp"

#include <array>

namespace kilp::parse {

namespace {
int nanos_exponent(TimestampUnit unit) {
  switch (unit) {
    case TimestampUnit::kSeconds:
      return 9;
    case TimestampUnit::kMillis:
      return 6;
    case TimestampUnit::kMicros:
      return 3;
    case TimestampUnit::kNanos:
    case TimestampUnit::kAuto:
      return 0;
  }
  return 0;
}

constexpr std::array<std::int64_t, 19> kPowersOfTen = [] {
  std::array<std::int64_t, 19> powers{};
  std::int64_t p = 1;
  for (auto& power : powers) {
    power = p;
    if (p <= INT64_MAX / 10) p *= 10;
  }
  return powers;
}();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

TimestampUnit guess_timestamp_unit(double magnitude) {
  if (magnitude < 1e10) return TimestampUnit::kSeconds;
  if (magnitude < 1e13) return TimestampUnit::kMillis;
  if (magnitude < 1e16) return TimestampUnit::kMicros;
  return TimestampUnit::kNanos;
}

std::optional<ScaledTimestamp> scale_integer_timestamp(std::int64_t value, TimestampUnit unit) {
  if (unit == TimestampUnit::kAuto) unit = guess_timestamp_unit(static_cast<double>(value));
  ScaledTimestamp scaled{0, nanos_exponent(unit)};
  if (value < 0 || __builtin_mul_overflow(value, kPowersOfTen[scaled.exponent], &scaled.nanos)) {
    return std::nullopt;
  }
  return scaled;
}

std::optional<std::int64_t> integer_timestamp_to_nanos(std::int64_t value, TimestampUnit unit) {
  const std::optional<ScaledTimestamp> scaled = scale_integer_timestamp(value, unit);
  if (!scaled) return std::nullopt;
  return scaled->nanos;
}

std::optional<std::int64_t> decimal_timestamp_to_nanos(std::string_view json_number,
                                                       TimestampUnit unit) {
  // value = significand * 10^scale units, where significand holds the token's digits.
  std::size_t i = 0;
  if (i < json_number.size() && json_number[i] == '-') return std::nullopt;
  std::int64_t significand = 0;
  int scale = 0;
  bool any_digit = false;
  bool in_fraction = false;
  bool dropped_fraction = false;  // a non-zero fraction digit beyond the significand
  for (; i < json_number.size(); ++i) {
    const char c = json_number[i];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (!is_digit(c)) break;
    any_digit = true;
    if (significand <= (INT64_MAX - 9) / 10) {
      significand = significand * 10 + (c - '0');
      if (in_fraction) --scale;
    } else if (!in_fraction) {
      ++scale;  // an integer digit beyond 18 digits: the value only grows
    } else if (c != '0') {
      dropped_fraction = true;
    }
  }
  if (!any_digit) return std::nullopt;
  if (i < json_number.size() && (json_number[i] == 'e' || json_number[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < json_number.size() && (json_number[i] == '+' || json_number[i] == '-')) {
      negative_exponent = json_number[i] == '-';
      ++i;
    }
    int exponent = 0;
    bool any_exponent_digit = false;
    for (; i < json_number.size() && is_digit(json_number[i]); ++i) {
      any_exponent_digit = true;
      if (exponent < 10000) exponent = exponent * 10 + (json_number[i] - '0');
    }
    if (!any_exponent_digit) return std::nullopt;
    scale += negative_exponent ? -exponent : exponent;
  }
  if (i != json_number.size()) return std::nullopt;

  // A non-zero digit beyond a full significand is either a fraction of the unit or
  // (scaled up by the exponent) beyond int64 nanoseconds.
  if (dropped_fraction) return std::nullopt;
  if (significand == 0) return 0;
  if (scale < 0) {
    // A fraction of the unit is refused rather than truncated: 1.5 ns is no instant.
    if (scale <= -19 || significand % kPowersOfTen[-scale] != 0) {
      return std::nullopt;
    }
    significand /= kPowersOfTen[-scale];
    scale = 0;
  }
  scale += nanos_exponent(unit);
  std::int64_t nanos = 0;
  if (scale > 18 || __builtin_mul_overflow(significand, kPowersOfTen[scale], &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

}  // namespace kilp::parse
