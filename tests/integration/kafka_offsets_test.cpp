// The group's offsets on the real broker: a restarted kilp resumes from the committed
// offsets (--from-beginning applies only to partitions without one, and a new group
// without it starts at the end and commits that end), and kilp_consumer_lag on /metrics
// agrees with the broker's own view (kafka-consumer-groups --describe).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "tests/integration/hand_off_scenario.hpp"
#include "tests/integration/ilp_http_server.hpp"
#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_process.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One kilp run to the end of the topic (--exit-at-end) into a fresh sink: what arrived.
TradeCounts run_to_end(const std::string& topic, const std::string& group, bool from_beginning,
                       std::uint64_t expected, const fs::path& dir, const std::string& name) {
  IlpTcpServer server;
  TopicRun run = long_running_member(KafkaBroker::shared().bootstrap(), topic, group,
                                     "tcp::addr=" + server.address() + ";", dir / "dlq.jsonl");
  run.from_beginning = from_beginning;
  run.exit_at_end = true;
  KilpProcess kilp(kilp_topic_args(run), (dir / (name + ".err")).string());
  EXPECT_EQ(kilp.wait(60s), 0) << kilp.log();
  return count_trades(server, topic, expected);
}

// A new topic of the shared broker holding trades 0 to batch - 1; its name.
std::string topic_with_first_batch(const std::string& stem, int partitions, std::uint64_t batch) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name(stem);
  broker.create_topic(topic, partitions);
  broker.produce(topic, partitions, batch, trades_from(0));
  return topic;
}

TEST(KafkaOffsets, RestartResumesFromCommittedOffsetsAndFromBeginningOnlyWithoutThem) {
  constexpr int kPartitions = 4;
  constexpr std::uint64_t kBatch = 4000;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = topic_with_first_batch("offsets", kPartitions, kBatch);
  const fs::path dir = make_temp_dir("kafka-offsets");

  // A new group with --from-beginning reads everything.
  TradeCounts first = run_to_end(topic, topic, true, 2 * kBatch, dir, "first");
  EXPECT_EQ(first.rows, kBatch);
  EXPECT_EQ(first.missing(), kBatch);  // the second batch is not produced yet
  EXPECT_EQ(first.repeated(), 0u);

  // Restarted with the same flags, the group's committed offsets win: only new messages.
  broker.produce(topic, kPartitions, kBatch, trades_from(kBatch));
  TradeCounts second = run_to_end(topic, topic, true, 2 * kBatch, dir, "second");
  EXPECT_EQ(second.rows, kBatch);
  for (std::uint64_t i = 0; i < kBatch; ++i) ASSERT_EQ(second.times[i], 0u) << "trade " << i;
  for (std::uint64_t i = kBatch; i < 2 * kBatch; ++i)
    ASSERT_EQ(second.times[i], 1u) << "trade " << i;
  const auto ends = end_offsets(broker.bootstrap(), topic, kPartitions);
  EXPECT_EQ(committed_offsets(broker.bootstrap(), topic, topic, kPartitions), ends);

  // A new group without --from-beginning starts at the end, and commits it at once, so
  // that the group remembers where it began even though nothing was consumed.
  const std::string latest_group = topic + "-latest";
  TradeCounts latest = run_to_end(topic, latest_group, false, 2 * kBatch, dir, "latest");
  EXPECT_EQ(latest.rows, 0u);
  EXPECT_EQ(committed_offsets(broker.bootstrap(), latest_group, topic, kPartitions), ends);
}

// kilp_consumer_lag{topic,partition} (and kilp_committed_offset) on /metrics.
std::map<int, std::pair<std::int64_t, std::int64_t>> kilp_view(const std::string& metrics,
                                                               const std::string& topic) {
  std::map<int, std::pair<std::int64_t, std::int64_t>> view;  // partition -> (committed, lag)
  const std::regex lag(
      "^kilp_consumer_lag\\{topic=\"([^\"]+)\",partition=\"([0-9]+)\",shard=\"[0-9]+\"\\} "
      "([0-9]+)$",
      std::regex::multiline);
  const std::regex committed(
      "^kilp_committed_offset\\{topic=\"([^\"]+)\",partition=\"([0-9]+)\"\\} ([0-9]+)$",
      std::regex::multiline);
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), lag);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1] == topic) view[std::stoi((*it)[2])].second = std::stoll((*it)[3]);
  }
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), committed);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1] == topic) view[std::stoi((*it)[2])].first = std::stoll((*it)[3]);
  }
  return view;
}

// The same from kafka-consumer-groups --describe: CURRENT-OFFSET and LAG per partition.
std::map<int, std::pair<std::int64_t, std::int64_t>> broker_view(const std::string& group,
                                                                 const std::string& topic,
                                                                 std::string& output) {
  const ToolResult described =
      KafkaBroker::shared().run_tool("kafka-consumer-groups", {"--describe", "--group", group});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  output = described.out;
  std::map<int, std::pair<std::int64_t, std::int64_t>> view;
  std::istringstream lines(described.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string g, t, partition, current, end, lag;
    if (!(fields >> g >> t >> partition >> current >> end >> lag) || g != group || t != topic)
      continue;
    view[std::stoi(partition)] = {std::stoll(current), std::stoll(lag)};
  }
  return view;
}

