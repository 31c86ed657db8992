#pragma once
// A shard's counters. The shard keeps plain local counts on the hot path and
// publishes them here once per batch; the control thread reads them (relaxed) for
// the stats line, /metrics and the end-of-run decision.
#include <array>
#include <atomic>
#include <cstdint>

#include "core/latency_histogram.hpp"
#include "parse/reject_reason.hpp"

namespace kilp::core {

struct ShardTotals {
  std::uint64_t messages = 0;         // consumed from Kafka (records, not events)
  std::uint64_t rows_encoded = 0;     // ILP rows written into buffers
  std::uint64_t rows_delivered = 0;   // rows in buffers the sink accepted
  std::uint64_t bytes_delivered = 0;  // ILP bytes the sink accepted
  std::uint64_t dead_letters = 0;     // messages sent to the dead-letter sink
  std::uint64_t tombstones = 0;       // records with a null value, skipped
  std::uint64_t kafka_errors = 0;     // consumer error events
};

struct ShardCounters {
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> rows_encoded{0};
  std::atomic<std::uint64_t> rows_delivered{0};
  std::atomic<std::uint64_t> bytes_delivered{0};
  std::atomic<std::uint64_t> dead_letters{0};
  std::atomic<std::uint64_t> tombstones{0};
  std::atomic<std::uint64_t> kafka_errors{0};
  std::array<std::atomic<std::uint64_t>, parse::kRejectReasonCount> rejected_by_reason{};

  std::atomic<int> partitions_assigned{0};
  std::atomic<int> partitions_at_end{0};
  std::atomic<std::size_t> buffers_in_flight{0};
  std::atomic<std::uint64_t> sink_retries{0};
  std::atomic<std::uint64_t> sink_connects{0};
  std::atomic<bool> running{false};
  std::atomic<bool> failed{false};
  // Bumped whenever the shard stored new offsets: the control thread commits then.
  std::atomic<std::uint64_t> offsets_stored{0};
  // Time from handing a buffer to the sink to its acceptance.
  LatencyHistogram sink_latency;
  // steady_clock nanoseconds; 0 = not yet.
  std::atomic<std::int64_t> first_message_ns{0};
  std::atomic<std::int64_t> last_delivery_ns{0};

  void publish(const ShardTotals& t) {
    messages.store(t.messages, std::memory_order_relaxed);
    rows_encoded.store(t.rows_encoded, std::memory_order_relaxed);
    rows_delivered.store(t.rows_delivered, std::memory_order_relaxed);
    bytes_delivered.store(t.bytes_delivered, std::memory_order_relaxed);
    dead_letters.store(t.dead_letters, std::memory_order_relaxed);
    tombstones.store(t.tombstones, std::memory_order_relaxed);
    kafka_errors.store(t.kafka_errors, std::memory_order_relaxed);
  }

  ShardTotals snapshot() const {
    return ShardTotals{messages.load(std::memory_order_relaxed),
                       rows_encoded.load(std::memory_order_relaxed),
                       rows_delivered.load(std::memory_order_relaxed),
                       bytes_delivered.load(std::memory_order_relaxed),
                       dead_letters.load(std::memory_order_relaxed),
                       tombstones.load(std::memory_order_relaxed),
                       kafka_errors.load(std::memory_order_relaxed)};
  }
};

}  // namespace kilp::core
