#pragma once
// JSON number grammar (RFC 8259 section 6), used to tell a number too large for any
// ILP type from text that is not a number at all.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

namespace number_detail {
// The value of eight digits: pairs combined, then quads, then the two halves.
inline std::int64_t eight_digits_value(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  word -= 0x3030303030303030ULL;
  word = word * 10 + (word >> 8);
  word = (((word & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((word >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
         32;
  return static_cast<std::int64_t>(word & 0xFFFFFFFFULL);
}

// The end of the digits starting at p (at most `end`), eight bytes at a time: a byte
// is a digit when xor '0' leaves it below 10.
inline const char* skip_digits(const char* p, const char* end) {
  for (; p < end; p += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    const std::uint64_t t = word ^ 0x3030303030303030ULL;
    const std::uint64_t non_digits =
        (((t & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL) | t) & 0x8080808080808080ULL;
    if (non_digits != 0) {
      const char* const stop = p + std::countr_zero(non_digits) / 8;  // little-endian
      return stop < end ? stop : end;
    }
  }
  return end;
}
}  // namespace number_detail

// One byte at a time over 8-byte words: any length, any target. The token must have
// 7 readable bytes after it.
inline NumberShape number_shape_by_words(std::string_view token) {
  // 300 digits stay far below DBL_MAX (about 1.8e308).
  if (token.empty() || token.size() > 300) return NumberShape::kOther;
  const char* p = token.data();
  const char* const end = p + token.size();
  const bool negative = *p == '-';
  p += negative;
  const char* const digits = p;
  p = number_detail::skip_digits(p, end);
  const std::size_t integer_digits = static_cast<std::size_t>(p - digits);
  if (integer_digits == 0 || (*digits == '0' && integer_digits > 1)) return NumberShape::kOther;
  if (p == end) {
    if (integer_digits > 18 || (negative && *digits == '0')) return NumberShape::kOther;
    return NumberShape::kSmallInteger;
  }
  if (*p != '.') return NumberShape::kOther;
  const char* const fraction = ++p;
  p = number_detail::skip_digits(p, end);
  return p != fraction && p == end ? NumberShape::kPlainDecimal : NumberShape::kOther;
}

#if defined(__SSE2__)
// Tokens of 1 to 16 bytes (prices, amounts, microsecond timestamps) from one 16-byte
// compare: a mask of digits and one of dots, no loop. Needs 15 readable bytes after
// the token.
inline NumberShape number_shape_of_block(std::string_view token) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(token.data()));
  const __m128i offsets = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(offsets, _mm_set1_epi8(9)), offsets);
  const unsigned digits = static_cast<unsigned>(_mm_movemask_epi8(is_digit));
  const unsigned dots =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('.'))));
  const unsigned first = token[0] == '-';                 // where the digits start
  const unsigned body = ((1u << token.size()) - 1) & ~first;  // bytes after the sign
  if (body == 0) return NumberShape::kOther;               // "-"
  const bool leading_zero = token[first] == '0';
  if ((digits & body) == body) {  // at most 16 digits: always a signed 64-bit value
    if (leading_zero && (first == 1 || body != 1u)) return NumberShape::kOther;  // "-0", "01"
    return NumberShape::kSmallInteger;
  }
  const unsigned dot = dots & body;
  if ((dot & (dot - 1)) != 0 || ((digits | dot) & body) != body) return NumberShape::kOther;
  const unsigned dot_at = static_cast<unsigned>(std::countr_zero(dot));
  // A digit on each side of the dot, and no leading zero before a second digit.
  if (dot_at == first || dot_at + 1 == token.size() || (leading_zero && dot_at > first + 1)) {
    return NumberShape::kOther;
  }
  return NumberShape::kPlainDecimal;
}
#endif

// Inline: the encoder calls it for every number. The token must have 15 readable
// bytes after it (the encoder's tokens lie in the padded message).
inline NumberShape number_shape(std::string_view token) {
#if defined(__SSE2__)
  if (token.size() - 1 < 16) [[likely]] return number_shape_of_block(token);  // 1 to 16 bytes
#endif
  return number_shape_by_words(token);
}

// The value of a kSmallInteger token.
inline std::int64_t small_integer_value(std::string_view token) {
  const char* p = token.data();
  const char* const end = p + token.size();
  const bool negative = *p == '-';
  p += negative;
  std::int64_t value = 0;
  for (; end - p >= 8; p += 8) value = value * 100000000 + number_detail::eight_digits_value(p);
  for (; p != end; ++p) value = 10 * value + (*p - '0');
  return negative ? -value : value;
}

}  // namespace kilp::parse
