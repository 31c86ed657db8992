// The encoder's per-plan field cache must never change what a message becomes: the
// same message gives the same line (or the same reason) from a fresh encoder and from
// one that has seen other messages, other plans, or more keys than it can cache.
#include "parse/field_cache.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "parse/json_to_ilp.hpp"
#include "parse/string_table.hpp"
#include "tests/parse/encode_outcome.hpp"

namespace kilp::parse {
namespace {

std::string fresh_outcome(const MappingPlan& plan, std::string_view json) {
  JsonToIlpEncoder encoder(1 << 16);
  return encode_outcome(encoder, plan, json);
}

MappingPlan plan_with(std::vector<std::string> symbols,
                      std::vector<std::pair<std::string, std::string>> rename = {}) {
  MappingConfig config;
  config.table = "t";
  config.symbols = std::move(symbols);
  config.rename = std::move(rename);
  return MappingPlan::compile(config);
}

TEST(FieldCache, SameMessagesSameLinesAcrossPlansSharingAnEncoder) {
  // More plans than the encoder caches, each reading the same keys differently.
  std::vector<MappingPlan> plans;
  plans.push_back(plan_with({"a"}));
  plans.push_back(plan_with({"b"}));
  plans.push_back(plan_with({}, {{"a", "b"}}));  // a renamed onto b: duplicate_field
  plans.push_back(plan_with({"c"}, {{"b", "x"}}));
  plans.push_back(plan_with({"a", "b"}));
  plans.push_back(plan_with({}));
  const std::vector<std::string> messages = {
      R"({"a":"1","b":"2","c":"3"})",
      R"({"c":"3","b":"2","a":"1"})",
      R"({"a":"1","a":"2"})",
      R"({"a\u0062":"1","ab":"2"})",  // the same key escaped and not: duplicate_field
      R"({"x":1,"b":2})",             // with b renamed to x: duplicate_field
      R"({"n":{"a":1},"n_a":2})",     // flattened onto an existing name: duplicate_field
      R"({"bad,name":1})",
      R"({"d.e":1})",
  };
  JsonToIlpEncoder shared(1 << 16);
  for (int round = 0; round < 3; ++round) {
    for (const MappingPlan& plan : plans) {
      for (const std::string& message : messages) {
        EXPECT_EQ(encode_outcome(shared, plan, message), fresh_outcome(plan, message))
            << message << " round " << round;
      }
    }
  }
}

TEST(FieldCache, MoreKeysThanTheCacheHoldsStillRefuseDuplicates) {
  const MappingPlan plan = plan_with({});
  JsonToIlpEncoder encoder(1 << 20);
  // Fill the cache with distinct keys, then check duplicates among cached and
  // uncached names, in both orders.
  for (int batch = 0; batch < 8; ++batch) {
    std::string json = "{";
    for (int i = 0; i < 400; ++i) {
      json +=
          "\"k" + std::to_string(batch) + "_" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    }
    json += "\"z\":0}";
    ASSERT_EQ(encode_outcome(encoder, plan, json).substr(0, 3), "ok:") << batch;
  }
  EXPECT_EQ(encode_outcome(encoder, plan, R"({"k0_1":1,"new_key":2,"k0_1":3})"),
            "rejected:duplicate_field");
  EXPECT_EQ(encode_outcome(encoder, plan, R"({"new_key":1,"k0_1":2,"new_key":3})"),
            "rejected:duplicate_field");
  EXPECT_EQ(encode_outcome(encoder, plan, R"({"other":1,"another":2})"),
            fresh_outcome(plan, R"({"other":1,"another":2})"));
}

TEST(FieldCache, KeysInAnotherOrderThanExpected) {
  const MappingPlan plan = plan_with({"s"});
  JsonToIlpEncoder encoder(1 << 16);
  const std::vector<std::string> messages = {
      R"({"s":"x","v":1,"w":2})", R"({"v":1,"s":"x","w":2})", R"({"w":2,"v":1})",
      R"({"v":1,"v":1})",         R"({"s":"x","s":"y"})",     R"({"w":{"v":1},"w_v":2})",
  };
  for (int round = 0; round < 2; ++round) {
    for (const std::string& message : messages) {
      EXPECT_EQ(encode_outcome(encoder, plan, message), fresh_outcome(plan, message)) << message;
    }
  }
}

TEST(FieldCache, NumbersNamesAndTellsFirstUse) {
  FieldCache cache(4, 64);
  cache.reset(7);
  EXPECT_EQ(cache.plan_id(), 7u);
  const std::uint32_t a = cache.number_name("a");
  EXPECT_EQ(cache.number_name("a"), a);
  const std::uint32_t b = cache.number_name("b");
  EXPECT_NE(a, b);
  cache.begin_message();
  EXPECT_TRUE(cache.first_use(a));
  EXPECT_FALSE(cache.first_use(a));
  EXPECT_TRUE(cache.first_use(b));
  cache.begin_message();
  EXPECT_TRUE(cache.first_use(a));
  cache.number_name("c");
  cache.number_name("d");
  EXPECT_EQ(cache.number_name("e"), kUnnumberedName);  // full
  EXPECT_EQ(cache.number_name("d"), cache.number_name("d"));
}

// same_bytes() answers as memcmp does, for every length up to 40 (one block compare
// up to 16 bytes, then 8-byte words) and a difference at any place, inside the
// compared bytes or just after them.
TEST(StringTable, SameBytesAgreesWithMemcmp) {
  std::string a(40 + kSameBytesSlack, 'k');
  for (std::size_t n = 0; n <= 40; ++n) {
    for (std::size_t at = 0; at < n + 8; ++at) {
      std::string b = a;
      b[at] = 'x';
      EXPECT_EQ(same_bytes(a.data(), b.data(), n), std::memcmp(a.data(), b.data(), n) == 0)
          << "length " << n << ", difference at " << at;
    }
    EXPECT_TRUE(same_bytes(a.data(), a.data(), n));
  }
}

// An empty key cached when the path bytes are full sits at the very end of them;
// predicting it reads a block from there (under ASan, any read past the slack fails:
// the fuzzer found this with the slack one byte short).
TEST(FieldCache, AnEmptyPathAtTheEndOfAFullTableIsPredicted) {
  FieldCache cache(4, 8);
  cache.reset(1);
  const FieldRoute route;  // an invalid name: only the path is kept
  ASSERT_NE(cache.add(0, "abcdefgh", hash_text("abcdefgh"), route), nullptr);  // bytes full
  ASSERT_NE(cache.add(1, "", hash_text(""), route), nullptr);
  const std::string message = std::string("\"\":1}") + std::string(kSameBytesSlack, ' ');
  std::string_view key;
  EXPECT_NE(cache.expected_top_level(1, message.data() + 1, key), nullptr);
  EXPECT_EQ(key, "");
  EXPECT_NE(cache.expected(1, std::string_view(message.data() + 1, 0)), nullptr);
  EXPECT_EQ(cache.expected(1, std::string_view(message.data() + 4, 1)), nullptr);  // "1"
}

}  // namespace
}  // namespace kilp::parse
