#include "tests/integration/dead_letter_records.hpp"

#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kilp::testing {
namespace {

using namespace std::chrono_literals;

DeadLetterRecord parse_record(simdjson::dom::parser& parser, const std::string& line,
                              const std::string& path) {
  simdjson::dom::element doc;
  DeadLetterRecord record;
  std::string_view reason, detail, topic, payload, ilp_line;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS ||
      doc["reason"].get(reason) != simdjson::SUCCESS ||
      doc["detail"].get(detail) != simdjson::SUCCESS ||
      doc["topic"].get(topic) != simdjson::SUCCESS ||
      doc["partition"].get(record.partition) != simdjson::SUCCESS ||
      doc["offset"].get(record.offset) != simdjson::SUCCESS ||
      doc["payload"].get(payload) != simdjson::SUCCESS) {
    throw std::runtime_error(path + ": not a dead-letter record: " + line);
  }
  if (doc["ilp_line"].get(ilp_line) == simdjson::SUCCESS) record.ilp_line = ilp_line;
  record.reason = reason;
  record.detail = detail;
  record.topic = topic;
  record.payload = payload;
  return record;
}

// A header's value ("<none>": the record has no headers, "<missing>": not this one).
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

// A number header's value; -1 when it is absent or not a number.
std::int64_t number_header(const rd_kafka_message_t* message, const char* name) {
  const std::string text = header(message, name);
  std::size_t used = 0;
  try {
    const std::int64_t value = std::stoll(text, &used);
    return used == text.size() ? value : -1;
  } catch (const std::logic_error&) {
    return -1;
  }
}

// The names of a record's headers, in order, comma-separated.
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

DeadLetterRecord from_kafka(const rd_kafka_message_t* m) {
  DeadLetterRecord record;
  record.reason = header(m, "kilp.errors.reason");
  record.topic = header(m, "__connect.errors.topic");
  record.partition = number_header(m, "__connect.errors.partition");
  record.offset = number_header(m, "__connect.errors.offset");
  record.payload = std::string(static_cast<const char*>(m->payload), m->len);
  record.exception_message = header(m, "__connect.errors.exception.message");
  record.trace_id = header(m, "trace-id");
  record.header_names = header_names(m);
  return record;
}

}  // namespace

std::vector<DeadLetterRecord> read_dead_letters(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  if (!all.empty() && all.back() != '\n') throw std::runtime_error(path + ": ends mid-record");
  std::vector<DeadLetterRecord> records;
  simdjson::dom::parser parser;
  std::istringstream lines(all);
  std::string line;
  while (std::getline(lines, line)) records.push_back(parse_record(parser, line, path));
  return records;
}

std::map<std::int64_t, DeadLetterRecord> read_dead_letter_topic(const std::string& bootstrap,
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
  std::map<std::int64_t, DeadLetterRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      DeadLetterRecord record = from_kafka(m);
      const std::int64_t offset = record.offset;
      out[offset] = std::move(record);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return out;
}

}  // namespace kilp::testing
