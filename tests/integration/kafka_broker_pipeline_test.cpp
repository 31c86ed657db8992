// kilp end to end against the real Apache Kafka broker of the ctest run (fixture
// kafka_broker): a topic of generated trades -> kilp (child process) -> loopback ILP/TCP
// server; every row arrives exactly once and as generated, and the group's committed
// offsets reach the end of every partition.
#include <gtest/gtest.h>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(KafkaBrokerPipeline, EveryTradeArrivesExactlyOnceAndOffsetsAreCommitted) {
  constexpr int kPartitions = 4;
  constexpr std::uint64_t kMessages = 200'000;
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("trades");
  const std::string group = KafkaBroker::unique_name("it-exactly-once");
  broker.create_topic(topic, kPartitions);
  broker.produce(topic, kPartitions, kMessages, trades_from(0));
  const fs::path dir = make_temp_dir("broker-pipeline");
  IlpTcpServer server;

  Subprocess kilp(kKilpBinary,
                  kilp_topic_args({.bootstrap = broker.bootstrap(),
                                   .topic = topic,
                                   .group = group,
                                   .sink = "tcp::addr=" + server.address() + ";",
                                   .dlq = dir / "dlq.jsonl",
                                   .shards = 2}),
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(180s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  EXPECT_NE(log.find("kilp: summary: 200,000 rows delivered"), std::string::npos) << log;

  const TradeCounts counts = count_trades(server, topic, kMessages);
  EXPECT_EQ(counts.rows, kMessages) << log;
  EXPECT_EQ(counts.missing(), 0u) << log;
  EXPECT_EQ(counts.repeated(), 0u) << log;
  EXPECT_EQ(counts.bad_rows, 0u) << log;
  EXPECT_EQ(committed_offsets(broker.bootstrap(), group, topic, kPartitions),
            end_offsets(broker.bootstrap(), topic, kPartitions));
  EXPECT_FALSE(fs::exists(dir / "dlq.jsonl") && fs::file_size(dir / "dlq.jsonl") > 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
