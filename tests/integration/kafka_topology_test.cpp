// kilp while the Kafka side changes under it, on the real broker: the broker restarts
// mid-stream, partitions are added to a topic, a topic matching a subscribed pattern is
// created. kilp goes on without a restart, and nothing is lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tests/integration/hand_off_scenario.hpp"
#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_process.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/steady_producer.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// kilp on `topic` (a name or a ^pattern), without --from-beginning, noticing new
// partitions and topics within a second.
std::vector<std::string> kilp_args(const std::string& topic, const std::string& group,
                                   const IlpTcpServer& server, const fs::path& dir) {
  std::vector<std::string> args = kilp_topic_args(
      long_running_member(KafkaBroker::shared().bootstrap(), topic, group,
                          "tcp::addr=" + server.address() + ";", dir / "dlq.jsonl"));
  args.insert(args.end(), {"-X", "topic.metadata.refresh.interval.ms=1000"});
  return args;
}

void expect_each_once(const TradeCounts& counts, std::uint64_t from, std::uint64_t to,
                      const std::string& logs) {
  std::uint64_t missing = 0, repeated = 0;
  for (std::uint64_t i = from; i < to; ++i) {
    missing += counts.times[i] == 0;
    repeated += counts.times[i] > 1 ? counts.times[i] - 1 : 0;
  }
  EXPECT_EQ(missing, 0u) << logs;
  EXPECT_EQ(repeated, 0u) << logs;
  EXPECT_EQ(counts.bad_rows, 0u);
}

TEST(KafkaTopology, BrokerRestartMidStreamLosesNothing) {
  constexpr int kPartitions = 8;
  constexpr int kRate = 5000;
  constexpr std::uint64_t kMessages = kRate * 6;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("restart");
  broker.create_topic(topic, kPartitions);
  const fs::path dir = make_temp_dir("kafka-restart");
  IlpTcpServer server;
  auto args = kilp_group_args(broker.bootstrap(), topic, topic, server, dir);
  KilpProcess kilp(args, (dir / "kilp.err").string());
  ASSERT_TRUE(kilp.wait_for_metric(
      "kilp_partitions_assigned", [](std::uint64_t n) { return n == kPartitions; }, 30s))
      << kilp.log();

  const auto start = Clock::now();
  {
    SteadyProducer producer({{"bootstrap.servers", broker.bootstrap()}},
                            {topic, kPartitions, kMessages, kRate});
    std::this_thread::sleep_for(2s);
    broker.restart();  // the producer keeps the messages of the outage and sends them later
    std::printf("[ topology ] broker restarted in %.1f s\n", seconds_since(start) - 2.0);
    producer.join();
    EXPECT_EQ(producer.failed(), 0u);
  }
  const TradeCounts counts = wait_for_trades(server, topic, kMessages, 90s);
  std::printf(
      "[ topology ] broker restart: every message delivered %.1f s after the stream "
      "started; %llu repeated\n",
      seconds_since(start), static_cast<unsigned long long>(counts.repeated()));
  EXPECT_EQ(kilp.stop(), 0) << kilp.log();
  EXPECT_EQ(counts.missing(), 0u) << kilp.log();
  EXPECT_EQ(counts.bad_rows, 0u);
  EXPECT_EQ(committed_offsets(broker.bootstrap(), topic, topic, kPartitions),
            end_offsets(broker.bootstrap(), topic, kPartitions))
      << kilp.log();
}

TEST(KafkaTopology, PartitionsAddedWhileRunningAreConsumedFromTheirStart) {
  constexpr std::uint64_t kBefore = 4000, kAfter = 8000;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("grow");
  broker.create_topic(topic, 4);
  const fs::path dir = make_temp_dir("kafka-grow");
  IlpTcpServer server;
  KilpProcess kilp(kilp_args(topic, topic, server, dir), (dir / "kilp.err").string());
  ASSERT_TRUE(kilp.wait_for_metric(
      "kilp_partitions_assigned", [](std::uint64_t n) { return n == 4; }, 30s))
      << kilp.log();
  broker.produce(topic, 4, kBefore, trades_from(0));

  // The new partitions get messages before kilp can know of them: it has no committed
  // offset there, and they must be read from their start, not from their end.
  const auto grown = Clock::now();
  broker.add_partitions(topic, 8);
  broker.produce(topic, 8, kAfter, trades_from(kBefore));
  EXPECT_TRUE(kilp.wait_for_metric(
      "kilp_partitions_assigned", [](std::uint64_t n) { return n == 8; }, 30s))
      << kilp.log();
  const double assigned_after = seconds_since(grown);
  const TradeCounts counts = wait_for_trades(server, topic, kBefore + kAfter, 30s);
  std::printf(
      "[ topology ] 4 -> 8 partitions: assigned %.1f s and every message delivered "
      "%.1f s after the topic grew\n",
      assigned_after, seconds_since(grown));
  EXPECT_EQ(kilp.stop(), 0) << kilp.log();
  expect_each_once(counts, 0, kBefore + kAfter, kilp.log());
}

TEST(KafkaTopology, PatternSubscriptionTakesTopicsCreatedLater) {
  constexpr std::uint64_t kEach = 3000;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string prefix = KafkaBroker::unique_name("pattern");
  const std::string first = prefix + "-a", later = prefix + "-b";
  broker.create_topic(first, 2);
  broker.produce(first, 2, kEach,
                 trades_from(0));  // before kilp: at the end it starts from, not read
  const fs::path dir = make_temp_dir("kafka-pattern");
  IlpTcpServer server;
  KilpProcess kilp(kilp_args("^" + prefix + "-.*", prefix, server, dir),
                   (dir / "kilp.err").string());
  ASSERT_TRUE(kilp.wait_for_metric(
      "kilp_partitions_assigned", [](std::uint64_t n) { return n == 2; }, 30s))
      << kilp.log();
  broker.produce(first, 2, kEach, trades_from(kEach));

  const auto created = Clock::now();
  broker.create_topic(later, 3);
  broker.produce(later, 3, kEach, trades_from(0));  // before kilp can know of the topic
  EXPECT_TRUE(kilp.wait_for_metric(
      "kilp_partitions_assigned", [](std::uint64_t n) { return n == 5; }, 30s))
      << kilp.log();
  const double assigned_after = seconds_since(created);
  const TradeCounts later_counts = wait_for_trades(server, later, kEach, 30s, OtherTables::skipped);
  std::printf(
      "[ topology ] pattern: the topic created later assigned %.1f s and delivered "
      "%.1f s after it was created\n",
      assigned_after, seconds_since(created));
  EXPECT_EQ(kilp.stop(), 0) << kilp.log();
  // Each topic is its own table.
  const TradeCounts first_counts = count_trades(server, first, 2 * kEach, OtherTables::skipped);
  expect_each_once(first_counts, kEach, 2 * kEach, kilp.log());
  EXPECT_EQ(first_counts.rows, kEach) << "messages from before kilp started were read";
  expect_each_once(later_counts, 0, kEach, kilp.log());
}

}  // namespace
}  // namespace kilp::testing
