// kilp end to end into a real QuestDB (fixture questdb): mock Kafka cluster ->
// kilp (child process) over http:: and tcp:: -> QuestDB, every mapped type read
// back with SQL, exactly, with the column types QuestDB created the tables with.
//
// One kilp run per sink consumes every topic of one mapping file (one table per
// topic), so the whole matrix costs two runs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/questdb_server.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One topic of the matrix: its messages (keyed when `keys` is not empty), its
// mapping (TOML keys of `--config`), and the table as QuestDB must hold it.
struct TopicCase {
  std::string topic;
  std::string mapping;  // TOML lines of [topics.NAME]
  std::vector<std::string> messages;
  std::vector<std::string> keys;
  std::string select;  // columns to read back, in order
  std::string order_by;
  std::vector<std::string> rows;             // SqlResult::row_json of each row, in order
  std::map<std::string, std::string> types;  // column -> type QuestDB created
};

// Messages {"v":N,...} whose designated timestamp (field ts unless `mapping` says
// otherwise) QuestDB must hold as `timestamps`, in order.
TopicCase timestamp_case(std::string topic, std::string mapping, std::vector<std::string> messages,
                         const std::vector<std::string>& timestamps) {
  if (mapping.find("timestamp_field") == std::string::npos) {
    mapping = "timestamp_field = \"ts\"\n" + mapping;
  }
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < timestamps.size(); ++i) {
    rows.push_back(fmt::format(R"([{},"{}"])", i + 1, timestamps[i]));
  }
  return {std::move(topic), std::move(mapping), std::move(messages), {},
          "v, timestamp",   "timestamp",        std::move(rows),     {{"timestamp", "TIMESTAMP"}}};
}

