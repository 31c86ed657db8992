// Issue 10, mapping side: what the QuestDB Kafka connector maps and kilp now maps
// too (empty containers, missing timestamps, N-dimensional arrays, envelopes,
// timestamp columns, composed timestamps, Kafka metadata, ${field} tables,
// oversized integers, duplicate keys).
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

using ConnectorParity = MappingFeaturesTest;

TEST_F(ConnectorParity, EmptyArraysAndObjectsWriteNoColumn) {
  MappingConfig config = base();
  config.symbols = {"s"};
  for (int protocol : {1, 2}) {
    config.protocol_version = protocol;
    EXPECT_EQ(line(config, R"({"a":[],"b":{},"c":1,"s":[],"e":{"f":{}}})"), "events c=1i\n");
    EXPECT_EQ(line(config, R"({"s":{},"c":1})"), "events c=1i\n");
  }
  EXPECT_EQ(line(config, R"({"d":[[],[]],"c":1})"), "events c=1i\n");  // no element
  EXPECT_EQ(rejection(config, R"({"a":[],"b":{}})"), RejectReason::kEmptyRow);
  config.max_depth = 0;
  EXPECT_EQ(line(config, R"({"b":{},"c":1})"), "events c=1i\n");
  EXPECT_EQ(rejection(config, R"({"b":{"x":1},"c":1})"), RejectReason::kTooDeep);
}

TEST_F(ConnectorParity, MissingTimestampPolicy) {
  MappingConfig config = base();
  config.timestamp_field = "ts";
  EXPECT_EQ(rejection(config, R"({"a":1})"), RejectReason::kMissingTimestamp);
  config.missing_timestamp = MissingTimestampPolicy::kServerTime;
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");
  EXPECT_EQ(line(config, R"({"a":1,"ts":5})"), "events a=1i 5000000000\n");
  // Server time is for a timestamp that is absent, not for one that is wrong or null.
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":"later"})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"a":1,"ts":null})"), RejectReason::kBadTimestamp);
  config.timestamp_field.reset();
  config.timestamp_kafka = true;
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");  // record without a timestamp
}

TEST_F(ConnectorParity, MultiDimensionalDoubleArrays) {
  MappingConfig config = base();
  config.protocol_version = 2;
  EXPECT_EQ(line(config, R"({"m":[[1,2,3],[4,5,6]]})"),
            "events m==" + array_header({2, 3}) + doubles({1, 2, 3, 4, 5, 6}) + "\n");
  EXPECT_EQ(line(config, R"({"c":[[[1],[2]],[[3],[4]]],"a":1})"),
            "events c==" + array_header({2, 2, 1}) + doubles({1, 2, 3, 4}) + ",a=1i\n");
  EXPECT_EQ(line(config, R"({"v":[1.5],"a":1})"),
            "events v==" + array_header({1}) + doubles({1.5}) + ",a=1i\n");
  for (const char* bad : {R"({"m":[[1,2],[3]]})", R"({"m":[[1],2]})", R"({"m":[1,[2]]})",
                          R"({"m":[[1],[[2]]]})", R"({"m":[[],[1]]})", R"({"m":[[1],[]]})",
                          R"({"m":[[1,"x"]]})", R"({"m":[[true]]})", R"({"m":[[{}]]})",
                          R"({"m":[[null]]})"}) {
    EXPECT_EQ(rejection(config, bad), RejectReason::kUnsupportedValue) << bad;
  }
  // Deeper than QuestDB's 32 dimensions.
  const std::string deep = "{\"m\":" + std::string(33, '[') + "1" + std::string(33, ']') + "}";
  EXPECT_EQ(rejection(config, deep), RejectReason::kUnsupportedValue);
  const std::string deepest = "{\"m\":" + std::string(32, '[') + "1" + std::string(32, ']') + "}";
  std::vector<std::uint32_t> ones(32, 1);
  std::string header("\x0e\x0a\x20", 3);
  for (std::uint32_t one : ones) header.append(reinterpret_cast<const char*>(&one), 4);
  EXPECT_EQ(line(config, deepest), "events m==" + header + doubles({1}) + "\n");
  config.array_policy = ArrayPolicy::kSkip;
  EXPECT_EQ(line(config, R"({"m":[[1,2],[3]],"a":1})"), "events a=1i\n");
  EXPECT_EQ(line(config, R"({"m":[["x"]],"a":1})"), "events a=1i\n");
  EXPECT_EQ(rejection(config, R"({"m":[[1e999]],"a":1})"), RejectReason::kNumberOutOfRange);
}

