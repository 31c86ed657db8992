#pragma once
// A live stream for hand-off tests: trades 0..messages-1 produced at a steady rate from
// a thread of its own, keyed "k<i>", trade i to partition i % partitions (so no
// partition of the mock comes near its 5 MiB cap).
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "tools/kafka_producer.hpp"

namespace kilp::testing {

struct SteadyStream {
  std::string topic;
  int partitions = 1;
  std::uint64_t messages = 0;
  int rate_per_second = 1000;
};

class SteadyProducer {
 public:
  // `properties`: bootstrap.servers and any security settings. Starts producing at once.
  SteadyProducer(const tools::KafkaProperties& properties, SteadyStream stream);
  ~SteadyProducer();  // waits for the stream to end
  SteadyProducer(const SteadyProducer&) = delete;
  SteadyProducer& operator=(const SteadyProducer&) = delete;

  // Waits until every message was produced and acknowledged (or failed).
  void join();
  // Messages not produced or not acknowledged.
  std::uint64_t failed() const { return failed_.load() + producer_.failed(); }

 private:
  void run();

  SteadyStream stream_;
  tools::KafkaProducer producer_;
  std::atomic<std::uint64_t> failed_{0};
  std::thread thread_;
};

}  // namespace kilp::testing
