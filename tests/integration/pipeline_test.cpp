// kilp end to end: mock Kafka cluster -> kilp (child process) -> loopback ILP/TCP
// server that the test owns and whose bytes it parses strictly.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/support/strict_ilp_parser.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every row the server received, parsed strictly; fails the test on any bad byte.
std::vector<IlpRow> parse_all(const IlpTcpServer& server) {
  std::vector<IlpRow> rows;
  for (const std::string& stream : server.streams()) {
    std::vector<std::string_view> lines;
    std::string error;
    EXPECT_TRUE(split_ilp_lines(stream, lines, error)) << error;
    for (std::string_view line : lines) {
      IlpParseResult parsed = parse_ilp_line(line);
      EXPECT_TRUE(parsed.ok()) << parsed.error << " in line: " << line;
      if (parsed.ok()) rows.push_back(std::move(*parsed.row));
    }
  }
  return rows;
}

// Checks that `row` is exactly trade number (ts - first ts) and returns that number.
std::int64_t check_trade_row(const IlpRow& row, const std::string& table) {
  EXPECT_EQ(row.table, table);
  if (!row.timestamp_ns) {
    ADD_FAILURE() << "row without timestamp";
    return -1;
  }
  const std::int64_t index = *row.timestamp_ns / 1000 - tools::kFirstTradeMicros;
  const tools::Trade trade = tools::make_trade(static_cast<std::uint64_t>(index));
  EXPECT_EQ(*row.timestamp_ns, trade.ts_us * 1000);
  EXPECT_EQ(row.symbols.size(), 2u);
  if (row.symbols.size() == 2) {
    EXPECT_EQ(row.symbols[0], (std::pair<std::string, std::string>{"symbol", std::string(trade.symbol)}));
    EXPECT_EQ(row.symbols[1], (std::pair<std::string, std::string>{"side", std::string(trade.side)}));
  }
  EXPECT_EQ(row.columns.size(), 2u);
  if (row.columns.size() == 2) {
    EXPECT_EQ(row.columns[0].first, "price");
    EXPECT_EQ(row.columns[0].second, IlpValue(tools::trade_price(trade)));
    EXPECT_EQ(row.columns[1].first, "amount");
    EXPECT_EQ(row.columns[1].second, IlpValue(tools::trade_amount(trade)));
  }
  return index;
}

