// The QuestDB Kafka connector's 18 market-data tests (QuestDBSinkConnectorEmbeddedTest:
// testOrderBookToArraySMT*, testStructArrayExplodeSMT*, testMarketData_*), ported onto
// the ILP kilp writes: each test's message and mapping, and the row its SQL reads back
// (tests/support/sql_row_text.hpp; "<absent>" where the connector's table has no such
// column), or the dead letter where the connector's task fails. "With schema" tests send Kafka
// Connect's JsonConverter envelope, which kilp reads with --value-format envelope; the connector's
// ExtractField$Value on "payload" is the same option.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/parse/mapping_test_fixture.hpp"
#include "tests/support/sql_row_text.hpp"

namespace kilp::parse {
namespace {

class ConnectorMarketData : public MappingFeaturesTest {
 protected:
  static MappingConfig order_book(std::string_view mappings, bool with_schema) {
    return mapped(mappings, ObjectArrayShape::kMatrix, with_schema);
  }
  static MappingConfig struct_explode(std::string_view mappings, bool with_schema) {
    return mapped(mappings, ObjectArrayShape::kArrayPerField, with_schema);
  }
  // What `select COLUMNS from topic` returns, one CSV line.
  std::string select(const MappingConfig& config, std::string_view json,
                     const std::vector<std::string>& columns) {
    const std::string written = line(config, json);
    const testing::IlpParseResult parsed = testing::parse_ilp_line(written);
    if (!parsed.ok()) return "invalid ILP: " + parsed.error;
    return testing::sql_csv_row(*parsed.row, columns, "received_at");
  }
  // Where the connector's task fails (errors.tolerance=none): a dead letter here.
  std::string dead_letter(const MappingConfig& config, std::string_view json) {
    const RejectReason reason = rejection(config, json);
    return std::string(reject_reason_id(reason)) + " " + std::string(encoder_.refused_field());
  }

 private:
  static MappingConfig mapped(std::string_view mappings, ObjectArrayShape shape, bool with_schema) {
    MappingConfig config = base();
    config.protocol_version = 2;
    config.object_arrays = parse_object_array_mappings("mappings", mappings, shape);
    if (with_schema) config.value_format = ValueFormat::kEnvelope;
    return config;
  }
};

// JsonConverter (schemas.enable=true) output for a struct whose array fields hold
// structs of doubles; kilp reads the payload and skips the schema.
std::string envelope(std::string_view payload) {
  return R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,)"
         R"("field":"symbol"},{"type":"array","items":{"type":"struct","fields":[)"
         R"({"type":"double","optional":false,"field":"px"},{"type":"double","optional":false,)"
         R"("field":"size"}],"optional":false},"optional":false,"field":"buy_entries"}],)"
         R"("optional":false,"name":"com.example.OrderBook"},"payload":)" +
         std::string(payload) + "}";
}

constexpr const char* kTwoSidedBook =
    R"({"symbol":"AAPL","buy_entries":[{"px":10.0,"size":1123.0},{"px":5.1,"size":92.0}],)"
    R"("sell_entries":[{"px":11.0,"size":500.0},{"px":12.5,"size":300.0}]})";

// The upstream market-data message of testMarketData_*: an envelope whose "schema" is
// a string, levels with extra fields, prices and amounts as numbers or as text.
std::string market_data(bool prices_as_text) {
  auto number = [&](const char* text) {
    return prices_as_text ? "\"" + std::string(text) + "\"" : std::string(text);
  };
  auto level = [&](const char* side, const char* amount, const char* price, const char* id) {
    return R"({"side":")" + std::string(side) + R"(","amount":)" + number(amount) + R"(,"price":)" +
           number(price) + R"(,"quote_entry_id":")" + id +
           R"(","time":"2026-01-13T22:00:00.014Z","type":"NEW","entry_id":")" + price + "\"}";
  };
  return R"({"schema":"market_data","payload":{"market":"BTCUSD","venue":1,)"
         R"("received_at":"2026-01-13T22:00:00.014Z","type":"SNAPSHOT","bids":[)" +
         level("BUY", "2.45", "45120.50", "uuid-1") + "," +
         level("BUY", "5.12", "45119.00", "uuid-2") + R"(],"asks":[)" +
         level("SELL", "1.83", "45121.00", "uuid-3") + "," +
         level("SELL", "3.27", "45122.50", "uuid-4") + "]}}";
}

