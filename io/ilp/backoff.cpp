#include "io/ilp/backoff.hpp"

#include <algorithm>

namespace kilp::io {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                                   std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      cap_(std::max(cap, initial_)),
      rng_state_(seed | 1) {}

std::chrono::milliseconds ReconnectBackoff::next_delay() {
  // Doubling stops well before overflow; the cap bounds it anyway.
  const unsigned shift = std::min(attempt_, 30u);
  const auto grown = initial_.count() << shift;
  const std::int64_t ceiling = std::min<std::int64_t>(grown, cap_.count());
  if (attempt_ < 1000) ++attempt_;
  const std::int64_t floor = ceiling / 2;
  const std::int64_t span = ceiling - floor + 1;
  return std::chrono::milliseconds(floor + static_cast<std::int64_t>(next_random() % span));
}

// xorshift64*: tiny, fast, and good enough to spread reconnects apart.
std::uint64_t ReconnectBackoff::next_random() {
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return rng_state_ * 0x2545F4914F6CDD1Dull;
}

}  // namespace kilp::io