std::vector<TopicCase> topic_cases() {
  return {
      {"types",
       "symbols = [\"sym\", \"side\"]\ntimestamp_field = \"ts\"\ntimestamp_units = \"us\"\n"
       "timestamp_columns = [\"at\"]\nkey = \"column\"\nkafka_partition_column = \"kp\"\n"
       "kafka_offset_column = \"ko\"\nkafka_timestamp_column = \"kt\"\n",
       {R"({"sym":"AB","side":"buy","n":42,"x":1.5,"ok":true,"note":"h\u00e9llo \"q\" ,=\\",)"
        R"("meta":{"host":"h1","cpu":{"load":0.25}},"ts":1700000000123456,)"
        R"("at":"2024-01-02T03:04:05.123456Z"})",
        R"({"sym":"CD","side":"sell","n":9223372036854775807,"x":-1e-300,"ok":false,"note":"",)"
        R"("meta":{"host":"h2","cpu":{"load":1}},"ts":1700000000123457,)"
        R"("at":"2024-01-02T03:04:06Z"})",
        R"({"sym":"EF","side":null,"n":null,"x":1e300,"ok":true,"note":"x","meta":{},)"
        R"("ts":1700000000123458})"},
       {"k0", "k1", "k2"},
       "sym, side, n, x, ok, note, meta_host, meta_cpu_load, at, key, kp, ko, "
       "kt > dateadd('h', -1, now()), timestamp",
       "timestamp",
       {R"(["AB","buy",42,1.5,true,"héllo \"q\" ,=\\","h1",0.25,"2024-01-02T03:04:05.123456Z",)"
        R"("k0",0,0,true,"2023-11-14T22:13:20.123456Z"])",
        R"(["CD","sell",9223372036854775807,-1e-300,false,"","h2",1,"2024-01-02T03:04:06.000000Z",)"
        R"("k1",0,1,true,"2023-11-14T22:13:20.123457Z"])",
        R"(["EF",null,null,1e+300,true,"x",null,null,null,"k2",0,2,true,"2023-11-14T22:13:20.123458Z"])"},
       {{"sym", "SYMBOL"},
        {"side", "SYMBOL"},
        {"n", "LONG"},
        {"x", "DOUBLE"},
        {"ok", "BOOLEAN"},
        {"note", "VARCHAR"},
        {"meta_host", "VARCHAR"},
        {"meta_cpu_load", "DOUBLE"},
        {"at", "TIMESTAMP"},
        {"key", "VARCHAR"},
        {"kp", "LONG"},
        {"ko", "LONG"},
        {"kt", "TIMESTAMP"},
        {"timestamp", "TIMESTAMP"}}},
      // A JSON key's fields as symbols named key_FIELD.
      {"json_keys",
       "key = \"symbol\"\nkey_format = \"json\"\ntimestamp_field = \"ts\"\n",
       {R"({"v":1,"ts":1700000000})", R"({"v":2,"ts":1700000001})"},
       {R"({"region":"eu","shard":{"id":7}})", R"({"region":"us","shard":{"id":8}})"},
       "key_region, key_shard_id, v",
       "timestamp",
       {R"(["eu","7",1])", R"(["us","8",2])"},
       {{"key_region", "SYMBOL"}, {"key_shard_id", "SYMBOL"}, {"v", "LONG"}}},
      // Designated timestamps in each unit and text form (QuestDB keeps microseconds).
      timestamp_case("ts_seconds", "timestamp_units = \"s\"\n",
                     {R"({"v":1,"ts":1700000000})", R"({"v":2,"ts":1700000001.0})"},
                     {"2023-11-14T22:13:20.000000Z", "2023-11-14T22:13:21.000000Z"}),
      timestamp_case("ts_millis", "timestamp_units = \"ms\"\n", {R"({"v":1,"ts":1700000000123})"},
                     {"2023-11-14T22:13:20.123000Z"}),
      timestamp_case("ts_nanos", "timestamp_units = \"ns\"\n",
                     {R"({"v":1,"ts":1700000000123456789})"}, {"2023-11-14T22:13:20.123456Z"}),
      timestamp_case("ts_auto", "timestamp_units = \"auto\"\n",
                     {R"({"v":1,"ts":1700000000})", R"({"v":2,"ts":1700000001123})",
                      R"({"v":3,"ts":1700000002123456})", R"({"v":4,"ts":1700000003123456789})"},
                     {"2023-11-14T22:13:20.000000Z", "2023-11-14T22:13:21.123000Z",
                      "2023-11-14T22:13:22.123456Z", "2023-11-14T22:13:23.123456Z"}),
      timestamp_case("ts_rfc3339", "",
                     {R"({"v":1,"ts":"2024-01-02T03:04:05.123456Z"})",
                      R"({"v":2,"ts":"2024-01-02 05:04:06+01:00"})"},
                     {"2024-01-02T03:04:05.123456Z", "2024-01-02T04:04:06.000000Z"}),
      timestamp_case("ts_pattern",
                     "timestamp_field = [\"date\", \"time\"]\n"
                     "timestamp_format = \"dd.MM.yyyyHH:mm:ss.SSS z\"\n",
                     {R"({"v":1,"date":"02.01.2024","time":"03:04:05.120 UTC"})"},
                     {"2024-01-02T03:04:05.120000Z"}),
      // N-dimensional double arrays (ILP protocol 2).
      {"arrays",
       "timestamp_field = \"ts\"\n",
       {R"({"id":1,"a1":[1.5,-2,1e-5],"a2":[[1,2],[3,4]],"a3":[[[1],[2]],[[3],[4]]],"ts":1700000000})",
        R"({"id":2,"a1":[0.25],"a2":[[5,6,7]],"ts":1700000001})"},
       {},
       "id, a1, a2, a3",
       "timestamp",
       {R"([1,[1.5,-2.0,1e-05],[[1.0,2.0],[3.0,4.0]],[[[1.0],[2.0]],[[3.0],[4.0]]]])",
        R"([2,[0.25],[[5.0,6.0,7.0]],null])"},
       {{"a1", "DOUBLE[]"}, {"a2", "DOUBLE[][]"}, {"a3", "DOUBLE[][][]"}}},
      // The QuestDB Kafka connector's behaviour, where it differs from kilp's defaults.
      {"connector_compatible",
       "timestamp_field = \"ts\"\nmissing_timestamp = \"server\"\nduplicates = \"keep-first\"\n"
       "oversized_integers = \"double\"\n",
       {R"({"id":1,"v":2,"v":3,"ts":1700000000})",
        R"({"id":2,"big":123456789012345678901234567890,"ts":1700000001})", R"({"id":3,"v":4})"},
       {},
       "id, v, big, timestamp > dateadd('h', -1, now())",
       "id",
       {R"([1,2,null,false])", R"([2,null,1.2345678901234568e+29,false])", R"([3,4,null,true])"},
       {{"v", "LONG"}, {"big", "DOUBLE"}}},
      // Kafka Connect's JsonConverter envelope: the row is the payload.
      {"envelope",
       "value_format = \"envelope\"\nsymbols = [\"sym\"]\ntimestamp_field = \"ts\"\n"
       "timestamp_units = \"ms\"\n",
       {R"({"schema":{"type":"struct","fields":[{"type":"string","field":"sym"},)"
        R"({"type":"double","field":"px"},{"type":"int64","field":"ts"}]},)"
        R"("payload":{"sym":"AB","px":1.25,"ts":1700000000000}})",
        R"({"schema":null,"payload":{"sym":"CD","px":2.5,"ts":1700000001000}})"},
       {},
       "sym, px, timestamp",
       "timestamp",
       {R"(["AB",1.25,"2023-11-14T22:13:20.000000Z"])",
        R"(["CD",2.5,"2023-11-14T22:13:21.000000Z"])"},
       {{"sym", "SYMBOL"}, {"px", "DOUBLE"}}},
      // Order books (issue 22): the connector's OrderBookToArray as one DOUBLE[][] per
      // side (row 1 the prices, row 2 the sizes: bids[1][1] and bids[2][1] are the best
      // bid's price and size), numbers as text read as numbers.
      {"order_book",
       "order_book_to_array = \"buy_entries:bids:price,size;sell_entries:asks:price,size\"\n"
       "symbols = [\"sym\"]\ntimestamp_field = \"ts\"\n",
       {R"({"sym":"BTC","buy_entries":[{"price":45120.5,"size":0.758},{"price":45120,"size":1.2}],)"
        R"("sell_entries":[{"price":"45121","size":"0.5"}],"ts":1700000000})"},
       {},
       "sym, bids[1][1], bids[2][1], bids, asks",
       "timestamp",
       {R"(["BTC",45120.5,0.758,[[45120.5,45120.0],[0.758,1.2]],[[45121.0],[0.5]]])"},
       {{"bids", "DOUBLE[][]"}, {"asks", "DOUBLE[][]"}}},
      // The connector's StructArrayExplode: one DOUBLE[] per field, in the same row.
      {"struct_array_explode",
       "struct_array_explode = \"buy_entries:bid_prices,bid_sizes:price,size\"\n"
       "timestamp_field = \"ts\"\n",
       {R"({"buy_entries":[{"price":10,"size":1123},{"price":5.1,"size":92}],"ts":1700000000})"},
       {},
       "bid_prices, bid_sizes, bid_prices[2]",
       "timestamp",
       {R"([[10.0,5.1],[1123.0,92.0],5.1])"},
       {{"bid_prices", "DOUBLE[]"}, {"bid_sizes", "DOUBLE[]"}}},
      // One row per element of `legs`, with the message's other fields.
      {"explode",
       "explode = \"legs\"\nsymbols = [\"order\"]\ntimestamp_field = \"ts\"\n",
       {R"({"order":"o1","legs":[{"sym":"AB","qty":1.5},{"sym":"CD","qty":2.5}],"ts":1700000000})",
        R"({"order":"o2","legs":[{"sym":"EF","qty":3.5}],"ts":1700000001})"},
       {},
       "\"order\", sym, qty, timestamp",
       "timestamp, sym",
       {R"(["o1","AB",1.5,"2023-11-14T22:13:20.000000Z"])",
        R"(["o1","CD",2.5,"2023-11-14T22:13:20.000000Z"])",
        R"(["o2","EF",3.5,"2023-11-14T22:13:21.000000Z"])"},
       {{"order", "SYMBOL"}, {"sym", "VARCHAR"}, {"qty", "DOUBLE"}}},
  };
}

