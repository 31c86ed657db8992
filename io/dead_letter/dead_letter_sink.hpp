#pragma once
// Where messages that cannot become rows go, with the reason, so that nothing is
// dropped silently. Written on the shard thread before the message's offset is
// stored; implementations must be safe to use from several shards at once (one
// object per shard) and must not lose a record they returned from.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string_view>

namespace kilp::io {

struct DeadLetterRecord {
  std::string_view reason;  // stable id, e.g. "malformed_json"
  std::string_view detail;  // human text, may be empty
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;
  std::string_view key;
  std::string_view payload;
  // A row the sink refused: the ILP line it was sent as (payload is the original
  // value when it could be read back from Kafka).
  std::string_view ilp_line;
  // The original record's headers (nullptr: none), kept on Kafka dead letters.
  const rd_kafka_headers_t* headers = nullptr;
};

class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  virtual void write(const DeadLetterRecord& record) = 0;
  virtual void flush() {}
};

}  // namespace kilp::io
