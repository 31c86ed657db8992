#include "parse/string_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace kilp::parse {

StringTable::StringTable(std::size_t max_strings, std::size_t max_bytes)
    : mask_(std::bit_ceil(std::max<std::size_t>(16, 2 * max_strings)) - 1),  // at most half full
      max_strings_(max_strings),
      max_bytes_(max_bytes) {
  slots_ = std::make_unique<Slot[]>(mask_ + 1);
  spans_ = std::make_unique<Span[]>(max_strings);
  bytes_ = std::make_unique<char[]>(max_bytes + kSameBytesSlack);
}

std::size_t StringTable::probe(std::string_view text, std::uint64_t hash) const {
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (!slot.used) return i;
    if (slot.hash == hash && slot.span.length == text.size() &&
        std::memcmp(bytes_.get() + slot.span.offset, text.data(), text.size()) == 0) {
      return i;
    }
  }
}

std::optional<std::uint32_t> StringTable::find(std::string_view text, std::uint64_t hash) const {
  const Slot& slot = slots_[probe(text, hash)];
  if (!slot.used) return std::nullopt;
  return slot.number;
}

std::optional<std::uint32_t> StringTable::insert(std::string_view text, std::uint64_t hash) {
  Slot& slot = slots_[probe(text, hash)];
  if (slot.used) return slot.number;
  if (count_ == max_strings_ || text.size() > max_bytes_ - used_bytes_) return std::nullopt;
  if (!text.empty()) std::memcpy(bytes_.get() + used_bytes_, text.data(), text.size());
  const Span span{static_cast<std::uint32_t>(used_bytes_), static_cast<std::uint32_t>(text.size())};
  slot = Slot{hash, span, static_cast<std::uint32_t>(count_), true};
  spans_[count_] = span;
  used_bytes_ += text.size();
  return static_cast<std::uint32_t>(count_++);
}

void StringTable::clear() {
  std::fill(slots_.get(), slots_.get() + mask_ + 1, Slot{});
  count_ = 0;
  used_bytes_ = 0;
}

}  // namespace kilp::parse