// The mapping file: every case's topic written into its table `TOPIC_SUFFIX`.
std::string mapping_file(const std::vector<TopicCase>& cases, const std::string& suffix) {
  std::string toml;
  for (const TopicCase& c : cases) {
    toml += "[topics." + c.topic + "]\ntable = \"" + c.topic + suffix + "\"\n" + c.mapping + "\n";
  }
  return toml;
}

class QuestDbRows : public ::testing::TestWithParam<std::string> {};

// Runs kilp with `cases`' mapping into `sink`, checks every table with SQL.
void check_matrix(const std::string& sink, const std::string& suffix, int protocol) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::vector<TopicCase> cases = topic_cases();
  const fs::path dir = make_temp_dir("questdb-rows" + suffix);
  tools::MockCluster cluster(1);
  for (const TopicCase& c : cases) {
    cluster.create_topic(c.topic, 1);
    auto value = [&](std::uint64_t i, std::string&) { return std::string_view(c.messages[i]); };
    if (c.keys.empty()) {
      cluster.produce(c.topic, 1, c.messages.size(), value);
    } else {
      cluster.produce(c.topic, 1, c.messages.size(), value,
                      [&](std::uint64_t i, std::string&) { return std::string_view(c.keys[i]); });
    }
  }
  std::ofstream(dir / "mapping.toml") << mapping_file(cases, suffix);
  const std::vector<std::string> args = {"--brokers",
                                         cluster.bootstrap_servers(),
                                         "--config",
                                         (dir / "mapping.toml").string(),
                                         "--group",
                                         "questdb-rows" + suffix,
                                         "--sink",
                                         sink,
                                         "--dlq",
                                         "file::path=" + (dir / "dlq.jsonl").string() + ";",
                                         "--from-beginning",
                                         "--exit-at-end",
                                         "--shards",
                                         "1",
                                         "-X",
                                         "fetch.wait.max.ms=100"};
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  const std::string log = read_file((dir / "kilp.err").string());
  EXPECT_NE(log.find(fmt::format("(ILP protocol {})", protocol)), std::string::npos) << log;
  EXPECT_TRUE(read_dead_letters((dir / "dlq.jsonl").string()).empty())
      << read_file((dir / "dlq.jsonl").string());

  for (const TopicCase& c : cases) {
    SCOPED_TRACE("topic " + c.topic + " into " + sink);
    const std::string table = c.topic + suffix;
    ASSERT_EQ(questdb.wait_for_rows(table, static_cast<std::int64_t>(c.rows.size()), 30s),
              static_cast<std::int64_t>(c.rows.size()));
    const SqlResult result =
        questdb.exec("select " + c.select + " from " + table + " order by " + c.order_by);
    ASSERT_EQ(result.rows.size(), c.rows.size());
    for (std::size_t i = 0; i < c.rows.size(); ++i) EXPECT_EQ(result.row_json(i), c.rows[i]);
    const SqlResult columns =
        questdb.exec("select \"column\", type, designated from table_columns('" + table + "')");
    std::map<std::string, std::string> types;
    for (std::size_t i = 0; i < columns.rows.size(); ++i) {
      types[columns.at(i, "column").as_text()] = columns.at(i, "type").as_text();
      if (columns.at(i, "designated").as_bool()) {
        EXPECT_EQ(columns.at(i, "column").as_text(), "timestamp");
      }
    }
    for (const auto& [column, type] : c.types) EXPECT_EQ(types[column], type) << column;
  }
}

