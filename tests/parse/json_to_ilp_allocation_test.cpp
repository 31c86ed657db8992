// Counts every global allocation in this binary to prove the encoder allocates
// nothing per message once constructed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "parse/json_to_ilp.hpp"
#include "tests/support/allocation_counter.hpp"

namespace kilp::parse {
namespace {

// Encodes `count` messages (the i-th: messages[i % 4] with plan_of(i)) into
// `buffer`, starting over when it is nearly full; returns the rows written.
template <typename PlanOf>
std::size_t encode_many(JsonToIlpEncoder& encoder, std::string& buffer, int count, PlanOf plan_of,
                        const std::string (&messages)[4], const MessageMeta& meta) {
  OutputCursor out{buffer.data(), 0, buffer.size()};
  std::size_t ok = 0;
  for (int i = 0; i < count; ++i) {
    if (out.remaining() < 4096) out.size = 0;
    ok += encoder.encode(plan_of(i), messages[i % 4], meta, out).outcome == EncodeOutcome::kOk;
  }
  return ok;
}

// Global allocations made while `work` runs.
template <typename Work>
std::size_t allocations_during(Work&& work) {
  const std::size_t before = kilp::testing::allocation_count();
  work();
  return kilp::testing::allocation_count() - before;
}

TEST(JsonToIlpAllocation, EncodesWithoutAllocating) {
  MappingConfig config;
  config.table = "trades";
  config.symbols = {"symbol", "side"};
  config.timestamp_field = "ts";
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string messages[] = {
      R"({"symbol":"BTC-USD","side":"buy","price":30123.45,"amount":0.0123,"ts":1700000000123456})",
      R"({"symbol":"ETH-USD","side":"sell","price":2000,"note":"a \"q\" \n","ok":true,"ts":1})",
      R"({"a":[1],"ts":1})",  // rejected
      R"({"symbol":"X","ts":1} trailing)",
  };
  auto run = [&](int count) {
    OutputCursor out{buffer.data(), 0, buffer.size()};
    for (int i = 0; i < count; ++i) {
      if (out.remaining() < 4096) out.size = 0;
      encoder.encode(plan, messages[i % 4], MessageMeta{}, out);
    }
  };
  run(100);  // warm-up
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

TEST(JsonToIlpAllocation, MappingFeaturesEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "events";
  config.table = "${topic}_${key}_${partition}";
  config.symbols = {"meta_host"};
  config.doubles = {"p"};
  config.integers = {"n"};
  config.exclude = {"secret"};
  config.rename = {{"old", "renamed"}};
  config.timestamp_field = "ts";
  config.timestamp_format = "yyyy-MM-dd HH:mm:ss.SSSUUU";
  config.key_mode = KeyMode::kSymbol;
  config.value_prefix.assign(1, 'v');  // GCC 12 -Wrestrict false positive on = "v"
  config.protocol_version = 2;
  MappingConfig kafka_time = config;
  kafka_time.timestamp_field.reset();
  kafka_time.timestamp_format.clear();
  kafka_time.timestamp_kafka = true;
  kafka_time.key_mode = KeyMode::kColumn;
  kafka_time.include = {"meta_host", "p", "deep_a_b"};
  const MappingPlan plans[] = {MappingPlan::compile(config), MappingPlan::compile(kafka_time)};
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string messages[] = {
      R"({"meta":{"host":"h1","dc":"eu"},"p":3,"n":4.0,"old":1,"secret":"x","v":[1,2.5],)"
      R"("deep":{"a":{"b":7}},"ts":"2024-01-02 03:04:05.123456"})",
      R"({"p":"NaN","n":1,"ts":"2024-01-02 03:04:05.000001","o":{"x":{"y":{"z":null}}}})",
      R"({"p":"x","ts":"2024-01-02 03:04:05.000001"})",  // type conflict
      R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}}})",  // too deep
  };
  MessageMeta meta;
  meta.topic = "events";
  meta.key = "device-7";
  meta.partition = 3;
  meta.timestamp_ms = 1700000000000;
  auto run = [&](int count) {
    return encode_many(encoder, buffer, count, [&](int i) -> const MappingPlan& { return plans[i % 2]; },
                       messages, meta);
  };
  EXPECT_GT(run(100), 0u);  // warm-up
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

