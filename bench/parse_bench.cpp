// Encoder throughput: JSON message in, ILP line out, on one core, against a peer in
// the same process on the same input: bare simdjson On Demand reading the same
// fields (keys unescaped, each value read by its type), writing nothing. The run
// ends with the encoder/peer ratio of each pair of cases.
//
//   parse_bench [google benchmark flags]     e.g. --benchmark_repetitions=5
//   parse_bench --count CASE SIDE N          N messages through one side only, for
//                                            callgrind (see bench/encoder_instructions.sh)
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "parse/json_to_ilp.hpp"
#include "tools/trade_generator.hpp"

namespace {

using namespace kilp::parse;

// The simdjson kernel this file (the peer) is compiled for.
#define KILP_BENCH_STRINGIFY_(x) #x
#define KILP_BENCH_STRINGIFY(x) KILP_BENCH_STRINGIFY_(x)
constexpr const char* kPeerKernel = KILP_BENCH_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
namespace ondemand = simdjson::ondemand;

// What the peer reads for each member, in order. kLevels: an array of objects whose
// members are read by their type (strings, numbers as doubles).
enum class FieldType : std::uint8_t { kString, kDouble, kInt64, kBool, kLevels };

// One kind of message: the same padded bytes go to the encoder and to the peer.
struct Case {
  std::vector<simdjson::padded_string> messages;
  MappingPlan plan;
  std::vector<FieldType> schema;
};

MappingPlan trades_plan(int protocol_version) {
  MappingConfig config;
  config.table = "trades";
  config.symbols = {"symbol", "side"};
  config.timestamp_field = "ts";
  config.timestamp_unit = TimestampUnit::kMicros;
  config.protocol_version = protocol_version;
  return MappingPlan::compile(config);
}

const std::vector<FieldType> kTradeSchema = {FieldType::kString, FieldType::kString,
                                             FieldType::kDouble, FieldType::kDouble,
                                             FieldType::kInt64};

Case fixed_trades(int protocol_version) {
  static const char* kSymbols[] = {"BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD"};
  Case c{{}, trades_plan(protocol_version), kTradeSchema};
  for (int i = 0; i < 1024; ++i) {
    c.messages.emplace_back(std::string(R"({"symbol":")") + kSymbols[i % 4] + R"(","side":")" +
                            (i % 3 ? "buy" : "sell") + R"(","price":)" + std::to_string(30000 + i) +
                            "." + std::to_string(10 + i % 90) + R"(,"amount":0.0)" +
                            std::to_string(100 + i) + R"(,"ts":)" +
                            std::to_string(1700000000123456LL + i) + "}");
  }
  return c;
}

// The fixed trades under protocol 3 with price and amount named in --decimals (exact
// DECIMAL columns) or in --doubles (binary doubles): what the exact digits cost.
Case hinted_trades(bool decimals) {
  Case c = fixed_trades(3);
  MappingConfig config = c.plan.config();
  (decimals ? config.decimals : config.doubles) = {"price", "amount"};
  c.plan = MappingPlan::compile(config);
  return c;
}

// Trades whose timestamp is RFC 3339 text, as many connector users' records have
// it. The peer reads it as a string: the encoder also parses the date.
Case trades_text_timestamps() {
  Case c{{}, trades_plan(1),  // its timestamp unit is for numbers only
         {FieldType::kString, FieldType::kString, FieldType::kDouble, FieldType::kDouble,
          FieldType::kString}};
  for (int i = 0; i < 1024; ++i) {
    c.messages.emplace_back(std::string(R"({"symbol":"ETH-USD","side":"buy","price":)") +
                            std::to_string(2000 + i) + R"(.5,"amount":0.0)" +
                            std::to_string(100 + i) + R"(,"ts":"2023-11-14T22:13:)" +
                            std::to_string(10 + i % 50) + "." + std::to_string(100000 + i) +
                            R"(Z"})");
  }
  return c;
}

// The very messages kilp-mock and the perf harness produce (8 symbols, random
// prices and amounts), so this figure and the end-to-end one describe the same rows.
Case generated_trades() {
  Case c{{}, trades_plan(1), kTradeSchema};
  std::string buffer;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    c.messages.emplace_back(kilp::tools::format_trade_json(kilp::tools::make_trade(i), buffer));
  }
  return c;
}

