#include "parse/json_to_ilp.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {
namespace {

MappingPlan trades_plan(int protocol_version = 1) {
  MappingConfig config;
  config.table = "trades";
  config.symbols = {"symbol", "side"};
  config.timestamp_field = "ts";
  config.timestamp_unit = TimestampUnit::kMicros;
  config.protocol_version = protocol_version;
  return MappingPlan::compile(config);
}

constexpr std::string_view kTrade =
    R"({"symbol":"BTC-USD","side":"buy","price":30123.45,"amount":0.0123,"ts":1700000000123456})";

class JsonToIlpTest : public ::testing::Test {
 protected:
  EncodeResult encode(std::string_view json) { return encode(plan_, json); }
  EncodeResult encode(const MappingPlan& plan, std::string_view json) {
    out_ = OutputCursor{buffer_.data(), 0, buffer_.size()};
    return encoder_.encode(plan, json, MessageMeta{}, out_);
  }
  std::string written() const { return std::string(buffer_.data(), out_.size); }
  RejectReason rejection(std::string_view json) {
    const EncodeResult result = encode(json);
    EXPECT_EQ(result.outcome, EncodeOutcome::kRejected) << json << " -> " << written();
    EXPECT_EQ(out_.size, 0u);
    return result.reason;
  }

  MappingPlan plan_ = trades_plan();
  JsonToIlpEncoder encoder_{4096};
  std::string buffer_ = std::string(4096, '\0');
  OutputCursor out_;
};

TEST_F(JsonToIlpTest, EncodesATradeExactly) {
  ASSERT_EQ(encode(kTrade).outcome, EncodeOutcome::kOk);
  EXPECT_EQ(written(),
            "trades,symbol=BTC-USD,side=buy price=30123.45,amount=0.0123 1700000000123456000\n");
}

TEST_F(JsonToIlpTest, PutsSymbolsFirstWhateverTheJsonOrder) {
  ASSERT_EQ(encode(R"({"price":1.5,"ts":1,"side":"sell","n":7,"symbol":"X"})").outcome,
            EncodeOutcome::kOk);
  EXPECT_EQ(written(), "trades,side=sell,symbol=X price=1.5,n=7i 1000\n");
}

TEST_F(JsonToIlpTest, MapsEachJsonType) {
  ASSERT_EQ(
      encode(R"({"s":"a \"q\" \\ \n","i":-3,"d":2.0,"b":true,"f":false,"z":null,"ts":0})").outcome,
      EncodeOutcome::kOk);
  EXPECT_EQ(written(), "trades s=\"a \\\"q\\\" \\\\ \\\n\",i=-3i,d=2.0,b=t,f=f 0\n");
}

TEST_F(JsonToIlpTest, WritesScalarSymbolsAsTheirJsonText) {
  ASSERT_EQ(encode(R"({"symbol":12.50,"side":true,"x":1,"ts":1})").outcome, EncodeOutcome::kOk);
  EXPECT_EQ(written(), "trades,symbol=12.50,side=true x=1i 1000\n");
  ASSERT_EQ(encode(R"({"symbol":null,"side":"a b","x":1,"ts":1})").outcome, EncodeOutcome::kOk);
  EXPECT_EQ(written(), "trades,side=a\\ b x=1i 1000\n");
}

TEST_F(JsonToIlpTest, ConvertsEveryTimestampUnit) {
  struct Case {
    TimestampUnit unit;
    const char* json;
    const char* line;
  } cases[] = {
      {TimestampUnit::kSeconds, R"({"a":1,"ts":1700000000})", "t a=1i 1700000000000000000\n"},
      {TimestampUnit::kSeconds, R"({"a":1,"ts":1.7e9})", "t a=1i 1700000000000000000\n"},
      {TimestampUnit::kMillis, R"({"a":1,"ts":1700000000123.0})", "t a=1i 1700000000123000000\n"},
      {TimestampUnit::kMicros, R"({"a":1,"ts":1700000000123456})", "t a=1i 1700000000123456000\n"},
      {TimestampUnit::kNanos, R"({"a":1,"ts":1700000000123456789})",
       "t a=1i 1700000000123456789\n"},
  };
  for (const Case& c : cases) {
    MappingConfig config;
    config.table.assign(1, 't');  // GCC 12 -Wrestrict false positive on = "t"
    config.timestamp_field = "ts";
    config.timestamp_unit = c.unit;
    const MappingPlan plan = MappingPlan::compile(config);
    ASSERT_EQ(encode(plan, c.json).outcome, EncodeOutcome::kOk) << c.json;
    EXPECT_EQ(written(), c.line);
  }
}