TEST(JsonToIlpAllocation, ConnectorParityFeaturesEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "events";
  config.table = "${region}_${partition}";
  config.symbols = {"region"};
  config.timestamp_field = "date,time";
  config.timestamp_format = "yyyy-MM-ddHH:mm:ssz";
  config.timestamp_columns = {"created"};
  config.kafka_timestamp_column = "kts";
  config.kafka_partition_column = "kp";
  config.kafka_offset_column = "ko";
  config.missing_timestamp = MissingTimestampPolicy::kServerTime;
  config.oversized_integers = OversizedIntegerPolicy::kDouble;
  config.duplicates = DuplicatePolicy::kKeepFirst;
  config.protocol_version = 2;
  config.key_mode = KeyMode::kColumn;
  config.key_format = KeyFormat::kJson;  // its parser is allocated on first use
  MappingConfig envelope = config;
  envelope.value_format = ValueFormat::kEnvelope;
  const MappingPlan plans[] = {MappingPlan::compile(config), MappingPlan::compile(envelope)};
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string row =
      R"({"region":"eu","date":"2024-01-02","time":"03:04:05UTC","created":1700000000123,)"
      R"("m":[[1,2],[3,4]],"e":[],"o":{},"n":18446744073709551616,"a":1,"a":2})";
  const std::string messages[] = {
      row,
      R"({"schema":{"type":"struct"},"payload":)" + row + "}",
      R"({"region":"eu","m":[[1],[2,3]],"time":"x"})",  // jagged
      R"({"m":[1]})",                                    // no region: missing_field
  };
  MessageMeta meta;
  meta.topic = "events";
  meta.partition = 3;
  meta.offset = 42;
  meta.timestamp_ms = 1700000000000;
  meta.key = R"({"dev":"d1","n":{"m":2}})";
  auto run = [&](int count) {
    return encode_many(encoder, buffer, count,
                       [&](int i) -> const MappingPlan& { return plans[(i / 4) % 2]; }, messages,
                       meta);
  };
  EXPECT_EQ(run(8), 2u);  // warm-up: each plan writes the row, in both forms
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

// --decimals: digits into a fixed 256-bit value, never a string or a double.
TEST(JsonToIlpAllocation, DecimalsEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "trades";
  config.symbols = {"sym"};
  config.decimals = {"price", "qty:18:8", "fee"};
  config.timestamp_field = "ts";
  config.protocol_version = 3;
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string messages[] = {
      R"({"sym":"BTC","price":30123.4500,"qty":"0.0123","fee":null,"ts":1700000000123456})",
      R"({"sym":"ETH","price":"-1234567890123456789012345678901234567890.123456789","qty":1.5e3,)"
      R"("fee":"2E-4","ts":1})",
      R"({"sym":"X","price":"abc","ts":1})",      // type_conflict
      R"({"sym":"Y","qty":0.123456789,"ts":1})",  // rounding: number_out_of_range
  };
  auto run = [&](int count) {
    return encode_many(
        encoder, buffer, count, [&](int) -> const MappingPlan& { return plan; }, messages,
        MessageMeta{});
  };
  EXPECT_EQ(run(8), 4u);  // warm-up: two rows of four messages, twice
  const std::size_t before = kilp::testing::allocation_count();
  run(10000);
  EXPECT_EQ(kilp::testing::allocation_count() - before, 0u);
}

// Envelopes with a schema: read once per schema text, and again when it changes
// (two schemas in turn), both into room allocated on first use.
TEST(JsonToIlpAllocation, EnvelopeSchemasEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "events";
  config.value_format = ValueFormat::kEnvelope;
  config.timestamp_field = "ts";
  config.protocol_version = 2;
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string fields =
      R"({"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","field":"ts"},)"
      R"({"type":"float","field":"f"},{"type":"array","items":{"type":"float"},"field":"a"},)"
      R"({"type":"struct","fields":[{"type":"int8","field":"x"}],"field":"s"})";
  const std::string payload = R"({"ts":1700000000123,"f":0.1,"a":[1.5,2.5],"s":{"x":1}})";
  const std::string messages[] = {
      R"({"schema":{"type":"struct","fields":[)" + fields + R"(]},"payload":)" + payload + "}",
      R"({"payload":)" + payload + R"(,"schema":{"type":"struct","fields":[)" + fields +
          R"(,{"type":"string","field":"new"}]}})",
      R"({"schema":{"type":"struct","fields":[{"type":"bytes","field":"b"}]},"payload":{"b":"AQ=="}})",
      R"({"schema":null,"payload":{"ts":1,"v":2}})",
  };
  MessageMeta meta;
  auto run = [&](int count) {
    return encode_many(encoder, buffer, count, [&](int) -> const MappingPlan& { return plan; },
                       messages, meta);
  };
  EXPECT_EQ(run(8), 6u);  // warm-up: the schema's room is allocated on first use
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

TEST(JsonToIlpAllocation, ExplodedRowsEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "events";
  config.symbols = {"venue", "side"};
  config.timestamp_field = "ts";
  config.explode = "trades";
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string messages[] = {
      R"({"venue":"X","ts":1,"trades":[{"side":"buy","p":1.5},{"side":"sell","p":2}]})",
      R"({"venue":"Y","trades":[{"p":1,"ts":2},{"p":2,"ts":3},{"p":3,"ts":4}]})",
      R"({"venue":"Z","ts":1,"trades":[]})",  // no row: empty_row
      R"({"venue":"Z","ts":1,"trades":[{"p":1},7]})",  // not an object
  };
  MessageMeta meta;
  auto run = [&](int count) {
    return encode_many(encoder, buffer, count, [&](int) -> const MappingPlan& { return plan; },
                       messages, meta);
  };
  EXPECT_EQ(run(8), 4u);  // warm-up (the row ends are allocated on first use)
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

TEST(JsonToIlpAllocation, ObjectArraysEncodeWithoutAllocating) {
  MappingConfig config;
  config.topic = "books";
  config.symbols = {"market"};
  config.timestamp_field = "ts";
  config.protocol_version = 2;
  config.object_arrays = parse_object_array_mappings(
      "test", "bids:bids:price,amount;asks:asks:price,amount", ObjectArrayShape::kMatrix);
  MappingConfig per_field = config;
  per_field.value_format = ValueFormat::kEnvelope;
  per_field.duplicates = DuplicatePolicy::kKeepFirst;
  per_field.object_arrays = parse_object_array_mappings(
      "test", "bids:bid_prices,bid_amounts:price,amount;asks:ask_prices,ask_amounts:price,amount",
      ObjectArrayShape::kArrayPerField);
  const MappingPlan plans[] = {MappingPlan::compile(config), MappingPlan::compile(per_field)};
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  const std::string book =
      R"({"market":"BTCUSD","ts":1,"bids":[{"price":45120.5,"amount":2.45,"id":"u1"},)"
      R"({"price":"45119.00","amount":"5.12"}],"asks":[{"amount":1.83,"price":45121}]})";
  const std::string messages[] = {
      book,
      R"({"schema":"market_data","payload":)" + book + "}",
      R"({"market":"X","ts":1,"bids":[{"price":null,"amount":1}]})",  // missing_field
      R"({"market":"X","ts":1,"bids":[],"asks":null})",
  };
  MessageMeta meta;
  auto run = [&](int count) {
    return encode_many(
        encoder, buffer, count, [&](int i) -> const MappingPlan& { return plans[(i / 4) % 2]; },
        messages, meta);
  };
  EXPECT_EQ(run(8), 3u);  // warm-up: the book and the empty one as plain JSON, the envelope
  EXPECT_EQ(allocations_during([&] { run(10000); }), 0u);
}

TEST(JsonToIlpAllocation, CounterSeesAllocations) {
  std::string* p = nullptr;
  EXPECT_GT(allocations_during([&] { p = new std::string(100, 'x'); }), 0u);
  delete p;
}

}  // namespace
}  // namespace kilp::parse
