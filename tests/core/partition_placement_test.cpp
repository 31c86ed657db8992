#include "core/partition_placement.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/spsc_queue.hpp"

namespace kilp::core {
namespace {

std::vector<io::TopicPartition> partitions(int from, int to) {
  std::vector<io::TopicPartition> out;
  for (int p = from; p < to; ++p) out.push_back({"t", p});
  return out;
}

TEST(PartitionPlacement, BalancesEvenPartitionsOfARoundRobinAssignment) {
  PartitionPlacement placement(2);
  std::vector<io::TopicPartition> even;
  for (int p = 0; p < 16; p += 2) even.push_back({"t", p});
  placement.place(even);
  EXPECT_EQ(placement.load(), (std::vector<int>{4, 4}));
}

TEST(PartitionPlacement, EagerReassignmentKeepsEveryPartitionOnItsShard) {
  PartitionPlacement placement(3);
  const auto all = partitions(0, 10);
  const std::vector<int> first = placement.place(all);
  placement.remove(all);
  std::vector<io::TopicPartition> reversed(all.rbegin(), all.rend());
  const std::vector<int> second = placement.place(reversed);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(second[all.size() - 1 - i], first[i]) << "partition " << i;
  }
}

TEST(PartitionPlacement, StickinessNeverBreaksTheBalance) {
  PartitionPlacement lopsided(2);
  lopsided.place(partitions(0, 4));  // 0,2 -> shard 0; 1,3 -> shard 1
  lopsided.remove(partitions(0, 4));
  // Only shard 0's partitions come back: stickiness alone would put all on shard 0.
  lopsided.place(std::vector<io::TopicPartition>{{"t", 0}, {"t", 2}, {"t", 4}, {"t", 6}});
  EXPECT_EQ(lopsided.load(), (std::vector<int>{2, 2}));

  PartitionPlacement placement(2);
  placement.place(partitions(0, 8));  // 4 + 4
  placement.remove(partitions(0, 8));
  // Half come back to their shards, then new ones fill in.
  placement.place(partitions(0, 4));
  placement.place(partitions(8, 12));
  const auto& load = placement.load();
  EXPECT_LE(std::abs(load[0] - load[1]), 1);
  EXPECT_EQ(placement.placed(), 8u);
}

TEST(PartitionPlacement, PlacingTwiceIsALogicError) {
  PartitionPlacement placement(2);
  placement.place(partitions(0, 2));
  EXPECT_THROW(placement.place(partitions(1, 2)), std::logic_error);
}

TEST(SpscQueue, KeepsOrderAndRefusesWhenFull) {
  SpscQueue<int, 4> queue;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.push(i));
  EXPECT_FALSE(queue.push(4));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(queue.pop(), i);
  EXPECT_FALSE(queue.pop().has_value());
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace kilp::core
