#pragma once
// Capped exponential backoff with jitter for reconnect attempts: the n-th delay
// is drawn uniformly from [d/2, d] where d = min(initial * 2^n, cap). The jitter
// keeps many shards (and many kilp processes) from reconnecting in lockstep
// after a QuestDB restart.
#include <chrono>
#include <cstdint>

namespace kilp::io {

class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                   std::uint64_t seed);

  // Delay before the next attempt; grows until the cap.
  std::chrono::milliseconds next_delay();

  // Call once a connection has proved healthy (it carried bytes).
  void reset() { attempt_ = 0; }

  unsigned attempts() const { return attempt_; }

 private:
  std::uint64_t next_random();

  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::uint64_t rng_state_;
  unsigned attempt_ = 0;
};

}  // namespace kilp::io
