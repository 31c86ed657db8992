#pragma once
// A bounded append-only view of one output buffer. The encoder appends whole rows;
// a row that does not fit leaves `size` unchanged so the caller can seal the buffer.
#include <cstddef>

namespace kilp::parse {

struct OutputCursor {
  char* data = nullptr;
  std::size_t size = 0;      // bytes already written
  std::size_t capacity = 0;  // bytes available in total

  std::size_t remaining() const { return capacity - size; }
};

}  // namespace kilp::parse
