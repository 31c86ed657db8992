#pragma once
// Renders the shards' counters in the Prometheus text exposition format.
#include <span>
#include <string>

#include "core/shard_counters.hpp"

namespace kilp::core {

std::string render_prometheus(std::span<const ShardCounters* const> shards);

}  // namespace kilp::core
