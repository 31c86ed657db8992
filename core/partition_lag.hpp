#pragma once
// One assigned partition's position for /metrics: how far the committed offset is
// behind the partition's end.
#include <cstdint>

#include "io/kafka/group_consumer.hpp"

namespace kilp::core {

struct PartitionLag {
  io::TopicPartition partition;
  int shard = -1;
  std::int64_t high_watermark = -1;  // -1: not known yet (no fetch answered)
  std::int64_t committed = -1;       // -1: nothing committed by this process yet
};

}  // namespace kilp::core
