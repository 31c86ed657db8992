#pragma once
// Renders the shards' counters and the group membership's state in the Prometheus
// text exposition format.
#include <span>
#include <string>
#include <vector>

#include "core/partition_lag.hpp"
#include "core/shard_counters.hpp"

namespace kilp::core {

// What the control thread knows of the group membership.
struct GroupMetrics {
  std::uint64_t rebalances = 0;
  std::uint64_t commit_failures = 0;
  std::uint64_t kafka_errors = 0;  // consumer-level errors (not per partition)
  std::vector<PartitionLag> lag;
};

std::string render_prometheus(std::span<const ShardCounters* const> shards,
                              const GroupMetrics& group);

}  // namespace kilp::core
