// --dedup-keys without a server: which mappings can be deduplicated, the key types
// the mapping fixes, the CREATE statement, and reading QuestDB's table_columns().
#include "tools/dedup_tables.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kilp::tools {
namespace {

parse::MappingConfig trades() {
  parse::MappingConfig config;
  config.topic = "trades";
  config.symbols = {"symbol", "side"};
  config.doubles = {"price"};
  config.integers = {"trade_id"};
  config.timestamp_field = "ts";
  config.kafka_partition_column = "kafka_partition";
  config.kafka_offset_column = "kafka_offset";
  return config;
}

std::string refusal(const parse::MappingConfig& config) {
  try {
    plan_dedup_tables({config});
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(DedupTables, KeyTypesComeFromTheMappingOrAreGiven) {
  parse::MappingConfig config = trades();
  config.dedup_keys = {"symbol", "trade_id", "price", "kafka_partition", "kafka_offset",
                       "venue:varchar"};
  const auto tables = plan_dedup_tables({config});
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].table, "trades");
  const std::vector<std::pair<std::string, std::string>> expected{
      {"symbol", "SYMBOL"}, {"trade_id", "LONG"},      {"price", "DOUBLE"},
      {"kafka_partition", "LONG"}, {"kafka_offset", "LONG"}, {"venue", "VARCHAR"}};
  ASSERT_EQ(tables[0].keys.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(tables[0].keys[i].name, expected[i].first);
    EXPECT_EQ(tables[0].keys[i].type, expected[i].second);
  }
}

TEST(DedupTables, RenamedAndPrefixedColumnsAreNamedAsWritten) {
  parse::MappingConfig config = trades();
  config.rename = {{"symbol", "ticker"}};
  config.value_prefix = "v";
  config.dedup_keys = {"ticker", "v_side"};
  const auto tables = plan_dedup_tables({config});
  EXPECT_EQ(tables.at(0).keys.at(0).type, "SYMBOL");
  EXPECT_EQ(tables.at(0).keys.at(1).type, "SYMBOL");
  config.dedup_keys = {"symbol"};  // the JSON name, not the column's
  EXPECT_NE(refusal(config).find("does not fix the type of column 'symbol'"), std::string::npos);
}

TEST(DedupTables, RefusesWhatCannotBeDeduplicated) {
  parse::MappingConfig config = trades();
  config.dedup_keys = {"amount"};
  EXPECT_NE(refusal(config).find("write 'amount:TYPE'"), std::string::npos) << refusal(config);
  config.dedup_keys = {"symbol"};
  config.timestamp_field.reset();
  EXPECT_NE(refusal(config).find("server time"), std::string::npos) << refusal(config);
  config.timestamp_kafka = true;
  EXPECT_EQ(refusal(config), "");
  config = trades();
  config.dedup_keys = {"symbol"};
  config.missing_timestamp = parse::MissingTimestampPolicy::kServerTime;
  EXPECT_NE(refusal(config).find("--missing-timestamp server"), std::string::npos);
  config = trades();
  config.dedup_keys = {"symbol"};
  config.table = "t_${key}";
  EXPECT_NE(refusal(config).find("depends on the message"), std::string::npos);
  config.table = "";
  config.dedup_keys = {"timestamp"};
  EXPECT_NE(refusal(config).find("always a key"), std::string::npos);
  config.dedup_keys = {"x:long;drop"};
  EXPECT_NE(refusal(config).find("not a QuestDB type"), std::string::npos);
}

TEST(DedupTables, APatternNeedsOneNamedTable) {
  parse::MappingConfig config = trades();
  config.topic = "^trades-.*";
  config.topic_is_pattern = true;
  config.dedup_keys = {"symbol"};
  EXPECT_NE(refusal(config).find("('${topic}')"), std::string::npos) << refusal(config);
  EXPECT_NE(refusal(config).find("with --table"), std::string::npos) << refusal(config);
  config.table = "all_trades";
  EXPECT_EQ(refusal(config), "");
  EXPECT_EQ(plan_dedup_tables({config}).at(0).table, "all_trades");
}

TEST(DedupTables, TwoTopicsIntoOneTableMustAgree) {
  parse::MappingConfig a = trades(), b = trades();
  a.table = b.table = "all";
  b.topic = "trades2";
  a.dedup_keys = {"symbol", "trade_id"};
  b.dedup_keys = {"trade_id", "symbol"};
  EXPECT_EQ(plan_dedup_tables({a, b}).size(), 1u);
  b.dedup_keys = {"symbol"};
  EXPECT_THROW(plan_dedup_tables({a, b}), std::invalid_argument);
}

// QuestDB creates no DECIMAL column from ILP: a table kilp creates gets every
// --decimals NAME:P:S column; a bare NAME cannot be a key (its type is not known).
TEST(DedupTables, DecimalsNeedAPrecisionAndScale) {
  parse::MappingConfig config = trades();
  config.doubles.clear();
  config.decimals = {"price:18:8", "qty:10:0", "fee"};
  config.dedup_keys = {"trade_id", "price"};
  const auto tables = plan_dedup_tables({config});
  ASSERT_EQ(tables.size(), 1u);
  ASSERT_EQ(tables[0].keys.size(), 2u);
  EXPECT_EQ(tables[0].keys[1].type, "DECIMAL(18,8)");
  ASSERT_EQ(tables[0].columns.size(), 1u);
  EXPECT_EQ(tables[0].columns[0].name, "qty");
  EXPECT_EQ(tables[0].columns[0].type, "DECIMAL(10,0)");
  EXPECT_EQ(tables[0].bare_decimals, std::vector<std::string>{"fee"});
  EXPECT_NE(
      create_table_statement(tables[0]).find("\"price\" DECIMAL(18,8), \"qty\" DECIMAL(10,0)"),
      std::string::npos)
      << create_table_statement(tables[0]);
  config.dedup_keys = {"fee"};
  EXPECT_NE(refusal(config).find("write it 'fee:P:S' in --decimals"), std::string::npos)
      << refusal(config);
}

TEST(DedupTables, CreateStatementQuotesNamesAndKeysTheTimestamp) {
  const DedupTable table{"my \"t\"", {{"sym", "SYMBOL"}, {"id", "LONG"}}};
  EXPECT_EQ(create_table_statement(table),
            "CREATE TABLE IF NOT EXISTS \"my \"\"t\"\"\" (\"timestamp\" TIMESTAMP, \"sym\" SYMBOL, "
            "\"id\" LONG) TIMESTAMP(\"timestamp\") PARTITION BY DAY WAL DEDUP UPSERT "
            "KEYS(\"timestamp\", \"sym\", \"id\")");
  EXPECT_EQ(table_columns_query(DedupTable{"o'k", {}}),
            "SELECT \"column\", designated, upsertKey FROM table_columns('o''k')");
}

// QuestDB 9.3's answer shape for table_columns().
std::string answer(const std::string& rows) {
  return R"({"query":"q","columns":[{"name":"column","type":"STRING"},)"
         R"({"name":"designated","type":"BOOLEAN"},{"name":"upsertKey","type":"BOOLEAN"}],)"
         R"("timestamp":-1,"dataset":[)" +
         rows + R"(],"count":3})";
}

const ExistingTable kWalTable{"trades", true, "DAY"};

TEST(DedupTables, ReadsTheTablesUpsertKeys) {
  const DedupTable table{"trades", {{"Sym", "SYMBOL"}, {"id", "LONG"}}};
  EXPECT_EQ(dedup_mismatch(table, kWalTable,
                           answer(R"(["ts",true,true],["sym",false,true],["id",false,true],)"
                                  R"(["price",false,false])")),
            "");
  const std::string missing_key = dedup_mismatch(
      table, kWalTable, answer(R"(["ts",true,true],["sym",false,true],["id",false,false])"));
  EXPECT_NE(missing_key.find("has DEDUP UPSERT KEYS(sym, ts)"), std::string::npos) << missing_key;
  EXPECT_NE(
      missing_key.find("ALTER TABLE \"trades\" DEDUP ENABLE UPSERT KEYS(\"ts\", \"Sym\", \"id\")"),
      std::string::npos)
      << missing_key;
  const std::string no_dedup = dedup_mismatch(
      table, kWalTable, answer(R"(["ts",true,false],["sym",false,false],["id",false,false])"));
  EXPECT_NE(no_dedup.find("exists without DEDUP"), std::string::npos) << no_dedup;
  EXPECT_NE(dedup_mismatch(table, kWalTable, answer(R"(["ts",true,true],["sym",false,true])"))
                .find("no column 'id'"),
            std::string::npos);
  EXPECT_NE(dedup_mismatch(table, kWalTable, answer(R"(["ts",false,false])"))
                .find("no designated timestamp"),
            std::string::npos);
  EXPECT_THROW(dedup_mismatch(table, kWalTable, "{\"error\":\"x\"}"), std::runtime_error);
}

// QuestDB refuses DEDUP on a table that is not WAL ("deduplication is only supported for
// WAL tables"), and converts only a partitioned one ("Cannot convert non-partitioned
// table"): the reason says which, and the statements are the ones QuestDB takes.
TEST(DedupTables, ATableThatIsNotWalIsRefusedWithTheWayToConvertIt) {
  const DedupTable table{"trades", {{"id", "LONG"}}};
  const std::string columns = answer(R"(["ts",true,false],["id",false,false])");
  const std::string bypass = dedup_mismatch(table, {"Trades", false, "DAY"}, columns);
  EXPECT_NE(bypass.find("table 'Trades' is not a WAL table"), std::string::npos) << bypass;
  EXPECT_NE(bypass.find("ALTER TABLE \"Trades\" SET TYPE WAL, restart QuestDB, then ALTER TABLE "
                        "\"trades\" DEDUP ENABLE UPSERT KEYS(\"ts\", \"id\")"),
            std::string::npos)
      << bypass;
  const std::string unpartitioned = dedup_mismatch(table, {"trades", false, "NONE"}, columns);
  EXPECT_NE(unpartitioned.find("is not partitioned"), std::string::npos) << unpartitioned;
  EXPECT_EQ(unpartitioned.find("SET TYPE WAL"), std::string::npos) << unpartitioned;
}

// The answers of real servers to tables_probe_query(): QuestDB 7.2.1 has no DEDUP (and
// names the table column "name"); 7.4.2 has it.
TEST(DedupTables, AServerWithoutDedupIsRefused) {
  const std::string questdb_7_2_1 =
      R"({"query":"SELECT * FROM tables() WHERE false","columns":[{"name":"id","type":"INT"},)"
      R"({"name":"name","type":"STRING"},{"name":"designatedTimestamp","type":"STRING"},)"
      R"({"name":"partitionBy","type":"STRING"},{"name":"maxUncommittedRows","type":"INT"},)"
      R"({"name":"o3MaxLag","type":"LONG"},{"name":"walEnabled","type":"BOOLEAN"},)"
      R"({"name":"directoryName","type":"STRING"}],"dataset":[],"timestamp":-1,"count":0})";
  const std::string questdb_7_4_2 =
      R"({"query":"SELECT * FROM tables() WHERE false","columns":[{"name":"id","type":"INT"},)"
      R"({"name":"table_name","type":"STRING"},{"name":"designatedTimestamp","type":"STRING"},)"
      R"({"name":"partitionBy","type":"STRING"},{"name":"maxUncommittedRows","type":"INT"},)"
      R"({"name":"o3MaxLag","type":"LONG"},{"name":"walEnabled","type":"BOOLEAN"},)"
      R"({"name":"directoryName","type":"STRING"},{"name":"dedup","type":"BOOLEAN"}],)"
      R"("timestamp":-1,"dataset":[],"count":0})";
  const std::string old = dedup_unsupported(questdb_7_2_1);
  EXPECT_NE(old.find("has no DEDUP UPSERT KEYS (its tables() lists no 'dedup'"), std::string::npos)
      << old;
  EXPECT_EQ(dedup_unsupported(questdb_7_4_2), "");
  EXPECT_EQ(tables_probe_query(), "SELECT * FROM tables() WHERE false");
}

TEST(DedupTables, FindsTheTableWhateverItsCase) {
  EXPECT_EQ(table_lookup_query(DedupTable{"Trades", {}}),
            "SELECT table_name, walEnabled, partitionBy FROM tables() WHERE lower(table_name) = "
            "lower('Trades')");
  // QuestDB 9.3's answers.
  const auto found = existing_table(
      R"({"query":"q","columns":[{"name":"table_name","type":"STRING"},)"
      R"({"name":"walEnabled","type":"BOOLEAN"},{"name":"partitionBy","type":"STRING"}],)"
      R"("timestamp":-1,"dataset":[["trades",false,"DAY"]],"count":1})");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "trades");
  EXPECT_FALSE(found->wal);
  EXPECT_EQ(found->partition_by, "DAY");
  EXPECT_FALSE(existing_table(R"({"query":"q","columns":[{"name":"table_name","type":"STRING"},)"
                              R"({"name":"walEnabled","type":"BOOLEAN"},)"
                              R"({"name":"partitionBy","type":"STRING"}],"timestamp":-1,)"
                              R"("dataset":[],"count":0})")
                   .has_value());
}

}  // namespace
}  // namespace kilp::tools
