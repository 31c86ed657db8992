// Where QuestDB itself, or the QuestDB Kafka connector, decides what a message becomes
// (issue 20), checked against the real QuestDB (fixture questdb): kilp writes the rows
// QuestDB and the connector would hold, and dead-letters, naming the field, what
// either would refuse or QuestDB would silently drop.
//
// One kilp run (ILP/HTTP, protocol 2 as negotiated) consumes every topic of one
// mapping file; each topic has one partition, so message i is at offset i.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/questdb_server.hpp"
#include "tests/support/connect_envelopes.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ParityCase {
  std::string topic;
  std::string mapping;  // TOML lines of [topics.NAME]; the table is the topic
  std::vector<std::string> messages;
  std::string select;  // columns to read back, in order
  std::string order_by;
  std::vector<std::string> rows;                // SqlResult::row_json of each row, in order
  std::map<std::int64_t, std::string> refused;  // offset -> "reason: detail" of its dead letter
};

std::vector<ParityCase> parity_cases() {
  return {
      // QuestDB takes `price` and `Price` (and É and é) for one column and keeps the
      // first value of a row that has both: kilp refuses the message instead.
      {"case_duplicates",
       "timestamp_field = \"ts\"\n",
       {R"({"id":1,"price":1.5,"ts":1700000000})",
        R"({"id":2,"price":2.5,"Price":9.5,"ts":1700000001})",
        "{\"id\":3,\"\xC3\xA9t\xC3\xA9\":1,\"\xC3\x89T\xC3\x89\":2,\"ts\":1700000002}",
        R"({"id":4,"PRICE":3.5,"ts":1700000003})"},
       "id, price",
       "id",
       {"[1,1.5]", "[4,3.5]"},
       {{1, "duplicate_field: field Price"}, {2, "duplicate_field: field \xC3\x89T\xC3\x89"}}},
      // With the connector's --duplicates keep-first, the first of them lands.
      {"case_keep_first",
       "timestamp_field = \"ts\"\nduplicates = \"keep-first\"\n",
       {R"({"id":1,"v":1,"V":2,"ts":1700000000})", R"({"id":2,"V":3,"v":4,"ts":1700000001})"},
       "id, v",
       "id",
       {"[1,1]", "[2,3]"},
       {}},
      // Nothing to write under a name QuestDB refuses: the row lands, as with the
      // connector (kilp dead-lettered the first message with protocol 2).
      {"empty_under_bad_name",
       "timestamp_field = \"ts\"\n",
       {R"({"id":1,"a*b":[],"c*d":{},"e*f":null,"ts":1700000000})",
        R"({"id":2,"a*b":[1.5],"ts":1700000001})", R"({"id":3,"ts":1700000002})"},
       "id",
       "id",
       {"[1]", "[3]"},
       {{1, "invalid_name: field a*b"}}},
      // A null designated timestamp is refused even when an absent one gets server time.
      {"null_timestamp",
       "timestamp_field = \"ts\"\nmissing_timestamp = \"server\"\n",
       {R"({"id":1,"ts":1700000000})", R"({"id":2,"ts":null})", R"({"id":3})"},
       "id, timestamp > dateadd('h', -1, now())",
       "id",
       {"[1,false]", "[3,true]"},
       {{1, "bad_timestamp: field ts"}}},
      // An envelope's schema: Date and Timestamp are timestamps, Time a long, float32
      // the nearest float; the bytes field skipped as with skip.unsupported.types.
      {"envelope_schema",
       "value_format = \"envelope\"\nunsupported_types = \"skip\"\n",
       {kLogicalTypes},
       "firstname, age, col_timestamp, col_date, col_time, ratio, readings",
       "firstname",
       {R"(["John",42,"2022-10-23T13:53:59.123000Z","2022-10-23T00:00:00.000000Z",50039123,)"
        R"(0.10000000149011612,[23.5,24.100000381469727,23.799999237060547]])"},
       {}},
      // What the connector refuses: a Decimal, an array of int32.
      {"envelope_refused",
       "value_format = \"envelope\"\n",
       {envelope(R"({"type":"int32","field":"id"})", R"({"id":1})"), kDecimal, kIntArray},
       "id",
       "id",
       {"[1]"},
       {{1, "unsupported_value: field price"}, {2, "unsupported_value: field counts"}}},
  };
}

std::string mapping_file(const std::vector<ParityCase>& cases, const std::string& suffix) {
  std::string toml;
  for (const ParityCase& c : cases) {
    toml += "[topics." + c.topic + "]\ntable = \"" + c.topic + suffix + "\"\n" + c.mapping + "\n";
  }
  return toml;
}

TEST(QuestDbConnectorParity, RowsAndDeadLettersAsQuestDbAndTheConnectorDecide) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::vector<ParityCase> cases = parity_cases();
  const std::string suffix = QuestDbServer::unique_table("_parity");
  const fs::path dir = make_temp_dir("questdb-parity");
  tools::MockCluster cluster(1);
  for (const ParityCase& c : cases) produce_messages(cluster, c.topic, 1, c.messages);
  std::ofstream(dir / "mapping.toml") << mapping_file(cases, suffix);
  const KilpRun run = run_kilp(
      {"--brokers", cluster.bootstrap_servers(), "--config", (dir / "mapping.toml").string(),
       "--group", "parity" + suffix, "--sink", questdb.http_sink(), "--dlq",
       "file::path=" + (dir / "dlq.jsonl").string() + ";", "--from-beginning", "--exit-at-end",
       "--shards", "1", "-X", "fetch.wait.max.ms=100"},
      dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;

  std::map<std::string, std::map<std::int64_t, std::string>> refused;
  for (const DeadLetterRecord& record : read_dead_letters((dir / "dlq.jsonl").string())) {
    refused[record.topic][record.offset] = record.reason + ": " + record.detail;
  }
  for (const ParityCase& c : cases) {
    SCOPED_TRACE("topic " + c.topic);
    EXPECT_EQ(refused[c.topic], c.refused);
    const std::string table = c.topic + suffix;
    questdb.wait_until_applied(table, 30s);
    const SqlResult result =
        questdb.exec("select " + c.select + " from " + table + " order by " + c.order_by);
    ASSERT_EQ(result.rows.size(), c.rows.size());
    for (std::size_t i = 0; i < c.rows.size(); ++i) EXPECT_EQ(result.row_json(i), c.rows[i]);
  }
}

}  // namespace
}  // namespace kilp::testing
