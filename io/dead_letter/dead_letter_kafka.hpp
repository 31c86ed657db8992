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
//
// Security: the producer takes the consumer's security properties (-X / -F:
// security.protocol, sasl.*, ssl.*), then any librdkafka property given as a
// kafka:: key (a key with a '.', e.g. kafka::topic=dlq;sasl.username=other;),
// which wins. Its librdkafka log lines are masked (SecretMask).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/dead_letter/dead_letter_sink.hpp"
#include "io/env_expansion.hpp"
#include "io/secret_mask.hpp"

namespace kilp::io {

struct DeadLetterKafkaConfig {
  std::string topic;
  std::string brokers;  // empty: the consumer's --brokers
  // librdkafka properties for the producer, applied in order (later wins).
  std::vector<std::pair<std::string, std::string>> properties;
  std::chrono::milliseconds flush_timeout{60000};
};

// True for a 'kafka::...' dead-letter configuration string.
bool is_kafka_dead_letter_config(std::string_view text);

// 'kafka::topic=NAME;[brokers=HOST:PORT,..;][flush_timeout_ms=N;][librdkafka.property=V;..]';
// throws std::invalid_argument naming the bad key (never echoing a secret value).
// Values may use ${VAR} from `env`, as sink strings do.
DeadLetterKafkaConfig parse_dead_letter_kafka_config(std::string_view text,
                                                     const EnvLookup& env = lookup_process_env);

// The consumer properties the dead-letter producer inherits: how to reach and
// authenticate to the cluster (security.protocol, sasl.*, ssl.*, ...).
bool is_kafka_security_property(std::string_view name);

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
  static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);

  DeadLetterKafkaConfig config_;
  SecretMask mask_;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  std::int64_t unacknowledged_ = 0;  // only touched on the owning shard thread
  std::string first_failure_;
};

}  // namespace kilp::io
