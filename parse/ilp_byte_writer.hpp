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
    std::memcpy(pos, bytes.data(), bytes.size());
    pos += bytes.size();
  }
};

}  // namespace kilp::parse
