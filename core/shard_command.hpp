#pragma once
// What the control thread asks of a shard. Commands are rare (rebalances), so they
// may carry a vector; the hot path never sees one.
#include <cstdint>
#include <vector>

#include "io/kafka/group_consumer.hpp"

namespace kilp::core {

struct ShardCommand {
  enum class Kind : std::uint8_t {
    kNone,
    // Start taking these partitions' messages (sent before they are assigned).
    kTake,
    // Stop taking them; unless `lost`, deliver what is held for them and store their
    // offsets before acknowledging, so the control thread can commit and release them.
    kGiveBack,
  };
  Kind kind = Kind::kNone;
  std::vector<io::TopicPartition> partitions;
  bool lost = false;
  std::uint64_t sequence = 0;  // acknowledged by the shard when done
};

}  // namespace kilp::core
