#include "io/kafka/record_reader.hpp"

#include <fmt/format.h>

#include "io/kafka/kafka_property.hpp"

namespace kilp::io {
namespace {

// Group membership and offset handling do not apply to a reader outside the group.
bool is_group_property(const std::string& key) {
  return key == "group.id" || key == "group.instance.id" || key.rfind("enable.auto.", 0) == 0 ||
         key == "auto.commit.interval.ms" || key == "partition.assignment.strategy" ||
         key == "session.timeout.ms" || key == "heartbeat.interval.ms" ||
         key == "max.poll.interval.ms" || key == "group.protocol.type";
}

}  // namespace

RecordReader::~RecordReader() {
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

bool RecordReader::ensure_consumer() {
  if (rk_ != nullptr) return true;
  if (failed_) return false;
  const SecretMask mask = [&] {
    SecretMask m;
    m.add_properties(settings_.properties);
    return m;
  }();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) {
    if (std::optional<std::string> error = set_kafka_property(conf, key, value, mask)) {
      fmt::print(stderr, "kilp: record reader: -X {}: {}\n", key, *error);
    }
  };
  set("bootstrap.servers", settings_.brokers);
  set("client.id", settings_.client_id + "-reader");
  // librdkafka's consumer API wants a group id; this one never joins it (assign
  // only, nothing committed).
  set("group.id", settings_.group_id + ".record-reader");
  set("enable.auto.commit", "false");
  set("enable.partition.eof", "true");
  for (const auto& [key, value] : settings_.properties) {
    if (!is_group_property(key)) set(key, value);
  }
  char error[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (rk_ == nullptr) {
    failed_ = true;
    fmt::print(stderr, "kilp: record reader: cannot create a Kafka consumer: {}\n", mask.mask(error));
    return false;
  }
  rd_kafka_poll_set_consumer(rk_);
  return true;
}

std::optional<FetchedRecord> RecordReader::read(const std::string& topic, std::int32_t partition,
                                                std::int64_t offset,
                                                std::chrono::milliseconds timeout) {
  if (!ensure_consumer()) return std::nullopt;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);

  std::optional<FetchedRecord> found;
  std::string why = "timed out";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset == offset) {
      FetchedRecord record;
      if (m->key != nullptr) {
        record.has_key = true;
        record.key.assign(static_cast<const char*>(m->key), m->key_len);
      }
      if (m->payload != nullptr) record.value.assign(static_cast<const char*>(m->payload), m->len);
      record.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        record.headers.reset(rd_kafka_headers_copy(headers));
      }
      found = std::move(record);
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      why = rd_kafka_message_errstr(m);
      // The offset is gone (retention, compaction): waiting longer does not help.
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        rd_kafka_message_destroy(m);
        break;
      }
    } else if (m->offset > offset) {
      why = "the offset no longer exists (compacted)";
      rd_kafka_message_destroy(m);
      break;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk_, nullptr);
  if (!found) {
    fmt::print(stderr, "kilp: could not read back {} [{}] @{} for its dead letter: {}\n", topic,
               partition, offset, why);
  }
  return found;
}

}  // namespace kilp::io