TEST_F(ConnectorParity, ValueEnvelopeMapsThePayload) {
  MappingConfig config = base();
  config.value_format = ValueFormat::kEnvelope;
  config.symbols = {"sym"};
  EXPECT_EQ(line(config, R"({"schema":{"type":"struct","fields":[{"field":"a"}]},)"
                         R"("payload":{"sym":"X","a":1}})"),
            "events,sym=X a=1i\n");
  EXPECT_EQ(line(config, R"({"payload":{"a":{"b":2}},"schema":null})"), "events a_b=2i\n");
  EXPECT_EQ(rejection(config, R"({"schema":{}})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"schema":{},"payload":null})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"payload":[1]})"), RejectReason::kNotAnObject);
  EXPECT_EQ(rejection(config, R"({"payload":{"a":1},"payload":{"a":2}})"),
            RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(config, R"({"payload":{"a":1}} x)"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(config, R"({"payload":{"a":1},"schema":{)"), RejectReason::kMalformedJson);
}

TEST_F(ConnectorParity, TimestampColumns) {
  MappingConfig config = base();
  config.timestamp_columns = {"created", "seen"};
  config.timestamp_unit = TimestampUnit::kMillis;
  EXPECT_EQ(line(config, R"({"created":1700000000123,"seen":"2023-11-14T22:13:20.5Z","a":1})"),
            "events created=1700000000123000t,seen=1700000000500000t,a=1i\n");
  EXPECT_EQ(line(config, R"({"created":null,"a":1})"), "events a=1i\n");
  EXPECT_EQ(rejection(config, R"({"created":"soon"})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"created":true})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"created":-1})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"created":1.5})"), RejectReason::kBadTimestamp);
  // Below a microsecond: nanoseconds with protocol 2, refused with protocol 1.
  EXPECT_EQ(rejection(config, R"({"seen":"2023-11-14T22:13:20.000000001Z"})"),
            RejectReason::kBadTimestamp);
  config.protocol_version = 2;
  EXPECT_EQ(line(config, R"({"seen":"2023-11-14T22:13:20.000000001Z"})"),
            "events seen=1700000000000000001n\n");
  config.timestamp_field = "created";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(ConnectorParity, ComposedDesignatedTimestamp) {
  MappingConfig config = base();
  config.timestamp_field = "date,time";
  config.timestamp_format = "yyyy-MM-ddHH:mm:ss";
  EXPECT_EQ(line(config, R"({"time":"22:13:20","a":1,"date":"2023-11-14"})"),
            "events a=1i 1700000000000000000\n");
  config.timestamp_format = "yyyyMMddHHmmss";
  EXPECT_EQ(line(config, R"({"date":20231114,"time":"221320","a":1})"),
            "events a=1i 1700000000000000000\n");
  EXPECT_EQ(rejection(config, R"({"a":1})"), RejectReason::kMissingTimestamp);
  // Some parts without the others: present but unusable.
  EXPECT_EQ(rejection(config, R"({"date":20231114,"a":1})"), RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"date":20231114,"time":null,"a":1})"),
            RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"date":20231114,"time":"2213","a":1})"),
            RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"date":20231114,"time":[1],"a":1})"),
            RejectReason::kBadTimestamp);
  EXPECT_EQ(rejection(config, R"({"date":"2023","date":"2024","time":"1","a":1})"),
            RejectReason::kDuplicateField);
  const std::string long_part(300, '1');
  EXPECT_EQ(rejection(config, R"({"date":")" + long_part + R"(","time":"1","a":1})"),
            RejectReason::kBadTimestamp);
  config.missing_timestamp = MissingTimestampPolicy::kServerTime;
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");
  EXPECT_EQ(rejection(config, R"({"date":20231114,"a":1})"), RejectReason::kBadTimestamp);
  for (const char* bad : {"date,", ",time", "date,,time", "date,date"}) {
    config.timestamp_field = bad;
    EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument) << bad;
  }
}

