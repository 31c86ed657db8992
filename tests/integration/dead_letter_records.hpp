#pragma once
// The records of a dead-letter file (--dlq file::path=...;), parsed for checks.
#include <cstdint>
#include <string>
#include <vector>

namespace kilp::testing {

struct DeadLetterRecord {
  std::string reason;  // e.g. server_rejected, unsupported_value
  std::string detail;  // e.g. QuestDB's error text, "field arr"
  std::string topic;
  std::int64_t partition = -1;
  std::int64_t offset = -1;
  std::string payload;  // the original record's value
};

// Every record of the JSONL file at `path`; none when it does not exist. Throws
// std::runtime_error naming the file when a line is not a dead-letter record.
std::vector<DeadLetterRecord> read_dead_letters(const std::string& path);

}  // namespace kilp::testing
