#include "core/prometheus_text.hpp"

#include <fmt/format.h>

#include <algorithm>
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

void render_group(std::string& out, const GroupMetrics& group) {
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP kilp_rebalances_total Partition assignments received from the group\n"
                 "# TYPE kilp_rebalances_total counter\nkilp_rebalances_total {}\n"
                 "# HELP kilp_commit_failures_total Offset commits refused or failed\n"
                 "# TYPE kilp_commit_failures_total counter\nkilp_commit_failures_total {}\n"
                 "# HELP kilp_group_errors_total Kafka consumer errors not tied to a partition\n"
                 "# TYPE kilp_group_errors_total counter\nkilp_group_errors_total {}\n",
                 group.rebalances, group.commit_failures, group.kafka_errors);
  out += "# HELP kilp_consumer_lag Messages between the committed offset and the partition's end\n"
         "# TYPE kilp_consumer_lag gauge\n";
  for (const PartitionLag& p : group.lag) {
    if (p.high_watermark < 0 || p.committed < 0) continue;
    fmt::format_to(it, "kilp_consumer_lag{{topic=\"{}\",partition=\"{}\",shard=\"{}\"}} {}\n",
                   p.partition.topic, p.partition.partition, p.shard,
                   std::max<std::int64_t>(0, p.high_watermark - p.committed));
  }
  out += "# HELP kilp_committed_offset Last offset this process committed (next to consume)\n"
         "# TYPE kilp_committed_offset gauge\n";
  for (const PartitionLag& p : group.lag) {
    if (p.committed < 0) continue;
    fmt::format_to(it, "kilp_committed_offset{{topic=\"{}\",partition=\"{}\"}} {}\n",
                   p.partition.topic, p.partition.partition, p.committed);
  }
}

void render_sink_latency(std::string& out, std::span<const ShardCounters* const> shards) {
  auto it = std::back_inserter(out);
  out += "# HELP kilp_sink_request_seconds Time from handing a buffer to the sink to its acceptance\n"
         "# TYPE kilp_sink_request_seconds histogram\n";
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const LatencyHistogram& h = shards[s]->sink_latency;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < LatencyHistogram::kBoundsMicros.size(); ++b) {
      cumulative += h.bucket(b);
      fmt::format_to(it, "kilp_sink_request_seconds_bucket{{shard=\"{}\",le=\"{}\"}} {}\n", s,
                     LatencyHistogram::kBoundsMicros[b] / 1e6, cumulative);
    }
    cumulative += h.bucket(LatencyHistogram::kBoundsMicros.size());
    fmt::format_to(it,
                   "kilp_sink_request_seconds_bucket{{shard=\"{}\",le=\"+Inf\"}} {}\n"
                   "kilp_sink_request_seconds_sum{{shard=\"{}\"}} {}\n"
                   "kilp_sink_request_seconds_count{{shard=\"{}\"}} {}\n",
                   s, cumulative, s, h.sum_micros() / 1e6, s, cumulative);
  }
}

}  // namespace

std::string render_prometheus(std::span<const ShardCounters* const> shards,
                              const GroupMetrics& group) {
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
  per_shard<std::uint64_t>(out, shards, "kilp_sink_retries_total", "counter",
                           "Failed sink attempts retried with the same bytes",
                           [](const ShardCounters& c) { return c.sink_retries.load(relaxed); });
  per_shard<std::uint64_t>(out, shards, "kilp_sink_connections_total", "counter",
                           "Sink connections opened, the first included",
                           [](const ShardCounters& c) { return c.sink_connects.load(relaxed); });

  out += "# HELP kilp_dead_letters_total Messages sent to the dead-letter sink, by reason\n"
         "# TYPE kilp_dead_letters_total counter\n";
  for (std::size_t r = 0; r < parse::kRejectReasonCount; ++r) {
    std::uint64_t total = 0;
    for (const ShardCounters* c : shards) total += c->rejected_by_reason[r].load(relaxed);
    fmt::format_to(std::back_inserter(out), "kilp_dead_letters_total{{reason=\"{}\"}} {}\n",
                   parse::reject_reason_id(static_cast<parse::RejectReason>(r)), total);
  }
  render_group(out, group);
  render_sink_latency(out, shards);
  return out;
}

}  // namespace kilp::core