// 28 metrics after two symbols, then the timestamp: metric f of value type
// type_of(f): 0 integer, 1 double, 2 boolean, 3 string.
template <typename TypeOf>
Case wide_row(TypeOf type_of) {
  Case c{{}, {}, {FieldType::kString, FieldType::kString}};
  std::string json = R"({"host":"web-01","region":"eu-west")";
  for (int f = 0; f < 28; ++f) {
    json += ",\"metric_" + std::to_string(f) + "\":";
    switch (type_of(f)) {
      case 0:
        json += std::to_string(1000 + f);
        c.schema.push_back(FieldType::kInt64);
        break;
      case 1:
        json += std::to_string(f) + ".25";
        c.schema.push_back(FieldType::kDouble);
        break;
      case 2:
        json += f % 8 == 2 ? "true" : "false";
        c.schema.push_back(FieldType::kBool);
        break;
      default:
        json += "\"value " + std::to_string(f) + "\"";
        c.schema.push_back(FieldType::kString);
    }
  }
  json += R"(,"ts":1700000000123456})";
  c.schema.push_back(FieldType::kInt64);
  c.messages.emplace_back(json);
  MappingConfig config;
  config.table = "wide";
  config.symbols = {"host", "region"};
  config.timestamp_field = "ts";
  c.plan = MappingPlan::compile(config);
  return c;
}

Case strings_needing_escapes() {
  Case c{{}, {}, {FieldType::kString, FieldType::kString, FieldType::kString, FieldType::kInt64}};
  c.messages.emplace_back(std::string_view(
      R"({"sym":"a b,c=d","msg":"say \"hi\"\n\\ then, = go","path":"C:\\dir\\file name","ts":1})"));
  MappingConfig config;
  config.table = "logs";
  config.symbols = {"sym"};
  config.timestamp_field = "ts";
  c.plan = MappingPlan::compile(config);
  return c;
}

// An order book snapshot as exchanges send it (issue 22; the QuestDB Kafka connector's
// market-data test message): 20 bids and 20 asks of five fields each, prices and
// amounts as numbers, and the levels mapped by the connector's transforms into
// double arrays, or (the same message without the option) skipped.
Case order_book(const char* mode) {
  Case c{{},
         {},
         {FieldType::kString, FieldType::kInt64, FieldType::kString, FieldType::kString,
          FieldType::kLevels, FieldType::kLevels}};
  for (int m = 0; m < 256; ++m) {
    std::string json = R"({"market":"BTCUSD","venue":1,"received_at":"2026-01-13T22:)" +
                       std::to_string(10 + m % 50) + ":00." + std::to_string(100000 + m) +
                       R"(Z","type":"SNAPSHOT")";
    for (const char* side : {"bids", "asks"}) {
      json += R"(,")" + std::string(side) + R"(":[)";
      for (int level = 0; level < 20; ++level) {
        const int ticks =
            side[0] == 'b' ? 9024100 - level * 3 - m % 7 : 9024102 + level * 3 + m % 5;
        json += std::string(level ? "," : "") + R"({"side":")" + (side[0] == 'b' ? "BUY" : "SELL") +
                R"(","amount":)" + std::to_string(1 + (m * 7 + level * 13) % 500) + "." +
                std::to_string(10 + (m + level) % 90) + R"(,"price":)" +
                std::to_string(ticks / 200) + "." + std::to_string(10 + ticks % 90) +
                R"(,"quote_entry_id":"q-)" + std::to_string(m * 40 + level) +
                R"(","time":"2026-01-13T22:00:00.014Z"})";
      }
      json += "]";
    }
    c.messages.emplace_back(json + "}");
  }
  MappingConfig config;
  config.table = "books";
  config.symbols = {"market"};
  config.timestamp_field = "received_at";
  config.protocol_version = 2;
  if (std::string_view(mode) == "matrix") {
    config.object_arrays = parse_object_array_mappings(
        "bench", "bids:bids:price,amount;asks:asks:price,amount", ObjectArrayShape::kMatrix);
  } else if (std::string_view(mode) == "per-field") {
    config.object_arrays = parse_object_array_mappings(
        "bench",
        "bids:bid_prices,bid_amounts:price,amount;asks:ask_prices,ask_amounts:price,amount",
        ObjectArrayShape::kArrayPerField);
  } else {
    config.array_policy = ArrayPolicy::kSkip;  // arrays of objects cannot be written otherwise
  }
  c.plan = MappingPlan::compile(config);
  return c;
}

// Cases whose ratio to another case of the same run is printed: the same messages with
// an option and without it.
const std::map<std::string, std::string> kOptionCosts = {
    {"OrderBookMatrix", "OrderBookSkipped"},
    {"OrderBookPerField", "OrderBookSkipped"},
    {"TradesDecimals", "TradesDoubleHints"},
};

