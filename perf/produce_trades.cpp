// produce_trades: fills a topic of a real Kafka broker with the generated trades the
// mock cluster (kilp-mock --generate) holds, for perf/run.sh --kafka broker. Message i
// goes to partition i % PARTITIONS, unkeyed, exactly as kilp-mock produces them.
//
//   produce_trades --brokers B --topic T --partitions P --count N [-X key=value]...
// prints `produced=N seconds=S` once every message is acknowledged; exits 1 naming
// what failed otherwise.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "perf/tool_arguments.hpp"
#include "tools/kafka_producer.hpp"
#include "tools/trade_generator.hpp"

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: produce_trades --brokers B --topic T --partitions P --count N "
               "[-X key=value]...\n");
  std::exit(2);
}

double monotonic_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  kilp::tools::KafkaProperties properties;
  std::string brokers, topic;
  long partitions = 0;
  unsigned long long count = 0;
  kilp::perf::ToolArguments arguments(argc, argv, usage);
  while (arguments.next()) {
    const std::string& arg = arguments.flag();
    if (arg == "--brokers") {
      brokers = arguments.value();
    } else if (arg == "--topic") {
      topic = arguments.value();
    } else if (arg == "--partitions") {
      partitions = std::strtol(arguments.value().c_str(), nullptr, 10);
    } else if (arg == "--count") {
      count = std::strtoull(arguments.value().c_str(), nullptr, 10);
    } else if (arg == "-X") {
      properties.push_back(arguments.property());
    } else {
      usage();
    }
  }
  if (brokers.empty() || topic.empty() || partitions <= 0 || count == 0) usage();
  properties.insert(properties.begin(), {"bootstrap.servers", brokers});

  try {
    const double started = monotonic_s();
    kilp::tools::KafkaProducer producer(properties);
    producer.produce(topic, static_cast<int>(partitions), count,
                     [](std::uint64_t i, std::string& buffer) {
                       return kilp::tools::format_trade_json(kilp::tools::make_trade(i), buffer);
                     });
    std::printf("produced=%llu seconds=%.3f\n", count, monotonic_s() - started);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "produce_trades: topic '%s' on %s: %s\n", topic.c_str(), brokers.c_str(),
                 e.what());
    return 1;
  }
}
