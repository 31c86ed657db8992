// Column names as QuestDB compares them (parse/column_name_folding.hpp), and the
// duplicate check built on it: QuestDB 9.3 keeps the first of `a=1i,A=2i` and drops
// the second without a word, so kilp must see one column twice there.
#include "parse/column_name_folding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parse/field_cache.hpp"
#include "tests/parse/encode_outcome.hpp"
#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

std::string folded(std::string_view name) {
  std::string out(folded_bytes_at_most(name.size()), '\0');
  out.resize(fold_column_name(name, out.data()));
  return out;
}

// Pairs QuestDB 9.3.4 took for one column when sent in one row (each second value was
// dropped), and pairs it kept apart, as measured over ILP/HTTP.
const std::vector<std::pair<std::string, std::string>> kSameColumn = {
    {"a", "A"},
    {"Price", "pRICE"},
    {"\xC3\xA9", "\xC3\x89"},          // é É
    {"i", "\xC4\xB0"},                 // i İ: 1 byte and 2
    {"k", "\xE2\x84\xAA"},             // k and the Kelvin sign: 1 byte and 3
    {"\xC3\x9F", "\xE1\xBA\x9E"},      // ß ẞ
    {"\xCF\x83", "\xCE\xA3"},          // σ Σ
    {"\xC7\x86", "\xC7\x85"},          // ǆ ǅ (title case)
    {"\xC7\x84", "\xC7\x85"},          // Ǆ ǅ
    {"\xEF\xBD\x81", "\xEF\xBC\xA1"},  // ａ Ａ (full width)
    {"\xE2\xB1\xA5x", "\xC8\xBAX"},    // ⱥx ȺX: lowering lengthens Ⱥ
    {"a\\ b", "A\\ B"},                // escaped names compare alike
};
const std::vector<std::pair<std::string, std::string>> kOtherColumns = {
    {"a", "b"},
    {"a", "aa"},
    {"\xCF\x83", "\xCF\x82"},                  // σ ς
    {"\xF0\x90\x90\x80", "\xF0\x90\x90\xA8"},  // 𐐀 𐐨: beyond the BMP, Java does not lower
    {"i", "\xC4\xB1"},                         // i ı (dotless)
    {"a\xC3", "a\xC3\x89"},                    // a cut sequence stands for its byte
};

TEST(ColumnNameFolding, SameColumnAsQuestDbComparesNames) {
  for (const auto& [a, b] : kSameColumn) {
    EXPECT_TRUE(same_column_name(a, b)) << a << " " << b;
    EXPECT_TRUE(same_column_name(b, a)) << b << " " << a;
    EXPECT_EQ(hash_column_name(a), hash_column_name(b)) << a << " " << b;
    EXPECT_EQ(folded(a), folded(b)) << a << " " << b;
  }
  for (const auto& [a, b] : kOtherColumns) {
    EXPECT_FALSE(same_column_name(a, b)) << a << " " << b;
    EXPECT_FALSE(same_column_name(b, a)) << b << " " << a;
    EXPECT_NE(folded(a), folded(b)) << a << " " << b;
  }
  EXPECT_EQ(folded("Ab\xC3\x89\xE2\x84\xAA"), "ab\xC3\xA9k");
  EXPECT_EQ(folded("\xC8\xBA"), "\xE2\xB1\xA5");  // 2 bytes become 3
  EXPECT_EQ(fold_column_code_point(U'Z'), U'z');
  EXPECT_EQ(fold_column_code_point(U'\u0130'), U'i');
  EXPECT_EQ(fold_column_code_point(U'\u0101'), U'\u0101');  // already lower
  EXPECT_EQ(fold_column_code_point(U'\u0100'), U'\u0101');
  EXPECT_EQ(fold_column_code_point(U'\U00010400'), U'\U00010400');
}

TEST(ColumnNameFolding, FieldCacheNumbersOneColumnOnce) {
  FieldCache cache(8, 256);
  cache.reset(1);
  EXPECT_EQ(cache.number_name("Price"), cache.number_name("price"));
  EXPECT_EQ(cache.number_name("\xC3\x89t\xC3\xA9"), cache.number_name("\xC3\xA9T\xC3\x89"));
  EXPECT_NE(cache.number_name("price"), cache.number_name("prices"));
  // A route keeps its own spelling: QuestDB names a new column as first written.
  FieldRoute route;
  route.name = {"Price", true};
  const FieldRoute* upper = cache.add(0, "Price", hash_text("Price"), route);
  route.name = {"price", true};
  const FieldRoute* lower = cache.add(1, "price", hash_text("price"), route);
  ASSERT_NE(upper, nullptr);
  ASSERT_NE(lower, nullptr);
  EXPECT_EQ(upper->name.text, "Price");
  EXPECT_EQ(upper->name.framed, ",Price=");
  EXPECT_EQ(lower->name.text, "price");
  EXPECT_EQ(upper->name.number, lower->name.number);
}

