#pragma once
// The fixture the mapping tests share: compile a config, encode one message, check
// that whatever is written is one strictly valid ILP line.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "parse/json_to_ilp.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {

// ILP protocol 2 bytes: doubles as written in a binary array, and an array's header
// (type, element type, dimension count, lengths) after its "==".
inline std::string doubles(std::initializer_list<double> values) {
  std::string bytes;
  for (double d : values) bytes.append(reinterpret_cast<const char*>(&d), sizeof d);
  return bytes;
}

inline std::string array_header(std::initializer_list<std::uint32_t> shape) {
  std::string bytes("\x0e\x0a", 2);
  bytes += static_cast<char>(shape.size());
  for (std::uint32_t length : shape) bytes.append(reinterpret_cast<const char*>(&length), 4);
  return bytes;
}

class MappingFeaturesTest : public ::testing::Test {
 protected:
  static MappingConfig base() {
    MappingConfig config;
    config.topic = "events";
    return config;
  }
  EncodeResult encode(const MappingConfig& config, std::string_view json,
                      const MessageMeta& meta = {}) {
    const MappingPlan plan = MappingPlan::compile(config);
    out_ = OutputCursor{buffer_.data(), 0, buffer_.size()};
    return encoder_.encode(plan, json, meta, out_);
  }
  std::string line(const MappingConfig& config, std::string_view json,
                   const MessageMeta& meta = {}) {
    const EncodeResult result = encode(config, json, meta);
    EXPECT_EQ(result.outcome, EncodeOutcome::kOk) << json << ": " << reject_reason_id(result.reason);
    const std::string written(buffer_.data(), out_.size);
    if (result.outcome == EncodeOutcome::kOk) {
      const testing::IlpParseResult parsed = testing::parse_ilp_line(written);
      EXPECT_TRUE(parsed.ok()) << parsed.error << " in " << written;
    }
    return written;
  }
  RejectReason rejection(const MappingConfig& config, std::string_view json,
                         const MessageMeta& meta = {}) {
    const EncodeResult result = encode(config, json, meta);
    EXPECT_EQ(result.outcome, EncodeOutcome::kRejected) << json;
    return result.reason;
  }

  JsonToIlpEncoder encoder_{1 << 16};
  std::string buffer_ = std::string(1 << 16, '\0');
  OutputCursor out_;
};

}  // namespace kilp::parse
