#pragma once
// What one message becomes, as a string tests can compare: the ILP line (checked by
// the strict ILP parser) or "rejected:<reason>".
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parse/json_to_ilp.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {

inline std::string encode_outcome(JsonToIlpEncoder& encoder, const MappingPlan& plan,
                                  std::string_view json) {
  std::string buffer(1 << 17, '\0');
  OutputCursor out{buffer.data(), 0, buffer.size()};
  const EncodeResult result = encoder.encode(plan, json, MessageMeta{}, out);
  if (result.outcome != EncodeOutcome::kOk) {
    return "rejected:" + std::string(reject_reason_id(result.reason));
  }
  const std::string line(buffer.data(), out.size);
  const auto parsed = kilp::testing::parse_ilp_line(line);
  EXPECT_TRUE(parsed.ok()) << line << ": " << parsed.error;
  return "ok:" + line;
}

}  // namespace kilp::parse
