#include "core/output_ring.hpp"

#include <stdexcept>

namespace kilp::core {

OutputBuffer::OutputBuffer(std::size_t bytes, std::size_t max_marks)
    : storage_(new char[bytes]), marks_(new OffsetMark[max_marks]), max_marks_(max_marks) {
  cursor_ = parse::OutputCursor{storage_.get(), 0, bytes};
}

void OutputBuffer::mark(SlotId slot, std::int64_t offset, bool wrote_row) {
  if (mark_count_ == 0) first_write_ = std::chrono::steady_clock::now();
  if (mark_count_ > 0 && marks_[mark_count_ - 1].slot == slot) {
    marks_[mark_count_ - 1].offset = offset;
  } else {
    marks_[mark_count_++] = OffsetMark{slot, offset};
  }
  if (wrote_row) ++rows_;
}

void OutputBuffer::reset() {
  cursor_.size = 0;
  mark_count_ = 0;
  rows_ = 0;
  row_count_ = 0;
}

void OutputBuffer::enable_row_index(std::size_t max_rows) {
  if (max_rows == 0) throw std::invalid_argument("a row index needs at least 1 row");
  if (cursor_.capacity > UINT32_MAX) {
    throw std::invalid_argument("a row index needs output buffers below 4 GiB");
  }
  row_ends_.reset(new std::uint32_t[max_rows]);
  row_slots_.reset(new SlotId[max_rows]);
  row_offsets_.reset(new std::int64_t[max_rows]);
  max_rows_ = max_rows;
  row_count_ = 0;
}

OutputRing::OutputRing(std::size_t buffer_count, std::size_t buffer_bytes, std::size_t max_marks)
    : buffer_bytes_(buffer_bytes) {
  if (buffer_count < 2) throw std::invalid_argument("the output ring needs at least 2 buffers");
  if (max_marks < 1) throw std::invalid_argument("an output buffer needs at least 1 offset mark");
  buffers_.reserve(buffer_count);
  for (std::size_t i = 0; i < buffer_count; ++i) buffers_.emplace_back(buffer_bytes, max_marks);
}

std::uint32_t OutputRing::seal() {
  std::uint32_t sealed = fill_;
  fill_ = static_cast<std::uint32_t>((fill_ + 1) % buffers_.size());
  ++in_use_;
  return sealed;
}

}  // namespace kilp::core
