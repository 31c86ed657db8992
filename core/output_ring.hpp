#pragma once
// A shard's ring of preallocated output buffers. The shard fills one buffer while
// earlier ones are in the sink; when the next buffer is still in flight the shard
// must wait (backpressure) instead of allocating. Each buffer remembers, per
// partition slot, the last Kafka offset whose row (or dead letter) it holds, so the
// offsets can be stored once the sink accepted it. Buffers are released strictly in
// fill order, so a partition's stored offset only ever moves forward.
//
// For sinks that can refuse single rows (ILP/HTTP), a buffer also keeps a row
// index, allocated once: where each row ends and which partition slot and Kafka
// offset it came from, so a refused row can become a dead letter.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "parse/output_cursor.hpp"

namespace kilp::core {

using SlotId = std::uint32_t;

struct OffsetMark {
  SlotId slot = 0;
  std::int64_t offset = -1;  // last offset covered by this buffer
};

class OutputBuffer {
 public:
  OutputBuffer(std::size_t bytes, std::size_t max_marks);

  parse::OutputCursor& cursor() { return cursor_; }
  std::span<const char> bytes() const { return {cursor_.data, cursor_.size}; }
  std::span<const OffsetMark> marks() const { return {marks_.get(), mark_count_}; }
  bool empty() const { return cursor_.size == 0 && mark_count_ == 0; }
  std::uint64_t rows() const { return rows_; }
  std::chrono::steady_clock::time_point first_write() const { return first_write_; }

  // True if a message of `slot` can be recorded without a new mark slot running out.
  bool can_mark(SlotId slot) const {
    return mark_count_ < max_marks_ || marks_[mark_count_ - 1].slot == slot;
  }
  void mark(SlotId slot, std::int64_t offset, bool wrote_row);
  void reset();

  // Row index (only when enabled; then every row written must be recorded).
  void enable_row_index(std::size_t max_rows);
  bool row_index_enabled() const { return max_rows_ > 0; }
  bool row_index_full() const { return row_count_ == max_rows_; }
  std::size_t row_index_room() const { return max_rows_ - row_count_; }
  // Records the row just written: it ends at the cursor's current size.
  void record_row(SlotId slot, std::int64_t offset) {
    row_ends_[row_count_] = static_cast<std::uint32_t>(cursor_.size);
    row_slots_[row_count_] = slot;
    row_offsets_[row_count_] = offset;
    ++row_count_;
  }
  std::span<const std::uint32_t> row_ends() const { return {row_ends_.get(), row_count_}; }
  SlotId row_slot(std::size_t row) const { return row_slots_[row]; }
  std::int64_t row_offset(std::size_t row) const { return row_offsets_[row]; }
  std::span<const char> row_bytes(std::size_t row) const {
    const std::size_t start = row == 0 ? 0 : row_ends_[row - 1];
    return {cursor_.data + start, row_ends_[row] - start};
  }
  // A row the sink refused for good: it no longer counts as delivered.
  void drop_refused_row() { --rows_; }

 private:
  std::unique_ptr<char[]> storage_;
  parse::OutputCursor cursor_;
  std::unique_ptr<OffsetMark[]> marks_;
  std::size_t max_marks_;
  std::size_t mark_count_ = 0;
  std::uint64_t rows_ = 0;
  std::chrono::steady_clock::time_point first_write_{};
  std::unique_ptr<std::uint32_t[]> row_ends_;
  std::unique_ptr<SlotId[]> row_slots_;
  std::unique_ptr<std::int64_t[]> row_offsets_;
  std::size_t max_rows_ = 0;
  std::size_t row_count_ = 0;
};

class OutputRing {
 public:
  OutputRing(std::size_t buffer_count, std::size_t buffer_bytes, std::size_t max_marks);

  std::size_t size() const { return buffers_.size(); }
  std::size_t buffer_bytes() const { return buffer_bytes_; }
  std::uint32_t fill_index() const { return fill_; }
  OutputBuffer& at(std::uint32_t index) { return buffers_[index].buffer; }
  const OutputBuffer& at(std::uint32_t index) const { return buffers_[index].buffer; }

  // The buffer being filled, or nullptr if the ring is full (all in flight).
  OutputBuffer* fill_buffer() { return in_use_ == size() ? nullptr : &buffers_[fill_].buffer; }
  // Seals the fill buffer (it goes to the sink) and moves on; returns its index.
  std::uint32_t seal();
  // The sink accepted buffer `index`.
  void complete(std::uint32_t index) { buffers_[index].done = true; }
  // Hands every completed buffer, oldest first and stopping at the first one still
  // in flight, to `release(OutputBuffer&)`, then reuses it.
  template <typename Release>
  void release_completed(Release&& release);

  std::size_t in_flight() const { return in_use_; }

  // Calls `visit(const OutputBuffer&)` for every buffer whose rows are not yet
  // released, oldest first: the sealed ones, then the fill buffer if it holds any.
  template <typename Visit>
  void for_each_unreleased(Visit&& visit) const {
    for (std::size_t i = 0; i < in_use_; ++i) visit(buffers_[(oldest_ + i) % buffers_.size()].buffer);
    if (in_use_ < buffers_.size() && !buffers_[fill_].buffer.empty()) visit(buffers_[fill_].buffer);
  }

  // Gives every buffer a row index of `max_rows` entries (start-up only).
  void enable_row_index(std::size_t max_rows) {
    for (Slot& slot : buffers_) slot.buffer.enable_row_index(max_rows);
  }

 private:
  struct Slot {
    explicit Slot(std::size_t bytes, std::size_t marks) : buffer(bytes, marks) {}
    OutputBuffer buffer;
    bool done = false;
  };
  std::vector<Slot> buffers_;
  std::size_t buffer_bytes_;
  std::uint32_t fill_ = 0;    // next buffer to fill
  std::uint32_t oldest_ = 0;  // oldest sealed buffer not yet released
  std::size_t in_use_ = 0;    // sealed and not yet released
};

template <typename Release>
void OutputRing::release_completed(Release&& release) {
  while (in_use_ > 0 && buffers_[oldest_].done) {
    Slot& slot = buffers_[oldest_];
    release(slot.buffer);
    slot.buffer.reset();
    slot.done = false;
    oldest_ = static_cast<std::uint32_t>((oldest_ + 1) % buffers_.size());
    --in_use_;
  }
}

}  // namespace kilp::core