using ColumnNameCase = MappingFeaturesTest;

TEST_F(ColumnNameCase, NamesDifferingInCaseAreDuplicates) {
  MappingConfig config = base();
  config.symbols = {"s"};
  for (const char* json :
       {R"({"a":1,"A":2})", R"({"s":"x","S":1})", R"({"s":"x","b":{"C":1},"B_c":2})",
        "{\"\xC3\xA9t\xC3\xA9\":1,\"\xC3\x89T\xC3\x89\":2}", "{\"k\":1,\"\xE2\x84\xAA\":2}"}) {
    EXPECT_EQ(rejection(config, json), RejectReason::kDuplicateField) << json;
  }
  EXPECT_EQ(encoder_.refused_field(), "\xE2\x84\xAA");  // the second spelling is named
  config.duplicates = DuplicatePolicy::kKeepFirst;
  EXPECT_EQ(line(config, R"({"a":1,"A":2,"c":3})"), "events a=1i,c=3i\n");
  EXPECT_EQ(line(config, R"({"s":"x","S":"y","c":3})"), "events,s=x c=3i\n");
  EXPECT_EQ(line(config, R"({"A":2,"a":1})"), "events A=2i\n");
  // Names QuestDB keeps apart stay apart.
  EXPECT_EQ(line(config, "{\"\xCF\x83\":1,\"\xCF\x82\":2}"), "events \xCF\x83=1i,\xCF\x82=2i\n");
}

TEST_F(ColumnNameCase, KeyAndMetadataColumnsTooAndAtCompileTime) {
  MappingConfig config = base();
  config.key_mode = KeyMode::kColumn;
  config.kafka_offset_column = "Offset";
  MessageMeta meta;
  meta.key = "k";
  meta.offset = 7;
  EXPECT_EQ(rejection(config, R"({"KEY":1})", meta), RejectReason::kDuplicateField);
  EXPECT_EQ(rejection(config, R"({"offset":1})", meta), RejectReason::kDuplicateField);
  EXPECT_EQ(line(config, R"({"v":1})", meta), "events key=\"k\",Offset=7i,v=1i\n");
  config.kafka_partition_column = "OFFSET";
  EXPECT_THROW(MappingPlan::compile(config), std::invalid_argument);
}

TEST_F(ColumnNameCase, ExplodedRowsAndRenames) {
  MappingConfig config = base();
  config.explode = "items";
  EXPECT_EQ(rejection(config, R"({"a":1,"items":[{"A":2}]})"), RejectReason::kDuplicateField);
  config.explode.clear();
  config.rename = {{"x", "Total"}};
  EXPECT_EQ(rejection(config, R"({"x":1,"total":2})"), RejectReason::kDuplicateField);
}

// Once the field cache is full, names go through the message's own name set: the
// same comparison there, both for names the cache numbered and for those it did not.
TEST(ColumnNameFolding, BeyondTheFieldCacheToo) {
  MappingConfig config;
  config.table = "t";
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 20);
  for (int batch = 0; batch < 8; ++batch) {
    std::string json = "{";
    for (int i = 0; i < 400; ++i) {
      json += "\"k" + std::to_string(batch) + "_" + std::to_string(i) + "\":1,";
    }
    json += "\"z\":0}";
    ASSERT_EQ(encode_outcome(encoder, plan, json).substr(0, 3), "ok:") << batch;
  }
  EXPECT_EQ(encode_outcome(encoder, plan, R"({"K0_1":1,"k0_1":2})"), "rejected:duplicate_field");
  EXPECT_EQ(encode_outcome(encoder, plan, R"({"new_Key":1,"NEW_KEY":2})"),
            "rejected:duplicate_field");
  std::string many = "{";  // more names than the name set compares one by one
  for (int i = 0; i < 20; ++i) many += "\"fresh" + std::to_string(i) + "\":1,";
  EXPECT_EQ(encode_outcome(encoder, plan, many + "\"FRESH7\":2}"), "rejected:duplicate_field");
  EXPECT_EQ(encode_outcome(encoder, plan, many + "\"FRESH77\":2}").substr(0, 3), "ok:");
}

}  // namespace
}  // namespace kilp::parse
