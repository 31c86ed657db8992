#pragma once
// The control side of kilp: builds the shards, watches them, prints the stats line,
// decides when the run ends (signal, --exit-at-end, failure) and reports a summary.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.hpp"
#include "io/kafka/group_consumer.hpp"
#include "parse/mapping_plan.hpp"

namespace kilp::core {

struct EngineConfig {
  io::KafkaSettings kafka;
  std::vector<parse::MappingConfig> mappings;  // one per kafka.topics entry, same order
  ShardOptions shard;
  int shards = 1;
  bool pin_shards = true;
  bool exit_at_end = false;
  std::chrono::milliseconds startup_timeout{10000};
  std::chrono::milliseconds stats_interval{5000};
  std::chrono::milliseconds commit_interval{50};  // coalesced async commits of stored offsets
  std::string metrics_address;  // HOST:PORT for Prometheus /metrics; empty = off
  SinkFactory make_sink;
  DeadLetterFactory make_dead_letters;
};

struct RunSummary {
  ShardTotals totals;
  double elapsed_s = 0;        // whole run, start-up included
  double active_s = 0;         // first consumed message to last delivered row
  std::uint64_t rejected_by_reason[parse::kRejectReasonCount] = {};
  std::uint64_t rebalances = 0;       // assignments received
  std::uint64_t commit_failures = 0;  // offset commits refused or failed
  std::string failure;         // empty on success
  int exit_code = 0;
};

class SignalWatch;

class Engine {
 public:
  explicit Engine(EngineConfig config);

  // Runs until a signal, the end of the data (--exit-at-end) or a failure.
  // Start-up errors (brokers unreachable, unknown topic, sink refused) throw
  // std::runtime_error with one clear sentence.
  RunSummary run(SignalWatch& signals);

 private:
  EngineConfig config_;
};

// "rows 123,456 (+12,345/s) | 1.2 MB/s | ..." for the periodic stats line.
std::string format_stats_line(const RunSummary& now, const RunSummary& previous, double interval_s,
                              int partitions_assigned, int partitions_at_end,
                              std::size_t buffers_in_flight);
std::string format_summary(const RunSummary& summary);

}  // namespace kilp::core
