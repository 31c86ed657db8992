// Issue 22 end to end: order-book messages from a mock Kafka cluster through the kilp
// binary into a file sink (ILP protocol 2), one topic per shape of the connector's
// market-data transforms, mapped by a TOML file; a level that cannot be a double is a
// dead letter naming it. Against a protocol 1 sink the options are refused at start-up.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/integration/ilp_http_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/support/sql_row_text.hpp"
#include "tests/support/strict_ilp_parser.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The connector's market-data message (testMarketData_*), its second bid's price `bid2`.
std::string book_message(int second, const std::string& bid2) {
  const std::string time = "2026-01-13T22:00:0" + std::to_string(second) + ".014Z";
  return R"({"schema":"market_data","payload":{"market":"BTCUSD","venue":1,"received_at":")" +
         time +
         R"(","type":"SNAPSHOT","bids":[{"side":"BUY","amount":2.45,"price":45120.50},)"
         R"({"side":"BUY","amount":"5.12","price":)" +
         bid2 +
         R"(}],"asks":[)"
         R"({"side":"SELL","amount":1.83,"price":"45121.00"}]}})";
}

const std::vector<std::string> kMessages = {
    book_message(0, "45119.00"),
    book_message(1, "null"),  // a dead letter: bids[1].price
    book_message(2, "\"45118.5\""),
};

// file:: rows by table, each as `select` of `columns` would read it.
std::map<std::string, std::vector<std::string>> rows_by_table(
    const std::string& ilp, const std::map<std::string, std::vector<std::string>>& columns) {
  std::map<std::string, std::vector<std::string>> rows;
  std::vector<std::string_view> lines;
  std::string error;
  EXPECT_TRUE(split_ilp_lines(ilp, lines, error)) << error;
  for (std::string_view line : lines) {
    const IlpParseResult parsed = parse_ilp_line(line);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    if (!parsed.ok()) continue;
    const auto wanted = columns.find(parsed.row->table);
    if (wanted == columns.end()) {
      ADD_FAILURE() << "row of table " << parsed.row->table;
      continue;
    }
    rows[parsed.row->table].push_back(sql_csv_row(*parsed.row, wanted->second, "received_at"));
  }
  return rows;
}

// (topic, offset) -> "reason detail" of each dead letter in the JSONL file.
std::map<std::pair<std::string, std::int64_t>, std::string> dead_letters(const std::string& text) {
  std::map<std::pair<std::string, std::int64_t>, std::string> out;
  simdjson::ondemand::parser parser;
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    simdjson::padded_string line(text.substr(start, end - start));
    simdjson::ondemand::document doc = parser.iterate(line);
    const std::string topic(std::string_view(doc["topic"].get_string().value()));
    const std::int64_t offset = doc["offset"].get_int64();
    const std::string reason(std::string_view(doc["reason"].get_string().value()));
    const std::string detail(std::string_view(doc["detail"].get_string().value()));
    out[{topic, offset}] = reason + " " + detail;
  }
  return out;
}