TEST_F(ConnectorParity, KafkaMetadataColumns) {
  MappingConfig config = base();
  config.kafka_timestamp_column = "kafka_ts";
  config.kafka_partition_column = "kafka_partition";
  config.kafka_offset_column = "kafka_offset";
  MessageMeta meta;
  meta.partition = 4;
  meta.offset = 1234;
  meta.timestamp_ms = 1700000000123;
  EXPECT_EQ(line(config, R"({"a":1})", meta),
            "events kafka_ts=1700000000123000t,kafka_partition=4i,kafka_offset=1234i,a=1i\n");
  meta.timestamp_ms = -1;
  meta.offset = -1;
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events kafka_partition=4i,a=1i\n");
  EXPECT_EQ(rejection(config, R"({"kafka_partition":1})", meta), RejectReason::kDuplicateField);
  config.duplicates = DuplicatePolicy::kKeepFirst;
  EXPECT_EQ(line(config, R"({"kafka_partition":1,"a":2})", meta), "events kafka_partition=4i,a=2i\n");
  config.kafka_offset_column = "kafka_partition";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
  config.kafka_offset_column = "bad.name";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(ConnectorParity, TableFromValueFields) {
  MappingConfig config = base();
  config.table = "${topic}_${region}_${field.kind}";
  config.symbols = {"region"};
  EXPECT_EQ(line(config, R"({"kind":"cpu","v":1,"region":"eu"})"),
            "events_eu_cpu,region=eu kind=\"cpu\",v=1i\n");
  EXPECT_EQ(line(config, R"({"kind":7,"region":"a b"})"), "events_a\\ b_7,region=a\\ b kind=7i\n");
  EXPECT_EQ(rejection(config, R"({"kind":"cpu","v":1})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"kind":"cpu","region":null,"v":1})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"kind":"a/b","region":"eu"})"), RejectReason::kInvalidName);
  EXPECT_EQ(rejection(config, R"({"kind":{"x":1},"region":"eu"})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(config, "{\"kind\":\"" + std::string(300, 'k') + "\",\"region\":\"eu\"}"),
            RejectReason::kInvalidName);
  // Nested paths, a field used twice, an include list that leaves the field out.
  config.table = "${meta_host}_${meta_host}";
  config.symbols.clear();
  config.include = {"v"};
  EXPECT_EQ(line(config, R"({"meta":{"host":"h1","x":2},"v":1})"), "h1_h1 v=1i\n");
  // The row does not fit: nothing is written and the caller retries in a new buffer.
  MessageMeta meta;
  const MappingPlan plan = MappingPlan::compile(config);
  OutputCursor tiny{buffer_.data(), 0, 8};
  EXPECT_EQ(encoder_.encode(plan, R"({"meta":{"host":"h1"},"v":1})", meta, tiny).outcome,
            EncodeOutcome::kNoSpace);
  EXPECT_EQ(tiny.size, 0u);
}

TEST_F(ConnectorParity, OversizedIntegersAsDoubles) {
  MappingConfig config = base();
  EXPECT_EQ(rejection(config, R"({"n":18446744073709551616})"), RejectReason::kNumberOutOfRange);
  config.oversized_integers = OversizedIntegerPolicy::kDouble;
  EXPECT_EQ(line(config, R"({"n":18446744073709551616,"m":9223372036854775808,"k":-1})"),
            "events n=18446744073709551616,m=9223372036854775808,k=-1i\n");
  EXPECT_EQ(line(config, R"({"n":-99999999999999999999})"), "events n=-99999999999999999999\n");
  config.protocol_version = 2;
  const std::string written = line(config, R"({"n":18446744073709551616})");
  ASSERT_EQ(written.size(), std::string("events n==").size() + 9 + 1);
  double value = 0;
  std::memcpy(&value, written.data() + std::string("events n==").size() + 1, sizeof value);
  EXPECT_EQ(value, 18446744073709551616.0);
}

TEST_F(ConnectorParity, DuplicateKeysKeepTheFirst) {
  MappingConfig config = base();
  config.symbols = {"s"};
  config.timestamp_field = "ts";
  config.protocol_version = 2;
  const char* json = R"({"a":1,"s":"x","a":"two","s":"y","ts":1,"ts":2,"v":[1],"v":[2],"b":{"c":1},"b_c":3})";
  EXPECT_EQ(rejection(config, json), RejectReason::kDuplicateField);
  config.duplicates = DuplicatePolicy::kKeepFirst;
  EXPECT_EQ(line(config, json),
            "events,s=x a=1i,v==" + array_header({1}) + doubles({1}) + ",b_c=1i 1000000000\n");
}

TEST_F(ConnectorParity, StructuredKeysBecomeColumnsOrSymbols) {
  MappingConfig config = base();
  config.key_mode = KeyMode::kColumn;
  config.key_format = KeyFormat::kJson;
  MessageMeta meta;
  meta.key = R"({"id":7,"dev":{"site":"eu","n":1.5},"on":true,"x":null,"e":[]})";
  EXPECT_EQ(line(config, R"({"a":1})", meta),
            "events key_id=7i,key_dev_site=\"eu\",key_dev_n=1.5,key_on=t,a=1i\n");
  meta.key = R"("k1")";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events key=\"k1\",a=1i\n");
  meta.key = "42";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events key=\"42\",a=1i\n");
  meta.key = "null";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events a=1i\n");
  meta.key = "";
  EXPECT_EQ(line(config, R"({"a":1})", meta), "events a=1i\n");
  for (const char* bad : {"k1", "{", R"({"id":1} x)", "1 2", "nope", R"({"id":1,"id":2})"}) {
    meta.key = bad;
    const RejectReason reason = rejection(config, R"({"a":1})", meta);
    EXPECT_TRUE(reason == RejectReason::kMalformedJson || reason == RejectReason::kDuplicateField)
        << bad << ": " << reject_reason_id(reason);
  }
  meta.key = R"({"a":1})";  // key_a, not the value's a
  EXPECT_EQ(line(config, R"({"a":2})", meta), "events key_a=1i,a=2i\n");
  config.key_prefix = "k";
  config.separator = "__";
  meta.key = R"({"a":{"b":"x"}})";
  EXPECT_EQ(line(config, R"({"c":2})", meta), "events k__a__b=\"x\",c=2i\n");
  config.max_depth = 0;
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kTooDeep);
  config.max_depth = 8;
  config.key_mode = KeyMode::kSymbol;
  meta.key = R"({"id":7,"dev":{"site":"e u"},"on":false,"s":""})";
  EXPECT_EQ(line(config, R"({"c":2})", meta), "events,k__id=7,k__dev__site=e\\ u,k__on=false c=2i\n");
  meta.key = R"({"bad.name":1})";
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kInvalidName);
  meta.key = R"({"o":[1]})";
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kUnsupportedValue);
  config.key_format = KeyFormat::kEnvelope;
  meta.key = R"({"schema":{"type":"struct"},"payload":{"id":"a1"}})";
  EXPECT_EQ(line(config, R"({"c":2})", meta), "events,k__id=a1 c=2i\n");
  meta.key = R"({"schema":{"type":"string"},"payload":"plain"})";
  EXPECT_EQ(line(config, R"({"c":2})", meta), "events,k=plain c=2i\n");
  meta.key = R"({"schema":{}})";
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kMissingField);
  meta.key = R"({"payload":null})";
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kMissingField);
  meta.key = R"("payload")";
  EXPECT_EQ(rejection(config, R"({"c":2})", meta), RejectReason::kNotAnObject);
  config.key_mode = KeyMode::kNone;
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(ConnectorParity, ExplodeWritesOneRowPerElement) {
  MappingConfig config = base();
  config.explode = "trades";
  config.symbols = {"venue", "side"};
  config.doubles = {"p"};
  config.timestamp_field = "ts";
  const std::string json =
      R"({"venue":"X","trades":[{"side":"buy","p":1,"q":2},{"q":4,"p":3.5,"side":"sell"}],)"
      R"("ts":1700000000,"batch":7})";
  EXPECT_EQ(encode(config, json).rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size),
            "events,venue=X,side=buy batch=7i,p=1,q=2i 1700000000000000000\n"
            "events,venue=X,side=sell batch=7i,q=4i,p=3.5 1700000000000000000\n");
  const EncodeResult result = encode(config, json);
  const std::vector<std::uint32_t> ends(encoder_.row_ends(result).begin(),
                                        encoder_.row_ends(result).end());
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(std::string(buffer_.data(), ends[0]),
            "events,venue=X,side=buy batch=7i,p=1,q=2i 1700000000000000000\n");
  EXPECT_EQ(ends[1], out_.size);
  // One element: one row, as any message.
  EXPECT_EQ(line(config, R"({"trades":[{"p":1}],"ts":1})"), "events p=1 1000000000\n");
  // Per-element timestamps, nested fields flattened inside the element.
  EXPECT_EQ(encode(config, R"({"trades":[{"ts":1,"m":{"a":1}},{"ts":2,"m":{"a":2}}]})").rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size),
            "events m_a=1i 1000000000\nevents m_a=2i 2000000000\n");
}

