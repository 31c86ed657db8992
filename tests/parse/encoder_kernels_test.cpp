// Every simdjson kernel the encoder is built for that this CPU runs must turn each
// message into the same bytes (or the same reason): they are one source compiled for
// different instruction sets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parse/json_to_ilp.hpp"
#include "tests/parse/encode_outcome.hpp"

namespace kilp::parse {
namespace {

std::vector<std::string> messages() {
  std::vector<std::string> all = {
      R"({"symbol":"BTC-USD","side":"buy","price":30123.45,"amount":0.0123,"ts":1700000000123456})",
      R"({"s":"a b,c=d","msg":"say \"hi\"\n\\ then","n":-12,"big":123456789012345678901,"ts":1})",
      R"({"a":{"b":{"c":1.5e3}},"arr":[1,2.5,-3],"t":true,"f":false,"z":null,"ts":17e2})",
      R"({"k\u00e9y":"\u00e9\ud83d\ude00","x":0,"y":-0,"w":0.000001,"ts":"2024-01-02T03:04:05Z"})",
      R"({"unterminated":"abc)",
      R"([1,2])",
      R"({"a":1}{"b":2})",
      R"({"a":01})",
  };
  for (const auto& entry : std::filesystem::directory_iterator(KILP_SOURCE_DIR "/tests/corpus")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    all.push_back(text.str());
  }
  return all;
}

TEST(EncoderKernels, TheDefaultIsTheFastestThatRunsHere) {
  const std::vector<std::string_view> kernels = JsonToIlpEncoder::kernels_running_here();
  ASSERT_FALSE(kernels.empty());
  EXPECT_EQ(JsonToIlpEncoder(1024).kernel(), kernels.front());
  EXPECT_THROW(JsonToIlpEncoder(1024, "no-such-kernel"), std::invalid_argument);
}

TEST(EncoderKernels, AllKernelsWriteTheSameLines) {
  MappingConfig config;
  config.table = "t";
  config.symbols = {"symbol", "side", "s"};
  config.timestamp_field = "ts";
  MappingConfig binary = config;
  binary.protocol_version = 2;
  const MappingPlan plans[] = {MappingPlan::compile(config), MappingPlan::compile(binary)};
  const std::vector<std::string_view> kernels = JsonToIlpEncoder::kernels_running_here();
  std::vector<JsonToIlpEncoder> encoders;
  for (std::string_view kernel : kernels) encoders.emplace_back(1 << 16, kernel);
  for (const MappingPlan& plan : plans) {
    for (const std::string& message : messages()) {
      const std::string expected = encode_outcome(encoders.front(), plan, message);
      for (std::size_t i = 1; i < encoders.size(); ++i) {
        EXPECT_EQ(encode_outcome(encoders[i], plan, message), expected)
            << kernels[i] << " vs " << kernels.front() << " on " << message;
      }
    }
  }
}

}  // namespace
}  // namespace kilp::parse
