// A real shard (its own Kafka consumer, encoder, output ring and offset marks) fed
// by an in-process mock cluster, with every C++ heap allocation made on the shard's
// thread counted. Once warmed up, a shard must allocate nothing per message.
// librdkafka's own C allocations (malloc inside the library) are not C++ `new` and
// are outside what kilp controls; this test is about kilp's code.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "core/group_member.hpp"
#include "core/shard.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::core {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMessages = 200000;
constexpr std::uint64_t kWarmupRows = 50000;

// Accepts every buffer at once and samples the shard thread's allocation count at
// the first buffer after the warm-up and at every buffer after that.
class SamplingSink final : public io::Sink {
 public:
  struct Sample {
    std::uint64_t rows = 0;
    std::size_t allocations = 0;
  };
  SamplingSink(std::size_t capacity, std::vector<Sample>& samples)
      : done_(capacity), samples_(samples) {}

  void submit(io::BufferId id, std::span<const char> bytes) override {
    for (char c : bytes) rows_ += c == '\n';
    if (rows_ >= kWarmupRows && samples_.size() < samples_.capacity()) {
      samples_.push_back({rows_, kilp::testing::allocation_count()});
    }
    done_[queued_++] = id;
  }
  std::size_t poll(std::chrono::milliseconds, std::span<io::BufferId> done) override {
    const std::size_t n = queued_;
    for (std::size_t i = 0; i < n; ++i) done[i] = done_[i];
    queued_ = 0;
    return n;
  }
  std::size_t pending() const override { return queued_; }
  std::string describe() const override { return "sampling"; }

 private:
  std::vector<io::BufferId> done_;
  std::size_t queued_ = 0;
  std::uint64_t rows_ = 0;
  std::vector<Sample>& samples_;
};

TEST(ShardAllocation, SteadyStateAllocatesNothingPerMessage) {
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", 4);
  cluster.produce("trades", 4, kMessages, [](std::uint64_t i, std::string& buffer) {
    return tools::format_trade_json(tools::make_trade(i), buffer);
  });

  parse::MappingConfig mapping;
  mapping.table = "trades";
  mapping.symbols = {"symbol", "side"};
  mapping.timestamp_field = "ts";
  mapping.timestamp_unit = parse::TimestampUnit::kMicros;
  const std::vector<parse::MappingPlan> plans{parse::MappingPlan::compile(mapping)};

  io::KafkaSettings kafka;
  kafka.brokers = cluster.bootstrap_servers();
  kafka.group_id = "shard-allocation";
  kafka.topics = {"trades"};
  kafka.from_beginning = true;
  kafka.properties = {{"fetch.wait.max.ms", "100"}};

  ShardOptions options;
  options.buffer_bytes = 64 * 1024;  // many buffers cycle through the ring
  std::vector<SamplingSink::Sample> samples;
  samples.reserve(100000);
  ShardCounters counters;
  GroupMember member(kafka, GroupMemberOptions{});
  Shard shard(
      0, options, member.consumer(), kafka.topics, plans,
      [&samples](std::size_t capacity) -> std::unique_ptr<io::Sink> {
        auto sink = std::make_unique<SamplingSink>(capacity, samples);
        kilp::testing::count_only_thread(pthread_self());  // the factory runs on the shard's thread
        return sink;
      },
      [](int) { return std::unique_ptr<io::DeadLetterSink>(); }, counters, member.hold());
  member.set_shards({&shard});
  shard.start().get();
  member.subscribe();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (counters.rows_delivered.load() < kMessages && std::chrono::steady_clock::now() < deadline) {
    member.tick(10ms);
  }
  kilp::testing::count_no_thread();
  shard.request_stop();
  while (shard.running()) member.tick(5ms);
  shard.join();
  member.commit_now();
  member.close();

  ASSERT_EQ(counters.rows_delivered.load(), kMessages) << shard.failure();
  ASSERT_GE(samples.size(), 2u);
  const auto& first = samples.front();
  const auto& last = samples.back();
  ASSERT_GT(last.rows - first.rows, kMessages / 2);
  EXPECT_EQ(last.allocations - first.allocations, 0u)
      << "over " << (last.rows - first.rows) << " messages in steady state";
}

TEST(ShardAllocation, CounterSeesTheCountedThreadOnly) {
  std::string* other = nullptr;
  std::atomic<bool> go{false};
  std::thread thread([&] {
    while (!go.load()) std::this_thread::yield();
    other = new std::string(100, 'y');
  });
  kilp::testing::count_only_thread(pthread_self());
  const std::size_t before = kilp::testing::allocation_count();
  auto* counted = new std::string(100, 'x');
  go.store(true);
  thread.join();
  kilp::testing::count_no_thread();
  EXPECT_EQ(kilp::testing::allocation_count() - before, 2u);  // the string object and its characters
  delete counted;
  delete other;
}

}  // namespace
}  // namespace kilp::core
