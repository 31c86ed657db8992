// Dead letters to a Kafka topic, end to end: kilp-mock as its own process (as a
// user runs it), kilp with --dlq kafka::topic=..., and a plain consumer reading
// the dead-letter topic back with its Kafka Connect style headers after the
// record's own.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One message with a header, as an application tracing its records would send it.
void produce_with_header(const std::string& bootstrap, const std::string& topic,
                         const std::string& value, const char* name, const std::string& header) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(producer, nullptr) << error;
  ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_HEADER(name, header.data(), header.size()), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
}

TEST(KafkaDeadLetters, BadMessagesLandInTheDeadLetterTopicWithConnectHeaders) {
  const fs::path dir = fs::temp_directory_path() / ("kilp-kafka-dlq-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Offsets in the one-partition source topic follow the line order.
  const std::vector<std::string> lines = {
      R"({"symbol":"A","price":1.5,"ts":1700000000000001})",
      "not json",
      "[1,2]",
      R"({"symbol":"B","price":2.5,"ts":1700000000000002})",
      R"({"symbol":"C","bad.name":1,"ts":1700000000000003})",
      R"({"symbol":"D","price":3.5})",
  };
  {
    std::ofstream file(dir / "input.jsonl");
    for (const auto& line : lines) file << line << '\n';
  }
  Subprocess mock(KILP_BINARY_DIR "/tools/kilp-mock",
                  {"--topic", "ev:1", "--topic", "ev-dlq:1", "--load", (dir / "input.jsonl").string()},
                  (dir / "mock.err").string(), (dir / "mock.out").string());
  std::string bootstrap;
  for (int i = 0; i < 200 && bootstrap.empty(); ++i) {
    const std::string out = read_file((dir / "mock.out").string());
    if (auto at = out.find("bootstrap.servers="); at != std::string::npos && out.find('\n', at) != std::string::npos) {
      bootstrap = out.substr(at + 18, out.find('\n', at) - at - 18);
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(bootstrap.empty()) << read_file((dir / "mock.err").string());
  // Offset 6: a bad message with a header of its own, which its dead letter keeps.
  produce_with_header(bootstrap, "ev", "{\"symbol\":", "trace-id", "t-42");

  Subprocess kilp(kKilpBinary,
                  {"--brokers", bootstrap, "--topic", "ev", "--group", "it-kafka-dlq", "--sink",
                   "file::path=" + (dir / "out.ilp").string() + ";", "--dlq",
                   "kafka::topic=ev-dlq;", "--symbols", "symbol", "--timestamp-field", "ts",
                   "--timestamp-units", "us", "--from-beginning", "--exit-at-end",
                   "-X", "fetch.wait.max.ms=100"},
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(120s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;

  EXPECT_EQ(read_file((dir / "out.ilp").string()),
            "ev,symbol=A price=1.5 1700000000000001000\n"
            "ev,symbol=B price=2.5 1700000000000002000\n");
  const auto dead = read_dead_letter_topic(bootstrap, "ev-dlq", 5);
  ASSERT_EQ(dead.size(), 5u) << log;
  ASSERT_EQ(dead.count(6), 1u);
  EXPECT_EQ(dead.at(6).reason, "malformed_json");
  EXPECT_EQ(dead.at(6).trace_id, "t-42");
  EXPECT_EQ(dead.at(6).header_names,
            "trace-id,__connect.errors.topic,__connect.errors.partition,__connect.errors.offset,"
            "__connect.errors.exception.message,kilp.errors.reason")
      << "the record's own headers first, then the error context";
  EXPECT_EQ(dead.at(1).trace_id, "<missing>");
  // offset -> reason, and the exception message: the reason, then the refused field.
  const std::map<std::int64_t, std::pair<std::string, std::string>> reasons = {
      {1, {"malformed_json", "malformed_json"}},
      {2, {"not_an_object", "not_an_object"}},
      {4, {"invalid_name", "invalid_name: field bad.name"}},
      {5, {"missing_timestamp", "missing_timestamp"}}};
  for (const auto& [offset, reason] : reasons) {
    ASSERT_EQ(dead.count(offset), 1u) << "offset " << offset;
    const DeadLetterRecord& r = dead.at(offset);
    EXPECT_EQ(r.reason, reason.first) << "offset " << offset;
    EXPECT_EQ(r.exception_message, reason.second) << "offset " << offset;
    EXPECT_EQ(r.topic, "ev");
    EXPECT_EQ(r.partition, 0);
    EXPECT_EQ(r.payload, lines[offset]) << "the original payload, unchanged";
  }
  // Offsets are committed only once the dead letters were acknowledged.
  EXPECT_EQ(committed_offsets(bootstrap, "it-kafka-dlq", "ev", 1), end_offsets(bootstrap, "ev", 1));
  mock.signal(SIGTERM);
  EXPECT_EQ(mock.wait(30s), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
