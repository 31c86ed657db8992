// The test QuestDB itself (fixture questdb): SQL answers parsed with their types,
// QuestDB's errors passed on, a restart keeping ports and data.
#include "tests/servers/questdb_server.hpp"

#include <gtest/gtest.h>

namespace kilp::testing {
namespace {

using namespace std::chrono_literals;

TEST(QuestDbServer, AnswersSqlWithTypedColumns) {
  const QuestDbServer& questdb = QuestDbServer::fixture();
  EXPECT_GE(questdb.major_version(), 9) << questdb.version();
  const SqlResult result = questdb.exec(
      "select 42L n, 1.5 d, true b, 'text' s, null::string missing, "
      "'2024-01-02T03:04:05.123456Z'::timestamp ts, ARRAY[[1.0, 2.0], [3.0, 4.5]] a");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.columns[result.column("n")].type, "LONG");
  EXPECT_EQ(result.columns[result.column("a")].type, "DOUBLE[][]");
  EXPECT_EQ(result.at(0, "n").as_int(), 42);
  EXPECT_EQ(result.at(0, "d").as_double(), 1.5);
  EXPECT_TRUE(result.at(0, "b").as_bool());
  EXPECT_EQ(result.at(0, "s").as_text(), "text");
  EXPECT_TRUE(result.at(0, "missing").is_null());
  EXPECT_EQ(result.at(0, "ts").as_text(), "2024-01-02T03:04:05.123456Z");
  EXPECT_EQ(result.at(0, "a").json(), "[[1.0,2.0],[3.0,4.5]]");
  EXPECT_THROW(result.column("nope"), std::out_of_range);
}

TEST(QuestDbServer, RefusedQueriesThrowQuestDbsMessage) {
  const QuestDbServer& questdb = QuestDbServer::fixture();
  try {
    questdb.exec("select * from no_such_table");
    FAIL() << "no error";
  } catch (const SqlError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_NE(error.message().find("does not exist"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("no_such_table"), std::string::npos);
  }
  EXPECT_EQ(questdb.count("no_such_table"), 0);
}

TEST(QuestDbServer, RestartKeepsPortsAndRows) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const std::string table = QuestDbServer::unique_table("restart_smoke");
  questdb.exec("create table " + table +
               " (id long, ts timestamp) timestamp(ts) partition by day wal");
  questdb.exec("insert into " + table + " values (1, 0), (2, 1)");
  ASSERT_EQ(questdb.wait_for_rows(table, 2, 30s), 2);
  const std::string http = questdb.http_address();
  const int pid = questdb.pid();
  questdb.restart(/*kill=*/true);
  EXPECT_NE(questdb.pid(), pid);
  EXPECT_EQ(questdb.http_address(), http);
  questdb.wait_until_applied(table, 30s);
  EXPECT_EQ(questdb.count(table), 2);
}

}  // namespace
}  // namespace kilp::testing