// Over http:: protocol_version=auto picks 3 (QuestDB 9.2+): everything but decimals
// is written as under protocol 2, which the tcp:: run keeps covering.
TEST(QuestDbRows, EveryMappedTypeLandsExactlyOverHttp) {
  check_matrix(QuestDbServer::fixture().http_sink(), "_http", 3);
}

TEST(QuestDbRows, EveryMappedTypeLandsExactlyOverTcp) {
  check_matrix(QuestDbServer::fixture().tcp_sink() + "protocol_version=2;", "_tcp", 2);
}

// --decimals (ILP protocol 3). QuestDB creates no DECIMAL column from ILP ("decimal
// columns must be created manually"), so the table comes first; a value of another
// scale is rescaled by the server when that is exact. Messages kilp refuses (p not a
// number, q with digits beyond its stated scale) and, over HTTP, values the column
// cannot hold (QuestDB answers 400) are dead letters; the rows around them land.
struct DecimalMessage {
  std::string json;
  std::string row;         // the row read back, empty for a dead letter
  std::string reason;      // the dead letter's reason
  bool http_only = false;  // refused by the server: over TCP the row would be lost unseen
};

const std::vector<DecimalMessage> kDecimalMessages = {
    {R"({"id":1,"p":"123456789012345678901234567890.0123456789","q":1.5,"ts":1700000000})",
     R"([1,"123456789012345678901234567890.0123456789","1.50"])"},
    {R"({"id":2,"p":-0.0000000001,"q":"-99.99","ts":1700000001})",
     R"([2,"-0.0000000001","-99.99"])"},
    {R"({"id":3,"p":1.5e3,"q":null,"ts":1700000002})", R"([3,"1500.0000000000",null])"},
    {R"({"id":4,"p":"abc","q":1,"ts":1700000003})", "", "type_conflict"},
    {R"({"id":5,"p":1,"q":1.234,"ts":1700000004})", "", "number_out_of_range"},
    {R"({"id":6,"p":"-99999999999999999999999999999.9999999999","q":"9999999999999999.99",)"
     R"("ts":1700000005})",
     R"([6,"-99999999999999999999999999999.9999999999","9999999999999999.99"])"},
    {R"({"id":7,"p":1e40,"q":1,"ts":1700000006})", "", "server_rejected", true},
    {R"({"id":8,"p":0.00000000001,"q":2,"ts":1700000007})", "", "server_rejected", true},
    {R"({"id":9,"p":"+.5","q":"0.10","ts":1700000008})", R"([9,"0.5000000000","0.10"])"},
};