const std::map<std::string, std::function<Case()>>& all_cases() {
  static const std::map<std::string, std::function<Case()>> cases = {
      {"Trades", [] { return fixed_trades(1); }},
      {"TradesGenerated", generated_trades},
      {"TradesBinaryDoubles", [] { return fixed_trades(2); }},
      {"TradesDecimals", [] { return hinted_trades(true); }},
      {"TradesDoubleHints", [] { return hinted_trades(false); }},
      {"TradesTextTimestamps", trades_text_timestamps},
      {"Wide30Fields", [] { return wide_row([](int f) { return f % 4; }); }},
      // One value type per row, to tell which one costs (not a target of issue 12).
      {"Wide30Integers", [] { return wide_row([](int) { return 0; }); }},
      {"Wide30Doubles", [] { return wide_row([](int) { return 1; }); }},
      {"Wide30Booleans", [] { return wide_row([](int) { return 2; }); }},
      {"Wide30Strings", [] { return wide_row([](int) { return 3; }); }},
      {"StringsNeedingEscapes", strings_needing_escapes},
      {"OrderBookMatrix", [] { return order_book("matrix"); }},
      {"OrderBookPerField", [] { return order_book("per-field"); }},
      {"OrderBookSkipped", [] { return order_book("skipped"); }},
  };
  return cases;
}

// Encodes one message, starting over in the buffer when it is full (what sealing a
// buffer would do); false if the message was refused.
class EncoderSide {
 public:
  // Runs the kernel the peer was compiled for.
  EncoderSide()
      : encoder_(1 << 16, kPeerKernel),
        buffer_(1 << 20, '\0'),
        out_{buffer_.data(), 0, buffer_.size()} {}

  bool run(const Case& c, const simdjson::padded_string& message) {
    const std::string_view json(message.data(), message.size());
    EncodeResult result = encoder_.encode(c.plan, json, MessageMeta{}, out_);
    if (result.outcome == EncodeOutcome::kNoSpace) {
      out_.size = 0;
      result = encoder_.encode(c.plan, json, MessageMeta{}, out_);
    }
    return result.outcome == EncodeOutcome::kOk;
  }

 private:
  JsonToIlpEncoder encoder_;
  std::string buffer_;
  OutputCursor out_;
};

// Reads every member of one message as a plain simdjson user would; false on an error
// or a value of another type than the schema says.
class PeerSide {
 public:
  PeerSide() {
    if (parser_.allocate(1 << 16) != simdjson::SUCCESS) std::abort();
  }

  bool run(const Case& c, const simdjson::padded_string& message) {
    ondemand::document doc;
    if (parser_.iterate(message).get(doc)) return false;
    ondemand::object object;
    if (doc.get_object().get(object)) return false;
    std::size_t i = 0;
    for (auto member : object) {
      ondemand::field field;
      if (std::move(member).get(field)) return false;
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      checksum_ += key.size();
      if (i >= c.schema.size() || !read_value(c.schema[i++], field.value())) return false;
    }
    return i == c.schema.size();
  }

  std::uint64_t checksum() const { return checksum_; }

 private:
  bool read_value(FieldType type, ondemand::value value) {
    switch (type) {
      case FieldType::kString: {
        std::string_view text;
        if (value.get_string().get(text)) return false;
        checksum_ += text.size();
        return true;
      }
      case FieldType::kDouble: {
        double number = 0;
        if (value.get_double().get(number)) return false;
        checksum_ += static_cast<std::uint64_t>(number);
        return true;
      }
      case FieldType::kInt64: {
        std::int64_t number = 0;
        if (value.get_int64().get(number)) return false;
        checksum_ += static_cast<std::uint64_t>(number);
        return true;
      }
      case FieldType::kBool: {
        bool flag = false;
        if (value.get_bool().get(flag)) return false;
        checksum_ += flag;
        return true;
      }
      case FieldType::kLevels:
        return read_levels(value);
    }
    return false;
  }

  bool read_levels(ondemand::value value) {
    ondemand::array levels;
    if (value.get_array().get(levels)) return false;
    for (auto element : levels) {
      ondemand::object level;
      if (element.get_object().get(level)) return false;
      for (auto member : level) {
        ondemand::field field;
        if (std::move(member).get(field)) return false;
        std::string_view key;
        if (field.unescaped_key().get(key)) return false;
        ondemand::json_type type;
        if (field.value().type().get(type)) return false;
        const FieldType read_as =
            type == ondemand::json_type::number ? FieldType::kDouble : FieldType::kString;
        if (!read_value(read_as, field.value())) return false;
      }
    }
    return true;
  }