// The connector's market-data tests: timestamp from received_at (its pattern
// "yyyy-MM-ddTHH:mm:ss.U+Z"; kilp's default RFC 3339 reads the same text), market a
// symbol, the key not written, the envelope's payload extracted.
MappingConfig market_data_mapping(MappingConfig config) {
  config.value_format = ValueFormat::kEnvelope;
  config.timestamp_field = "received_at";
  config.symbols = {"market"};
  return config;
}

// --- OrderBookToArray ---

TEST_F(ConnectorMarketData, testOrderBookToArraySMT) {
  EXPECT_EQ(select(order_book("buy_entries:bids:px,size;sell_entries:asks:px,size", true),
                   envelope(kTwoSidedBook), {"symbol", "bids", "asks"}),
            R"("AAPL","[[10.0,5.1],[1123.0,92.0]]","[[11.0,12.5],[500.0,300.0]]")");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_schemaless) {
  EXPECT_EQ(select(order_book("buy_entries:bids:px,size;sell_entries:asks:px,size", false),
                   kTwoSidedBook, {"symbol", "bids", "asks"}),
            R"("AAPL","[[10.0,5.1],[1123.0,92.0]]","[[11.0,12.5],[500.0,300.0]]")");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_intAndFloatCoercion) {
  // The connector: "[[10.5,5.099999904632568],[100.0,200.0]]", because its schema
  // declares price FLOAT32 and 5.1 goes through a float. kilp ignores the envelope's
  // schema and reads the JSON number 5.1 as a double; the ints become doubles alike.
  EXPECT_EQ(select(order_book("entries:data:price,size", true),
                   envelope(R"({"symbol":"AAPL","entries":[{"price":10.5,"size":100},)"
                            R"({"price":5.1,"size":200}]})"),
                   {"symbol", "data"}),
            R"("AAPL","[[10.5,5.1],[100.0,200.0]]")");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_missingSourceField) {
  EXPECT_EQ(select(order_book("buy_entries:bids:price,size;sell_entries:asks:price,size", true),
                   envelope(R"({"symbol":"AAPL","buy_entries":[{"price":10.0,"size":100.0}]})"),
                   {"symbol", "bids", "asks"}),
            R"("AAPL","[[10.0],[100.0]]",<absent>)");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_emptySourceArray) {
  EXPECT_EQ(select(order_book("buy_entries:bids:price,size", true),
                   envelope(R"({"symbol":"AAPL","buy_entries":[]})"), {"symbol", "bids"}),
            R"("AAPL",<absent>)");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_nullValueInStruct) {
  EXPECT_EQ(dead_letter(order_book("buy_entries:bids:price,size", false),
                        R"({"symbol":"AAPL","buy_entries":[{"price":null,"size":100.0}]})"),
            "missing_field buy_entries[0].price");
}

TEST_F(ConnectorMarketData, testOrderBookToArraySMT_targetCollidesWithExisting) {
  EXPECT_EQ(select(order_book("buy_entries:bids:price,size", true),
                   envelope(R"({"symbol":"AAPL","bids":"old_value",)"
                            R"("buy_entries":[{"price":10.0,"size":100.0}]})"),
                   {"symbol", "bids"}),
            R"("AAPL","[[10.0],[100.0]]")");
}

TEST_F(ConnectorMarketData, testMarketData_orderBookToArray_withTimestamp_schemaless) {
  EXPECT_EQ(select(market_data_mapping(
                       order_book("bids:bids:price,amount;asks:asks:price,amount", false)),
                   market_data(false), {"market", "venue", "bids", "asks", "received_at"}),
            R"("BTCUSD",1,"[[45120.5,45119.0],[2.45,5.12]]","[[45121.0,45122.5],[1.83,3.27]]",)"
            R"("2026-01-13T22:00:00.014000Z")");
}

TEST_F(ConnectorMarketData, testMarketData_orderBookToArray_stringEncodedPrices_schemaless) {
  EXPECT_EQ(select(market_data_mapping(
                       order_book("bids:bids:price,amount;asks:asks:price,amount", false)),
                   market_data(true), {"market", "venue", "bids", "asks", "received_at"}),
            R"("BTCUSD",1,"[[45120.5,45119.0],[2.45,5.12]]","[[45121.0,45122.5],[1.83,3.27]]",)"
            R"("2026-01-13T22:00:00.014000Z")");
}

