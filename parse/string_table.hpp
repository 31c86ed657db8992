#pragma once
// A fixed-capacity set of short strings, each numbered in the order it was added.
// Open addressing over hashes the caller computes; it never allocates after
// construction and, once full, refuses new strings rather than growing.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kilp::parse {

// FNV-1a: the strings are short JSON keys and column names.
inline std::uint64_t hash_text(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash ^ (hash >> 29);
}

// Bytes both sides must have readable after the start of the compared ones for
// same_bytes(): it reads 16 from there, also for an empty string, which in a full
// string table starts at its very end.
inline constexpr std::size_t kSameBytesSlack = 16;

// memcmp(a, b, n) == 0 for short strings, without a call: up to 16 bytes from one
// SSE2 compare (column names and keys mostly are that short), else 8 at a time.
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
#if defined(__SSE2__)
  if (n <= 16) [[likely]] {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const unsigned equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)));
    const unsigned wanted = (1u << n) - 1;
    return (equal & wanted) == wanted;
  }
#endif
  std::size_t i = 0;
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  for (; i + 8 <= n; i += 8) {
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return false;
  }
  if (i == n) return true;
  std::memcpy(&x, a + i, 8);
  std::memcpy(&y, b + i, 8);
  const std::uint64_t first_bytes = (std::uint64_t{1} << (8 * (n - i))) - 1;  // little-endian
  return ((x ^ y) & first_bytes) == 0;
}

class StringTable {
 public:
  StringTable(std::size_t max_strings, std::size_t max_bytes);

  // The number of `text`, or nullopt when it is not in the table.
  std::optional<std::uint32_t> find(std::string_view text, std::uint64_t hash) const;

  // The number of `text`, added if needed; nullopt when the table is full.
  std::optional<std::uint32_t> insert(std::string_view text, std::uint64_t hash);

  // The text of string number `number` (< size()).
  std::string_view text(std::uint32_t number) const {
    const Span span = spans_[number];
    return std::string_view(bytes_.get() + span.offset, span.length);
  }

  std::size_t size() const { return count_; }
  void clear();

 private:
  struct Span {
    std::uint32_t offset = 0;  // of the text in bytes_
    std::uint32_t length = 0;
  };
  struct Slot {
    std::uint64_t hash = 0;
    Span span;
    std::uint32_t number = 0;
    bool used = false;
  };

  // The slot holding `text`, or the empty slot where it would go.
  std::size_t probe(std::string_view text, std::uint64_t hash) const;

  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<Span[]> spans_;  // by number
  std::unique_ptr<char[]> bytes_;
  std::size_t mask_;
  std::size_t max_strings_;
  std::size_t max_bytes_;
  std::size_t count_ = 0;
  std::size_t used_bytes_ = 0;
};

}  // namespace kilp::parse
