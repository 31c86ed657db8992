// --value-format envelope with a schema: the payload written as the QuestDB Kafka
// connector writes the Connect record JsonConverter makes of it (the envelopes of the
// connector's test cases: tests/support/connect_envelopes.hpp).
#include "parse/connect_schema.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/parse/mapping_test_fixture.hpp"
#include "tests/support/connect_envelopes.hpp"

namespace kilp::parse {
namespace {

using kilp::testing::envelope;
using kilp::testing::kDecimal;
using kilp::testing::kIntArray;
using kilp::testing::kLogicalTypes;
using kilp::testing::kNested;

class ConnectSchemaTest : public MappingFeaturesTest {
 protected:
  static MappingConfig envelope_config() {
    MappingConfig config = base();
    config.value_format = ValueFormat::kEnvelope;
    return config;
  }
};

TEST_F(ConnectSchemaTest, LogicalTypesAndWidthsAsTheConnectorWritesThem) {
  MappingConfig config = envelope_config();
  config.unsupported_types = UnsupportedTypePolicy::kSkip;
  // Date is a timestamp, not a day count; Time a long of milliseconds; int8 a long;
  // float32 the nearest float; 42.0 of a double stays a double; the bytes field is
  // skipped, its name never checked; a float32 array needs protocol 2.
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(line(config, kLogicalTypes),
            "events firstname=\"John\",age=42i,col_timestamp=1666533239123000t,"
            "col_date=1666483200000000t,col_time=50039123i,ratio=0.10000000149011612,"
            "score=42.0\n");
  config.protocol_version = 2;
  config.array_policy = ArrayPolicy::kReject;
  const std::string written = line(config, kLogicalTypes);
  EXPECT_NE(written.find(",readings==" + array_header({3}) + doubles({23.5, 24.1f, 23.8f})),
            std::string::npos);
  EXPECT_NE(written.find(",score==\x10"), std::string::npos);  // binary double
}

TEST_F(ConnectSchemaTest, BytesAndDecimalsAreRefusedOrSkipped) {
  MappingConfig config = envelope_config();
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(rejection(config, kLogicalTypes), RejectReason::kUnsupportedValue);
  EXPECT_EQ(encoder_.refused_field(), "a*g*e");
  EXPECT_EQ(rejection(config, kDecimal), RejectReason::kUnsupportedValue);
  EXPECT_EQ(encoder_.refused_field(), "price");
  config.unsupported_types = UnsupportedTypePolicy::kSkip;
  EXPECT_EQ(line(config, kDecimal), "events id=7i\n");
  // A Decimal written as a number (decimal.format=NUMERIC) is a Decimal all the same.
  const std::string numeric =
      envelope(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","field":"p"},)"
               R"({"type":"int32","field":"id"})",
               R"({"p":123.45,"id":1})");
  EXPECT_EQ(line(config, numeric), "events id=1i\n");
}

// Named in --decimals, a Connect Decimal is a DECIMAL column (protocol 3): the base64
// bytes are its unscaled value, the schema's parameters its scale.
TEST_F(ConnectSchemaTest, DecimalsNamedInDecimalsAreDecimalColumns) {
  MappingConfig config = envelope_config();
  config.protocol_version = 3;
  config.decimals = {"price"};
  using namespace std::string_literals;
  EXPECT_EQ(line(config, kDecimal), "events id=7i,price==\x17\x02\x02\x30\x39\n"s);  // 123.45
  auto with_price = [](const std::string& parameters, const std::string& price) {
    return envelope(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",)" +
                        parameters + R"("field":"price"},{"type":"int32","field":"id"})",
                    R"({"price":)" + price + R"(,"id":1})");
  };
  const std::string scale2 = R"("parameters":{"scale":"2"},)";
  // Negative, sign-extended: -0.01 as four bytes.
  EXPECT_EQ(line(config, with_price(scale2, R"("/////w==")")),
            "events price==\x17\x02\x01\xff,id=1i\n"s);
  EXPECT_EQ(line(config, with_price(scale2, "null")), "events id=1i\n");
  // decimal.format=NUMERIC: the number's digits.
  EXPECT_EQ(line(config, with_price(scale2, "123.45")),
            "events price==\x17\x02\x02\x30\x39,id=1i\n"s);
  EXPECT_EQ(rejection(config, with_price(scale2, R"("not base64!")")), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, with_price(scale2, R"("")")), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, with_price(scale2, '"' + std::string(88, 'A') + '"')),
            RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(config, with_price("", R"("MDk=")")), RejectReason::kUnsupportedValue);
  // A stated scale: rescaled exactly, never rounded.
  config.decimals = {"price:10:4"};
  EXPECT_EQ(line(config, kDecimal), "events id=7i,price==\x17\x04\x03\x12\xd6\x44\n"s);  // 1234500
  config.decimals = {"price:10:1"};
  EXPECT_EQ(rejection(config, kDecimal), RejectReason::kNumberOutOfRange);
  EXPECT_EQ(encoder_.refused_field(), "price");
  // Without --decimals, as before: refused, as the connector does.
  config.decimals.clear();
  EXPECT_EQ(rejection(config, kDecimal), RejectReason::kUnsupportedValue);
}

TEST_F(ConnectSchemaTest, OnlyArraysOfFloatsAreDoubleArrays) {
  MappingConfig config = envelope_config();
  config.protocol_version = 2;
  EXPECT_EQ(rejection(config, kIntArray), RejectReason::kUnsupportedValue);  // as the connector
  EXPECT_EQ(encoder_.refused_field(), "counts");
  EXPECT_EQ(line(config, R"({"schema":{"type":"struct","fields":[{"type":"array",)"
                         R"("items":{"type":"int32"},"field":"counts"}]},"payload":{"counts":[],)"
                         R"("x":1}})"),
            "events x=1i\n");  // no element: nothing to refuse
  EXPECT_EQ(line(config, kNested), "events id=3i,m==" + array_header({2, 2}) +
                                       doubles({1, 2, 3, 4}) + ",sensor_type=\"t1\",sensor_on=t\n");
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(line(config, kIntArray), "events name=\"counter1\"\n");
}

TEST_F(ConnectSchemaTest, ValuesThatContradictTheSchema) {
  MappingConfig config = envelope_config();
  const std::string fields =
      R"({"type":"int8","field":"i8"},{"type":"int16","field":"i16"},{"type":"int32","field":"i32"},)"
      R"({"type":"int64","field":"i64"},{"type":"double","field":"d"},{"type":"float","field":"f"},)"
      R"({"type":"boolean","field":"b"},{"type":"string","field":"s"},)"
      R"({"type":"struct","fields":[{"type":"int32","field":"x"}],"field":"st"})";
  EXPECT_EQ(line(config, envelope(fields, R"({"i8":-128,"i16":32767,"i32":3.0,"i64":-1,)"
                                          R"("d":42,"f":1e3,"b":false,"s":"x","st":{"x":1}})")),
            "events i8=-128i,i16=32767i,i32=3i,i64=-1i,d=42,f=1000,b=f,s=\"x\",st_x=1i\n");
  // JsonConverter would wrap 300 into an int8 (44) and cut 3.7 to 3: kilp refuses.
  for (const auto& [payload, reason] : std::vector<std::pair<std::string, RejectReason>>{
           {R"({"i8":300})", RejectReason::kNumberOutOfRange},
           {R"({"i16":-32769})", RejectReason::kNumberOutOfRange},
           {R"({"i32":2147483648})", RejectReason::kNumberOutOfRange},
           {R"({"i32":3.7})", RejectReason::kTypeConflict},
           {R"({"i64":"5"})", RejectReason::kTypeConflict},
           {R"({"f":1e39})", RejectReason::kNumberOutOfRange},
           {R"({"d":"1.5"})", RejectReason::kTypeConflict},
           {R"({"b":1})", RejectReason::kTypeConflict},
           {R"({"s":1})", RejectReason::kTypeConflict},
           {R"({"st":[1]})", RejectReason::kTypeConflict}}) {
    EXPECT_EQ(rejection(config, envelope(fields, payload)), reason) << payload;
  }
  // Optional fields without a value, and fields the schema does not name.
  EXPECT_EQ(line(config, envelope(fields, R"({"i8":null,"st":null,"extra":2.5,"s":"y"})")),
            "events extra=2.5,s=\"y\"\n");
}

TEST_F(ConnectSchemaTest, DesignatedTimestampAsTheConnectorResolvesIt) {
  MappingConfig config = envelope_config();
  config.timestamp_field = "ts";
  config.timestamp_unit = TimestampUnit::kSeconds;  // for int64 fields only
  auto with_ts = [](const std::string& ts_schema, const std::string& ts) {
    return envelope(R"({"type":"int32","field":"v"},)" + ts_schema, R"({"v":1,"ts":)" + ts + "}");
  };
  const std::string timestamp =
      R"({"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","field":"ts"})";
  EXPECT_EQ(line(config, with_ts(timestamp, "1666533239123")), "events v=1i 1666533239123000000\n");
  EXPECT_EQ(line(config, with_ts(R"({"type":"int32","name":"org.apache.kafka.connect.data.Date",)"
                                 R"("field":"ts"})",
                                 "19288")),
            "events v=1i 1666483200000000000\n");
  EXPECT_EQ(line(config, with_ts(R"({"type":"int64","name":"io.debezium.time.MicroTimestamp",)"
                                 R"("field":"ts"})",
                                 "1666533239123456")),
            "events v=1i 1666533239123456000\n");
  EXPECT_EQ(line(config, with_ts(R"({"type":"int64","field":"ts"})", "1666533239")),
            "events v=1i 1666533239000000000\n");
  EXPECT_EQ(line(config, with_ts(R"({"type":"string","field":"ts"})", R"("2022-10-23T13:53:59Z")")),
            "events v=1i 1666533239000000000\n");
  // The connector refuses an Integer, a Double, a Boolean as the designated timestamp.
  for (const auto& [ts_schema, ts] : std::vector<std::pair<std::string, std::string>>{
           {R"({"type":"int32","field":"ts"})", "1666533239"},
           {R"({"type":"double","field":"ts"})", "1666533239.0"},
           {R"({"type":"boolean","field":"ts"})", "true"},
           {timestamp, "null"},
           {timestamp, "-1"},
           {timestamp, R"("2022-10-23")"}}) {
    EXPECT_EQ(rejection(config, with_ts(ts_schema, ts)), RejectReason::kBadTimestamp) << ts_schema;
  }
  EXPECT_EQ(rejection(config, envelope(timestamp, R"({"ts":1,"ts":2})")),
            RejectReason::kDuplicateField);
  // A timestamp column of a logical type, and one the mapping names.
  config.timestamp_field.reset();
  config.timestamp_columns = {"seen"};
  EXPECT_EQ(line(config, envelope(timestamp + R"(,{"type":"int32","field":"seen",)"
                                              R"("name":"org.apache.kafka.connect.data.Date"})",
                                  R"({"ts":1666533239123,"seen":19288})")),
            "events ts=1666533239123000t,seen=1666483200000000t\n");
}

TEST_F(ConnectSchemaTest, TheMappingsWordWinsAndThePayloadMayComeFirst) {
  MappingConfig config = envelope_config();
  config.symbols = {"firstname"};
  config.doubles = {"age"};
  config.exclude = {"readings", "a*g*e"};
  const std::string expected =
      "events,firstname=John age=42,col_timestamp=1666533239123000t,col_date=1666483200000000t,"
      "col_time=50039123i,ratio=0.10000000149011612,score=42.0\n";
  EXPECT_EQ(line(config, kLogicalTypes), expected);
  // The payload before its schema (JsonConverter writes the schema first).
  const std::size_t payload_at = kLogicalTypes.find(R"(,"payload":)");
  const std::string reordered =
      "{" + kLogicalTypes.substr(payload_at + 1, kLogicalTypes.size() - payload_at - 2) + "," +
      kLogicalTypes.substr(1, payload_at - 1) + "}";
  EXPECT_EQ(line(config, reordered), expected);
  EXPECT_EQ(line(config, R"({"payload":{"age":1},"schema":null})"), "events age=1\n");
  EXPECT_EQ(rejection(config, R"({"payload":{"age":1},"schema":{"type":tru}})"),
            RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(config, R"({"schema":null,"payload":{"a":1},"schema":null})"),
            RejectReason::kDuplicateField);
}

// One encoder, messages of several schemas in turn: each read with its own.
TEST_F(ConnectSchemaTest, SchemasChangingFromMessageToMessage) {
  MappingConfig config = envelope_config();
  const std::string as_double = envelope(R"({"type":"double","field":"v"})", R"({"v":1})");
  const std::string as_long = envelope(R"({"type":"int64","field":"v"})", R"({"v":1})");
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(line(config, as_double), "events v=1\n");
    EXPECT_EQ(line(config, as_long), "events v=1i\n");
    EXPECT_EQ(line(config, R"({"schema":null,"payload":{"v":1}})"), "events v=1i\n");
  }
}

TEST_F(ConnectSchemaTest, ExplodedElementsAndMaps) {
  MappingConfig config = envelope_config();
  config.explode = "legs";
  const std::string legs = envelope(
      R"({"type":"array","items":{"type":"struct","fields":[{"type":"float","field":"q"},)"
      R"({"type":"int32","name":"org.apache.kafka.connect.data.Date","field":"d"}]},"field":"legs"},)"
      R"({"type":"map","keys":{"type":"string"},"values":{"type":"int32"},"field":"tags"})",
      R"({"legs":[{"q":0.1,"d":1},{"q":2,"d":2}],"tags":{"a":1,"b":2}})");
  EXPECT_EQ(encode(config, legs).rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size),
            "events tags_a=1i,tags_b=2i,q=0.10000000149011612,d=86400000000t\n"
            "events tags_a=1i,tags_b=2i,q=2,d=172800000000t\n");
}

