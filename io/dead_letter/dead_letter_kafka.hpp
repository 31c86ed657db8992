#pragma once
// Dead letters produced to a Kafka topic, as Kafka Connect's dead-letter queue does:
// the original key and payload, the original timestamp, and headers saying where
// the record came from and why it was refused:
//
//   __connect.errors.topic / .partition / .offset   the source record (as text)
//   __connect.errors.exception.message               the reason id (and detail)
//   kilp.errors.reason                                the reason id alone
//
// write() only enqueues (librdkafka copies the bytes); flush() waits until every
// record written so far is acknowledged by the brokers and throws SinkFatalError if
// any failed. The shard calls flush() before it stores the offsets of a buffer, so
// a dead letter's offset is committed only once the dead letter is durable, and
// the shard never blocks per message. One producer per shard (one per object).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/dead_letter/dead_letter_sink.hpp"

namespace kilp::io {

struct DeadLetterKafkaConfig {
  std::string topic;
  std::string brokers;  // empty: the consumer's --brokers
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka, for the producer
  std::chrono::milliseconds flush_timeout{60000};
};

// True for a 'kafka::...' dead-letter configuration string.
bool is_kafka_dead_letter_config(std::string_view text);

// 'kafka::topic=NAME;[brokers=HOST:PORT,..;][flush_timeout_ms=N;]' ; throws
// std::invalid_argument naming the bad key.
DeadLetterKafkaConfig parse_dead_letter_kafka_config(std::string_view text);

class DeadLetterKafka final : public DeadLetterSink {
 public:
  // Creates the producer; throws std::runtime_error naming the topic on failure.
  DeadLetterKafka(const DeadLetterKafkaConfig& config, int shard);
  ~DeadLetterKafka() override;

  void write(const DeadLetterRecord& record) override;
  void flush() override;

  // Records written and not yet acknowledged (for tests).
  std::int64_t unacknowledged() const { return unacknowledged_; }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  DeadLetterKafkaConfig config_;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  std::int64_t unacknowledged_ = 0;  // only touched on the owning shard thread
  std::string first_failure_;
};

}  // namespace kilp::io