TEST_F(JsonToIlpTest, WithoutTimestampFieldLetsTheServerTimestamp) {
  MappingConfig config;
  config.table = "t";
  const MappingPlan plan = MappingPlan::compile(config);
  ASSERT_EQ(encode(plan, R"({"ts":5,"a":"x"})").outcome, EncodeOutcome::kOk);
  EXPECT_EQ(written(), "t ts=5i,a=\"x\"\n");
}

TEST_F(JsonToIlpTest, WritesBinaryDoublesForProtocol2) {
  const MappingPlan plan = trades_plan(2);
  ASSERT_EQ(encode(plan, kTrade).outcome, EncodeOutcome::kOk);
  const testing::IlpParseResult parsed = testing::parse_ilp_line(written());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(std::get<double>(parsed.row->columns[0].second), 30123.45);
  EXPECT_NE(written().find("price==\x10"), std::string::npos);
}

TEST_F(JsonToIlpTest, RejectsEachReason) {
  EXPECT_EQ(rejection(R"({"symbol":"X","ts":1)"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(R"({"symbol":"X","ts":1} {"a":1})"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(R"({"a":tru,"ts":1})"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(""), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection("   "), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection("nope"), RejectReason::kMalformedJson);  // on-demand sees 'n' as null
  EXPECT_EQ(rejection("tru"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection("[1,2"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection("null"), RejectReason::kNotAnObject);
  EXPECT_EQ(rejection("[1,2]"), RejectReason::kNotAnObject);
  EXPECT_EQ(rejection(R"([1,2])"), RejectReason::kNotAnObject);
  EXPECT_EQ(rejection(R"("text")"), RejectReason::kNotAnObject);
  EXPECT_EQ(rejection("{\"a\":\"\xff\",\"ts\":1}"), RejectReason::kInvalidUtf8);
  EXPECT_EQ(rejection(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}},"ts":1})"),
            RejectReason::kTooDeep);
  EXPECT_EQ(rejection(R"({"a":[1],"ts":1})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(R"({"symbol":{"b":1},"ts":1})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(R"({"a":1})"), RejectReason::kMissingTimestamp);
  EXPECT_EQ(rejection(R"({"a":1,"ts":null})"), RejectReason::kBadTimestamp);  // present
  EXPECT_EQ(rejection(R"({"a":1,"ts":-1})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(R"({"a":1,"ts":-1.5})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(R"({"a":1,"ts":"1700000000"})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(R"({"a":1,"ts":9223372036854775807})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(R"({"a":1,"ts":18446744073709551615})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(R"({"a":1000000000000000000000000000000,"ts":1})"),
            RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(R"({"a":9223372036854775808,"ts":1})"), RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(R"({"a":-9223372036854775809,"ts":1})"), RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(R"({"a":1e400,"ts":1})"), RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(R"({"a.b":1,"ts":1})"), RejectReason::kInvalidName);
  EXPECT_EQ(rejection(R"({"a\nb":1,"ts":1})"), RejectReason::kInvalidName);
  EXPECT_EQ(rejection(R"({"a-b":1,"ts":1})"), RejectReason::kInvalidName);
  EXPECT_EQ(rejection(R"({"":1,"ts":1})"), RejectReason::kInvalidName);
  EXPECT_EQ(rejection(R"({"a":1,"a":2,"ts":1})"), RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(R"({"ts":1,"ts":2})"), RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(R"({"ts":1})"), RejectReason::kEmptyRow);
  EXPECT_EQ(rejection(R"({"a":null,"ts":1})"), RejectReason::kEmptyRow);
}

TEST_F(JsonToIlpTest, RejectsEmptyObjectWithoutTimestampAsEmptyRow) {
  MappingConfig config;
  config.table = "t";
  const MappingPlan plan = MappingPlan::compile(config);
  EXPECT_EQ(encode(plan, "{}").reason, RejectReason::kEmptyRow);
}

TEST_F(JsonToIlpTest, RejectsMessagesOverTheLimitAsTooLarge) {
  JsonToIlpEncoder small(16);
  OutputCursor out{buffer_.data(), 0, buffer_.size()};
  const EncodeResult result = small.encode(plan_, kTrade, MessageMeta{}, out);
  EXPECT_EQ(result.outcome, EncodeOutcome::kRejected);
  EXPECT_EQ(result.reason, RejectReason::kTooLarge);
}

// With room for less than `line` after 3 bytes already used, `json` is kNoSpace and
// the cursor stays; with room enough, exactly `line` is appended.
void expect_no_space_until_the_line_fits(JsonToIlpEncoder& encoder, const MappingPlan& plan,
                                         std::string_view json, const std::string& line) {
  for (std::size_t capacity = 0; capacity < line.size() + 3; ++capacity) {
    std::string buffer(capacity + 3, '#');
    OutputCursor out{buffer.data(), 3, capacity + 3};
    const EncodeResult result = encoder.encode(plan, json, MessageMeta{}, out);
    if (capacity < line.size()) {
      EXPECT_EQ(result.outcome, EncodeOutcome::kNoSpace) << capacity;
      EXPECT_EQ(out.size, 3u);
    } else {
      EXPECT_EQ(result.outcome, EncodeOutcome::kOk) << capacity;
      EXPECT_EQ(buffer.substr(3, out.size - 3), line);
    }
  }
}

TEST_F(JsonToIlpTest, NoSpaceLeavesTheCursorUntouched) {
  expect_no_space_until_the_line_fits(
      encoder_, plan_, kTrade,
      "trades,symbol=BTC-USD,side=buy price=30123.45,amount=0.0123 1700000000123456000\n");
}

TEST_F(JsonToIlpTest, NoSpaceLeavesTheCursorUntouchedWhateverTheKeyOrder) {
  // Columns before symbols in the JSON: the row is assembled from two places.
  expect_no_space_until_the_line_fits(encoder_, plan_,
                                      R"({"price":1.5,"ts":1,"side":"sell","n":7,"symbol":"X"})",
                                      "trades,side=sell,symbol=X price=1.5,n=7i 1000\n");
}

TEST_F(JsonToIlpTest, AppendsRowsOneAfterAnother) {
  out_ = OutputCursor{buffer_.data(), 0, buffer_.size()};
  ASSERT_EQ(encoder_.encode(plan_, kTrade, {}, out_).outcome, EncodeOutcome::kOk);
  ASSERT_EQ(encoder_.encode(plan_, R"({"symbol":"Y","ts":2})", {}, out_).outcome,
            EncodeOutcome::kOk);
  const std::string stream = written();
  std::vector<std::string_view> lines;
  std::string error;
  ASSERT_TRUE(testing::split_ilp_lines(stream, lines, error)) << error;
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "trades,symbol=Y 2000\n");
}

TEST(MappingPlanTest, RefusesInvalidNamesNamingThem) {
  MappingConfig config;
  config.table = "bad/table";
  try {
    MappingPlan::compile(config);
    FAIL() << "accepted an invalid table name";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bad/table"), std::string::npos);
  }
  config.table = "ok";
  config.symbols = {"a.b"};
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.symbols = {"x"};
  config.timestamp_field = "x";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.timestamp_field.reset();
  config.protocol_version = 4;
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.protocol_version = 0;
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST(RejectReasonTest, IdsAreStableSnakeCaseAndUnique) {
  EXPECT_EQ(reject_reason_id(RejectReason::kMalformedJson), "malformed_json");
  EXPECT_EQ(reject_reason_id(RejectReason::kEmptyRow), "empty_row");
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    const std::string_view id = reject_reason_id(static_cast<RejectReason>(i));
    EXPECT_NE(id, "unknown");
    for (char c : id)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), kRejectReasonCount);
}

}  // namespace
}  // namespace kilp::parse
