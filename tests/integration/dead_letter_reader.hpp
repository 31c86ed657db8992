#pragma once
// Reads a Kafka dead-letter topic back, as a user's consumer would: each record's
// payload and its Kafka Connect style error headers.
#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <map>
#include <string>

namespace kilp::testing {

// A header's value ("<none>": the record has no headers, "<missing>": not this one).
std::string header(const rd_kafka_message_t* message, const char* name);
// The names of a record's headers, in order, comma-separated.
std::string header_names(const rd_kafka_message_t* message);

struct DeadRecord {
  std::string reason, topic, partition, payload, trace_id, header_names, message;
};

// Source offset (header __connect.errors.offset) -> what the dead-letter topic holds for
// it; reads partition 0 of `topic` from the start until `expected` records or 30 s.
std::map<std::string, DeadRecord> read_dead_letters(const std::string& bootstrap,
                                                    const std::string& topic, std::size_t expected);

}  // namespace kilp::testing
