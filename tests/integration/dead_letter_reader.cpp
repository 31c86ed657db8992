#include "tests/integration/dead_letter_reader.hpp"

#include <chrono>

namespace kilp::testing {

using namespace std::chrono_literals;

std::string header(const rd_kafka_message_t* message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return "<none>";
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "<missing>";
  }
  return std::string(static_cast<const char*>(value), size);
}

std::string header_names(const rd_kafka_message_t* message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  std::string names;
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
    names += std::string(names.empty() ? "" : ",") + name;
  }
  return names;
}

std::map<std::string, DeadRecord> read_dead_letters(const std::string& bootstrap,
                                                    const std::string& topic,
                                                    std::size_t expected) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "it-dlq-reader", error, sizeof error);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(consumer, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::map<std::string, DeadRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[header(m, "__connect.errors.offset")] =
          DeadRecord{header(m, "kilp.errors.reason"),
                     header(m, "__connect.errors.topic"),
                     header(m, "__connect.errors.partition"),
                     std::string(static_cast<const char*>(m->payload), m->len),
                     header(m, "trace-id"),
                     header_names(m),
                     header(m, "__connect.errors.exception.message")};
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return out;
}

}  // namespace kilp::testing
