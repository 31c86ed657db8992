#include "core/group_member.hpp"

#include <fmt/format.h>

#include <thread>

namespace kilp::core {
namespace {

using Clock = std::chrono::steady_clock;

bool refused_for_rebalance(rd_kafka_resp_err_t error) {
  return error == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
         error == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
         error == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID;
}

}  // namespace

GroupMember::GroupMember(const io::KafkaSettings& settings, const GroupMemberOptions& options)
    : options_(options),
      consumer_(std::make_unique<io::GroupConsumer>(settings, static_cast<io::RebalanceListener*>(this),
                                                    static_cast<io::CommitListener*>(this))),
      placement_(options.shards) {}

void GroupMember::tick(std::chrono::milliseconds wait) {
  consumer_->poll_events(wait);
  const auto now = Clock::now();
  if (commits_in_flight_ > 0 && now - commit_progress_ > options_.unanswered_commit) {
    if (!hold_.load(std::memory_order_relaxed)) {
      fmt::print(stderr,
                 "kilp: offset commit unanswered for {} ms (the group is probably "
                 "rebalancing): holding consumption until it is answered\n",
                 options_.unanswered_commit.count());
    }
    start_hold();  // and again at every tick while it stays unanswered
  }
  if (hold_.load(std::memory_order_relaxed)) {
    if (now - hold_since_ < options_.max_hold) return;  // a commit now would be refused or lost
    assignments_until_settled_ = 0;
    release_hold();
  }
  const std::uint64_t stored = stored_total();
  if (stored == stored_at_last_commit_ || now - last_commit_ < options_.commit_interval) return;
  consumer_->commit_async();
  if (commits_in_flight_++ == 0) commit_progress_ = now;
  last_commit_ = now;
  stored_at_last_commit_ = stored;
}

bool GroupMember::commit_now() {
  stored_at_last_commit_ = stored_total();
  const rd_kafka_resp_err_t error = consumer_->commit_sync();
  consumer_->poll_events(std::chrono::milliseconds(0));  // deliver the commit result
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fmt::print(stderr, "kilp: offset commit failed: {}\n", rd_kafka_err2str(error));
    return false;
  }
  return true;
}

std::uint64_t GroupMember::stored_total() const {
  std::uint64_t total = 0;
  for (const Shard* shard : shards_) total += shard->counters().offsets_stored.load(std::memory_order_relaxed);
  return total;
}

void GroupMember::on_assigned(std::span<const io::TopicPartition> partitions,
                              std::span<std::int64_t> start_offsets) {
  rebalances_.fetch_add(1, std::memory_order_relaxed);
  // Every row before a handed-back position was delivered by this process, and in
  // an eager rebalance nobody else owned the partition since: resuming there skips
  // nothing and repeats nothing. (Had another member consumed it meanwhile, this
  // would only repeat rows, never skip one.)
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (auto it = handed_back_.find(partitions[i]); it != handed_back_.end()) {
      start_offsets[i] = it->second;
    }
  }
  handed_back_.clear();
  const std::vector<int> owners = placement_.place(partitions);
  // Forward first, then let the shards take them, and only then (when this
  // returns) librdkafka starts fetching: no message can reach a shard that does
  // not yet know the partition is its own.
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    consumer_->forward(partitions[i], shards_[owners[i]]->queue());
  }
  command_owners(ShardCommand::Kind::kTake, partitions, owners, false);
  // A new assignment means the group is settled again, except the one that follows a
  // cooperative revoke at once: the round that moves the revoked partitions is next.
  if (assignments_until_settled_ > 0 && --assignments_until_settled_ > 0) return;
  release_hold();
}

