// --decimals: the ILP protocol 3 bytes the encoder writes, and the dead letters of
// values that are no decimal or do not fit.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "parse/decimal_field_spec.hpp"
#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

// '=' 23 scale length then the unscaled bytes, as the interop vectors write them.
std::string decimal(int scale, std::string unscaled) {
  std::string bytes("=\x17", 2);
  bytes += static_cast<char>(scale);
  bytes += static_cast<char>(unscaled.size());
  return bytes + unscaled;
}

class DecimalColumnsTest : public MappingFeaturesTest {
 protected:
  static MappingConfig decimals(std::initializer_list<std::string> entries) {
    MappingConfig config = base();
    config.protocol_version = 3;
    config.decimals = entries;
    return config;
  }
  // "reason field" of a refused message.
  std::string refusal(const MappingConfig& config, std::string_view json) {
    const RejectReason reason = rejection(config, json);
    return std::string(reject_reason_id(reason)) + " " + std::string(encoder_.refused_field());
  }
  // The decimal text the strict parser reads back from the row's column `name`.
  std::string read_back(const MappingConfig& config, std::string_view json,
                        const std::string& name) {
    const testing::IlpParseResult parsed = testing::parse_ilp_line(line(config, json));
    if (!parsed.ok()) return "unparsed: " + parsed.error;
    for (const auto& [column, value] : parsed.row->columns) {
      if (column != name) continue;
      const auto* text = std::get_if<testing::IlpDecimal>(&value);
      return text != nullptr ? text->text : "not a decimal";
    }
    return "absent";
  }
};

TEST_F(DecimalColumnsTest, WritesNumbersAsBinaryDecimalsAtTheirOwnScale) {
  const MappingConfig config = decimals({"price", "qty"});
  using namespace std::string_literals;
  EXPECT_EQ(
      line(config, R"({"price":12.3400,"qty":-0.001,"n":1})"),
      "events price="s + decimal(4, "\x01\xe2\x08"s) + ",qty=" + decimal(3, "\xff"s) + ",n=1i\n");
  EXPECT_EQ(line(config, R"({"price":1.5e3,"qty":2E-4})"),
            "events price="s + decimal(0, "\x05\xdc"s) + ",qty=" + decimal(4, "\x02"s) + "\n");
  EXPECT_EQ(line(config, R"({"price":-0.0})"), "events price="s + decimal(1, "\x00"s) + "\n");
}

TEST_F(DecimalColumnsTest, KeepsEveryDigitOfLongValues) {
  const MappingConfig config = decimals({"v"});
  const std::string digits = "-1234567890123456789012345678901234.5678901234";
  EXPECT_EQ(read_back(config, R"({"v":)" + digits + "}", "v"), digits);
  EXPECT_EQ(read_back(config, R"({"v":")" + digits + "\"}", "v"), digits);
  const std::string nines(76, '9');
  EXPECT_EQ(read_back(config, R"({"v":)" + nines + "}", "v"), nines);
  EXPECT_EQ(read_back(config, R"({"v":"0.)" + nines + "\"}", "v"), "0." + nines);
}

TEST_F(DecimalColumnsTest, ReadsStringsAndLeavesNullsOut) {
  const MappingConfig config = decimals({"price"});
  EXPECT_EQ(read_back(config, R"({"price":"+.50","n":1})", "price"), "0.50");
  EXPECT_EQ(read_back(config, R"({"price":"1E+3","n":1})", "price"), "1000");
  EXPECT_EQ(line(config, R"({"price":null,"n":1})"), "events n=1i\n");
  EXPECT_EQ(rejection(config, R"({"price":null})"), RejectReason::kEmptyRow);
}

