#pragma once
// Which shard owns which assigned partition. The rule: shards stay balanced (no
// shard holds more than ceil(assigned / shards) partitions), and a partition goes
// back to the shard it had before whenever that keeps the balance, so an eager
// rebalance that hands a process the same partitions again moves none of them
// between shards. New partitions go to the least loaded shard (lowest index on a
// tie), in topic/partition order, so the placement is deterministic.
#include <map>
#include <span>
#include <vector>

#include "io/kafka/group_consumer.hpp"

namespace kilp::core {

class PartitionPlacement {
 public:
  explicit PartitionPlacement(int shards);

  // Places `added` (not currently placed) and returns their shards, in the order given.
  std::vector<int> place(std::span<const io::TopicPartition> added);
  // Forgets the current owner of `removed`, remembering it for a later place().
  void remove(std::span<const io::TopicPartition> removed);

  // -1 when the partition is not placed.
  int shard_of(const io::TopicPartition& partition) const;
  std::vector<io::TopicPartition> partitions_of(int shard) const;
  const std::vector<int>& load() const { return load_; }
  std::size_t placed() const { return owner_.size(); }

 private:
  std::vector<int> load_;
  std::map<io::TopicPartition, int> owner_;     // currently placed
  std::map<io::TopicPartition, int> previous_;  // last owner of every partition ever placed
};

}  // namespace kilp::core
