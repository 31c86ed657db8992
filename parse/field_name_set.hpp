#pragma once
// The column names seen so far in one message, to refuse duplicates in O(1) per name
// without allocating: an open-addressing table sized once for the largest message,
// cleared in O(1) per message by bumping a generation number. Names are compared as
// QuestDB compares them, ignoring case (parse/column_name_folding.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace kilp::parse {

class FieldNameSet {
 public:
  // Enough room for every key a message of `max_message_bytes` can hold.
  explicit FieldNameSet(std::size_t max_message_bytes);

  // Forgets all names; `message_bytes` bounds how many names may follow.
  void clear(std::size_t message_bytes);

  // Adds `name` (which must outlive the next clear()); false if it, or a name QuestDB
  // takes for the same column, was present.
  bool insert(std::string_view name);

  std::size_t size() const { return count_; }
  // Forgets every name after the first `count` (an exploded row starts again from
  // the message's own names).
  void truncate(std::size_t count);

 private:
  struct Slot {
    std::uint32_t generation = 0;
    std::uint32_t name_index = 0;
  };

  static constexpr std::size_t kLinearScanNames = 8;

  static std::size_t slots_for(std::size_t message_bytes);
  void add_to_table(std::size_t name_index);
  void next_generation();

  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<std::string_view[]> names_;
  std::size_t capacity_slots_;
  std::size_t capacity_names_;
  std::size_t mask_ = 0;  // slots in use for the current message, minus one
  std::size_t count_ = 0;
  std::uint32_t generation_ = 0;
};

}  // namespace kilp::parse
