#pragma once
// A JSON string's content written straight from the JSON bytes as ILP text: JSON's
// escapes undone and ILP's added in one pass, a block at a time (16 bytes with SSE2,
// in every x86-64 kernel; an 8-byte word elsewhere), instead of simdjson unescaping
// into its string buffer and a second loop escaping byte by byte.
// It decodes the two-byte escapes (\" \\ \/ \b \f \n \r \t); a string holding a
// \uXXXX escape is left to simdjson (surrogate rules), as is any escape it does not
// know (simdjson reports the error).
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "parse/ilp_char_classes.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kilp::parse {

// What the text becomes: a symbol value (escaped like a name, unquoted) or the
// content of a quoted string value.
enum class IlpTextKind : std::uint8_t { kSymbolValue, kStringContent };

namespace transcoder_detail {
// The bytes the pass must stop at: the closing quote, a JSON escape, and for symbol
// values the ILP name escapes a JSON string can hold unescaped (' ' ',' '=': raw line
// ends and backslashes cannot appear, stage 1 refuses control characters).

// 8 bytes in a 64-bit word, where there is no SSE2.
struct WordBlock {
  static constexpr std::size_t kBytes = 8;
  std::uint64_t bytes;
  static WordBlock load(const char* p) {
    WordBlock block;
    std::memcpy(&block.bytes, p, sizeof block.bytes);
    return block;
  }
  void store(char* p) const { std::memcpy(p, &bytes, sizeof bytes); }
  // The high bit of each byte equal to `c`; bits above the first such byte may be
  // wrong, which is fine for finding the first.
  std::uint64_t equal(char c) const {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    const std::uint64_t x = bytes ^ (kOnes * static_cast<unsigned char>(c));
    return (x - kOnes) & ~x & (kOnes * 0x80);
  }
  static std::size_t first(std::uint64_t stops) {
    return static_cast<std::size_t>(std::countr_zero(stops)) / 8;
  }
};

#if defined(__SSE2__)
// 16 bytes: every x86-64 kernel has SSE2.
struct Sse2Block {
  static constexpr std::size_t kBytes = 16;
  __m128i bytes;
  static Sse2Block load(const char* p) {
    return {_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))};
  }
  void store(char* p) const { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), bytes); }
  std::uint64_t equal(char c) const {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(c))));
  }
  static std::size_t first(std::uint64_t stops) {
    return static_cast<std::size_t>(std::countr_zero(stops));
  }
};
using DefaultBlock = Sse2Block;
#else
using DefaultBlock = WordBlock;
#endif

// Nonzero when the block holds a byte to stop at; Block::first() finds the first.
template <IlpTextKind kKind, typename Block>
std::uint64_t stops(const Block& block) {
  std::uint64_t found = block.equal('"') | block.equal('\\');
  if constexpr (kKind == IlpTextKind::kSymbolValue) {
    found |= block.equal(' ') | block.equal(',') | block.equal('=');
  }
  return found;
}

// The byte a two-byte JSON escape stands for, by its second byte; 0: not decoded here.
constexpr std::array<char, 256> make_simple_escapes() {
  std::array<char, 256> escapes{};
  escapes['"'] = '"';
  escapes['\\'] = '\\';
  escapes['/'] = '/';
  escapes['b'] = '\b';
  escapes['f'] = '\f';
  escapes['n'] = '\n';
  escapes['r'] = '\r';
  escapes['t'] = '\t';
  return escapes;
}
inline constexpr std::array<char, 256> kSimpleEscapes = make_simple_escapes();
}  // namespace transcoder_detail

// The room transcode_json_string() needs for a string of `token_bytes`: 2 bytes out
// per byte in, plus the block it stores whole.
template <typename Block = transcoder_detail::DefaultBlock>
constexpr std::size_t transcoded_bytes_at_most(std::size_t token_bytes) {
  return 2 * token_bytes + Block::kBytes;
}

// Writes the string whose content starts at `content` (just after its opening quote)
// to `dst`, escaped for `kKind`, and returns the end of what it wrote; `token_bytes`
// bounds the JSON bytes from the opening quote to the value's end (simdjson's raw
// token), and `dst` has room for transcoded_bytes_at_most(token_bytes). Returns
// nullptr when the string holds an escape only simdjson decodes: the caller then
// takes simdjson's path. Reads up to a block past the closing quote (the message is
// padded).
template <IlpTextKind kKind, typename Block = transcoder_detail::DefaultBlock>
inline char* transcode_json_string(const char* content, std::size_t token_bytes, char* dst) {
  constexpr std::uint8_t kEscapeClass =
      kKind == IlpTextKind::kSymbolValue ? kEscapeInName : kEscapeInString;
  const char* p = content;
  const char* const limit = content + token_bytes;  // the closing quote lies before it
  while (p < limit) {
    const Block block = Block::load(p);
    block.store(dst);  // the bytes before the first stop are kept
    const std::uint64_t stops = transcoder_detail::stops<kKind>(block);
    if (stops == 0) {
      p += Block::kBytes;
      dst += Block::kBytes;
      continue;
    }
    const std::size_t plain = Block::first(stops);
    p += plain;
    dst += plain;
    const char c = *p;
    if (c == '"') return dst;
    if (c != '\\') {  // ' ' ',' '=' in a symbol value
      dst[0] = '\\';
      dst[1] = c;
      dst += 2;
      ++p;
      continue;
    }
    const char decoded = transcoder_detail::kSimpleEscapes[static_cast<unsigned char>(p[1])];
    if (decoded == 0) return nullptr;  // \u or an invalid escape
    const bool escaped = (ilp_char_class(decoded) & kEscapeClass) != 0;
    dst[0] = escaped ? '\\' : decoded;
    dst[1] = decoded;
    dst += 1 + escaped;
    p += 2;
  }
  return nullptr;  // no closing quote within the token: not for this pass
}

}  // namespace kilp::parse
