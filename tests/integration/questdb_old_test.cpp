// kilp against an ILP protocol 1 QuestDB (fixture questdb_old, 7.4.2): /settings
// negotiation falls back to protocol 1, arrays become dead letters while the other
// rows land with exact text doubles, and QuestDB 7.4's 500 for a value it cannot
// cast is isolated to its row. Forcing protocol 2 there loses nothing either: the
// rows the server cannot read are dead letters.
#include <gtest/gtest.h>

#include <map>

#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/questdb_server.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::vector<std::string> kMessages = {
    R"({"id":1,"sym":"AB","x":0.1,"note":"a","u":"11111111-1111-1111-1111-111111111111","ts":1700000000})",
    R"({"id":2,"x":1.5,"arr":[1,2],"ts":1700000001})",
    R"({"id":3,"u":"not-a-uuid","ts":1700000002})",
    R"({"id":4,"sym":"CD","x":-2.5e-300,"ts":1700000003})",
    R"({"id":5,"n":7,"ts":1700000004})",
};

// Runs kilp over `sink` into a fresh table with a UUID column; returns the dead
// letters by message index, and the table.
std::map<std::int64_t, DeadLetterRecord> run_into_old(const std::string& sink,
                                                      const std::string& name, KilpRun& run,
                                                      std::string& table) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  table = QuestDbServer::unique_table(name);
  questdb.exec("create table " + table +
               " (id long, u uuid, timestamp timestamp) timestamp(timestamp) partition by day wal");
  const fs::path dir = make_temp_dir("questdb-old-" + name);
  tools::MockCluster cluster(1);
  produce_messages(cluster, "old", 1, kMessages);
  run = run_kilp({"--brokers",
                  cluster.bootstrap_servers(),
                  "--topic",
                  "old",
                  "--group",
                  name,
                  "--table",
                  table,
                  "--sink",
                  sink,
                  "--dlq",
                  "file::path=" + (dir / "dlq.jsonl").string() + ";",
                  "--symbols",
                  "sym",
                  "--timestamp-field",
                  "ts",
                  "--from-beginning",
                  "--exit-at-end",
                  "-X",
                  "fetch.wait.max.ms=100"},
                 dir);
  std::map<std::int64_t, DeadLetterRecord> dead;
  for (DeadLetterRecord& record : read_dead_letters((dir / "dlq.jsonl").string())) {
    dead[record.offset] = std::move(record);
  }
  return dead;
}

TEST(QuestDbOld, NegotiatesProtocol1AndDeadLettersWhatItCannotHold) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  KilpRun run;
  std::string table;
  std::map<std::int64_t, DeadLetterRecord> dead =
      run_into_old(questdb.http_sink(), "auto", run, table);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_NE(run.log.find("/settings does not list line.proto.support.versions; using ILP protocol "
                         "version 1"),
            std::string::npos)
      << run.log;
  EXPECT_NE(run.log.find("(ILP protocol 1)"), std::string::npos) << run.log;

  // Arrays need protocol 2; QuestDB 7.4 answers the bad UUID with 500.
  ASSERT_EQ(dead.size(), 2u) << run.log;
  EXPECT_EQ(dead[1].reason, "unsupported_value");
  EXPECT_EQ(dead[1].detail, "field arr");
  EXPECT_EQ(dead[2].reason, "server_rejected");
  EXPECT_EQ(dead[2].payload, kMessages[2]);
  EXPECT_NE(run.log.find("HTTP 500 blamed the data"), std::string::npos) << run.log;

  ASSERT_EQ(questdb.wait_for_rows(table, 3, 30s), 3);
  const SqlResult rows =
      questdb.exec("select id, sym, x, note, u, n, timestamp from " + table + " order by id");
  ASSERT_EQ(rows.rows.size(), 3u);
  EXPECT_EQ(
      rows.row_json(0),
      R"([1,"AB",0.1,"a","11111111-1111-1111-1111-111111111111",null,"2023-11-14T22:13:20.000000Z"])");
  EXPECT_EQ(rows.row_json(1), R"([4,"CD",-2.5e-300,null,null,null,"2023-11-14T22:13:23.000000Z"])");
  EXPECT_EQ(rows.row_json(2), R"([5,null,null,null,null,7,"2023-11-14T22:13:24.000000Z"])");
}

