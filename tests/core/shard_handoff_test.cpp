// Revocation as a hand-off, with a real shard, the process's group member and an
// in-process mock cluster: what a shard holds for a revoked partition is delivered
// and committed before the partition is released, also when its ring is full; a
// lost partition is dropped at once, without waiting for the sink.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <numeric>
#include <string>
#include <vector>

#include "core/group_member.hpp"
#include "core/shard.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::core {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr std::uint64_t kMessages = 40000;

// Takes every buffer and completes none until released: a sink that is slow, or down.
class HoldingSink final : public io::Sink {
 public:
  explicit HoldingSink(std::size_t capacity) : ids_(capacity) {}
  void submit(io::BufferId id, std::span<const char> bytes) override {
    std::uint64_t rows = 0;
    for (char c : bytes) rows += c == '\n';
    ids_[held_count_++] = id;
    rows_held_ += rows;
    held_.store(held_count_);
  }
  std::size_t poll(std::chrono::milliseconds wait, std::span<io::BufferId> done) override {
    if (!released_.load()) {
      std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(5)));
      return 0;
    }
    const std::size_t n = held_count_;
    for (std::size_t i = 0; i < n; ++i) done[i] = ids_[i];
    held_count_ = 0;
    rows_accepted_ += rows_held_;
    rows_held_ = 0;
    held_.store(0);
    return n;
  }
  std::size_t pending() const override { return held_count_; }
  std::string describe() const override { return "holding"; }

  void release() { released_.store(true); }
  std::size_t held() const { return held_.load(); }

 private:
  std::vector<io::BufferId> ids_;
  std::size_t held_count_ = 0;
  std::uint64_t rows_held_ = 0;
  std::uint64_t rows_accepted_ = 0;
  std::atomic<std::size_t> held_{0};
  std::atomic<bool> released_{false};
};

class ShardHandoff : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.create_topic("trades", kPartitions);
    cluster_.produce("trades", kPartitions, kMessages, testing::trades_from(0));
    parse::MappingConfig mapping;
    mapping.table = "trades";
    mapping.timestamp_field = "ts";
    mapping.timestamp_unit = parse::TimestampUnit::kMicros;
    plans_.push_back(parse::MappingPlan::compile(mapping));
    kafka_.brokers = cluster_.bootstrap_servers();
    kafka_.group_id = "handoff-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    kafka_.topics = {"trades"};
    kafka_.from_beginning = true;
    kafka_.properties = {{"fetch.wait.max.ms", "100"}};
  }

  // Starts one shard behind a holding sink and waits until it holds `buffers` buffers.
  void start(const ShardOptions& options, std::size_t buffers,
             const GroupMemberOptions& member_options = {}) {
    member_ = std::make_unique<GroupMember>(kafka_, member_options);
    shard_ = std::make_unique<Shard>(
        0, options, member_->consumer(), kafka_.topics, plans_,
        [this](std::size_t capacity) -> std::unique_ptr<io::Sink> {
          auto sink = std::make_unique<HoldingSink>(capacity);
          sink_ = sink.get();
          return sink;
        },
        [](int) { return std::unique_ptr<io::DeadLetterSink>(); }, counters_, member_->hold());
    member_->set_shards({shard_.get()});
    shard_->start().get();
    member_->subscribe();
    tick_until([&] { return sink_->held() >= buffers; }, 30s);
    ASSERT_GE(sink_->held(), buffers);
  }

  // Serves the group member in ticks of `step` until `done()` or `limit` passed.
  void tick_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                  std::chrono::milliseconds step = 10ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) member_->tick(step);
  }

  void stop() {
    shard_->request_stop();
    shard_->join();
    member_->close();
  }

  std::int64_t committed_total() {
    std::int64_t total = 0;
    for (std::int64_t offset :
         testing::committed_offsets(kafka_.brokers, kafka_.group_id, "trades", kPartitions)) {
      if (offset > 0) total += offset;
    }
    return total;
  }

  // Leaving the group revokes everything: the hand-off must wait for the held
  // buffers, then commit exactly what was delivered.
  void expect_revoke_waits_for_sink_then_commits_delivered() {
    auto closing = std::async(std::launch::async, [this] { member_->close(); });
    EXPECT_EQ(closing.wait_for(500ms), std::future_status::timeout)
        << "the revoke returned while the sink still held rows";
    sink_->release();
    ASSERT_EQ(closing.wait_for(30s), std::future_status::ready);
    closing.get();
    shard_->request_stop();
    shard_->join();
    const std::uint64_t delivered = counters_.rows_delivered.load();
    EXPECT_GT(delivered, 0u);
    EXPECT_LT(delivered, kMessages) << "the hand-off should stop consuming";
    EXPECT_EQ(counters_.rows_encoded.load(), delivered) << "rows encoded but never delivered";
    EXPECT_EQ(committed_total(), static_cast<std::int64_t>(delivered))
        << "every delivered row, and nothing else, is committed";
  }

  tools::MockCluster cluster_{1};
  std::vector<parse::MappingPlan> plans_;
  io::KafkaSettings kafka_;
  ShardCounters counters_;
  std::unique_ptr<GroupMember> member_;
  std::unique_ptr<Shard> shard_;
  HoldingSink* sink_ = nullptr;
};

TEST_F(ShardHandoff, RevokeWhileBuffersInFlightDeliversAndCommitsThemFirst) {
  ShardOptions options;
  options.buffer_bytes = 16 * 1024;
  start(options, 1);
  expect_revoke_waits_for_sink_then_commits_delivered();
}

