// Connector-grade mapping features: flattening, type hints, key columns, table
// templates, include/exclude/rename, timestamps from text and from Kafka, arrays.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "parse/timestamp_format.hpp"
#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

TEST_F(MappingFeaturesTest, TableDefaultsToTheTopic) {
  EXPECT_EQ(line(base(), R"({"a":1})"), "events a=1i\n");
}

TEST_F(MappingFeaturesTest, FlattensNestedObjectsWithTheSeparator) {
  MappingConfig config = base();
  EXPECT_EQ(line(config, R"({"a":{"b":1,"c":{"d":"x"}},"e":true})"),
            "events a_b=1i,a_c_d=\"x\",e=t\n");
  config.separator = "__";
  EXPECT_EQ(line(config, R"({"a":{"b":1}})"), "events a__b=1i\n");
  config.max_depth = 1;
  EXPECT_EQ(line(config, R"({"a":{"b":1}})"), "events a__b=1i\n");
  EXPECT_EQ(rejection(config, R"({"a":{"b":{"c":1}}})"), RejectReason::kTooDeep);
  config.max_depth = 0;
  EXPECT_EQ(rejection(config, R"({"a":{"b":1}})"), RejectReason::kTooDeep);
  EXPECT_EQ(line(config, R"({"a":{}, "b":1})"), "events b=1i\n");  // empty: no column
  config.max_depth = 1;
  EXPECT_EQ(line(config, R"({"a":{}, "b":1})"), "events b=1i\n");
}

TEST_F(MappingFeaturesTest, FlattenedNamesThatCollideAreDuplicates) {
  EXPECT_EQ(rejection(base(), R"({"a_b":1,"a":{"b":2}})"), RejectReason::kDuplicateField);
}

TEST_F(MappingFeaturesTest, SymbolsAndHintsAddressNestedPaths) {
  MappingConfig config = base();
  config.symbols = {"meta_host"};
  config.doubles = {"m_v"};
  EXPECT_EQ(line(config, R"({"meta":{"host":"h1"},"m":{"v":3}})"), "events,meta_host=h1 m_v=3\n");
}

TEST_F(MappingFeaturesTest, DoublesHintWritesEveryNumberAsADouble) {
  MappingConfig config = base();
  config.doubles = {"p"};
  EXPECT_EQ(line(config, R"({"p":42})"), "events p=42\n");
  EXPECT_EQ(line(config, R"({"p":-1.5e3})"), "events p=-1.5e3\n");
  EXPECT_EQ(line(config, R"({"p":18446744073709551616})"), "events p=18446744073709551616\n");
  EXPECT_EQ(line(config, R"({"p":"NaN","q":1})"), "events p=NaN,q=1i\n");
  EXPECT_EQ(line(config, R"({"p":"-Infinity","q":1})"), "events p=-Infinity,q=1i\n");
  EXPECT_EQ(line(config, R"({"p":null,"q":1})"), "events q=1i\n");
  EXPECT_EQ(rejection(config, R"({"p":"1.5"})"), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, R"({"p":true})"), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, R"({"p":{"x":1}})"), RejectReason::kTypeConflict);
  config.protocol_version = 2;
  const std::string binary = line(config, R"({"p":42})");
  const auto parsed = testing::parse_ilp_line(binary);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<double>(parsed.row->columns[0].second), 42.0);
}

TEST_F(MappingFeaturesTest, IntegersHintRefusesFractions) {
  MappingConfig config = base();
  config.integers = {"n"};
  EXPECT_EQ(line(config, R"({"n":7})"), "events n=7i\n");
  EXPECT_EQ(line(config, R"({"n":7.0})"), "events n=7i\n");
  EXPECT_EQ(line(config, R"({"n":1e3})"), "events n=1000i\n");
  EXPECT_EQ(rejection(config, R"({"n":7.5})"), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, R"({"n":"7"})"), RejectReason::kTypeConflict);
  EXPECT_EQ(rejection(config, R"({"n":1e30})"), RejectReason::kNumberOutOfRange);
  EXPECT_EQ(rejection(config, R"({"n":9223372036854775808})"), RejectReason::kNumberOutOfRange);
}

