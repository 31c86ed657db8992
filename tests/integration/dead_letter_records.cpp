#include "tests/integration/dead_letter_records.hpp"

#include <simdjson.h>

#include <fstream>
#include <stdexcept>

namespace kilp::testing {

std::vector<DeadLetterRecord> read_dead_letters(const std::string& path) {
  std::vector<DeadLetterRecord> records;
  std::ifstream in(path);
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element doc;
    DeadLetterRecord record;
    std::string_view reason, detail, topic, payload;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS ||
        doc["reason"].get(reason) != simdjson::SUCCESS ||
        doc["detail"].get(detail) != simdjson::SUCCESS ||
        doc["topic"].get(topic) != simdjson::SUCCESS ||
        doc["partition"].get(record.partition) != simdjson::SUCCESS ||
        doc["offset"].get(record.offset) != simdjson::SUCCESS ||
        doc["payload"].get(payload) != simdjson::SUCCESS) {
      throw std::runtime_error(path + ": not a dead-letter record: " + line);
    }
    record.reason = reason;
    record.detail = detail;
    record.topic = topic;
    record.payload = payload;
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace kilp::testing
