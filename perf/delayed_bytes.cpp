#include "perf/delayed_bytes.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

namespace kilp::perf {
namespace {

constexpr std::size_t kFirstCapacity = 64 << 10;

std::size_t power_of_two_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

int DelayedBytes::regions(std::uint64_t from, std::size_t size, iovec out[2]) const {
  if (size == 0) return 0;
  const std::size_t start = static_cast<std::size_t>(from & (capacity_ - 1));
  const std::size_t first = std::min(size, capacity_ - start);
  out[0] = {ring_.get() + start, first};
  if (first == size) return 1;
  out[1] = {ring_.get(), size - first};
  return 2;
}

void DelayedBytes::grow(std::size_t at_least) {
  const std::size_t capacity = power_of_two_at_least(std::max(at_least, kFirstCapacity));
  auto ring = std::make_unique_for_overwrite<char[]>(capacity);
  iovec parts[2];
  const int n = regions(written_total_, held(), parts);
  std::size_t offset = static_cast<std::size_t>(written_total_ & (capacity - 1));
  for (int i = 0; i < n; ++i) {  // keep every held byte at its position modulo the new size
    const std::size_t first = std::min(parts[i].iov_len, capacity - offset);
    std::memcpy(ring.get() + offset, parts[i].iov_base, first);
    std::memcpy(ring.get(), static_cast<char*>(parts[i].iov_base) + first,
                parts[i].iov_len - first);
    offset = (offset + parts[i].iov_len) & (capacity - 1);
  }
  ring_ = std::move(ring);
  capacity_ = capacity;
}

int DelayedBytes::room(iovec out[2], std::size_t max) {
  const std::size_t allowed =
      window_ == 0 ? max : std::min(max, window_ - std::min(window_, held()));
  if (allowed == 0) return 0;
  // Unbounded or below the window: grow once the ring is half full, so reads stay large.
  const std::size_t limit = window_ == 0 ? SIZE_MAX : power_of_two_at_least(window_);
  if (capacity_ < limit && (capacity_ == 0 || held() * 2 >= capacity_)) {
    grow(std::min(limit, std::max(capacity_ * 2, held() + allowed)));
  }
  const std::size_t free = capacity_ - held();
  return regions(read_total_, std::min(allowed, free), out);
}

void DelayedBytes::commit(std::size_t n, std::int64_t due_ns) {
  if (n == 0) return;
  read_total_ += n;
  marks_.push_back({read_total_, due_ns});
}

int DelayedBytes::due(iovec out[2], std::int64_t now_ns, std::size_t max) {
  while (due_marks_ < marks_.size() && marks_[due_marks_].due_ns <= now_ns) {
    due_end_ = marks_[due_marks_].end;
    ++due_marks_;
  }
  const std::size_t size = static_cast<std::size_t>(due_end_ - written_total_);
  return regions(written_total_, std::min(size, max), out);
}

void DelayedBytes::consume(std::size_t n) {
  written_total_ += n;
  while (!marks_.empty() && marks_.front().end <= written_total_) {
    marks_.pop_front();
    --due_marks_;  // only due bytes are consumed, so a consumed mark was counted
  }
}

std::int64_t DelayedBytes::next_due_ns() const {
  return due_marks_ < marks_.size() ? marks_[due_marks_].due_ns : INT64_MAX;
}

}  // namespace kilp::perf