TEST_F(MappingFeaturesTest, IncludeExcludeRename) {
  MappingConfig config = base();
  config.exclude = {"secret", "nested_x"};
  config.rename = {{"old", "new_name"}};
  EXPECT_EQ(line(config, R"({"secret":"s","old":1,"nested":{"x":1,"y":2}})"),
            "events new_name=1i,nested_y=2i\n");
  config = base();
  config.include = {"a", "deep_k"};
  EXPECT_EQ(line(config, R"({"a":1,"b":2,"deep":{"k":3,"j":4},"other":{"k":1}})"),
            "events a=1i,deep_k=3i\n");
  config.include = {"obj"};  // a whole object
  EXPECT_EQ(line(config, R"({"obj":{"p":1,"q":{"r":2}},"z":1})"), "events obj_p=1i,obj_q_r=2i\n");
  config = base();
  config.rename = {{"a", "bad.name"}};
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.rename.clear();
  config.symbols = {"s"};
  config.doubles = {"s"};
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(MappingFeaturesTest, ValuePrefixApplies) {
  MappingConfig config = base();
  config.value_prefix = "v";
  config.symbols = {"s"};
  EXPECT_EQ(line(config, R"({"s":"x","a":1,"o":{"b":2}})"), "events,v_s=x v_a=1i,v_o_b=2i\n");
}

TEST_F(MappingFeaturesTest, KafkaKeyAsColumnOrSymbol) {
  MappingConfig config = base();
  MessageMeta meta;
  meta.key = "k 1";
  config.key_mode = KeyMode::kColumn;
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events key=\"k 1\",a=1i\n");
  config.key_mode = KeyMode::kSymbol;
  config.key_prefix = "id";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events,id=k\\ 1 a=1i\n");
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");  // no key: no symbol
  EXPECT_EQ(rejection(config, R"({"id":1})", meta), RejectReason::kDuplicateField);
  meta.key = "\xff";
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidUtf8);
}

TEST_F(MappingFeaturesTest, TableTemplates) {
  MappingConfig config = base();
  config.table = "${topic}_${partition}";
  MessageMeta meta;
  meta.partition = 3;
  meta.key = "dev";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events_3 a=1i\n");
  config.table = "t_${key}";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "t_dev a=1i\n");
  meta.key = "a b";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "t_a\\ b a=1i\n");
  meta.key = "a/b";
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidName);
  meta.key = "";
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidName);
  meta.key = std::string_view("x..\xff");
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidUtf8);
  const std::string long_key(200, 'k');
  meta.key = long_key;
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidName);
  config.table = "t_${}";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.table = "t_${field.}";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.table = "bad/${key}";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(MappingFeaturesTest, PatternTopicNamesEachMessagesTableByItsOwnTopic) {
  MappingConfig config = base();
  config.topic = "^orders-.*";
  config.topic_is_pattern = true;
  MessageMeta meta;
  meta.topic = "orders-eu";
  meta.partition = 2;
  EXPECT_EQ(line(config, R"({"a":1})", meta), "orders-eu a=1i\n");
  meta.topic = "orders-us.east";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "orders-us.east a=1i\n");
  meta.topic = "orders-eu.";  // a Kafka topic name QuestDB refuses as a table
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kInvalidName);
  config.table = "t_${topic}_${partition}";
  meta.topic = "orders-eu";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "t_orders-eu_2 a=1i\n");
}

TEST_F(MappingFeaturesTest, AutoTimestampUnitsFollowTheConnector) {
  MappingConfig config = base();
  config.timestamp_field = "ts";
  EXPECT_EQ(line(config, R"({"a":1,"ts":1700000000})"), "events a=1i 1700000000000000000\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":1700000000123})"), "events a=1i 1700000000123000000\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":1700000000123456})"), "events a=1i 1700000000123456000\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":1700000000123456789})"),
            "events a=1i 1700000000123456789\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":1.7e18})"), "events a=1i 1700000000000000000\n");
  // A fraction of the guessed unit is no instant: refused, not truncated.
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":1700000000.5})"), RejectReason::kBadTimestamp);
}

