// Issue 20: where kilp differed from the QuestDB Kafka connector on the connector's
// own test cases. The connector checks a column name only when it writes a value
// under it, so a name QuestDB refuses holding null or an empty container leaves the
// row alone; and a designated timestamp that is present but unusable (null, or a
// composed one with parts missing) is refused even when missing ones get server time.
#include <gtest/gtest.h>

#include <string>

#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

using ConnectorEdges = MappingFeaturesTest;

TEST_F(ConnectorEdges, NothingToWriteUnderANameQuestDbRefuses) {
  MappingConfig config = base();
  const std::string too_long(600, 'n');  // longer than any path kilp assembles
  for (int protocol : {1, 2}) {
    config.protocol_version = protocol;
    for (const std::string& json :
         {std::string(R"({"a*b":[],"c":1})"), std::string(R"({"a*b":{},"c":1})"),
          std::string(R"({"a*b":null,"c":1})"), std::string(R"({"x":{"a*b":[]},"c":1})"),
          R"({")" + too_long + R"(":[],"c":1})", R"({")" + too_long + R"(":{},"c":1})",
          R"({")" + too_long + R"(":null,"c":1})",
          R"({"x":{")" + std::string(500, 'y') + R"(":{}},"c":1})"}) {
      EXPECT_EQ(line(config, json), "events c=1i\n") << json << " protocol " << protocol;
    }
    EXPECT_EQ(rejection(config, R"({")" + too_long + R"(":1,"c":1})"), RejectReason::kInvalidName);
    EXPECT_EQ(rejection(config, R"({"x":{")" + std::string(500, 'y') + R"(":{"z":1}},"c":1})"),
              RejectReason::kInvalidName);
    EXPECT_EQ(rejection(config, R"({"a*b":"","c":1})"), RejectReason::kInvalidName);
    EXPECT_EQ(encoder_.refused_field(), "a*b");
  }
  // With protocol 2 a name is needed only once an element is there.
  EXPECT_EQ(line(config, R"({"a*b":[[],[]],"c":1})"), "events c=1i\n");
  EXPECT_EQ(rejection(config, R"({"a*b":[1],"c":1})"), RejectReason::kInvalidName);
  EXPECT_EQ(encoder_.refused_field(), "a*b");
  EXPECT_EQ(rejection(config, R"({"a*b":[[1],[]],"c":1})"), RejectReason::kUnsupportedValue);
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(line(config, R"({"a*b":[[1],[]],"c":1})"), "events c=1i\n");
  config.protocol_version = 1;
  EXPECT_EQ(line(config, R"({"a*b":[1],"c":1})"), "events c=1i\n");  // skipped: no name needed
}

TEST_F(ConnectorEdges, NothingToWriteUnderAKeyFieldQuestDbRefuses) {
  MappingConfig config = base();
  config.key_format = KeyFormat::kJson;
  config.protocol_version = 2;
  MessageMeta meta;
  meta.key = R"({"a*b":null,"c*":[],"d*":{},"id":7})";
  for (KeyMode mode : {KeyMode::kColumn, KeyMode::kSymbol}) {
    config.key_mode = mode;
    EXPECT_EQ(line(config, R"({"v":1})", meta),
              mode == KeyMode::kColumn ? "events key_id=7i,v=1i\n" : "events,key_id=7 v=1i\n");
  }
  config.key_mode = KeyMode::kColumn;  // a symbol is never an array
  meta.key = R"({"e*":[[]],"id":7})";
  EXPECT_EQ(line(config, R"({"v":1})", meta), "events key_id=7i,v=1i\n");
  for (const char* key : {R"({"a*b":1})", R"({"a*b":"x"})", R"({"a*b":[1]})"}) {
    meta.key = key;
    EXPECT_EQ(rejection(config, R"({"v":1})", meta), RejectReason::kInvalidName) << key;
  }
  const std::string long_key = R"({")" + std::string(600, 'k') + R"(":{}})";
  meta.key = long_key;
  EXPECT_EQ(line(config, R"({"v":1})", meta), "events v=1i\n");
}

TEST_F(ConnectorEdges, ANullTimestampIsRefusedWhateverTheMissingPolicy) {
  MappingConfig config = base();
  config.timestamp_field = "ts";
  for (MissingTimestampPolicy policy :
       {MissingTimestampPolicy::kReject, MissingTimestampPolicy::kServerTime}) {
    config.missing_timestamp = policy;
    EXPECT_EQ(rejection(config, R"({"a":1,"ts":null})"), RejectReason::kBadTimestamp);
    EXPECT_EQ(encoder_.refused_field(), "ts");
    for (const char* bad : {R"({"a":1,"ts":true})", R"({"a":1,"ts":{}})", R"({"a":1,"ts":[]})",
                            R"({"a":1,"ts":""})", R"({"a":1,"ts":"soon"})"}) {
      EXPECT_EQ(rejection(config, bad), RejectReason::kBadTimestamp) << bad;
    }
  }
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");  // absent: server time
}

TEST_F(ConnectorEdges, AComposedTimestampWithSomePartsOnlyIsRefused) {
  MappingConfig config = base();
  config.timestamp_field = "date,time";
  config.timestamp_format = "yyyy-MM-ddHH:mm:ss";
  config.missing_timestamp = MissingTimestampPolicy::kServerTime;
  EXPECT_EQ(rejection(config, R"({"date":"2023-11-14","a":1})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(encoder_.refused_field(), "time");  // the part that is absent
  EXPECT_EQ(rejection(config, R"({"time":"22:13:20","a":1})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(encoder_.refused_field(), "date");
  EXPECT_EQ(rejection(config, R"({"date":"2023-11-14","time":null,"a":1})"),
            RejectReason::kBadTimestamp);
  EXPECT_EQ(encoder_.refused_field(), "time");
  // No part at all is a missing timestamp (the connector refuses it too: kilp keeps
  // --missing-timestamp's choice, see the README).
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");
  // Exploded rows: parts from the message and from each element.
  config.explode = "rows";
  EXPECT_EQ(
      rejection(config, R"({"date":"2023-11-14","rows":[{"time":"22:13:20","a":1},{"a":2}]})"),
      RejectReason::kBadTimestamp);
}

}  // namespace
}  // namespace kilp::parse
