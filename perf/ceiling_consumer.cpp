// ceiling_consumer: the raw consume ceiling for the perf harness. It is kilp's own
// Kafka consumer (io::GroupConsumer: same defaults, same -X pass-through, same
// rd_kafka_consume_batch_queue call and batch size) with nothing behind it: it
// counts messages and payload bytes and never touches a payload.
//
//   ceiling_consumer --brokers B --topic T --group G [--batch-size N] [-X k=v]...
// exits once every partition of T is assigned and at its end, printing
//   messages=N bytes=N first_message_ns=T last_message_ns=T active_s=S
// (CLOCK_MONOTONIC). With --print-settings it prints, one per line, the consumer
// properties the harness gives every other librdkafka peer, and exits.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "io/kafka/group_consumer.hpp"
#include "perf/tool_arguments.hpp"

namespace {

using kilp::io::GroupConsumer;
using kilp::io::KafkaSettings;
using kilp::io::TopicPartition;

// The fetch and queue properties that decide a consumer's throughput.
constexpr const char* kSharedSettings[] = {
    "queued.min.messages", "queued.max.messages.kbytes", "fetch.queue.backoff.ms",
    "fetch.max.bytes", "max.partition.fetch.bytes", "fetch.min.bytes", "fetch.wait.max.ms",
    "receive.message.max.bytes"};

std::int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Tracks which partitions are assigned and which reached their end.
class EndTracker final : public kilp::io::RebalanceListener {
 public:
  void on_assigned(std::span<const TopicPartition> partitions, std::span<std::int64_t>) override {
    for (const auto& tp : partitions) at_end_[tp.partition] = false;
  }
  void on_revoking(std::span<const TopicPartition> partitions, bool) override {
    for (const auto& tp : partitions) at_end_.erase(tp.partition);
  }
  void reached_end(std::int32_t partition) {
    if (auto it = at_end_.find(partition); it != at_end_.end()) it->second = true;
  }
  void consumed(std::int32_t partition) {
    if (auto it = at_end_.find(partition); it != at_end_.end()) it->second = false;
  }
  bool all_at_end(int partitions) const {
    if (static_cast<int>(at_end_.size()) != partitions) return false;
    for (const auto& [partition, end] : at_end_) {
      if (!end) return false;
    }
    return true;
  }

 private:
  std::map<std::int32_t, bool> at_end_;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ceiling_consumer --brokers B --topic T --group G [--batch-size N] "
               "[--timeout-s S] [--print-settings] [-X key=value]...\n");
  std::exit(2);
}

void print_settings(GroupConsumer& consumer) {
  const rd_kafka_conf_t* conf = rd_kafka_conf(consumer.handle());
  for (const char* key : kSharedSettings) {
    char value[256];
    std::size_t size = sizeof value;
    if (rd_kafka_conf_get(conf, key, value, &size) == RD_KAFKA_CONF_OK) {
      std::printf("%s=%s\n", key, value);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  KafkaSettings settings;
  settings.from_beginning = true;
  settings.exit_at_end = true;
  settings.client_id = "kilp-ceiling";
  std::size_t batch_size = 4096;  // kilp's default --batch-size
  int timeout_s = 300;
  bool settings_only = false;
  kilp::perf::ToolArguments arguments(argc, argv, usage);
  while (arguments.next()) {
    const std::string& arg = arguments.flag();
    if (arg == "--brokers") {
      settings.brokers = arguments.value();
    } else if (arg == "--topic") {
      settings.topics.push_back(arguments.value());
    } else if (arg == "--group") {
      settings.group_id = arguments.value();
    } else if (arg == "--batch-size") {
      batch_size = std::strtoull(arguments.value().c_str(), nullptr, 10);
    } else if (arg == "--timeout-s") {
      timeout_s = std::atoi(arguments.value().c_str());
    } else if (arg == "--print-settings") {
      settings_only = true;
    } else if (arg == "-X") {
      settings.properties.push_back(arguments.property());
    } else {
      usage();
    }
  }
  if (settings_only) settings.brokers = settings.brokers.empty() ? "127.0.0.1:1" : settings.brokers;
  if (settings.brokers.empty() || (settings.topics.size() != 1 && !settings_only) ||
      batch_size == 0) {
    usage();
  }

  try {
    EndTracker tracker;
    GroupConsumer consumer(settings, &tracker);
    if (settings_only) {
      print_settings(consumer);
      return 0;
    }
    const int partitions = consumer.describe_topics(std::chrono::milliseconds(10000)).front();
    consumer.subscribe();

    std::vector<rd_kafka_message_t*> batch(batch_size);
    std::uint64_t messages = 0, bytes = 0;
    std::int64_t first_ns = 0, last_ns = 0;
    const std::int64_t deadline = monotonic_ns() + std::int64_t{timeout_s} * 1000000000;
    while (!tracker.all_at_end(partitions)) {
      if (monotonic_ns() > deadline) {
        std::fprintf(stderr, "ceiling_consumer: timeout after %d s\n", timeout_s);
        return 1;
      }
      const std::size_t n = consumer.consume(batch, std::chrono::milliseconds(100));
      std::uint64_t consumed = 0;
      for (std::size_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = batch[i];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++consumed;
          bytes += m->len;
          tracker.consumed(m->partition);
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          tracker.reached_end(m->partition);
        }
        rd_kafka_message_destroy(m);
      }
      if (consumed > 0) {
        last_ns = monotonic_ns();
        if (messages == 0) first_ns = last_ns;
        messages += consumed;
      }
    }
    consumer.close();
    std::printf("messages=%llu bytes=%llu first_message_ns=%lld last_message_ns=%lld "
                "active_s=%.6f\n",
                static_cast<unsigned long long>(messages), static_cast<unsigned long long>(bytes),
                static_cast<long long>(first_ns), static_cast<long long>(last_ns),
                last_ns > first_ns ? (last_ns - first_ns) / 1e9 : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ceiling_consumer: %s\n", e.what());
    return 1;
  }
}