TEST(ConnectSchema, ReadsJsonConvertersSchemaOnceAndRefusesWhatItCannotHold) {
  ConnectSchema schema(1 << 12);
  const std::string text = kNested.substr(10, kNested.find(R"(,"payload")") - 10);
  ASSERT_EQ(schema.use(text), ConnectSchema::Outcome::kOk);
  const ConnectField& root = schema.root();
  EXPECT_EQ(root.type, ConnectType::kStruct);
  std::uint32_t next = 0;
  const ConnectField* m = schema.field(root, "m", next);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, ConnectType::kArray);
  ASSERT_NE(schema.element(*m), nullptr);
  EXPECT_EQ(schema.element(*schema.element(*m))->type, ConnectType::kFloat64);
  const ConnectField* sensor = schema.field(root, "sensor", next);
  ASSERT_NE(sensor, nullptr);
  std::uint32_t inner = 0;
  EXPECT_EQ(schema.field(*sensor, "on", inner)->type, ConnectType::kBoolean);
  EXPECT_EQ(schema.field(root, "id", next)->type, ConnectType::kInt16);  // out of order
  EXPECT_EQ(schema.field(root, "none", next), nullptr);
  EXPECT_EQ(schema.use(text), ConnectSchema::Outcome::kOk);  // the same text: kept
  EXPECT_EQ(schema.use(std::string(5000, ' ')), ConnectSchema::Outcome::kTooLarge);
  EXPECT_EQ(schema.use("{\"type\":"), ConnectSchema::Outcome::kMalformed);
  // More fields than a schema of that size can hold when written by JsonConverter.
  std::string crowded = R"({"type":"struct","fields":[)";
  for (int i = 0; i < 300; ++i) crowded += std::string(i ? "," : "") + "{}";
  crowded += "]}";
  EXPECT_EQ(schema.use(crowded), ConnectSchema::Outcome::kTooLarge);
}

}  // namespace
}  // namespace kilp::parse
