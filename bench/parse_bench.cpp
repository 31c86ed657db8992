// Encoder throughput: JSON message in, ILP line out, on one core.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "parse/json_to_ilp.hpp"
#include "tools/trade_generator.hpp"

namespace {

using namespace kilp::parse;

void run_encoder(benchmark::State& state, const MappingPlan& plan,
                 const std::vector<std::string>& messages) {
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 20, '\0');
  OutputCursor out{buffer.data(), 0, buffer.size()};
  std::size_t json_bytes = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& message = messages[i++ % messages.size()];
    EncodeResult result = encoder.encode(plan, message, MessageMeta{}, out);
    if (result.outcome == EncodeOutcome::kNoSpace) {
      out.size = 0;  // what a sealed buffer would do
      result = encoder.encode(plan, message, MessageMeta{}, out);
    }
    if (result.outcome != EncodeOutcome::kOk) state.SkipWithError("message rejected");
    json_bytes += message.size();
  }
  benchmark::DoNotOptimize(buffer.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(json_bytes));
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

std::vector<std::string> trade_messages() {
  static const char* kSymbols[] = {"BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD"};
  std::vector<std::string> messages;
  for (int i = 0; i < 1024; ++i) {
    messages.push_back(std::string(R"({"symbol":")") + kSymbols[i % 4] + R"(","side":")" +
                       (i % 3 ? "buy" : "sell") + R"(","price":)" + std::to_string(30000 + i) +
                       "." + std::to_string(10 + i % 90) + R"(,"amount":0.0)" +
                       std::to_string(100 + i) + R"(,"ts":)" +
                       std::to_string(1700000000123456LL + i) + "}");
  }
  return messages;
}

MappingPlan trades_plan(int protocol_version) {
  MappingConfig config;
  config.table = "trades";
  config.symbols = {"symbol", "side"};
  config.timestamp_field = "ts";
  config.timestamp_unit = TimestampUnit::kMicros;
  config.protocol_version = protocol_version;
  return MappingPlan::compile(config);
}

void BM_Trades(benchmark::State& state) {
  run_encoder(state, trades_plan(1), trade_messages());
}
BENCHMARK(BM_Trades);

// The very messages kilp-mock and the perf harness produce (8 symbols, random
// prices and amounts), so this figure and the end-to-end one describe the same rows.
void BM_TradesGenerated(benchmark::State& state) {
  std::vector<std::string> messages;
  std::string buffer;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    messages.emplace_back(kilp::tools::format_trade_json(kilp::tools::make_trade(i), buffer));
  }
  run_encoder(state, trades_plan(1), messages);
}
BENCHMARK(BM_TradesGenerated);

void BM_TradesBinaryDoubles(benchmark::State& state) {
  run_encoder(state, trades_plan(2), trade_messages());
}
BENCHMARK(BM_TradesBinaryDoubles);

void BM_Wide30Fields(benchmark::State& state) {
  std::string json = R"({"host":"web-01","region":"eu-west")";
  for (int f = 0; f < 28; ++f) {
    json += ",\"metric_" + std::to_string(f) + "\":";
    switch (f % 4) {
      case 0:
        json += std::to_string(1000 + f);
        break;
      case 1:
        json += std::to_string(f) + ".25";
        break;
      case 2:
        json += f % 8 == 2 ? "true" : "false";
        break;
      default:
        json += "\"value " + std::to_string(f) + "\"";
    }
  }
  json += R"(,"ts":1700000000123456})";
  MappingConfig config;
  config.table = "wide";
  config.symbols = {"host", "region"};
  config.timestamp_field = "ts";
  run_encoder(state, MappingPlan::compile(config), {json});
}
BENCHMARK(BM_Wide30Fields);

void BM_StringsNeedingEscapes(benchmark::State& state) {
  const std::string json =
      R"({"sym":"a b,c=d","msg":"say \"hi\"\n\\ then, = go","path":"C:\\dir\\file name","ts":1})";
  MappingConfig config;
  config.table = "logs";
  config.symbols = {"sym"};
  config.timestamp_field = "ts";
  run_encoder(state, MappingPlan::compile(config), {json});
}
BENCHMARK(BM_StringsNeedingEscapes);

}  // namespace

BENCHMARK_MAIN();