TEST_F(ShardHandoff, RevokeWithAFullRingWaitsForTheSink) {
  ShardOptions options;
  options.ring_buffers = 2;
  options.buffer_bytes = 8 * 1024;
  start(options, 2);  // both buffers held: the shard is blocked waiting for one
  expect_revoke_waits_for_sink_then_commits_delivered();
}

TEST_F(ShardHandoff, LostPartitionsAreDroppedAtOnceAndNotWrittenAgain) {
  ShardOptions options;
  options.buffer_bytes = 16 * 1024;
  start(options, 1);
  ShardCommand lost{ShardCommand::Kind::kGiveBack, {}, true, 0};
  for (int p = 0; p < kPartitions; ++p) lost.partitions.push_back({"trades", p});
  const std::uint64_t sequence = shard_->send(std::move(lost));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (shard_->acknowledged() < sequence && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(shard_->acknowledged(), sequence) << "a lost partition must not wait for the sink";
  EXPECT_GT(sink_->held(), 0u);
  const std::uint64_t encoded = counters_.rows_encoded.load();
  sink_->release();
  for (int i = 0; i < 50; ++i) member_->tick(20ms);  // 1 s of consuming, were it allowed
  EXPECT_EQ(counters_.rows_encoded.load(), encoded) << "rows written for a partition no longer owned";
  EXPECT_LT(encoded, kMessages);
  stop();
}

// A forced rebalance whose commit is refused, with every row delivered and none
// committed yet: the same partitions come back, resume where delivery stopped,
// and no message follows. That position must still be committed, or the group's
// offsets stay behind it and a restart delivers all of it again.
TEST_F(ShardHandoff, PositionResumedAfterARefusedCommitIsCommittedWithoutNewMessages) {
  constexpr std::int16_t kOffsetCommitApi = 8;
  constexpr std::int16_t kHeartbeatApi = 12;
  kafka_.properties.push_back({"session.timeout.ms", "6000"});  // the mock's rejoin wait
  GroupMemberOptions member_options;
  member_options.commit_interval = std::chrono::hours(24 * 365);  // no periodic commit
  ShardOptions options;
  options.buffer_bytes = 16 * 1024;
  start(options, 1, member_options);
  sink_->release();
  tick_until([&] { return counters_.rows_delivered.load() >= kMessages; }, 30s);
  ASSERT_EQ(counters_.rows_delivered.load(), kMessages);
  ASSERT_EQ(committed_total(), 0);

  cluster_.fail_next_requests(kOffsetCommitApi, {RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS});
  cluster_.fail_next_requests(kHeartbeatApi, {RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS});
  const std::uint64_t rebalances = member_->rebalances();
  tick_until([&] { return member_->rebalances() != rebalances; }, 60s);
  ASSERT_GT(member_->rebalances(), rebalances) << "the injected heartbeat error forces a rebalance";
  EXPECT_EQ(member_->commit_failures(), 1u) << "the revoke's commit was refused";
  for (int i = 0; i < 50 && committed_total() < static_cast<std::int64_t>(kMessages); ++i) {
    member_->tick(20ms);
  }
  EXPECT_EQ(committed_total(), static_cast<std::int64_t>(kMessages));
  stop();
  EXPECT_EQ(counters_.rows_delivered.load(), kMessages) << "nothing delivered twice";
}

// A commit left unanswered (on a real broker: queued behind this member's own
// JoinGroup, to be answered ILLEGAL_GENERATION) holds the shards after 250 ms, so that
// little is delivered that could not be committed; the answer releases them.
TEST_F(ShardHandoff, ACommitUnansweredFor250MsHoldsTheShardsUntilItIsAnswered) {
  constexpr std::int16_t kOffsetCommitApi = 8;
  constexpr std::uint64_t kMore = 4000;
  ShardOptions options;
  options.buffer_bytes = 16 * 1024;
  start(options, 1);
  cluster_.delay_next_request(kOffsetCommitApi, 2500ms);
  sink_->release();
  tick_until([&] { return member_->hold().load(); }, 10s, 5ms);
  ASSERT_TRUE(member_->hold().load()) << "the unanswered commit did not hold the shards";
  const auto held_at = std::chrono::steady_clock::now();
  // (A consume call already waiting when the hold began returns within 100 ms.)
  while (std::chrono::steady_clock::now() - held_at < 200ms) member_->tick(5ms);
  // New messages while held wait for the answer.
  cluster_.produce("trades", kPartitions, kMore, testing::trades_from(kMessages));
  const std::uint64_t encoded = counters_.rows_encoded.load();
  while (std::chrono::steady_clock::now() - held_at < 1s) member_->tick(5ms);
  EXPECT_TRUE(member_->hold().load()) << "released before the answer";
  EXPECT_EQ(counters_.rows_encoded.load(), encoded) << "the shard went on while held";
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (committed_total() < static_cast<std::int64_t>(kMessages + kMore) &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 20; ++i) member_->tick(10ms);
  }
  EXPECT_FALSE(member_->hold().load());
  EXPECT_EQ(committed_total(), static_cast<std::int64_t>(kMessages + kMore));
  stop();
  // Read once the shard stopped: it publishes its counters after the commit is stored.
  EXPECT_EQ(counters_.rows_delivered.load(), kMessages + kMore) << "nothing delivered twice";
}

}  // namespace
}  // namespace kilp::core
