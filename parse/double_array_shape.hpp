#pragma once
// The shape of a nested JSON array as it is read element by element, for ILP v2
// N-dimensional double arrays: every leaf a number at the same depth, every array at
// one depth the same length (rectangular). Knows nothing of JSON parsing, so that
// the encoder can drive it from simdjson's forward-only iteration.
#include <array>
#include <cstddef>
#include <cstdint>

namespace kilp::parse {

class DoubleArrayShape {
 public:
  // QuestDB's limit on array dimensions.
  static constexpr std::size_t kMaxDimensions = 32;

  // An element at `depth` (0 = an element of the outer array) that is an array or
  // a number. False when it breaks the shape (a number beside arrays, too deep, ...).
  bool element(std::size_t depth, bool is_array) {
    if (dimensions_ == 0) {
      if (is_array) return depth + 2 <= kMaxDimensions;
      if (saw_empty_) return false;  // an earlier sibling array was empty: jagged
      dimensions_ = depth + 1;
      return true;
    }
    return is_array == (depth + 1 < dimensions_);
  }

  // The array whose elements are at `depth` ended after `count` elements. False
  // when its length differs from another array at the same depth.
  bool end_array(std::size_t depth, std::uint32_t count) {
    if (dimensions_ == 0) {
      // No number yet: only empty arrays so far. A number may still follow in a
      // sibling ([[],[1]]), which element() then refuses.
      if (count == 0) saw_empty_ = true;
      return true;
    }
    if (!length_known_[depth]) {
      length_known_[depth] = true;
      lengths_[depth] = count;
      return true;
    }
    return lengths_[depth] == count;
  }

  // 0 while no number was seen: the array holds no element at all ([], [[],[]]).
  std::size_t dimensions() const { return dimensions_; }
  std::uint32_t length(std::size_t dimension) const { return lengths_[dimension]; }

 private:
  std::size_t dimensions_ = 0;
  bool saw_empty_ = false;
  std::array<bool, kMaxDimensions> length_known_{};
  std::array<std::uint32_t, kMaxDimensions> lengths_{};
};

}  // namespace kilp::parse
