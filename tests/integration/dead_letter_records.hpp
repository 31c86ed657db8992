#pragma once
// kilp's dead letters read back for checks, from either destination: the JSONL file
// (--dlq file::path=...;), or a Kafka topic (--dlq kafka::topic=...;) read as a user's
// consumer would, each record's payload with its Kafka Connect style error headers.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kilp::testing {

struct DeadLetterRecord {
  std::string reason;  // e.g. server_rejected, unsupported_value
  std::string detail;  // e.g. QuestDB's error text, "field arr" (file only)
  std::string topic;   // of the original record
  std::int64_t partition = -1;
  std::int64_t offset = -1;
  std::string payload;   // the original record's value
  std::string ilp_line;  // the refused row, when the file has it
  // A Kafka dead letter's headers: __connect.errors.exception.message, the original
  // record's own trace-id ("<missing>" without one), and every header's name in order.
  std::string exception_message, trace_id, header_names;
};

// Every record of the JSONL file at `path`; none when it does not exist. Throws
// std::runtime_error naming the file when a line is not a dead-letter record or the
// file ends mid-record.
std::vector<DeadLetterRecord> read_dead_letters(const std::string& path);

// Source offset (header __connect.errors.offset) -> the dead letter for it; reads
// partition 0 of the Kafka topic `topic` from the start until `expected` records or 30 s.
std::map<std::int64_t, DeadLetterRecord> read_dead_letter_topic(const std::string& bootstrap,
                                                                const std::string& topic,
                                                                std::size_t expected);

}  // namespace kilp::testing
