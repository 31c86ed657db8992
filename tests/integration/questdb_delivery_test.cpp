// kilp's ILP/HTTP delivery against a real QuestDB (fixture questdb): rows QuestDB
// refuses become dead letters carrying the original record while the rows around
// them land; QuestDB killed and started again mid-stream loses nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/questdb_crash.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/questdb_server.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// kilp writing `topic` into `table` of the QuestDB fixture as group it-<table>, with the
// generated trades' mapping or (trades false) the caller's.
std::vector<std::string> kilp_args(const tools::MockCluster& cluster, const std::string& topic,
                                   const std::string& table, const fs::path& dir, bool trades) {
  std::vector<std::string> args = kilp_topic_args({.bootstrap = cluster.bootstrap_servers(),
                                                   .topic = topic,
                                                   .group = "it-" + table,
                                                   .sink = QuestDbServer::fixture().http_sink(),
                                                   .dlq = dir / "dlq.jsonl",
                                                   .trades = trades});
  args.insert(args.end(), {"--table", table});
  return args;
}

// A new WAL table of the fixture with `columns` and the designated timestamp; its name.
std::string new_wal_table(const std::string& stem, const std::string& columns) {
  const std::string table = QuestDbServer::unique_table(stem);
  QuestDbServer::fixture().exec("create table " + table + " (" + columns +
                                ", timestamp timestamp) timestamp(timestamp) partition by day wal");
  return table;
}

TEST(QuestDbRefusals, RefusedRowsAreDeadLettersAndTheRowsAroundThemLand) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::string table = new_wal_table("refusals", "id long, u uuid, n long");
  // Message i's columns, or what QuestDB refuses instead and a word of its answer. A
  // column named like the designated timestamp is answered 500, not 400, by QuestDB 9.3.
  auto columns = [](std::uint64_t i) {
    return R"("n":)" + std::to_string(i * 3) + R"(,"u":"11111111-2222-3333-4444-555555555555")";
  };
  const std::map<std::uint64_t, std::pair<std::string, std::string>> refused = {
      {500, {R"("n":1500,"u":"not-a-uuid")", "UUID"}},
      {1000, {R"("n":"a string","u":"11111111-2222-3333-4444-555555555555")", "LONG"}},
      {1500, {columns(1500) + R"(,"timestamp":5)", "error"}},
  };
  constexpr std::uint64_t kMessages = 2000;
  constexpr int kPartitions = 2;
  std::vector<std::string> messages;
  for (std::uint64_t i = 0; i < kMessages; ++i) {
    const auto bad = refused.find(i);
    messages.push_back(R"({"id":)" + std::to_string(i) + "," +
                       (bad == refused.end() ? columns(i) : bad->second.first) + R"(,"ts":)" +
                       std::to_string(1700000000 + i) + "}");
  }
  const fs::path dir = make_temp_dir("questdb-refusals");
  tools::MockCluster cluster(1);
  produce_messages(cluster, "refusals", kPartitions, messages);
  std::vector<std::string> args = kilp_args(cluster, "refusals", table, dir, false);
  args.insert(args.end(), {"--timestamp-field", "ts", "--timestamp-units", "s"});
  const KilpRun run = run_kilp(args, dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;

  questdb.wait_until_applied(table, 30s);
  const std::uint64_t good = kMessages - refused.size();
  std::uint64_t id_sum = kMessages * (kMessages - 1) / 2;
  for (const auto& [i, bad] : refused) id_sum -= i;
  const SqlResult landed =
      questdb.exec("select count(), count_distinct(id), sum(id), sum(n) from " + table);
  EXPECT_EQ(landed.row_json(0), fmt::format("[{},{},{},{}]", good, good, id_sum, id_sum * 3));

  // Each refused message once, as produced, with QuestDB's reason.
  std::map<std::uint64_t, DeadLetterRecord> dead;
  for (DeadLetterRecord& record : read_dead_letters((dir / "dlq.jsonl").string())) {
    const auto i = static_cast<std::uint64_t>(record.offset * kPartitions + record.partition);
    EXPECT_TRUE(dead.emplace(i, std::move(record)).second) << "dead letter twice: message " << i;
  }
  ASSERT_EQ(dead.size(), refused.size()) << run.log;
  for (const auto& [i, bad] : refused) {
    ASSERT_TRUE(dead.count(i)) << "message " << i << " not dead-lettered\n" << run.log;
    EXPECT_EQ(dead[i].reason, "server_rejected");
    EXPECT_EQ(dead[i].payload, messages[i]);
    EXPECT_NE(dead[i].detail.find(bad.second), std::string::npos) << dead[i].detail;
  }
}

