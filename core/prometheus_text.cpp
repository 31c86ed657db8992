#include "core/prometheus_text.hpp"

#include <fmt/format.h>

#include <iterator>

namespace kilp::core {
namespace {

template <typename Value>
void per_shard(std::string& out, std::span<const ShardCounters* const> shards, const char* name,
               const char* type, const char* help, Value (*read)(const ShardCounters&)) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    fmt::format_to(std::back_inserter(out), "{}{{shard=\"{}\"}} {}\n", name, i, read(*shards[i]));
  }
}

}  // namespace

std::string render_prometheus(std::span<const ShardCounters* const> shards) {
  constexpr auto relaxed = std::memory_order_relaxed;
  std::string out;
  per_shard<std::uint64_t>(out, shards, "kilp_messages_consumed_total", "counter",
                           "Kafka records consumed",
                           [](const ShardCounters& c) { return c.messages.load(relaxed); });
  per_shard<std::uint64_t>(out, shards, "kilp_rows_delivered_total", "counter",
                           "ILP rows accepted by the sink",
                           [](const ShardCounters& c) { return c.rows_delivered.load(relaxed); });
  per_shard<std::uint64_t>(out, shards, "kilp_bytes_delivered_total", "counter",
                           "ILP bytes accepted by the sink",
                           [](const ShardCounters& c) { return c.bytes_delivered.load(relaxed); });
  per_shard<std::uint64_t>(out, shards, "kilp_tombstones_total", "counter",
                           "Records with a null value, skipped",
                           [](const ShardCounters& c) { return c.tombstones.load(relaxed); });
  per_shard<std::uint64_t>(out, shards, "kilp_kafka_errors_total", "counter",
                           "Kafka consumer error events",
                           [](const ShardCounters& c) { return c.kafka_errors.load(relaxed); });
  per_shard<int>(out, shards, "kilp_partitions_assigned", "gauge", "Partitions owned",
                 [](const ShardCounters& c) { return c.partitions_assigned.load(relaxed); });
  per_shard<std::size_t>(out, shards, "kilp_buffers_in_flight", "gauge",
                         "Output buffers handed to the sink and not yet accepted",
                         [](const ShardCounters& c) { return c.buffers_in_flight.load(relaxed); });

  out += "# HELP kilp_dead_letters_total Messages sent to the dead-letter sink, by reason\n"
         "# TYPE kilp_dead_letters_total counter\n";
  for (std::size_t r = 0; r < parse::kRejectReasonCount; ++r) {
    std::uint64_t total = 0;
    for (const ShardCounters* c : shards) total += c->rejected_by_reason[r].load(relaxed);
    fmt::format_to(std::back_inserter(out), "kilp_dead_letters_total{{reason=\"{}\"}} {}\n",
                   parse::reject_reason_id(static_cast<parse::RejectReason>(r)), total);
  }
  return out;
}

}  // namespace kilp::core
