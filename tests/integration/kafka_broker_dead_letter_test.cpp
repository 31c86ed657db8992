// The Kafka dead-letter producer against the real broker of the ctest run (fixture
// kafka_broker): kilp --dlq 'kafka::topic=...;' writes each bad message to a real topic,
// once over PLAINTEXT and once over SASL_SSL with SCRAM-SHA-512 (the producer takes the
// consumer's security settings from a -F file); a plain consumer reads them back with
// their reason, source partition/offset and the original payload.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_kafka_options.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Offset -> message of the one-partition source topic; the bad ones' reasons.
const std::vector<std::string> kMessages = {
    R"({"symbol":"A","side":"buy","price":1.5,"amount":1,"ts":1700000000000001})",
    "not json",
    R"({"symbol":"B","side":"sell","price":2.5,"amount":2,"ts":1700000000000002})",
    "[1,2]",
    R"({"symbol":"C","side":"buy","bad.name":1,"ts":1700000000000003})",
    R"({"symbol":"D","side":"buy","price":3.5})",
};
const std::map<std::int64_t, std::string> kReasons = {
    {1, "malformed_json"}, {3, "not_an_object"}, {4, "invalid_name"}, {5, "missing_timestamp"}};

// Runs kilp on a fresh topic of kMessages with dead letters to a fresh Kafka topic,
// through `listener` with `options` (-X or -F); checks what the topic holds.
void run_and_read_back(KafkaListener listener, const std::vector<std::string>& options,
                       const std::string& name) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = KafkaBroker::unique_name(name);
  const std::string dead_letters = topic + "-dlq";
  const std::string group = KafkaBroker::unique_name("it-" + name);
  broker.create_topic(topic, 1);
  broker.create_topic(dead_letters, 1);
  broker.produce(topic, 1, kMessages.size(),
                 [](std::uint64_t i, std::string&) { return std::string_view(kMessages[i]); });
  const fs::path dir = make_temp_dir("broker-" + name);

  auto args = kilp_topic_args({broker.bootstrap(listener), topic, group,
                               "file::path=" + (dir / "out.ilp").string() + ";", dir / "unused"});
  *(std::find(args.begin(), args.end(), "--dlq") + 1) = "kafka::topic=" + dead_letters + ";";
  args.insert(args.end(), options.begin(), options.end());
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string(),
                  (dir / "kilp.out").string());
  const int exit_code = kilp.wait(120s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  EXPECT_NE(log.find("dead letters 4"), std::string::npos) << log;
  EXPECT_EQ(read_file((dir / "out.ilp").string()),
            topic + ",symbol=A,side=buy price=1.5,amount=1i 1700000000000001000\n" + topic +
                ",symbol=B,side=sell price=2.5,amount=2i 1700000000000002000\n");

  const auto dead = read_dead_letter_topic(broker.bootstrap(), dead_letters, kReasons.size());
  ASSERT_EQ(dead.size(), kReasons.size()) << log;
  for (const auto& [offset, reason] : kReasons) {
    ASSERT_EQ(dead.count(offset), 1u) << "offset " << offset << "\n" << log;
    const DeadLetterRecord& record = dead.at(offset);
    EXPECT_EQ(record.reason, reason) << "offset " << offset;
    EXPECT_EQ(record.topic, topic);
    EXPECT_EQ(record.partition, 0);
    EXPECT_EQ(record.payload, kMessages[offset]) << "the original payload, unchanged";
  }
  // The source offsets are committed only once the dead letters were acknowledged.
  EXPECT_EQ(committed_offsets(broker.bootstrap(), group, topic, 1),
            (std::vector<std::int64_t>{static_cast<std::int64_t>(kMessages.size())}));
  const std::string password = broker.user(SaslMechanism::scram_sha_512).password;
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  EXPECT_EQ(read_file((dir / "kilp.out").string()).find(password), std::string::npos);
  fs::remove_all(dir);
}

TEST(KafkaBrokerDeadLetters, BadMessagesLandInARealTopic) {
  run_and_read_back(KafkaListener::plaintext, {}, "dlq-plain");
}

TEST(KafkaBrokerDeadLetters, BadMessagesLandInARealTopicOverSaslSsl) {
  KafkaBroker& broker = KafkaBroker::shared();
  if (const std::optional<std::string> blocker = broker.scram_login_blocker()) FAIL() << *blocker;
  const fs::path dir = make_temp_dir("broker-dlq-sasl-ssl-config");
  run_and_read_back(KafkaListener::sasl_ssl,
                    as_config_file(dir / "kafka.properties",
                                   broker.client_properties(KafkaListener::sasl_ssl,
                                                            SaslMechanism::scram_sha_512)),
                    "dlq-sasl-ssl");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
