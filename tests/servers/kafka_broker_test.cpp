// The test broker itself (fixture kafka_broker): what broker.env describes answers,
// topics and messages go where the tests expect, the admin tools run from the same
// jars, a restart keeps ports and data, and a test run outside ctest says why it fails.
#include "tests/servers/kafka_broker.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/kafka_test_helpers.hpp"

namespace kilp::testing {
namespace {

// `count` messages "message <i>", round-robin over `partitions`.
void produce_numbered(const KafkaBroker& broker, const std::string& topic, int partitions,
                      std::uint64_t count) {
  broker.produce(topic, partitions, count, [](std::uint64_t i, std::string& buffer) {
    buffer = "message " + std::to_string(i);
    return std::string_view(buffer);
  });
}

std::int64_t sum(const std::vector<std::int64_t>& offsets) {
  std::int64_t total = 0;
  for (std::int64_t o : offsets) total += o;
  return total;
}

TEST(KafkaBroker, TopicsMessagesAndAdminToolsMeetOnTheSameBroker) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("broker-smoke");
  broker.create_topic(topic, 3);
  produce_numbered(broker, topic, 3, 3000);
  EXPECT_EQ(end_offsets(broker.bootstrap(), topic, 3),
            (std::vector<std::int64_t>{1000, 1000, 1000}));

  const ToolResult described = broker.run_tool("kafka-topics", {"--describe", "--topic", topic});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("PartitionCount: 3"), std::string::npos) << described.out;

  broker.add_partitions(topic, 5);
  const ToolResult offsets = broker.run_tool("kafka-get-offsets", {"--topic", topic});
  ASSERT_EQ(offsets.exit_code, 0) << offsets.err;
  EXPECT_NE(offsets.out.find(topic + ":4:0"), std::string::npos) << offsets.out;
  EXPECT_NE(offsets.out.find(topic + ":2:1000"), std::string::npos) << offsets.out;
}

TEST(KafkaBroker, UnknownToolIsRefusedByName) {
  const ToolResult result = KafkaBroker::shared().run_tool("kafka-nonsense", {});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("unknown tool 'kafka-nonsense'"), std::string::npos) << result.err;
}

TEST(KafkaBroker, RestartKeepsPortsAndData) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name("broker-restart");
  broker.create_topic(topic, 2);
  produce_numbered(broker, topic, 2, 100);
  const std::string before = broker.bootstrap();
  broker.restart();
  EXPECT_EQ(broker.bootstrap(), before);
  EXPECT_EQ(sum(end_offsets(broker.bootstrap(), topic, 2)), 100);
  produce_numbered(broker, topic, 2, 100);
  EXPECT_EQ(sum(end_offsets(broker.bootstrap(), topic, 2)), 200);
}

TEST(KafkaBroker, WithoutTheFixtureTheErrorNamesTheFileAndTheFixture) {
  const std::string missing = (std::filesystem::temp_directory_path() /
                               KafkaBroker::unique_name("no-broker") / "broker.env")
                                  .string();
  try {
    KafkaBroker broker(missing);
    FAIL() << "no exception for " << missing;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(missing), std::string::npos) << message;
    EXPECT_NE(message.find("run through ctest (fixture kafka_broker)"), std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace kilp::testing