  ondemand::parser parser_;
  std::uint64_t checksum_ = 0;
};

template <typename Side>
void run_case(benchmark::State& state, const Case& c) {
  Side side;
  std::size_t json_bytes = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const simdjson::padded_string& message = c.messages[i++ % c.messages.size()];
    if (!side.run(c, message)) {
      state.SkipWithError("message refused");
      break;
    }
    json_bytes += message.size();
  }
  benchmark::ClobberMemory();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(json_bytes));
}

// Encoder benchmarks are BM_<case>, their peers BM_Peer_<case>.
void register_benchmarks() {
  for (const auto& [name, make] : all_cases()) {
    auto c = std::make_shared<Case>(make());
    benchmark::RegisterBenchmark(("BM_" + name).c_str(),
                                 [c](benchmark::State& s) { run_case<EncoderSide>(s, *c); });
    if (name == "Trades" || name == "TradesBinaryDoubles" || name == "TradesDecimals" ||
        name == "TradesDoubleHints") {
      continue;  // same peer as generated
    }
    if (name == "OrderBookPerField" || name == "OrderBookSkipped") continue;  // same as Matrix
    benchmark::RegisterBenchmark(("BM_Peer_" + name).c_str(),
                                 [c](benchmark::State& s) { run_case<PeerSide>(s, *c); });
  }
}

// Console output as usual, and the items/s of every run kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const auto counter = run.counters.find("items_per_second");
      if (counter != run.counters.end()) {
        rates_[run.run_name.function_name].push_back(counter->second.value);
      }
    }
  }

  void print_ratios() const {
    std::printf("\nencoder / bare simdjson On Demand peer (median items/s of each, same run)\n");
    std::printf("%-24s %14s %14s %7s\n", "case", "encoder/s", "peer/s", "ratio");
    for (const auto& [name, rates] : rates_) {
      if (name.rfind("BM_Peer_", 0) == 0) continue;
      const auto peer = rates_.find("BM_Peer_" + name.substr(3));
      if (peer == rates_.end()) continue;
      const double encoder_rate = median(rates);
      const double peer_rate = median(peer->second);
      std::printf("%-24s %14.0f %14.0f %7.2f\n", name.substr(3).c_str(), encoder_rate, peer_rate,
                  encoder_rate / peer_rate);
    }
    std::printf("\nwith an option / the same messages without it (median items/s, same run)\n");
    std::printf("%-24s %-24s %14s %14s %7s\n", "case", "without", "with/s", "without/s", "ratio");
    for (const auto& [name, without] : kOptionCosts) {
      const auto with_rates = rates_.find("BM_" + name);
      const auto without_rates = rates_.find("BM_" + without);
      if (with_rates == rates_.end() || without_rates == rates_.end()) continue;
      const double with_rate = median(with_rates->second);
      const double without_rate = median(without_rates->second);
      std::printf("%-24s %-24s %14.0f %14.0f %7.2f\n", name.c_str(), without.c_str(), with_rate,
                  without_rate, with_rate / without_rate);
    }
  }

 private:
  static double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  std::map<std::string, std::vector<double>> rates_;
};

// Kept out of line so callgrind can collect exactly this loop
// (--toggle-collect='*count_messages*').
template <typename Side>
[[gnu::noinline]] bool count_messages(Side& side, const Case& c, long n) {
  for (long i = 0; i < n; ++i) {
    if (!side.run(c, c.messages[static_cast<std::size_t>(i) % c.messages.size()])) return false;
  }
  return true;
}

int count_mode(const std::string& name, const std::string& side_name, long n) {
  const auto make = all_cases().find(name);
  if (make == all_cases().end() || (side_name != "encoder" && side_name != "peer") || n <= 0) {
    std::fprintf(stderr, "usage: parse_bench --count CASE encoder|peer N\n");
    return 2;
  }
  const Case c = make->second();
  bool ok = false;
  if (side_name == "encoder") {
    EncoderSide side;
    ok = count_messages(side, c, n);
  } else {
    PeerSide side;
    ok = count_messages(side, c, n);
    std::printf("checksum %llu\n", static_cast<unsigned long long>(side.checksum()));
  }
  if (!ok) std::fprintf(stderr, "%s: a message was refused\n", name.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--count") == 0) {
    return count_mode(argv[2], argv[3], std::atol(argv[4]));
  }
  std::printf("simdjson kernel of the peer and the encoder here: %s (the encoder would pick %s)\n",
              kPeerKernel,
              std::string(JsonToIlpEncoder(1024).kernel()).c_str());
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
