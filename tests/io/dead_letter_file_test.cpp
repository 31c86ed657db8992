#include "io/dead_letter/dead_letter_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/io/json_check.hpp"

namespace kilp::io {
namespace {

using testing::parse_flat_json_object;

class DeadLetterFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("kilp_dlq_test_" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::vector<std::string> lines() const {
    std::ifstream in(path_, std::ios::binary);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  std::filesystem::path path_;
};

DeadLetterRecord record(std::string_view payload) {
  DeadLetterRecord r;
  r.reason = "malformed_json";
  r.detail = "expected '}' at byte 7";
  r.topic = "trades";
  r.partition = 3;
  r.offset = 42;
  r.timestamp_ms = 1700000000123;
  r.payload = payload;
  return r;
}

TEST_F(DeadLetterFileTest, WritesOneValidJsonObjectPerLine) {
  DeadLetterFile file(path_.string());
  DeadLetterRecord r = record("{\"p\": \"caf\xC3\xA9 \\\" \t\n\x01\x7f\"");
  r.key = "k1";
  file.write(r);
  ASSERT_EQ(lines().size(), 1u);
  const auto fields = parse_flat_json_object(lines()[0]);
  ASSERT_TRUE(fields.has_value()) << lines()[0];
  EXPECT_EQ(fields->at("reason"), "malformed_json");
  EXPECT_EQ(fields->at("detail"), "expected '}' at byte 7");
  EXPECT_EQ(fields->at("topic"), "trades");
  EXPECT_EQ(fields->at("partition"), "3");
  EXPECT_EQ(fields->at("offset"), "42");
  EXPECT_EQ(fields->at("timestamp_ms"), "1700000000123");
  EXPECT_EQ(fields->at("key"), "k1");
  EXPECT_EQ(fields->at("payload"), r.payload);  // round-trips through the escaping
  EXPECT_NE(lines()[0].find("\\u0001"), std::string::npos);
  EXPECT_NE(lines()[0].find("\\u0009"), std::string::npos);
}

TEST_F(DeadLetterFileTest, InvalidUtf8IsWrittenAsBase64) {
  DeadLetterFile file(path_.string());
  DeadLetterRecord r = record(std::string_view("\xFF\xFE{bad", 6));
  r.key = std::string_view("\xC0\xAF", 2);  // overlong '/'
  r.timestamp_ms = -1;
  file.write(r);
  const auto fields = parse_flat_json_object(lines().at(0));
  ASSERT_TRUE(fields.has_value()) << lines()[0];
  EXPECT_EQ(fields->count("payload"), 0u);
  EXPECT_EQ(fields->at("payload_base64"), "//57YmFk");
  EXPECT_EQ(fields->at("key_base64"), "wK8=");
  EXPECT_EQ(fields->at("timestamp_ms"), "null");
}

TEST_F(DeadLetterFileTest, MissingKeyIsNull) {
  DeadLetterFile file(path_.string());
  file.write(record("x"));
  const auto fields = parse_flat_json_object(lines().at(0));
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->at("key"), "null");
}

TEST_F(DeadLetterFileTest, LongPayloadIsCutAtACharacterBoundary) {
  DeadLetterFile file(path_.string(), 10);
  file.write(record("aaaaaaaaa\xC3\xA9zzz"));  // the cut would split the é
  const auto fields = parse_flat_json_object(lines().at(0));
  ASSERT_TRUE(fields.has_value()) << lines()[0];
  EXPECT_EQ(fields->at("payload"), "aaaaaaaaa");
  EXPECT_EQ(fields->at("payload_truncated"), "true");
  EXPECT_EQ(fields->at("payload_bytes"), "14");
}

TEST_F(DeadLetterFileTest, ShardsSharingTheFileNeverInterleaveRecords) {
  constexpr int kShards = 4;
  constexpr int kRecordsPerShard = 500;
  const std::string payload(20000, 'p');
  std::vector<std::thread> shards;
  for (int s = 0; s < kShards; ++s) {
    shards.emplace_back([&, s] {
      DeadLetterFile file(path_.string());  // one object per shard, same path
      for (int i = 0; i < kRecordsPerShard; ++i) {
        DeadLetterRecord r = record(payload);
        r.partition = s;
        r.offset = i;
        file.write(r);
      }
    });
  }
  for (auto& t : shards) t.join();
  const std::vector<std::string> all = lines();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kShards * kRecordsPerShard));
  std::vector<int> next_offset(kShards, 0);
  for (const std::string& line : all) {
    const auto fields = parse_flat_json_object(line);
    ASSERT_TRUE(fields.has_value()) << line.substr(0, 200);
    const int shard = std::stoi(fields->at("partition"));
    EXPECT_EQ(std::stoi(fields->at("offset")), next_offset[shard]++);
  }
}

TEST(Utf8, AcceptsWellFormedRejectsMalformed) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));                                 // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC3"));                                 // truncated
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));                             // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));                         // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                         // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));                     // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : vectors) {
    std::string encoded;
    append_base64(in, encoded);
    EXPECT_EQ(encoded, out) << in;
  }
}

}  // namespace
}  // namespace kilp::io