TEST(QuestDbOld, ForcedProtocol2RowsItCannotReadAreDeadLetters) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  KilpRun run;
  std::string table;
  std::map<std::int64_t, DeadLetterRecord> dead =
      run_into_old(questdb.http_sink() + "protocol_version=2;", "forced", run, table);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_NE(run.log.find("(ILP protocol 2)"), std::string::npos) << run.log;
  // Binary doubles are a syntax error to a protocol 1 server; rows without a double land.
  for (std::int64_t i : {0, 1, 3}) {
    EXPECT_EQ(dead[i].reason, "server_rejected") << i;
    EXPECT_EQ(dead[i].payload, kMessages[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(dead.size(), 4u) << run.log;  // and the bad UUID
  ASSERT_EQ(questdb.wait_for_rows(table, 1, 30s), 1);
  EXPECT_EQ(questdb.exec("select id, n from " + table).row_json(0), "[5,7]");
}

// Issue 22: the order-book options need double arrays, which a protocol 1 QuestDB
// cannot hold: kilp refuses them at start-up (exit 2, the option and the reason
// named), before it consumes anything, rather than dead-lettering every message.
TEST(QuestDbOld, OrderBookOptionsAreRefusedAtStartUp) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  const fs::path dir = make_temp_dir("questdb-old-order-book");
  tools::MockCluster cluster(1);
  produce_messages(cluster, "book", 1,
                   {R"({"buy_entries":[{"price":1.5,"size":2}],"ts":1700000000})"});
  for (const auto& [option, value] :
       {std::pair{"--order-book-to-array", "buy_entries:bids:price,size"},
        std::pair{"--struct-array-explode", "buy_entries:bid_prices,bid_sizes:price,size"}}) {
    const std::string group = QuestDbServer::unique_table("old_book");
    const KilpRun run = run_kilp(
        {"--brokers", cluster.bootstrap_servers(), "--topic", "book", "--group", group, "--sink",
         "http::addr=" + questdb.http_address() + ";", "--timestamp-field", "ts", option, value,
         "--from-beginning", "--exit-at-end"},
        dir);
    EXPECT_EQ(run.exit_code, 2) << run.log;
    EXPECT_NE(run.log.find(option), std::string::npos) << run.log;
    EXPECT_NE(run.log.find("protocol"), std::string::npos) << run.log;
    EXPECT_EQ(run.log.find("summary"), std::string::npos) << "consumed before refusing:\n" << run.log;
  }
}

// DECIMAL columns need ILP protocol 3 (QuestDB 9.2+): against 7.4.2 kilp refuses
// --decimals at start-up, naming the option and the protocol the server speaks.
TEST(QuestDbOld, DecimalsAreRefusedAtStartUp) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  const fs::path dir = make_temp_dir("questdb-old-decimals");
  tools::MockCluster cluster(1);
  produce_messages(cluster, "prices", 1, {R"({"price":"1.25","ts":1700000000})"});
  const KilpRun run = run_kilp(
      {"--brokers", cluster.bootstrap_servers(), "--topic", "prices", "--group",
       QuestDbServer::unique_table("old_decimals"), "--sink", questdb.http_sink(),
       "--timestamp-field", "ts", "--decimals", "price", "--from-beginning", "--exit-at-end"},
      dir);
  EXPECT_EQ(run.exit_code, 2) << run.log;
  EXPECT_NE(run.log.find("--decimals"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("the sink speaks protocol 1"), std::string::npos) << run.log;
  EXPECT_EQ(run.log.find("summary"), std::string::npos) << "consumed before refusing:\n" << run.log;
}

}  // namespace
}  // namespace kilp::testing
