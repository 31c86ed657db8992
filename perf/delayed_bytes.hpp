#pragma once
// One direction of a proxied connection: the bytes read from one socket and not
// yet written to the other, each run of them with the time it may be delivered.
// A power-of-two ring (grown geometrically, never per byte) plus a queue of
// marks: mark i covers the bytes up to `end` and is due at `due_ns`. Due times
// never decrease, so the bytes leave in the order they came.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

namespace kilp::perf {

class DelayedBytes {
 public:
  // window_bytes: at most this many bytes held (0 = unbounded).
  explicit DelayedBytes(std::size_t window_bytes) : window_(window_bytes) {}

  std::size_t held() const { return static_cast<std::size_t>(read_total_ - written_total_); }
  bool empty() const { return read_total_ == written_total_; }

  // Free room for the next read, at most `max` bytes, in up to two iovecs (the
  // ring wraps). Returns how many iovecs; 0 when the window is full.
  int room(iovec out[2], std::size_t max);
  // `n` bytes were just read into the room; they may leave at `due_ns`.
  void commit(std::size_t n, std::int64_t due_ns);

  // The held bytes due at `now_ns`, in up to two iovecs, at most `max` bytes.
  int due(iovec out[2], std::int64_t now_ns, std::size_t max);
  // `n` of the due bytes were written.
  void consume(std::size_t n);
  // When the next bytes not yet due become due; INT64_MAX when none are held.
  std::int64_t next_due_ns() const;

 private:
  struct Mark {
    std::uint64_t end;  // position just after the mark's last byte
    std::int64_t due_ns;
  };
  void grow(std::size_t at_least);
  int regions(std::uint64_t from, std::size_t size, iovec out[2]) const;

  std::size_t window_;
  std::unique_ptr<char[]> ring_;
  std::size_t capacity_ = 0;         // a power of two
  std::uint64_t read_total_ = 0;     // bytes ever read into the ring
  std::uint64_t written_total_ = 0;  // bytes ever consumed from it
  std::uint64_t due_end_ = 0;        // bytes up to here are known to be due
  std::size_t due_marks_ = 0;        // marks_[0 .. due_marks_) are due
  std::deque<Mark> marks_;
};

}  // namespace kilp::perf
