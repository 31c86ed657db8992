#pragma once
// Appends bytes into a fixed region without ever writing past its end. Running out
// of room is sticky and silent (`overflowed`), so callers check once per row rather
// than after every append.
#include <cstddef>
#include <cstring>
#include <string_view>

namespace kilp::parse {

struct IlpByteWriter {
  char* pos = nullptr;
  char* end = nullptr;
  bool overflowed = false;

  IlpByteWriter() = default;
  IlpByteWriter(char* begin, char* limit) : pos(begin), end(limit) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end - pos); }

  // Space for `n` more bytes, or nullptr (and overflowed) when there is none.
  char* reserve(std::size_t n) {
    if (n > remaining()) [[unlikely]] {
      overflowed = true;
      return nullptr;
    }
    return pos;
  }

  void put(char c) {
    if (pos == end) [[unlikely]] {
      overflowed = true;
      return;
    }
    *pos++ = c;
  }

  void append(std::string_view bytes) {
    if (bytes.size() > remaining()) [[unlikely]] {
      overflowed = true;
      return;
    }
    copy_bytes(pos, bytes.data(), bytes.size());
    pos += bytes.size();
  }

 private:
  // Most appends are names, numbers and symbols of a few bytes: two overlapping fixed
  // size moves cost less than a call to memcpy. GCC 12 warns about the branches for
  // longer sizes where it inlines an append of a short constant (false positives).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
  static void copy_bytes(char* dst, const char* src, std::size_t n) {
    if (n > 32) {
      std::memcpy(dst, src, n);
    } else if (n >= 16) {
      std::memcpy(dst, src, 16);
      std::memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
      std::memcpy(dst, src, 8);
      std::memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
      std::memcpy(dst, src, 4);
      std::memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n > 0) {
      dst[0] = src[0];
      dst[n / 2] = src[n / 2];
      dst[n - 1] = src[n - 1];
    }
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
};

}  // namespace kilp::parse
