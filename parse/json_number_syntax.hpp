#pragma once
// JSON number grammar (RFC 8259 section 6), used to tell a number too large for any
// ILP type from text that is not a number at all.
#include <cstdint>
#include <string_view>

namespace kilp::parse {

bool is_json_number(std::string_view token);

// The shapes of number token whose text is already their ILP value, found in one pass
// so the encoder skips simdjson's number type scan and conversion.
enum class NumberShape : std::uint8_t {
  // An integer of at most 18 digits (always a signed 64-bit value), but not "-0".
  kSmallInteger,
  // A fraction and no exponent ("-12.50"), short enough to be a finite double.
  kPlainDecimal,
  kOther,  // anything else, including text that is not a JSON number
};
NumberShape number_shape(std::string_view token);

// The value of a kSmallInteger token.
std::int64_t small_integer_value(std::string_view token);

}  // namespace kilp::parse