TEST(QuestDbRefusals, AnExplodedMessageWithOneRefusedRowLandsNoneOfItsRows) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::string table = new_wal_table("explode_refusals", "id long, leg long, u uuid");
  constexpr std::uint64_t kMessages = 600;
  constexpr std::uint64_t kLegs = 3;
  constexpr std::uint64_t kBad = 300;  // its middle leg's UUID is refused by QuestDB
  constexpr int kPartitions = 2;
  std::vector<std::string> messages;
  for (std::uint64_t i = 0; i < kMessages; ++i) {
    std::string legs;
    for (std::uint64_t leg = 0; leg < kLegs; ++leg) {
      const bool bad = i == kBad && leg == 1;
      legs += fmt::format(R"({}{{"leg":{},"u":"{}"}})", leg == 0 ? "" : ",", leg,
                          bad ? "not-a-uuid" : "11111111-2222-3333-4444-555555555555");
    }
    messages.push_back(fmt::format(R"({{"id":{},"ts":{},"legs":[{}]}})", i, 1700000000 + i, legs));
  }
  const fs::path dir = make_temp_dir("questdb-explode-refusals");
  tools::MockCluster cluster(1);
  produce_messages(cluster, "explode-refusals", kPartitions, messages);
  std::vector<std::string> args = kilp_args(cluster, "explode-refusals", table, dir, false);
  args.insert(args.end(),
              {"--timestamp-field", "ts", "--timestamp-units", "s", "--explode", "legs"});
  const KilpRun run = run_kilp(args, dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;

  questdb.wait_until_applied(table, 30s);
  const SqlResult landed = questdb.exec("select count(), count_distinct(id) from " + table);
  EXPECT_EQ(landed.row_json(0), fmt::format("[{},{}]", (kMessages - 1) * kLegs, kMessages - 1));
  // None of the refused message's rows landed, not even its good legs.
  EXPECT_EQ(
      questdb.exec(fmt::format("select count() from {} where id = {}", table, kBad)).row_json(0),
      "[0]");
  const std::vector<DeadLetterRecord> dead = read_dead_letters((dir / "dlq.jsonl").string());
  ASSERT_EQ(dead.size(), 1u) << run.log;
  EXPECT_EQ(dead[0].reason, "server_rejected");
  EXPECT_EQ(dead[0].payload, messages[kBad]);
}

TEST(QuestDbRestart, NothingIsLostWhenQuestDbIsKilledAndStartedAgainMidStream) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::string table = QuestDbServer::unique_table("restart");
  constexpr std::uint64_t kMessages = 300'000;
  constexpr int kPartitions = 8;  // 300,000 trades of ~85 B fit the mock's 5 MiB per partition
  const fs::path dir = make_temp_dir("questdb-restart");
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  cluster.produce("trades", kPartitions, kMessages, trades_from(0));
  std::vector<std::string> args = kilp_args(cluster, "trades", table, dir, true);
  args.insert(args.end(), {"--buffer-kib", "256"});
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());

  // Kill QuestDB once part of the stream is in, start it again on the same data.
  const QuestDbCrash crash = crash_questdb_mid_stream(questdb, kilp, (dir / "kilp.err").string(),
                                                      table, 20'000, kMessages);
  const std::int64_t before_kill = crash.rows_at_kill;
  const std::string& log = crash.kilp.log;
  ASSERT_EQ(crash.kilp.exit_code, 0) << log;
  EXPECT_NE(log.find("retry"), std::string::npos) << "kilp never saw QuestDB go\n" << log;
  questdb.wait_until_applied(table, 60s);

  // Trade i has timestamp first + i: every one present, the rest are duplicates.
  const SqlResult result = questdb.exec(
      "select count() rows, count_distinct(timestamp) distinct_rows, "
      "cast(min(timestamp) as long) first, cast(max(timestamp) as long) last from " +
      table);
  const std::int64_t rows = result.at(0, "rows").as_int();
  const std::int64_t distinct = result.at(0, "distinct_rows").as_int();
  EXPECT_EQ(distinct, static_cast<std::int64_t>(kMessages)) << log;
  EXPECT_EQ(result.at(0, "first").as_int(), tools::kFirstTradeMicros);
  EXPECT_EQ(result.at(0, "last").as_int(),
            tools::kFirstTradeMicros + static_cast<std::int64_t>(kMessages) - 1);
  const std::int64_t duplicates = rows - distinct;
  RecordProperty("rows_before_kill", std::to_string(before_kill));
  RecordProperty("duplicates", std::to_string(duplicates));
  std::printf("QuestDB killed at %lld of %llu rows: 0 lost, %lld duplicates\n",
              static_cast<long long>(before_kill), static_cast<unsigned long long>(kMessages),
              static_cast<long long>(duplicates));
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-" + table, "trades", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "trades", kPartitions));
}

}  // namespace
}  // namespace kilp::testing