std::int64_t total_lag(const std::map<int, std::pair<std::int64_t, std::int64_t>>& view) {
  std::int64_t total = 0;
  for (const auto& [partition, position] : view) total += position.second;
  return total;
}

TEST(KafkaOffsets, ConsumerLagAgreesWithTheBrokersView) {
  constexpr int kPartitions = 3;
  constexpr std::uint64_t kDelivered = 3000, kHeldBack = 1500;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("lag");
  broker.create_topic(topic, kPartitions);
  const fs::path dir = make_temp_dir("kafka-lag");
  IlpHttpServer server;
  TopicRun run = long_running_member(KafkaBroker::shared().bootstrap(), topic, topic,
                                     "http::addr=" + server.address() + ";", dir / "dlq.jsonl");
  run.from_beginning = true;
  KilpProcess kilp(kilp_topic_args(run), (dir / "kilp.err").string());

  broker.produce(topic, kPartitions, kDelivered, trades_from(0));
  auto lag_is = [&](std::int64_t expected) {
    for (int i = 0; i < 300; ++i) {
      const auto view = kilp_view(kilp.metrics_text(), topic);
      if (view.size() == kPartitions && total_lag(view) == expected) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  ASSERT_TRUE(lag_is(0)) << kilp.metrics_text() << kilp.log();

  // The sink refuses everything from now on: kilp fetches the next messages (the high
  // watermark moves) but commits nothing more.
  server.set_failing(true);
  broker.produce(topic, kPartitions, kHeldBack, trades_from(kDelivered));
  ASSERT_TRUE(lag_is(kHeldBack)) << kilp.metrics_text() << kilp.log();
  std::string described;
  const auto held_back = kilp_view(kilp.metrics_text(), topic);
  const auto broker_held_back = broker_view(topic, topic, described);
  EXPECT_EQ(held_back, broker_held_back) << described;
  std::printf("[ offsets ] lag while the sink refuses: kilp %lld, kafka-consumer-groups %lld\n",
              static_cast<long long>(total_lag(held_back)),
              static_cast<long long>(total_lag(broker_held_back)));

  server.set_failing(false);
  ASSERT_TRUE(lag_is(0)) << kilp.metrics_text() << kilp.log();
  const auto caught_up = kilp_view(kilp.metrics_text(), topic);
  EXPECT_EQ(caught_up, broker_view(topic, topic, described)) << described;
  EXPECT_EQ(kilp.stop(), 0) << kilp.log();
  EXPECT_EQ(server.accepted_rows(), kDelivered + kHeldBack);
}

// Kafka's static membership (-X group.instance.id): a member killed and started again
// under the same name takes its partitions back at once. Without a name the restart
// waits for the dead member's session to expire (librdkafka's 45 s default here).
TEST(KafkaOffsets, AStaticMemberKilledAndRestartedResumesWithoutWaitingForItsSession) {
  constexpr int kPartitions = 4;
  constexpr std::uint64_t kBatch = 4000;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = topic_with_first_batch("static", kPartitions, kBatch);
  const fs::path dir = make_temp_dir("kafka-static");
  IlpTcpServer first_server, second_server;
  auto args_for = [&](const IlpTcpServer& server, bool exit_at_end) {
    TopicRun run = long_running_member(broker.bootstrap(), topic, topic,
                                       "tcp::addr=" + server.address() + ";", dir / "dlq.jsonl");
    run.from_beginning = true;
    run.exit_at_end = exit_at_end;
    std::vector<std::string> args = kilp_topic_args(run);
    args.insert(args.end(), {"-X", "group.instance.id=" + topic + "-member"});
    return args;
  };

  KilpProcess first(args_for(first_server, false), (dir / "first.err").string());
  const TradeCounts before = wait_for_trades(first_server, topic, kBatch, 30s);
  EXPECT_EQ(before.missing(), 0u) << first.log();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (committed_offsets(broker.bootstrap(), topic, topic, kPartitions) !=
             end_offsets(broker.bootstrap(), topic, kPartitions) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  first.signal(SIGKILL);
  EXPECT_EQ(first.wait(10s), 128 + SIGKILL);
  broker.produce(topic, kPartitions, kBatch, trades_from(kBatch));

  const auto restarted = std::chrono::steady_clock::now();
  KilpProcess second(args_for(second_server, true), (dir / "second.err").string());
  EXPECT_EQ(second.wait(60s), 0) << second.log();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted).count();
  std::printf("[ offsets ] static member restarted after kill -9: at the end in %.1f s\n", took);
  EXPECT_LT(took, 20.0) << "waited for the killed member's session: " << second.log();
  const TradeCounts after = count_trades(second_server, topic, 2 * kBatch);
  EXPECT_EQ(after.missing(), kBatch) << "the first batch was read again";
  EXPECT_EQ(after.rows, kBatch) << second.log();
  EXPECT_EQ(after.repeated(), 0u);
}

}  // namespace
}  // namespace kilp::testing
