#pragma once
// librdkafka's built-in mock cluster: a real Kafka-protocol broker set on
// 127.0.0.1, used by the demo, kilp-mock, tests and the perf harness.
//
// The mock keeps at most 5 MiB and 100,000 record batches per partition and
// silently drops older batches, so data that would not fit is refused up front.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "tools/kafka_producer.hpp"

namespace kilp::tools {

// What the mock keeps per partition before it starts dropping data (librdkafka 2.0.2).
constexpr std::size_t kMockPartitionBytes = 5u * 1024 * 1024;
// Per-record bytes the mock stores besides key and value (record header + share of
// the batch header), rounded up so the estimate errs on the safe side.
constexpr std::size_t kMockRecordOverhead = 24;

// Throws std::runtime_error naming the partitions needed when `message_count`
// messages of `payload_bytes` in total would not fit in `partitions` partitions.
void check_fits_in_mock(std::string_view topic, int partitions, std::size_t message_count,
                        std::size_t payload_bytes);

class MockCluster {
 public:
  explicit MockCluster(int brokers);
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_; }
  void create_topic(const std::string& name, int partitions);

  // Produces `count` messages round-robin over the topic's partitions and waits
  // until every one is acknowledged. `make(i, buffer)` returns message i's value
  // (it may write into `buffer`). Throws on a delivery failure.
  void produce(const std::string& topic, int partitions, std::uint64_t count,
               const KafkaProducer::MessageMaker& make,
               const KafkaProducer::MessageMaker& make_key = nullptr) {
    producer_.produce(topic, partitions, count, make, make_key);
  }

  // The next requests of Kafka API `api_key` (e.g. 8 OffsetCommit, 12 Heartbeat) are
  // answered with these errors, one request each: librdkafka's fault injection.
  void fail_next_requests(std::int16_t api_key, std::initializer_list<rd_kafka_resp_err_t> errors);
  // The next request of Kafka API `api_key` to broker 1 is answered, without error, only
  // after `delay`.
  void delay_next_request(std::int16_t api_key, std::chrono::milliseconds delay);

 private:
  KafkaProducer producer_;  // owns the mock cluster
  std::string bootstrap_;
};

}  // namespace kilp::tools
