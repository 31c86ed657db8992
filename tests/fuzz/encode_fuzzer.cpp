// libFuzzer target over parse + encode. The first input byte picks a mapping (type
// hints, flattening, key symbol, table templates also from fields, arrays, protocol
// 1 or 2, timestamp columns, composed timestamps, Kafka metadata columns, envelopes,
// the connector's policies for missing timestamps, big integers and duplicates, arrays of
// objects as double arrays, decimals under protocol 3); the rest
// is the message. Invariants: never crash (ASan/UBSan), and whatever is written is
// exactly one line the strict ILP parser accepts; a refused message writes nothing
// and names at most one field, in valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "parse/json_to_ilp.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace {

using namespace kilp::parse;

std::vector<MappingPlan> make_plans() {
  std::vector<MappingPlan> plans;
  for (int variant = 0; variant < 16; ++variant) {
    MappingConfig config;
    config.topic = "fuzz";
    config.symbols = {"symbol", "side", "a_b"};
    config.timestamp_field = "ts";
    config.protocol_version = (variant & 1) ? 2 : 1;
    config.array_policy = (variant & 2) ? ArrayPolicy::kSkip : ArrayPolicy::kReject;
    if (variant & 4) {
      config.table = "t_${key}_${partition}";
      config.doubles = {"price", "x"};
      config.integers = {"n", "y"};
      config.key_mode = KeyMode::kSymbol;
      config.value_prefix = "v";
      config.timestamp_format = "yyyy-MM-dd HH:mm:ss.SSSUUU";
      config.max_depth = 3;
      config.exclude = {"skip"};
      config.rename = {{"old", "renamed"}};
    }
    if (variant & 8) {  // issue 10: the connector's behaviours
      config.table = "f_${region}_${partition}";
      config.missing_timestamp = MissingTimestampPolicy::kServerTime;
      config.timestamp_columns = {"tc", "created"};
      config.kafka_timestamp_column = "kts";
      config.kafka_partition_column = "kp";
      config.kafka_offset_column = "ko";
      config.oversized_integers = OversizedIntegerPolicy::kDouble;
      config.duplicates = DuplicatePolicy::kKeepFirst;
      config.key_prefix = "k";
      config.key_mode = (variant & 1) ? KeyMode::kSymbol : KeyMode::kColumn;
      config.key_format = (variant & 4) ? KeyFormat::kEnvelope : KeyFormat::kJson;
      if (variant & 2) config.explode = "rows";
      if (variant & 4) {
        config.value_format = ValueFormat::kEnvelope;  // typed by its schema (seeds/envelope_*)
        config.unsupported_types =
            (variant & 2) ? UnsupportedTypePolicy::kSkip : UnsupportedTypePolicy::kReject;
        config.timestamp_field = "date,ts";
        config.timestamp_format = "yyyyMMddHH:mm:ssz";
      }
    }
    plans.push_back(MappingPlan::compile(config));
  }
  // Issue 22: arrays of objects as double arrays, both shapes (seeds: tests/fuzz/seeds).
  for (int variant = 16; variant < 24; ++variant) {
    MappingConfig config;
    config.topic = "fuzz";
    config.symbols = {"symbol"};
    config.timestamp_field = "ts";
    config.missing_timestamp = MissingTimestampPolicy::kServerTime;
    config.protocol_version = 2;
    config.object_arrays =
        (variant & 1)
            ? parse_object_array_mappings("fuzz", "bids:bids:price,amount;asks:asks:px",
                                          ObjectArrayShape::kMatrix)
            : parse_object_array_mappings(
                  "fuzz", "bids:bid_prices,bid_amounts:price,amount;asks:asks,sizes:px,size",
                  ObjectArrayShape::kArrayPerField);
    if (variant & 2) config.value_format = ValueFormat::kEnvelope;
    if (variant & 4) {
      config.explode = "rows";
      config.duplicates = DuplicatePolicy::kKeepFirst;
      config.value_prefix = "v";
      config.separator = "__";
      config.include = {"symbol", "bids", "asks", "sizes", "a"};
    }
    plans.push_back(MappingPlan::compile(config));
  }
  // --decimals (protocol 3): the value's own scale, stated ones, nested and renamed
  // (seeds: tests/fuzz/seeds/decimals_*).
  for (int variant = 24; variant < 28; ++variant) {
    MappingConfig config;
    config.topic = "fuzz";
    config.symbols = {"symbol"};
    config.timestamp_field = "ts";
    config.protocol_version = 3;
    config.decimals = {"price", "qty:18:8", "o_px:5:2", "big:76:76", "whole:76:0"};
    if (variant & 1) {
      config.rename = {{"o_px", "px"}};
      config.missing_timestamp = MissingTimestampPolicy::kServerTime;
      config.duplicates = DuplicatePolicy::kKeepFirst;
    }
    if (variant & 2) config.value_format = ValueFormat::kEnvelope;
    plans.push_back(MappingPlan::compile(config));
  }
  return plans;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<MappingPlan> plans = make_plans();
  static JsonToIlpEncoder encoder(1 << 16);
  static std::string buffer(1 << 20, '\0');
  if (size == 0) return 0;
  const MappingPlan& plan = plans[data[0] % plans.size()];
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  MessageMeta meta;
  meta.topic = "fuzz";
  meta.key = json.substr(0, json.size() % 7);  // keys of any bytes, from the input
  meta.partition = static_cast<std::int32_t>(size % 5);
  meta.timestamp_ms = 1700000000000;
  meta.offset = static_cast<std::int64_t>(size) * 1000003;
  kilp::parse::OutputCursor out{buffer.data(), 0, buffer.size()};
  const EncodeResult result = encoder.encode(plan, json, meta, out);
  if (result.outcome != EncodeOutcome::kOk) {
    if (out.size != 0) std::abort();  // a refused message must write nothing
    // The refused field's path goes into dead letters: read all of it (ASan sees a
    // view past its buffer), and it must be valid UTF-8 text there.
    const std::string_view field = encoder.refused_field();
    if (!field.empty() && !simdjson::validate_utf8(field.data(), field.size())) std::abort();
    return 0;
  }
  if (!encoder.refused_field().empty()) std::abort();  // a written row names no refusal
  // One line, or with --explode one line per element ending where row_ends() says.
  const std::span<const std::uint32_t> ends = encoder.row_ends(result);
  if (result.rows == 0 || (result.rows > 1 && ends.size() != result.rows) ||
      (result.rows > 1 && ends.back() != out.size)) {
    std::abort();
  }
  std::size_t start = 0;
  for (std::uint32_t row = 0; row < result.rows; ++row) {
    const std::size_t end = result.rows == 1 ? out.size : ends[row];
    const kilp::testing::IlpParseResult parsed =
        kilp::testing::parse_ilp_line(std::string_view(buffer.data() + start, end - start));
    if (!parsed.ok()) {
      std::fprintf(stderr, "invalid ILP: %s\n", parsed.error.c_str());
      std::abort();
    }
    start = end;
  }
  return 0;
}
