#pragma once
// Generated trades as Kafka message values, for producing them to a test topic.
#include <cstdint>
#include <string>

#include "tools/kafka_producer.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {

// Message i is trade first + i (its JSON), so that batches continue one another.
inline tools::KafkaProducer::MessageMaker trades_from(std::uint64_t first) {
  return [first](std::uint64_t i, std::string& buffer) {
    return tools::format_trade_json(tools::make_trade(first + i), buffer);
  };
}

}  // namespace kilp::testing