TEST_F(DecimalColumnsTest, RescalesToAStatedScaleWithoutRounding) {
  const MappingConfig config = decimals({"price:10:4", "qty:5:2"});
  EXPECT_EQ(read_back(config, R"({"price":1.5,"qty":"3"})", "price"), "1.5000");
  EXPECT_EQ(read_back(config, R"({"price":1.5,"qty":"3"})", "qty"), "3.00");
  EXPECT_EQ(read_back(config, R"({"price":2.500000,"qty":1})", "price"), "2.5000");
  EXPECT_EQ(read_back(config, R"({"price":1e2,"qty":1})", "price"), "100.0000");
  EXPECT_EQ(refusal(config, R"({"price":1.23456,"qty":1})"), "number_out_of_range price");
  EXPECT_EQ(refusal(config, R"({"price":1,"qty":1000})"), "number_out_of_range qty");
  EXPECT_EQ(refusal(config, R"({"price":1,"qty":"-999.991"})"), "number_out_of_range qty");
  EXPECT_EQ(read_back(config, R"({"price":1,"qty":"-999.990"})", "qty"), "-999.99");
}

TEST_F(DecimalColumnsTest, RefusesWhatIsNoDecimalNamingTheField) {
  const MappingConfig config = decimals({"price", "o_px"});
  for (const char* value :
       {"true", "{\"a\":1}", "[1]", "\"abc\"", "\"NaN\"", "\"\"", "\"1 \"", "\"Infinity\""}) {
    EXPECT_EQ(refusal(config, std::string(R"({"n":1,"price":)") + value + "}"),
              "type_conflict price")
        << value;
  }
  EXPECT_EQ(refusal(config, R"({"n":1,"o":{"px":"x"}})"), "type_conflict o_px");
  EXPECT_EQ(refusal(config, R"({"price":01})"), "malformed_json price");
  EXPECT_EQ(refusal(config, R"({"price":1)" + std::string(76, '0') + "}"),
            "number_out_of_range price");
  EXPECT_EQ(refusal(config, R"({"price":1e-77})"), "number_out_of_range price");
}

TEST_F(DecimalColumnsTest, FollowsRenamesAndNestedPaths) {
  MappingConfig config = decimals({"o_px:8:2"});
  config.rename = {{"o_px", "price"}};
  EXPECT_EQ(read_back(config, R"({"o":{"px":"7.1"}})", "price"), "7.10");
  config.value_prefix = "v";
  EXPECT_EQ(read_back(config, R"({"o":{"px":7}})", "price"), "7.00");
}

TEST_F(DecimalColumnsTest, NeedsProtocol3AndAValidEntry) {
  MappingConfig config = decimals({"price"});
  for (int protocol : {1, 2}) {
    config.protocol_version = protocol;
    try {
      MappingPlan::compile(config);
      ADD_FAILURE() << "protocol " << protocol << " accepted --decimals";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--decimals"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("protocol " + std::to_string(protocol)),
                std::string::npos)
          << e.what();
    }
  }
  for (const char* entry : {"p:0:0", "p:77:2", "p:5:6", "p:5", "p:x:2", "p:5:-1", ":5:2"}) {
    EXPECT_THROW(MappingPlan::compile(decimals({entry})), std::invalid_argument) << entry;
  }
  EXPECT_THROW(
      {
        MappingConfig both = decimals({"price"});
        both.doubles = {"price"};
        MappingPlan::compile(both);
      },
      std::invalid_argument);
  const DecimalFieldSpec spec = parse_decimal_field_spec("a:b:18:8");
  EXPECT_EQ(spec.path, "a:b");
  EXPECT_EQ(spec.target.precision, 18);
  EXPECT_EQ(spec.target.scale, 8);
  EXPECT_FALSE(parse_decimal_field_spec("price").stated());
}

// Protocol 3 only adds decimals: the rest of a row is written as under protocol 2.
TEST_F(DecimalColumnsTest, Protocol3WritesEverythingElseAsProtocol2) {
  MappingConfig config = base();
  config.symbols = {"s"};
  config.timestamp_columns = {"t"};
  const std::string json =
      R"({"s":"x","d":1.25,"i":7,"b":true,"str":"q","a":[[1.5,2],[3,4]],"t":1700000000123456789})";
  config.protocol_version = 2;
  const std::string v2 = line(config, json);
  config.protocol_version = 3;
  EXPECT_EQ(line(config, json), v2);
  EXPECT_NE(v2.find("\x10", 0), std::string::npos);  // a binary double, so it is protocol 2's
}

}  // namespace
}  // namespace kilp::parse
