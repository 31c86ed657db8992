#pragma once
// Reads single records back from Kafka by topic, partition and offset, for the
// rare dead letter whose original record the hot path no longer holds (a row the
// sink refused after its message was released). Its own consumer, outside the
// group, created on first use with the group consumer's properties (brokers,
// security), so keeping a copy of every message is never needed.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "io/kafka/group_consumer.hpp"

namespace kilp::io {

struct FetchedRecord {
  std::string key;
  std::string value;
  std::int64_t timestamp_ms = -1;
  bool has_key = false;
  struct HeadersDeleter {
    void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
  };
  std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> headers;  // nullptr: none
};

class RecordReader {
 public:
  explicit RecordReader(const KafkaSettings& settings) : settings_(settings) {}
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The record at `offset`, or empty when it cannot be read within `timeout`
  // (deleted by retention, broker unreachable); the reason goes to stderr.
  std::optional<FetchedRecord> read(const std::string& topic, std::int32_t partition,
                                    std::int64_t offset, std::chrono::milliseconds timeout);

 private:
  bool ensure_consumer();

  KafkaSettings settings_;
  rd_kafka_t* rk_ = nullptr;
  bool failed_ = false;  // creating the consumer failed once: do not retry per record
};

}  // namespace kilp::io
