#pragma once
// The process's membership of the consumer group, on the control thread. It owns
// the one Kafka consumer, places assigned partitions on shards (forwarding each
// partition's queue to its shard), takes them back as a hand-off (the shard
// delivers and stores what it holds, then this commits, then librdkafka releases
// them), and commits the shards' stored offsets every commit interval.
//
// When the coordinator refuses a commit because a rebalance is in progress (Kafka
// may; librdkafka's mock refuses every commit for the whole rebalance), rows
// delivered from then on could not be committed before the partitions move, so
// every shard holds (stops taking messages) until the group is settled again. The
// same when a commit stays unanswered: on a real broker it then waits behind this
// member's JoinGroup, which librdkafka sends without telling the application in a
// cooperative rebalance, and will be answered ILLEGAL_GENERATION.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "core/partition_lag.hpp"
#include "core/partition_placement.hpp"
#include "core/shard.hpp"
#include "io/kafka/group_consumer.hpp"

namespace kilp::core {

struct GroupMemberOptions {
  int shards = 1;
  std::chrono::milliseconds commit_interval{50};
  // Longest wait for a shard to acknowledge a command (its drain timeout and some).
  std::chrono::milliseconds handoff_timeout{35000};
  // Longest hold after a refused commit, in case no rebalance follows it.
  std::chrono::milliseconds max_hold{10000};
  // A commit unanswered this long holds the shards until it is answered: it is most
  // likely queued behind the member's own JoinGroup (see hold_).
  std::chrono::milliseconds unanswered_commit{250};
};

class GroupMember final : private io::RebalanceListener, private io::CommitListener {
 public:
  GroupMember(const io::KafkaSettings& settings, const GroupMemberOptions& options);

  io::GroupConsumer& consumer() { return *consumer_; }
  const std::atomic<bool>& hold() const { return hold_; }
  void set_shards(std::vector<Shard*> shards) { shards_ = std::move(shards); }

  void subscribe() { consumer_->subscribe(); }
  // Serves the consumer's events for up to `wait` and commits what the shards
  // stored since the last commit, at most once per commit interval.
  void tick(std::chrono::milliseconds wait);
  // After the shards stopped: commits what they stored and waits for the answer.
  bool commit_now();
  // Leaves the group (the final revoke finds the shards stopped).
  void close() { consumer_->close(); }

  int partitions() const { return static_cast<int>(placement_.placed()); }
  std::uint64_t rebalances() const { return rebalances_.load(std::memory_order_relaxed); }
  std::uint64_t commit_failures() const { return commit_failures_.load(std::memory_order_relaxed); }
  std::uint64_t kafka_errors() const { return consumer_->errors(); }
  std::vector<PartitionLag> lag() const;

 private:
  void on_assigned(std::span<const io::TopicPartition> partitions,
                   std::span<std::int64_t> start_offsets) override;
  void on_revoking(std::span<const io::TopicPartition> partitions, bool lost) override;
  void on_commit(rd_kafka_resp_err_t error, std::span<const io::CommittedOffset> committed) override;
  // Sends one command per shard that owns any of `partitions` and waits for each.
  void command_owners(ShardCommand::Kind kind, std::span<const io::TopicPartition> partitions,
                      const std::vector<int>& owners, bool lost);
  std::uint64_t stored_total() const;
  // Keeps where the shards stopped delivering the partitions they just gave back.
  void remember_handed_back();
  void start_hold();
  void release_hold();

  GroupMemberOptions options_;
  std::unique_ptr<io::GroupConsumer> consumer_;
  std::vector<Shard*> shards_;
  PartitionPlacement placement_;
  std::map<io::TopicPartition, std::int64_t> committed_;
  // Where this process stopped delivering each partition it handed back in the last
  // revoke whose commit was refused or that lost the partitions (librdkafka < 2.10 also
  // calls an assignment lost when a commit meets a new generation, librdkafka #4059):
  // if the next assignment gives it back, it resumes there instead of at the older
  // committed offset.
  std::map<io::TopicPartition, std::int64_t> handed_back_;
  std::atomic<bool> hold_{false};
  // Assignments still to come before a cooperative rebalance is over: a cooperative
  // revoke is followed at once by an assignment (often empty), then librdkafka rejoins
  // for the round that gives the revoked partitions to their new owners. A commit sent
  // while that JoinGroup waits for the other members is answered only after it, with
  // ILLEGAL_GENERATION, and librdkafka < 2.10 then drops the whole assignment as lost
  // (librdkafka #4059): so kilp holds, and does not commit, until the round is over.
  int assignments_until_settled_ = 0;
  std::chrono::steady_clock::time_point hold_since_{};
  // Asynchronous commits sent and not answered yet, and when the last was sent into an
  // idle pipe or answered.
  int commits_in_flight_ = 0;
  std::chrono::steady_clock::time_point commit_progress_{};
  std::chrono::steady_clock::time_point last_commit_{};
  std::uint64_t stored_at_last_commit_ = 0;
  std::atomic<std::uint64_t> rebalances_{0};
  std::atomic<std::uint64_t> commit_failures_{0};
};

}  // namespace kilp::core
