#pragma once
// ILP encodings of field values. Text forms follow QuestDB's clients: longs "42i",
// booleans t/f, doubles in shortest round-trip form with an upper-case exponent
// ("1E+100", "1E-06"), NaN/Infinity/-Infinity for non-finite doubles. Protocol 2
// sends doubles as '=' 0x10 followed by the 8 little-endian bytes of the value;
// protocol 3 adds decimals, '=' 0x17 scale length and the unscaled value's bytes
// (big-endian two's complement), which have no text form kilp writes.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "parse/decimal_text.hpp"
#include "parse/ilp_byte_writer.hpp"
#include "parse/ilp_char_classes.hpp"

namespace kilp::parse {

static_assert(std::endian::native == std::endian::little,
              "binary ILP doubles are written by copying the host representation");

inline constexpr char kBinaryDoubleType = 0x10;
inline constexpr std::size_t kBinaryDoubleBytes = 1 + 1 + sizeof(double);  // '=' type value

namespace detail {
template <std::uint8_t kEscapeClass>
inline void append_escaped(IlpByteWriter& writer, std::string_view text) {
  if (writer.remaining() < 2 * text.size()) [[unlikely]] {
    for (char c : text) {
      if (ilp_char_class(c) & kEscapeClass) writer.put('\\');
      writer.put(c);
    }
    return;
  }
  char* dst = writer.pos;
  for (char c : text) {
    if (ilp_char_class(c) & kEscapeClass) *dst++ = '\\';
    *dst++ = c;
  }
  writer.pos = dst;
}
}  // namespace detail

// Symbol values are unquoted, so they escape like names.
inline void append_symbol_value(IlpByteWriter& writer, std::string_view value) {
  detail::append_escaped<kEscapeInName>(writer, value);
}

inline void append_string_value(IlpByteWriter& writer, std::string_view value) {
  writer.put('"');
  detail::append_escaped<kEscapeInString>(writer, value);
  writer.put('"');
}

inline void append_bool(IlpByteWriter& writer, bool value) {
  writer.put(value ? 't' : 'f');
}

// Writes the decimal digits of `value` (no suffix).
void append_decimal(IlpByteWriter& writer, std::int64_t value);

inline void append_long(IlpByteWriter& writer, std::int64_t value) {
  append_decimal(writer, value);
  writer.put('i');
}

void append_double_text(IlpByteWriter& writer, double value);

inline void append_double_binary(IlpByteWriter& writer, double value) {
  char* dst = writer.reserve(kBinaryDoubleBytes);
  if (dst == nullptr) return;
  dst[0] = '=';
  dst[1] = kBinaryDoubleType;
  std::memcpy(dst + 2, &value, sizeof value);
  writer.pos = dst + kBinaryDoubleBytes;
}

inline constexpr char kBinaryDecimalType = 23;
inline void append_decimal_binary(IlpByteWriter& writer, const DecimalValue& value) {
  unsigned char unscaled[kMaxDecimalBytes];
  const std::size_t length = decimal_unscaled_bytes(value, unscaled);
  char* dst = writer.reserve(4 + length);  // '=' type scale length, then the bytes
  if (dst == nullptr) return;
  dst[0] = '=';
  dst[1] = kBinaryDecimalType;
  dst[2] = static_cast<char>(value.scale);
  dst[3] = static_cast<char>(length);
  std::memcpy(dst + 4, unscaled, length);
  writer.pos = dst + 4 + length;
}

// The value part of a double field for protocol 1 (text) or 2 (binary).
inline void append_double(IlpByteWriter& writer, double value, int protocol_version) {
  if (protocol_version >= 2) {
    append_double_binary(writer, value);
  } else {
    append_double_text(writer, value);
  }
}

}  // namespace kilp::parse
