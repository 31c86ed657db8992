#include "parse/column_name_folding.hpp"

#include <algorithm>
#include <iterator>

namespace kilp::parse {

namespace {

// A run of BMP characters lowered alike: c in [first, last] with (c - first) % stride
// == 0 lowers to c + delta. Runs are sorted and do not interleave.
struct LowerCaseRun {
  char16_t first;
  char16_t last;
  std::uint8_t stride;
  std::int32_t delta;
};

constexpr LowerCaseRun kLowerCaseRuns[] = {
#include "parse/column_name_folding_ranges.inc"
};

// A byte that starts no valid UTF-8 sequence, as a value no code point has.
constexpr char32_t kRawByte = 0x110000;

struct Decoded {
  char32_t value;
  std::size_t length;
};

Decoded decode_at(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return {lead, 1};
  const Decoded raw{kRawByte + lead, 1};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1Fu, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0Fu, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07u, smallest = 0x10000;
  } else {
    return raw;
  }
  if (text.size() - at < length) return raw;
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return raw;
    value = (value << 6) | (next & 0x3Fu);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return raw;
  return {value, length};
}

char* encode(char32_t value, char* out) {
  if (value >= kRawByte) {
    *out++ = static_cast<char>(value - kRawByte);
  } else if (value < 0x80) {
    *out++ = static_cast<char>(value);
  } else if (value < 0x800) {
    *out++ = static_cast<char>(0xC0 | (value >> 6));
    *out++ = static_cast<char>(0x80 | (value & 0x3F));
  } else if (value < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (value >> 12));
    *out++ = static_cast<char>(0x80 | ((value >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (value & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (value >> 18));
    *out++ = static_cast<char>(0x80 | ((value >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((value >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (value & 0x3F));
  }
  return out;
}

constexpr unsigned char lower_ascii(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

// The lowered code points of two names from `at` on (a code point boundary in both).
bool same_folded_code_points(std::string_view a, std::string_view b, std::size_t at) {
  std::size_t i = at;
  std::size_t j = at;
  while (i < a.size() && j < b.size()) {
    const Decoded x = decode_at(a, i);
    const Decoded y = decode_at(b, j);
    if (fold_column_code_point(x.value) != fold_column_code_point(y.value)) return false;
    i += x.length;
    j += y.length;
  }
  return i == a.size() && j == b.size();
}

}  // namespace

char32_t fold_column_code_point(char32_t code_point) {
  if (code_point < 0x80) return lower_ascii(static_cast<unsigned char>(code_point));
  if (code_point > 0xFFFF) return code_point;  // a surrogate pair to Java: left alone
  const auto* run = std::lower_bound(
      std::begin(kLowerCaseRuns), std::end(kLowerCaseRuns), code_point,
      [](const LowerCaseRun& r, char32_t c) { return static_cast<char32_t>(r.last) < c; });
  if (run == std::end(kLowerCaseRuns) || code_point < run->first ||
      (code_point - run->first) % run->stride != 0) {
    return code_point;
  }
  return static_cast<char32_t>(static_cast<std::int32_t>(code_point) + run->delta);
}

bool same_column_name(std::string_view a, std::string_view b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if ((x | y) >= 0x80) return same_folded_code_points(a, b, i);
    if (lower_ascii(x) != lower_ascii(y)) return false;
  }
  // All ASCII so far: a longer name holds more code points, none of which lowers to nothing.
  return a.size() == b.size();
}

std::uint64_t hash_column_name(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the lowered code points
  for (std::size_t i = 0; i < name.size();) {
    const auto byte = static_cast<unsigned char>(name[i]);
    char32_t folded;
    if (byte < 0x80) {
      folded = lower_ascii(byte);
      ++i;
    } else {
      const Decoded decoded = decode_at(name, i);
      folded = fold_column_code_point(decoded.value);
      i += decoded.length;
    }
    hash ^= folded;
    hash *= 0x100000001b3ULL;
  }
  return hash ^ (hash >> 29);
}

std::size_t fold_column_name(std::string_view name, char* out) {
  char* const begin = out;
  for (std::size_t i = 0; i < name.size();) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte < 0x80) {
      *out++ = static_cast<char>(lower_ascii(byte));
      ++i;
      continue;
    }
    const Decoded decoded = decode_at(name, i);
    out = encode(fold_column_code_point(decoded.value), out);
    i += decoded.length;
  }
  return static_cast<std::size_t>(out - begin);
}

}  // namespace kilp::parse