void GroupMember::on_revoking(std::span<const io::TopicPartition> partitions, bool lost) {
  std::vector<int> owners;
  for (const auto& tp : partitions) owners.push_back(placement_.shard_of(tp));
  command_owners(ShardCommand::Kind::kGiveBack, partitions, owners, lost);
  placement_.remove(partitions);
  for (const auto& tp : partitions) committed_.erase(tp);
  if (lost) {
    remember_handed_back();
    fmt::print(stderr,
               "kilp: {} partition(s) lost (membership expired, or a commit met a newer "
               "generation): not committed\n",
               partitions.size());
    return;
  }
  const rd_kafka_resp_err_t error = consumer_->commit_sync();
  if (consumer_->cooperative() && !partitions.empty()) {
    assignments_until_settled_ = 2;
    start_hold();
  }
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    remember_handed_back();
    // (Counted by on_commit: a synchronous commit's result comes through it too.)
    fmt::print(stderr,
               "kilp: commit before releasing {} partition(s) refused: {}; rows delivered "
               "since the last commit will be consumed again by their next owner\n",
               partitions.size(), rd_kafka_err2str(error));
  }
  stored_at_last_commit_ = stored_total();
}

void GroupMember::remember_handed_back() {
  for (const Shard* shard : shards_) {
    for (const io::CommittedOffset& position : shard->handed_back()) {
      handed_back_[position.partition] = position.offset;
    }
  }
}

void GroupMember::command_owners(ShardCommand::Kind kind,
                                 std::span<const io::TopicPartition> partitions,
                                 const std::vector<int>& owners, bool lost) {
  std::vector<std::uint64_t> waiting(shards_.size(), 0);
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    ShardCommand command{kind, {}, lost, 0};
    for (std::size_t i = 0; i < partitions.size(); ++i) {
      if (owners[i] == static_cast<int>(s)) command.partitions.push_back(partitions[i]);
    }
    if (!command.partitions.empty() && shards_[s]->running()) {
      waiting[s] = shards_[s]->send(std::move(command));
    }
  }
  const auto deadline = Clock::now() + options_.handoff_timeout;
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    // A shard that stopped (shutdown, failure) acknowledges nothing more.
    while (waiting[s] != 0 && shards_[s]->acknowledged() < waiting[s] && shards_[s]->running()) {
      if (Clock::now() > deadline) {
        fmt::print(stderr, "kilp: shard {} did not hand its partitions over within {} ms\n", s,
                   options_.handoff_timeout.count());
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

void GroupMember::on_commit(rd_kafka_resp_err_t error,
                            std::span<const io::CommittedOffset> committed) {
  // (Synchronous commits are answered here too: at worst an unanswered one goes unseen.)
  if (commits_in_flight_ > 0) --commits_in_flight_;
  commit_progress_ = Clock::now();
  for (const auto& c : committed) {
    if (placement_.shard_of(c.partition) >= 0) committed_[c.partition] = c.offset;
  }
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    // (The hand-off commit of a cooperative revoke does not end its rebalance.)
    if (assignments_until_settled_ == 0) release_hold();
    return;
  }
  commit_failures_.fetch_add(1, std::memory_order_relaxed);
  if (!refused_for_rebalance(error)) {
    fmt::print(stderr, "kilp: offset commit failed: {}\n", rd_kafka_err2str(error));
    return;
  }
  if (!hold_.load(std::memory_order_relaxed)) {
    fmt::print(stderr, "kilp: group is rebalancing ({}): holding consumption until it settles\n",
               rd_kafka_err2str(error));
    start_hold();
  }
}

void GroupMember::start_hold() {
  hold_since_ = Clock::now();
  hold_.store(true, std::memory_order_relaxed);
}

void GroupMember::release_hold() {
  if (!hold_.load(std::memory_order_relaxed)) return;
  hold_.store(false, std::memory_order_relaxed);
}

std::vector<PartitionLag> GroupMember::lag() const {
  std::vector<PartitionLag> out;
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    for (const auto& tp : placement_.partitions_of(static_cast<int>(s))) {
      auto it = committed_.find(tp);
      out.push_back({tp, static_cast<int>(s), consumer_->cached_high_watermark(tp),
                     it == committed_.end() ? -1 : it->second});
    }
  }
  return out;
}

}  // namespace kilp::core
