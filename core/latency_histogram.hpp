#pragma once
// A fixed-bucket latency histogram written by one shard and read by the metrics
// thread (relaxed atomics): Prometheus' cumulative `le` buckets are derived when
// rendering, so observe() touches one bucket, the sum and the count.
#include <array>
#include <atomic>
#include <cstdint>

namespace kilp::core {

class LatencyHistogram {
 public:
  // Upper bounds in microseconds (1 ms .. 10 s); one more bucket holds the rest.
  static constexpr std::array<std::int64_t, 12> kBoundsMicros{
      1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 10000000};

  void observe(std::int64_t micros) {
    std::size_t bucket = 0;
    while (bucket < kBoundsMicros.size() && micros > kBoundsMicros[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
  }
  // Observations in bucket i alone (not cumulative); i == kBoundsMicros.size() is +Inf.
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t sum_micros() const { return sum_micros_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsMicros.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_micros_{0};
};

}  // namespace kilp::core