void check_decimals(const std::string& sink, const std::string& name, bool server_refusals) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::string table = QuestDbServer::unique_table(name);
  questdb.exec("create table " + table +
               " (id long, p decimal(40,10), q decimal(18,2), timestamp timestamp) "
               "timestamp(timestamp) partition by day wal");
  std::vector<std::string> messages;
  std::vector<const DecimalMessage*> sent;
  for (const DecimalMessage& message : kDecimalMessages) {
    if (message.http_only && !server_refusals) continue;
    messages.push_back(message.json);
    sent.push_back(&message);
  }
  const fs::path dir = make_temp_dir("questdb-" + name);
  tools::MockCluster cluster(1);
  produce_messages(cluster, "decimals", 1, messages);
  const std::string dlq = "file::path=" + (dir / "dlq.jsonl").string() + ";";
  const KilpRun run = run_kilp(
      {"--brokers", cluster.bootstrap_servers(), "--topic", "decimals", "--group", name, "--table",
       table, "--sink", sink, "--dlq", dlq, "--decimals", "p,q:18:2", "--timestamp-field", "ts",
       "--from-beginning", "--exit-at-end", "--shards", "1", "-X", "fetch.wait.max.ms=100"},
      dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_NE(run.log.find("(ILP protocol 3)"), std::string::npos) << run.log;

  std::map<std::int64_t, DeadLetterRecord> dead;
  for (DeadLetterRecord& record : read_dead_letters((dir / "dlq.jsonl").string())) {
    dead[record.offset] = std::move(record);
  }
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto offset = static_cast<std::int64_t>(i);
    if (sent[i]->row.empty()) {
      EXPECT_EQ(dead[offset].reason, sent[i]->reason) << sent[i]->json;
      EXPECT_EQ(dead[offset].payload, sent[i]->json);  // the original record
    } else {
      EXPECT_EQ(dead.count(offset), 0u) << sent[i]->json << ": " << dead[offset].detail;
      rows.push_back(sent[i]->row);
    }
  }
  const auto expected = static_cast<std::int64_t>(rows.size());
  ASSERT_EQ(questdb.wait_for_rows(table, expected, 30s), expected);
  const SqlResult result = questdb.exec("select id, cast(p as string), cast(q as string) from " +
                                        table + " order by id");
  ASSERT_EQ(result.rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(result.row_json(i), rows[i]);
}

TEST(QuestDbRows, DecimalsLandExactlyOverHttp) {
  check_decimals(QuestDbServer::fixture().http_sink(), "decimals_http", true);
}

TEST(QuestDbRows, DecimalsLandExactlyOverTcp) {
  check_decimals(QuestDbServer::fixture().tcp_sink() + "protocol_version=3;", "decimals_tcp",
                 false);
}

}  // namespace
}  // namespace kilp::testing
