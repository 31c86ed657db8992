#include "parse/field_name_set.hpp"

#include <algorithm>
#include <bit>

#include "parse/column_name_folding.hpp"

namespace kilp::parse {

namespace {
// The shortest JSON member, `"":0,`, is 5 bytes.
constexpr std::size_t kMinMemberBytes = 5;
}  // namespace

std::size_t FieldNameSet::slots_for(std::size_t message_bytes) {
  // At most half full, so probes stay short.
  return std::bit_ceil(std::max<std::size_t>(16, 2 * (message_bytes / kMinMemberBytes + 1)));
}

FieldNameSet::FieldNameSet(std::size_t max_message_bytes)
    : capacity_slots_(slots_for(max_message_bytes)),
      capacity_names_(max_message_bytes / kMinMemberBytes + 1) {
  slots_ = std::make_unique<Slot[]>(capacity_slots_);
  names_ = std::make_unique<std::string_view[]>(capacity_names_);
}

void FieldNameSet::clear(std::size_t message_bytes) {
  // Small messages only touch the first slots, which stay in cache.
  mask_ = std::min(slots_for(message_bytes), capacity_slots_) - 1;
  count_ = 0;
  next_generation();
}

void FieldNameSet::next_generation() {
  if (++generation_ == 0) {
    // Wrapped after 4 billion messages: stale stamps could collide with new ones.
    std::fill(slots_.get(), slots_.get() + capacity_slots_, Slot{});
    generation_ = 1;
  }
}

void FieldNameSet::truncate(std::size_t count) {
  if (count >= count_) return;
  next_generation();
  count_ = count;
  if (count_ >= kLinearScanNames) {
    for (std::size_t i = 0; i < count_; ++i) add_to_table(i);
  }
}

bool FieldNameSet::insert(std::string_view name) {
  if (count_ >= capacity_names_) return false;  // unreachable for a valid message
  // Most messages have a handful of keys: comparing with each costs less than hashing.
  if (count_ < kLinearScanNames) {
    for (std::size_t i = 0; i < count_; ++i) {
      if (same_column_name(names_[i], name)) return false;
    }
    names_[count_++] = name;
    if (count_ == kLinearScanNames) {
      for (std::size_t i = 0; i < count_; ++i) add_to_table(i);
    }
    return true;
  }
  for (std::size_t i = hash_column_name(name) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.generation != generation_) {
      slot.generation = generation_;
      slot.name_index = static_cast<std::uint32_t>(count_);
      names_[count_++] = name;
      return true;
    }
    if (same_column_name(names_[slot.name_index], name)) return false;
  }
}

void FieldNameSet::add_to_table(std::size_t name_index) {
  for (std::size_t i = hash_column_name(names_[name_index]) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.generation != generation_) {
      slot.generation = generation_;
      slot.name_index = static_cast<std::uint32_t>(name_index);
      return;
    }
  }
}

}  // namespace kilp::parse
