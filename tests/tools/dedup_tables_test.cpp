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
         R"("timestamp":-1,"dataset":[)" + rows + R"(],"count":3})";
}

TEST(DedupTables, ReadsTheTablesUpsertKeys) {
  const DedupTable table{"trades", {{"Sym", "SYMBOL"}, {"id", "LONG"}}};
  EXPECT_EQ(dedup_mismatch(table, answer(R"(["ts",true,true],["sym",false,true],["id",false,true],)"
                                         R"(["price",false,false])")),
            "");
  const std::string missing_key =
      dedup_mismatch(table, answer(R"(["ts",true,true],["sym",false,true],["id",false,false])"));
  EXPECT_NE(missing_key.find("has DEDUP UPSERT KEYS(sym, ts)"), std::string::npos) << missing_key;
  EXPECT_NE(missing_key.find("ALTER TABLE \"trades\" DEDUP ENABLE UPSERT KEYS(\"ts\", \"Sym\", \"id\")"),
            std::string::npos)
      << missing_key;
  const std::string no_dedup =
      dedup_mismatch(table, answer(R"(["ts",true,false],["sym",false,false],["id",false,false])"));
  EXPECT_NE(no_dedup.find("exists without DEDUP"), std::string::npos) << no_dedup;
  EXPECT_NE(dedup_mismatch(table, answer(R"(["ts",true,true],["sym",false,true])")).find("no column 'id'"),
            std::string::npos);
  EXPECT_NE(dedup_mismatch(table, answer(R"(["ts",false,false])")).find("no designated timestamp"),
            std::string::npos);
  EXPECT_THROW(dedup_mismatch(table, "{\"error\":\"x\"}"), std::runtime_error);
}

}  // namespace
}  // namespace kilp::tools