// --- StructArrayExplode ---

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT) {
  EXPECT_EQ(select(struct_explode("buy_entries:bid_prices,bid_sizes:px,size;"
                                  "sell_entries:ask_prices,ask_sizes:px,size",
                                  true),
                   envelope(kTwoSidedBook),
                   {"symbol", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes"}),
            R"("AAPL","[10.0,5.1]","[1123.0,92.0]","[11.0,12.5]","[500.0,300.0]")");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_schemaless) {
  EXPECT_EQ(select(struct_explode("buy_entries:bid_prices,bid_sizes:px,size;"
                                  "sell_entries:ask_prices,ask_sizes:px,size",
                                  false),
                   kTwoSidedBook, {"symbol", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes"}),
            R"("AAPL","[10.0,5.1]","[1123.0,92.0]","[11.0,12.5]","[500.0,300.0]")");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_intAndFloatCoercion) {
  // The connector: "[10.5,5.099999904632568]" (FLOAT32 in its schema); see the
  // OrderBookToArray case.
  EXPECT_EQ(select(struct_explode("entries:prices,sizes:price,size", true),
                   envelope(R"({"symbol":"AAPL","entries":[{"price":10.5,"size":100},)"
                            R"({"price":5.1,"size":200}]})"),
                   {"symbol", "prices", "sizes"}),
            R"("AAPL","[10.5,5.1]","[100.0,200.0]")");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_missingSourceField) {
  EXPECT_EQ(select(struct_explode("buy_entries:bid_prices,bid_sizes:price,size;"
                                  "sell_entries:ask_prices,ask_sizes:price,size",
                                  true),
                   envelope(R"({"symbol":"AAPL","buy_entries":[{"price":10.0,"size":100.0}]})"),
                   {"symbol", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes"}),
            R"("AAPL","[10.0]","[100.0]",<absent>,<absent>)");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_emptySourceArray) {
  EXPECT_EQ(select(struct_explode("buy_entries:bid_prices,bid_sizes:price,size", true),
                   envelope(R"({"symbol":"AAPL","buy_entries":[]})"),
                   {"symbol", "bid_prices", "bid_sizes"}),
            R"("AAPL",<absent>,<absent>)");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_nullValueInStruct) {
  EXPECT_EQ(dead_letter(struct_explode("vols:strikes,ivols:strike,ivol", false),
                        R"({"symbol":"AAPL","vols":[{"strike":null,"ivol":0.25}]})"),
            "missing_field vols[0].strike");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_targetCollidesWithExisting) {
  EXPECT_EQ(select(struct_explode("vols:strikes,ivols:strike,ivol", true),
                   envelope(R"({"symbol":"AAPL","strikes":"old_value",)"
                            R"("vols":[{"strike":150.0,"ivol":0.25}]})"),
                   {"symbol", "strikes", "ivols"}),
            R"("AAPL","[150.0]","[0.25]")");
}

TEST_F(ConnectorMarketData, testStructArrayExplodeSMT_stringEncodedValues) {
  EXPECT_EQ(select(struct_explode("vols:strikes,ivols:strike,ivol", false),
                   R"({"symbol":"AAPL","vols":[{"strike":"150.0","ivol":"0.25"},)"
                   R"({"strike":"160.0","ivol":"0.22"}]})",
                   {"symbol", "strikes", "ivols"}),
            R"("AAPL","[150.0,160.0]","[0.25,0.22]")");
}

TEST_F(ConnectorMarketData, testMarketData_structArrayExplode_withTimestamp_schemaless) {
  EXPECT_EQ(select(market_data_mapping(struct_explode(
                       "bids:bid_prices,bid_amounts:price,amount;asks:ask_prices,ask_amounts:price,"
                       "amount",
                       false)),
                   market_data(false),
                   {"market", "venue", "bid_prices", "bid_amounts", "ask_prices", "ask_amounts",
                    "received_at"}),
            R"("BTCUSD",1,"[45120.5,45119.0]","[2.45,5.12]","[45121.0,45122.5]","[1.83,3.27]",)"
            R"("2026-01-13T22:00:00.014000Z")");
}

}  // namespace
}  // namespace kilp::parse
