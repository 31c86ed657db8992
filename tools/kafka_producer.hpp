#pragma once
// A librdkafka producer for the mock cluster, kilp-mock and the tests (mock or real
// broker): sends messages to explicit partitions, waits while librdkafka's local
// queue is full, and counts every message the broker did not acknowledge.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kilp::tools {

// librdkafka properties, in the order they are set (a later one wins).
using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

class KafkaProducer {
 public:
  // `properties` (bootstrap.servers, security, test.mock.num.brokers, ...) are set after
  // defaults tuned for bulk sends. Throws naming a property librdkafka refuses.
  explicit KafkaProducer(const KafkaProperties& properties);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  rd_kafka_t* handle() const { return producer_; }

  // Queues one message (copied), waiting while the local queue is full. Throws on any
  // other error.
  void send(const std::string& topic, std::int32_t partition, std::string_view key,
            std::string_view value);
  // Waits until every queued message is acknowledged or failed; throws on timeout.
  void flush(std::chrono::milliseconds timeout);
  // Messages the broker did not acknowledge so far.
  std::uint64_t failed() const { return failed_.load(); }

  // Sends `count` messages round-robin over the topic's partitions (message i to
  // partition i % partitions), then flushes; throws if any was not delivered.
  // `make(i, buffer)` returns message i's value (it may write into `buffer`), and
  // `make_key`, when given, its key (no key otherwise).
  using MessageMaker = std::function<std::string_view(std::uint64_t index, std::string& buffer)>;
  void produce(const std::string& topic, int partitions, std::uint64_t count,
               const MessageMaker& make, const MessageMaker& make_key = nullptr);

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  rd_kafka_t* producer_ = nullptr;
  std::atomic<std::uint64_t> failed_{0};
  std::uint64_t sent_ = 0;
};

}  // namespace kilp::tools