TEST_F(MappingFeaturesTest, StringTimestamps) {
  MappingConfig config = base();
  config.timestamp_field = "ts";
  EXPECT_EQ(line(config, R"({"a":1,"ts":"2023-11-14T22:13:20Z"})"),
            "events a=1i 1700000000000000000\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":"2023-11-14 23:13:20.123456789+01:00"})"),
            "events a=1i 1700000000123456789\n");
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":"2023-02-30T00:00:00Z"})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":"yesterday"})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":true})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":{"x":1}})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":[1]})"), RejectReason::kBadTimestamp);
  config.timestamp_format = "yyyy-MM-dd HH:mm:ss.SSSUUU";
  EXPECT_EQ(line(config, R"({"a":1,"ts":"2023-11-14 22:13:20.123456"})"),
            "events a=1i 1700000000123456000\n");
  config.timestamp_format = "dd/MM/yyyy'T'HHmm";
  EXPECT_EQ(line(config, R"({"a":1,"ts":"14/11/2023T2213"})"), "events a=1i 1699999980000000000\n");
  config.timestamp_format = "yyyy-QQ";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(MappingFeaturesTest, KafkaRecordTimestamp) {
  MappingConfig config = base();
  config.timestamp_kafka = true;
  MessageMeta meta;
  meta.timestamp_ms = 1700000000123;
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events a=1i 1700000000123000000\n");
  meta.timestamp_ms = -1;
  EXPECT_EQ(rejection(config, R"({"a":1})", meta), RejectReason::kMissingTimestamp);
}

TEST_F(MappingFeaturesTest, ArraysOfNumbers) {
  MappingConfig config = base();
  EXPECT_EQ(rejection(config, R"({"v":[1,2]})"), RejectReason::kUnsupportedValue);
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(line(config, R"({"v":[1,2],"a":1})"), "events a=1i\n");
  config.protocol_version = 2;
  const std::string written = line(config, R"({"v":[1.5,-2,3e2],"a":1})");
  std::string expected = "events v==";
  expected += std::string("\x0e\x0a\x01\x03\x00\x00\x00", 7);
  for (double d : {1.5, -2.0, 300.0}) expected.append(reinterpret_cast<const char*>(&d), 8);
  expected += ",a=1i\n";
  EXPECT_EQ(written, expected);
  EXPECT_EQ(line(config, R"({"v":[1,"x"],"a":1})"), "events a=1i\n");  // skipped
  config.array_policy = ArrayPolicy::kReject;
  EXPECT_EQ(rejection(config, R"({"v":[1,"x"]})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(config, R"({"v":[[1],[1,2]]})"), RejectReason::kUnsupportedValue);
}

TEST(TimestampFormatTest, Rfc3339Edges) {
  EXPECT_EQ(rfc3339_to_nanos("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(rfc3339_to_nanos("2000-02-29T00:00:00Z"), 951782400000000000);
  EXPECT_EQ(rfc3339_to_nanos("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
  EXPECT_FALSE(rfc3339_to_nanos("2262-04-11T23:47:16.854775808Z"));
  EXPECT_FALSE(rfc3339_to_nanos("1969-12-31T23:59:59Z"));
  EXPECT_FALSE(rfc3339_to_nanos("2023-11-14T22:13:20."));
  EXPECT_FALSE(rfc3339_to_nanos("2023-11-14T22:13:20Zjunk"));
  EXPECT_FALSE(rfc3339_to_nanos("2023-13-14T22:13:20Z"));
  EXPECT_EQ(days_from_civil(2023, 11, 14), 19675);
}

}  // namespace
}  // namespace kilp::parse
