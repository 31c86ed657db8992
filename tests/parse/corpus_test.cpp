// The corpus of bad (and tricky good) messages in tests/corpus: each file encodes
// to the reason its MANIFEST line names, or to one strictly valid ILP line ("ok").
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parse/json_to_ilp.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {
namespace {

const std::string kCorpus = KILP_SOURCE_DIR "/tests/corpus";

struct CorpusCase {
  std::string file;
  std::string reason;
};

std::vector<CorpusCase> manifest() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus + "/MANIFEST");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    CorpusCase c;
    fields >> c.file >> c.reason;
    cases.push_back(c);
  }
  return cases;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

MappingPlan corpus_plan() {
  MappingConfig config;
  config.topic = "corpus";
  config.symbols = {"symbol", "side"};
  config.timestamp_field = "ts";
  return MappingPlan::compile(config);
}

TEST(Corpus, EveryFileGetsItsReason) {
  const std::vector<CorpusCase> cases = manifest();
  ASSERT_GE(cases.size(), 30u);
  const MappingPlan plan = corpus_plan();
  JsonToIlpEncoder encoder(1 << 20);
  std::string buffer(1 << 20, '\0');
  for (const CorpusCase& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string json = slurp(kCorpus + "/" + c.file);
    ASSERT_FALSE(json.empty());
    OutputCursor out{buffer.data(), 0, buffer.size()};
    const EncodeResult result = encoder.encode(plan, json, MessageMeta{}, out);
    if (c.reason == "ok") {
      ASSERT_EQ(result.outcome, EncodeOutcome::kOk) << reject_reason_id(result.reason);
      const testing::IlpParseResult parsed =
          testing::parse_ilp_line(std::string_view(buffer.data(), out.size));
      EXPECT_TRUE(parsed.ok()) << parsed.error;
    } else {
      EXPECT_EQ(result.outcome, EncodeOutcome::kRejected);
      EXPECT_EQ(reject_reason_id(result.reason), c.reason);
      EXPECT_EQ(out.size, 0u);
    }
  }
}

TEST(Corpus, TenMegabyteMessageIsTooLarge) {
  // Generated here rather than committed: a valid object of 10 MB.
  std::string json = R"({"symbol":"X","blob":")";
  json.append(10 << 20, 'x');
  json += R"(","ts":1700000000})";
  const MappingPlan plan = corpus_plan();
  JsonToIlpEncoder encoder(1 << 20);
  std::string buffer(1 << 20, '\0');
  OutputCursor out{buffer.data(), 0, buffer.size()};
  const EncodeResult result = encoder.encode(plan, json, MessageMeta{}, out);
  EXPECT_EQ(result.outcome, EncodeOutcome::kRejected);
  EXPECT_EQ(result.reason, RejectReason::kTooLarge);
  // With room for it, the same message is a row.
  JsonToIlpEncoder big(json.size());
  std::string big_buffer(json.size() + 1024, '\0');
  OutputCursor big_out{big_buffer.data(), 0, big_buffer.size()};
  EXPECT_EQ(big.encode(plan, json, MessageMeta{}, big_out).outcome, EncodeOutcome::kOk);
}

}  // namespace
}  // namespace kilp::parse
