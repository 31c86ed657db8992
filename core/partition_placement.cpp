#include "core/partition_placement.hpp"

#include <algorithm>
#include <stdexcept>

namespace kilp::core {

PartitionPlacement::PartitionPlacement(int shards) : load_(std::max(shards, 1), 0) {}

std::vector<int> PartitionPlacement::place(std::span<const io::TopicPartition> added) {
  const std::size_t shards = load_.size();
  const std::size_t total = owner_.size() + added.size();
  const int ceiling = static_cast<int>((total + shards - 1) / shards);

  std::vector<std::size_t> order(added.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return added[a] < added[b]; });

  // First pass: partitions that can go back to their previous shard; then the rest
  // fill the least loaded shards.
  std::vector<int> shard_of(added.size(), -1);
  for (std::size_t i : order) {
    if (owner_.count(added[i]) != 0) throw std::logic_error("partition placed twice");
    auto it = previous_.find(added[i]);
    if (it != previous_.end() && it->second < static_cast<int>(shards) &&
        load_[it->second] < ceiling) {
      shard_of[i] = it->second;
      ++load_[it->second];
    }
  }
  for (std::size_t i : order) {
    if (shard_of[i] >= 0) continue;
    shard_of[i] = static_cast<int>(std::min_element(load_.begin(), load_.end()) - load_.begin());
    ++load_[shard_of[i]];
  }
  for (std::size_t i = 0; i < added.size(); ++i) {
    owner_[added[i]] = shard_of[i];
    previous_[added[i]] = shard_of[i];
  }
  return shard_of;
}

void PartitionPlacement::remove(std::span<const io::TopicPartition> removed) {
  for (const auto& tp : removed) {
    auto it = owner_.find(tp);
    if (it == owner_.end()) continue;
    --load_[it->second];
    owner_.erase(it);
  }
}

int PartitionPlacement::shard_of(const io::TopicPartition& partition) const {
  auto it = owner_.find(partition);
  return it == owner_.end() ? -1 : it->second;
}

std::vector<io::TopicPartition> PartitionPlacement::partitions_of(int shard) const {
  std::vector<io::TopicPartition> out;
  for (const auto& [tp, owner] : owner_) {
    if (owner == shard) out.push_back(tp);
  }
  return out;
}

}  // namespace kilp::core