TEST(Pipeline, EveryTradeArrivesExactlyOnceAndOffsetsAreCommitted) {
  constexpr int kPartitions = 4;
  constexpr std::uint64_t kMessages = 200'000;
  const fs::path dir = make_temp_dir("pipeline");
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  cluster.produce("trades", kPartitions, kMessages, trades_from(0));
  IlpTcpServer server;

  Subprocess kilp(kKilpBinary,
                  kilp_topic_args({.bootstrap = cluster.bootstrap_servers(),
                                   .topic = "trades",
                                   .group = "it-exactly-once",
                                   .sink = "tcp::addr=" + server.address() + ";",
                                   .dlq = dir / "dlq.jsonl",
                                   .shards = 2}),
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(180s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  EXPECT_NE(log.find("kilp: summary: 200,000 rows delivered"), std::string::npos) << log;

  std::vector<IlpRow> rows = parse_all(server);
  ASSERT_EQ(rows.size(), kMessages) << log;
  std::vector<bool> seen(kMessages, false);
  for (const IlpRow& row : rows) {
    std::int64_t index = check_trade_row(row, "trades");
    ASSERT_GE(index, 0);
    ASSERT_LT(index, static_cast<std::int64_t>(kMessages));
    EXPECT_FALSE(seen[index]) << "trade " << index << " arrived twice";
    seen[index] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(kMessages));
  EXPECT_GE(server.connections(), 1u);

  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-exactly-once", "trades", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "trades", kPartitions));
  EXPECT_FALSE(fs::exists(dir / "dlq.jsonl") && fs::file_size(dir / "dlq.jsonl") > 0);
}

struct BadMessage {
  std::string payload;
  std::string reason;
  std::string detail = {};  // the dead letter's: the refused field, if one was
};

std::vector<BadMessage> bad_messages() {
  return {
      {R"({"symbol":"BTC-USD","side":"buy","price":1)", "malformed_json"},
      {"not json at all", "malformed_json"},
      {"", "malformed_json"},
      {"[1,2,3]", "not_an_object"},
      {"42", "not_an_object"},
      {"{\"symbol\":\"\xff\xfe\",\"side\":\"buy\",\"price\":1.5,\"ts\":1700000000000001}",
       "invalid_utf8"},
      {R"({"symbol":"X","side":"buy","price":1.5,"ts":"yesterday"})", "bad_timestamp", "field ts"},
      {R"({"symbol":"X","side":"buy","price":1.5,"ts":-5})", "bad_timestamp", "field ts"},
      {R"({"symbol":"X","side":"buy","price":1.5})", "missing_timestamp"},
      {R"({"symbol":"X","side":"buy","price":1.5,"ts":null})", "bad_timestamp", "field ts"},
      // Nested objects are flattened; an array needs ILP protocol 2.
      {R"({"symbol":"X","list":[1,2],"ts":1700000000000001})", "unsupported_value", "field list"},
      {R"({"symbol":"X","bad.name":1,"ts":1700000000000001})", "invalid_name", "field bad.name"},
      {R"({"symbol":"X","p":1,"p":2,"ts":1700000000000001})", "duplicate_field", "field p"},
      {R"({"symbol":"X","big":123456789012345678901234567890,"ts":1700000000000001})",
       "number_out_of_range", "field big"},
      {R"({"ts":1700000000000001})", "empty_row"},
      {"{\"symbol\":\"" + std::string(1536 * 1024, 'x') + "\",\"ts\":1700000000000001}",
       "too_large"},
  };
}

TEST(Pipeline, MalformedMessagesBecomeDeadLettersAndEveryGoodRowArrives) {
  constexpr int kPartitions = 2;
  constexpr std::uint64_t kGood = 20'000;
  const std::vector<BadMessage> bad = bad_messages();
  const std::uint64_t every = kGood / bad.size();  // spread the bad ones through the stream
  const std::uint64_t total = kGood + bad.size();

  // Message i is bad number (i / every) when i % every == every - 1, else a trade.
  std::map<std::uint64_t, std::size_t> bad_at;
  std::uint64_t trade = 0;
  std::vector<std::int64_t> trade_of(total, -1);
  for (std::uint64_t i = 0; i < total; ++i) {
    if (i % (every + 1) == every && bad_at.size() < bad.size()) {
      bad_at[i] = bad_at.size();
    } else {
      trade_of[i] = static_cast<std::int64_t>(trade++);
    }
  }
  ASSERT_EQ(bad_at.size(), bad.size());
  ASSERT_EQ(trade, kGood);

  const fs::path dir = make_temp_dir("malformed");
  tools::MockCluster cluster(1);
  cluster.create_topic("mixed", kPartitions);
  cluster.produce("mixed", kPartitions, total, [&](std::uint64_t i, std::string& buffer) {
    if (auto it = bad_at.find(i); it != bad_at.end()) return std::string_view(bad[it->second].payload);
    return tools::format_trade_json(tools::make_trade(static_cast<std::uint64_t>(trade_of[i])),
                                    buffer);
  });
  IlpTcpServer server;
  auto args = kilp_topic_args({cluster.bootstrap_servers(), "mixed", "it-malformed",
                               "tcp::addr=" + server.address() + ";", dir / "dlq.jsonl"});
  args.insert(args.end(), {"--max-message-kib", "1024"});
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
  const int exit_code = kilp.wait(180s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;

  std::vector<IlpRow> rows = parse_all(server);
  ASSERT_EQ(rows.size(), kGood) << log;
  std::set<std::int64_t> trades;
  for (const IlpRow& row : rows) trades.insert(check_trade_row(row, "mixed"));
  EXPECT_EQ(trades.size(), kGood);

  // Each bad message is in the dead-letter file once, at its partition/offset, with its
  // reason and the field it was refused for ("reason: detail").
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> expected;
  for (const auto& [i, b] : bad_at) {
    expected[{static_cast<std::int64_t>(i % kPartitions), static_cast<std::int64_t>(i / kPartitions)}] =
        bad[b].reason + ": " + bad[b].detail;
  }
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> found;
  simdjson::ondemand::parser parser;
  std::string text = read_file((dir / "dlq.jsonl").string());
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "dead-letter file ends mid-record";
    simdjson::padded_string line(text.substr(start, end - start));
    simdjson::ondemand::document doc = parser.iterate(line);
    const std::int64_t partition = doc["partition"].get_int64();
    const std::int64_t offset = doc["offset"].get_int64();
    EXPECT_EQ(std::string_view(doc["topic"].get_string().value()), "mixed");
    const std::string reason(std::string_view(doc["reason"].get_string().value()));
    const std::string detail(std::string_view(doc["detail"].get_string().value()));
    EXPECT_TRUE(found.emplace(std::pair{partition, offset}, reason + ": " + detail).second)
        << "dead letter twice: " << partition << "@" << offset;
    start = end + 1;
  }
  EXPECT_EQ(found, expected) << log;
  EXPECT_NE(log.find("dead letters 16"), std::string::npos) << log;
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-malformed", "mixed", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "mixed", kPartitions));
}

TEST(Pipeline, OnErrorFailStopsAtTheFirstBadMessageAfterCommittingEverythingBeforeIt) {
  constexpr std::uint64_t kBefore = 3000, kTotal = 6000;
  const fs::path dir = make_temp_dir("on-error-fail");
  tools::MockCluster cluster(1);
  cluster.create_topic("strict", 1);
  cluster.produce("strict", 1, kTotal, [](std::uint64_t i, std::string& buffer) {
    if (i == kBefore) return std::string_view("{\"symbol\":");  // truncated JSON
    return tools::format_trade_json(tools::make_trade(i < kBefore ? i : i - 1), buffer);
  });
  IlpTcpServer server;
  auto args = kilp_topic_args({cluster.bootstrap_servers(), "strict", "it-on-error-fail",
                               "tcp::addr=" + server.address() + ";", dir / "dlq.jsonl"});
  args.insert(args.end(), {"--on-error", "fail"});
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
  const int exit_code = kilp.wait(120s);
  const std::string log = read_file((dir / "kilp.err").string());
  EXPECT_EQ(exit_code, 1) << log;
  EXPECT_NE(log.find("--on-error fail: strict [0] @3000 cannot be a row: malformed_json"),
            std::string::npos)
      << log;
  std::vector<IlpRow> rows = parse_all(server);
  ASSERT_EQ(rows.size(), kBefore) << log;
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(check_trade_row(rows[i], "strict"), static_cast<std::int64_t>(i));
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-on-error-fail", "strict", 1),
            std::vector<std::int64_t>{static_cast<std::int64_t>(kBefore)});
  EXPECT_FALSE(fs::exists(dir / "dlq.jsonl") && fs::file_size(dir / "dlq.jsonl") > 0);
}

TEST(Pipeline, ClearErrorsForWhatUsersGetWrong) {
  const fs::path dir = make_temp_dir("errors");
  tools::MockCluster cluster(1);
  cluster.create_topic("present", 1);
  IlpTcpServer server;
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::string sink = "tcp::addr=" + server.address() + ";";
  std::vector<Case> cases = {
      {{"--brokers", cluster.bootstrap_servers(), "--topic", "absent", "--sink", sink}, 1,
       "Kafka topic 'absent' does not exist"},
      {{"--brokers", "127.0.0.1:1", "--topic", "present", "--sink", sink, "--startup-timeout-ms",
        "2000"},
       1, "cannot reach Kafka brokers 127.0.0.1:1"},
      {{"--brokers", cluster.bootstrap_servers(), "--topic", "present", "--sink",
        "tcp::addr=127.0.0.1:1;"},
       1, "cannot connect to ILP/TCP sink 127.0.0.1:1"},
      {{"--brokers", cluster.bootstrap_servers(), "--topic", "present", "--sink", "tcp::adr=x;"}, 2,
       "adr"},
      {{"--brokers", cluster.bootstrap_servers(), "--topic", "present", "--sink", sink, "--shards",
        "zero"},
       2, "--shards"},
      {{"--topic", "present", "--sink", sink}, 2, "--brokers is required"},
  };
  int group = 0;
  for (Case& c : cases) {
    // A group of its own per case, so no case waits for another's members.
    c.args.insert(c.args.end(), {"--group", "it-errors-" + std::to_string(group++)});
    Subprocess kilp(kKilpBinary, c.args, (dir / "kilp.err").string());
    const int exit_code = kilp.wait(60s);
    const std::string log = read_file((dir / "kilp.err").string());
    EXPECT_EQ(exit_code, c.exit_code) << log;
    EXPECT_NE(log.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n') <= 3, true) << "not one clear line: " << log;
  }
}

}  // namespace
}  // namespace kilp::testing
