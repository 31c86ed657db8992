#pragma once
// Decimal numbers as text, read exactly into QuestDB's DECIMAL form (an unscaled
// integer and a scale, value = unscaled / 10^scale) and written as ILP protocol 3's
// binary decimal: the unscaled value as big-endian two's complement. No double, no
// heap: the unscaled value is a fixed 256-bit integer (76 digits need 253 bits).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kilp::parse {

inline constexpr int kMaxDecimalPrecision = 76;  // QuestDB's DECIMAL(76, s)
inline constexpr std::size_t kMaxDecimalBytes = 32;
// A scale not stated by the mapping: the value's own text decides it.
inline constexpr int kScaleFromText = -1;

struct DecimalValue {
  std::array<std::uint64_t, 4> magnitude{};  // least significant limb first
  int scale = 0;
  bool negative = false;  // never set for zero ("-0" is 0)
};

// What a decimal text may look like.
enum class DecimalSyntax : std::uint8_t {
  // RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  kJsonNumber,
  // Text inside a JSON string, read as Java's BigDecimal(String) reads it (Kafka
  // producers that send money as text are mostly Java): the JSON grammar plus a
  // leading '+', leading zeros, and a point without digits on one side (".5", "5.").
  kText,
};

enum class DecimalError : std::uint8_t {
  kNone,
  kNotANumber,  // the text breaks the grammar
  kOutOfRange,  // too many digits for the precision, a scale above 76, or digits
                // beyond the stated scale (rounding is never done)
};

// The column a value goes to: at most `precision` digits, at `scale` (or, with
// kScaleFromText, the text's own scale: digits after the point minus the exponent,
// and 0 when that is negative, so 1.5e3 is 1500 and 2E-4 is 2 at scale 4).
struct DecimalTarget {
  int precision = kMaxDecimalPrecision;  // 1..76
  int scale = kScaleFromText;            // 0..precision, or kScaleFromText
};

// Reads `text` exactly at the target's scale: trailing zeros are added or dropped,
// any other digit that does not fit is kOutOfRange.
DecimalError parse_decimal(std::string_view text, DecimalSyntax syntax, DecimalTarget target,
                           DecimalValue& out);

// The unscaled value as big-endian two's complement in the fewest bytes that hold
// it (zero is one 0x00 byte) at `out` (room for kMaxDecimalBytes); returns the count.
std::size_t decimal_unscaled_bytes(const DecimalValue& value, unsigned char* out);

// The value from big-endian two's complement bytes (Kafka Connect's Decimal) at
// `scale`; kOutOfRange beyond 32 bytes or more than 76 digits.
DecimalError decimal_from_unscaled_bytes(std::string_view bytes, int scale, DecimalValue& out);

// Brings `value` to `target`'s scale exactly (a no-op for kScaleFromText) and checks
// its digits against the precision and its scale against 76.
DecimalError rescale_decimal(DecimalValue& value, DecimalTarget target);

}  // namespace kilp::parse