TEST_F(ConnectorParity, ExplodeRefusals) {
  MappingConfig config = base();
  config.explode = "items";
  EXPECT_EQ(rejection(config, R"({"a":1})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":null})"), RejectReason::kMissingField);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[]})"), RejectReason::kEmptyRow);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":{"x":1}})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"x":1},2]})"), RejectReason::kUnsupportedValue);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"a":2}]})"), RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"x":1}],"items":[{"x":2}]})"),
            RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"x":"\u00"}]})"), RejectReason::kMalformedJson);
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"x":1})"), RejectReason::kMalformedJson);
  config.timestamp_field = "ts";
  EXPECT_EQ(rejection(config, R"({"items":[{"ts":1,"x":0},{"x":1}]})"),
            RejectReason::kMissingTimestamp);
  EXPECT_EQ(rejection(config, R"({"ts":1,"items":[{"ts":2}]})"), RejectReason::kDuplicateField);
  // The rows do not fit: nothing is written.
  const MappingPlan plan = MappingPlan::compile(config);
  OutputCursor tiny{buffer_.data(), 0, 40};
  EXPECT_EQ(encoder_.encode(plan, R"({"ts":1,"items":[{"x":1},{"x":2},{"x":3}]})", {}, tiny).outcome,
            EncodeOutcome::kNoSpace);
  EXPECT_EQ(tiny.size, 0u);
  config.symbols = {"items"};
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(ConnectorParity, ExplodeWithTheOtherFeatures) {
  MappingConfig config = base();
  config.explode = "payload_rows";
  config.separator = "_";
  config.table = "t_${region}";
  config.timestamp_field = "d,t";
  config.timestamp_format = "yyyyMMddHHmm";
  config.kafka_offset_column = "ko";
  config.value_format = ValueFormat::kEnvelope;
  config.explode = "rows";
  MessageMeta meta;
  meta.offset = 9;
  const std::string json =
      R"({"schema":{},"payload":{"region":"eu","d":"20231114","rows":[{"t":"2213","v":1},)"
      R"({"t":"2214","v":2}]}})";
  EXPECT_EQ(encode(config, json, meta).rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size),
            "t_eu ko=9i,region=\"eu\",v=1i 1699999980000000000\n"
            "t_eu ko=9i,region=\"eu\",v=2i 1700000040000000000\n");
  config.duplicates = DuplicatePolicy::kKeepFirst;
  config.value_format = ValueFormat::kJson;
  config.timestamp_field.reset();
  config.table.clear();
  EXPECT_EQ(encode(config, R"({"v":0,"rows":[{"v":1,"w":1},{"w":2}],"rows":[{"w":3}]})").rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size), "events v=0i,w=1i\nevents v=0i,w=2i\n");
}

}  // namespace
}  // namespace kilp::parse
