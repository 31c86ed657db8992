#include "tests/integration/steady_producer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "tools/trade_generator.hpp"

namespace kilp::testing {

namespace {

tools::KafkaProperties with_short_linger(tools::KafkaProperties properties) {
  properties.insert(properties.begin(), {"linger.ms", "5"});  // a stream, not a bulk load
  return properties;
}

}  // namespace

SteadyProducer::SteadyProducer(const tools::KafkaProperties& properties, SteadyStream stream)
    : stream_(std::move(stream)), producer_(with_short_linger(properties)) {
  thread_ = std::thread([this] { run(); });
}

SteadyProducer::~SteadyProducer() {
  if (thread_.joinable()) thread_.join();
}

void SteadyProducer::join() {
  thread_.join();
}

void SteadyProducer::run() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::string value;
  for (std::uint64_t i = 0; i < stream_.messages; ++i) {
    const auto due = start + std::chrono::microseconds(
                                 i * 1000000 / static_cast<std::uint64_t>(stream_.rate_per_second));
    if (Clock::now() < due) std::this_thread::sleep_until(due);
    const std::string key = fmt::format("k{}", i);  // "k" + to_string(i): GCC 12 -Wrestrict
    try {
      producer_.send(stream_.topic, static_cast<std::int32_t>(i % stream_.partitions), key,
                     tools::format_trade_json(tools::make_trade(i), value));
    } catch (const std::exception&) {
      failed_.fetch_add(1);
    }
  }
  try {
    producer_.flush(std::chrono::seconds(30));
  } catch (const std::exception&) {
    failed_.fetch_add(1);
  }
}

}  // namespace kilp::testing