TEST(ObjectArrayPipeline, OrderBooksInBothShapesFromATomlMapping) {
  const fs::path dir = make_temp_dir("object-arrays");
  tools::MockCluster cluster(1);
  for (const char* topic : {"book", "levels"}) {
    cluster.create_topic(topic, 1);
    cluster.produce(topic, 1, kMessages.size(),
                    [](std::uint64_t i, std::string&) { return std::string_view(kMessages[i]); });
  }
  {
    std::ofstream toml(dir / "mapping.toml");
    toml << "value_format = \"envelope\"\n"
            "symbols = [\"market\"]\n"
            "timestamp_field = \"received_at\"\n"
            "[topics.book]\n"
            "order_book_to_array = \"bids:bids:price,amount;asks:asks:price,amount\"\n"
            "[topics.levels]\n"
            "struct_array_explode = \"bids:bid_prices,bid_amounts:price,amount;"
            "asks:ask_prices,ask_amounts:price,amount\"\n";
  }
  const fs::path out = dir / "out.ilp";
  Subprocess kilp(kKilpBinary,
                  {"--brokers", cluster.bootstrap_servers(), "--config",
                   (dir / "mapping.toml").string(), "--group", "it-object-arrays", "--sink",
                   "file::path=" + out.string() + ";mode=truncate;protocol_version=2;", "--dlq",
                   "file::path=" + (dir / "dlq.jsonl").string() + ";", "--from-beginning",
                   "--exit-at-end", "-X", "fetch.wait.max.ms=100"},
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(120s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;

  const std::map<std::string, std::vector<std::string>> columns = {
      {"book", {"market", "venue", "bids", "asks", "received_at"}},
      {"levels",
       {"market", "venue", "bid_prices", "bid_amounts", "ask_prices", "ask_amounts",
        "received_at"}}};
  const std::map<std::string, std::vector<std::string>> expected = {
      {"book",
       {R"("BTCUSD",1,"[[45120.5,45119.0],[2.45,5.12]]","[[45121.0],[1.83]]",)"
        R"("2026-01-13T22:00:00.014000Z")",
        R"("BTCUSD",1,"[[45120.5,45118.5],[2.45,5.12]]","[[45121.0],[1.83]]",)"
        R"("2026-01-13T22:00:02.014000Z")"}},
      {"levels",
       {R"("BTCUSD",1,"[45120.5,45119.0]","[2.45,5.12]","[45121.0]","[1.83]",)"
        R"("2026-01-13T22:00:00.014000Z")",
        R"("BTCUSD",1,"[45120.5,45118.5]","[2.45,5.12]","[45121.0]","[1.83]",)"
        R"("2026-01-13T22:00:02.014000Z")"}}};
  EXPECT_EQ(rows_by_table(read_file(out.string()), columns), expected) << log;
  const std::string dlq = read_file((dir / "dlq.jsonl").string());
  EXPECT_EQ(dead_letters(dlq), (std::map<std::pair<std::string, std::int64_t>, std::string>{
                                   {{"book", 1}, "missing_field field bids[1].price"},
                                   {{"levels", 1}, "missing_field field bids[1].price"}}))
      << dlq;
  for (const char* topic : {"book", "levels"}) {
    EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-object-arrays", topic, 1),
              end_offsets(cluster.bootstrap_servers(), topic, 1));
  }
}

// Double arrays need ILP protocol 2: a sink that speaks protocol 1 (told so, or a
// server whose GET /settings does not list 2) refuses the options before any message.
TEST(ObjectArrayPipeline, RefusedAtStartUpAgainstAProtocolOneSink) {
  const fs::path dir = make_temp_dir("object-arrays-v1");
  IlpHttpServer server;  // answers GET /settings with 404: protocol 1
  const std::string http = "http::addr=" + server.address() + ";";
  for (const auto& [sink, option] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"file::path=" + (dir / "out.ilp").string() + ";",
            {"--order-book-to-array", "b:bids:p,s"}},
           {http, {"--struct-array-explode", "b:prices,sizes:p,s"}}}) {
    std::vector<std::string> args = {"--brokers", "127.0.0.1:1", "--topic", "book", "--sink", sink};
    args.insert(args.end(), option.begin(), option.end());
    Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
    const int exit_code = kilp.wait(30s);
    const std::string log = read_file((dir / "kilp.err").string());
    EXPECT_EQ(exit_code, 2) << log;
    EXPECT_NE(log.find("table 'book': " + option[0] +
                       " writes double arrays, which need ILP protocol 2 (QuestDB 9.0 or later), "
                       "and the sink speaks protocol 1"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("Kafka"), std::string::npos) << "reached Kafka: " << log;
  }
  EXPECT_TRUE(server.accepted().empty());
}

}  // namespace
}  // namespace kilp::testing
