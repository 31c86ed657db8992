#pragma once
// The waiting logic both io_uring sinks share: how poll() turns one step of
// progress ("absorb a completion, or start the next operation") into a bounded
// wait, and how a sink waits for its next reconnect attempt.
#include <chrono>
#include <cstddef>
#include <span>
#include <thread>

#include "io/ilp/sink.hpp"

namespace kilp::io {

// `step(wait)` makes one step of progress, true if it absorbed a completion;
// `report(done)` writes the ids of buffers finished since the last report;
// `unfinished()` says whether any submitted buffer is still in the sink.
// With wait == 0 (the shard's hot path) this is at most a peek at the completion
// ring; otherwise it waits until something is done or `wait` is over.
template <typename Step, typename Report, typename Unfinished>
std::size_t poll_sink(std::chrono::milliseconds wait, std::span<BufferId> done, Step&& step,
                      Report&& report, Unfinished&& unfinished) {
  while (step(std::chrono::milliseconds(0))) {
  }
  std::size_t reported = report(done);
  if (reported > 0 || wait.count() <= 0 || !unfinished()) return reported;

  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (reported == 0 && unfinished()) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    step(left);
    while (step(std::chrono::milliseconds(0))) {
    }
    reported = report(done);
  }
  return reported + report(done.subspan(reported));
}

// Sleeps until `attempt_at` when that is within `wait`, else for `wait`; true when
// the attempt time has come (the caller reconnects now).
inline bool wait_for_reconnect(std::chrono::steady_clock::time_point attempt_at,
                               std::chrono::milliseconds wait) {
  if (wait.count() <= 0) return true;
  const auto until_attempt = attempt_at - std::chrono::steady_clock::now();
  if (until_attempt > wait) {
    std::this_thread::sleep_for(wait);
    return false;
  }
  std::this_thread::sleep_for(until_attempt);
  return true;
}

}  // namespace kilp::io
