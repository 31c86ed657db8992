// The connector's `mappings` syntax of OrderBookToArray and StructArrayExplode, and the
// rules MappingPlan::compile adds across mappings (issue 22). The connector's own
// configuration tests (OrderBookToArrayTest, StructArrayExplodeTest) carry over.
#include "parse/object_array_mapping.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "parse/mapping_plan.hpp"

namespace kilp::parse {
namespace {

using Shape = ObjectArrayShape;

std::vector<ObjectArrayMapping> parse(std::string_view text, Shape shape = Shape::kMatrix) {
  return parse_object_array_mappings("--flag", text, shape);
}

// The error message, or "" when `text` parses.
std::string parse_error(std::string_view text, Shape shape = Shape::kMatrix) {
  try {
    parse(text, shape);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// The error message, or "" when the mapping compiles.
std::string compile_error(std::string_view matrices, std::string_view per_field = {},
                          void (*adjust)(MappingConfig&) = nullptr) {
  MappingConfig config;
  config.topic = "t";
  config.protocol_version = 2;
  if (!matrices.empty()) config.object_arrays = parse(matrices);
  if (!per_field.empty()) {
    for (ObjectArrayMapping& m : parse(per_field, Shape::kArrayPerField)) {
      config.object_arrays.push_back(std::move(m));
    }
  }
  if (adjust != nullptr) adjust(config);
  try {
    MappingPlan::compile(config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ObjectArrayMappingSyntax, TheConnectorsForm) {
  const auto mappings = parse(" buy_entries : bids : px , size ;; sell_entries:asks:px,size ;");
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0],
            (ObjectArrayMapping{Shape::kMatrix, "buy_entries", {"bids"}, {"px", "size"}}));
  EXPECT_EQ(mappings[1].source, "sell_entries");
  const auto exploded = parse("vols:strikes,ivols,svols:strike,ivol,svol", Shape::kArrayPerField);
  ASSERT_EQ(exploded.size(), 1u);
  EXPECT_EQ(exploded[0].targets, (std::vector<std::string>{"strikes", "ivols", "svols"}));
  EXPECT_EQ(exploded[0].fields, (std::vector<std::string>{"strike", "ivol", "svol"}));
  EXPECT_EQ(parse("entries:data:px")[0].fields, (std::vector<std::string>{"px"}));
}

TEST(ObjectArrayMappingSyntax, RefusesWhatTheConnectorRefusesNamingTheEntry) {
  // testInvalidMappingFormat, testBlankMappingsConfig, testOnlySemicolonsMappingsConfig,
  // testInvalidMappingFormat_mismatchedLengths.
  EXPECT_TRUE(
      contains(parse_error("only_two_parts:target"),
               "--flag: mapping 'only_two_parts:target': expected source:target:field1,field2"));
  EXPECT_TRUE(contains(parse_error(""), "holds no mapping"));
  EXPECT_TRUE(contains(parse_error(";;;"), "holds no mapping"));
  EXPECT_TRUE(contains(parse_error("vols:strikes,ivols:strike,ivol,svol", Shape::kArrayPerField),
                       "2 target columns for 3 element fields"));
  EXPECT_TRUE(contains(parse_error("a:b:c:d"), "expected"));
  // Where the connector would fail per record instead: empty names, two matrix targets.
  EXPECT_TRUE(contains(parse_error("a:b:"), "element field name is empty"));
  EXPECT_TRUE(contains(parse_error("a::c"), "target column name is empty"));
  EXPECT_TRUE(contains(parse_error(":b:c"), "source field is empty"));
  EXPECT_TRUE(contains(parse_error("a:b:x,,y"), "element field name is empty"));
  EXPECT_TRUE(contains(parse_error("a:b,c:x,y"), "one target column"));
}

TEST(ObjectArrayMappingRules, AcrossMappings) {
  EXPECT_EQ(compile_error("buy_entries:bids:px,size;sell_entries:asks:px,size"), "");
  EXPECT_EQ(compile_error("", "entries:entries:px"), "");  // testSelfReplacementAllowed
  // testDuplicateTargetColumnNames, testDuplicateSourceField, testTargetCollidesWithSourceField.
  EXPECT_TRUE(
      contains(compile_error("", "vols:strikes,ivols:strike,ivol;vols2:strikes,svols:strike,svol"),
               "column 'strikes' would be written twice"));
  EXPECT_TRUE(contains(compile_error("", "entries:prices:px;entries:sizes:size"),
                       "field 'entries' cannot be both"));
  EXPECT_TRUE(contains(
      compile_error("", "raw_bids:bids,bid_sizes:price,size;bids:ask_prices,ask_sizes:price,size"),
      "target column 'bids' replaces the field of that name"));
  // The two options together, as two transforms of one connector chain.
  EXPECT_TRUE(contains(compile_error("a:x:p", "b:x:p"), "column 'x' would be written twice"));
  EXPECT_EQ(compile_error("a:m:p,q", "b:p1,q1:p,q"), "");
  EXPECT_TRUE(contains(compile_error("a:m:p,p"), "element field 'p' is named twice"));
  EXPECT_TRUE(contains(compile_error("a:bad-name:p"), "invalid target column name 'bad-name'"));
}

TEST(ObjectArrayMappingRules, AgainstTheRestOfTheMapping) {
  EXPECT_TRUE(
      contains(compile_error("a:bids:p", {}, [](MappingConfig& c) { c.symbols = {"bids"}; }),
               "target column 'bids' replaces the field of that name"));
  EXPECT_TRUE(contains(compile_error("a:bids:p", {}, [](MappingConfig& c) { c.symbols = {"a"}; }),
                       "field 'a' cannot be both a symbol and the source"));
  EXPECT_TRUE(contains(compile_error("a:bids:p", {},
                                     [](MappingConfig& c) {
                                       c.rename = {{"x", "bids"}};
                                     }),
                       "column 'bids' would be written twice"));
  EXPECT_TRUE(contains(compile_error("a:k:p", {},
                                     [](MappingConfig& c) {
                                       c.key_mode = KeyMode::kColumn;
                                       c.key_prefix.assign(
                                           1, 'k');  // GCC 12 -Wrestrict false positive on = "k"
                                     }),
                       "column 'k' would be written twice"));
  EXPECT_TRUE(
      contains(compile_error("a:bids:p", {}, [](MappingConfig& c) { c.table = "t_${bids}"; }),
               "replaces the field of that name"));
  EXPECT_TRUE(contains(compile_error("book_bids:book:p"), "and with it 'book_bids'"));
  EXPECT_TRUE(contains(compile_error("a:m:p", {}, [](MappingConfig& c) { c.symbols = {"m_x"}; }),
                       "and with it 'm_x'"));
  // Excluding or including the target's name is no conflict.
  EXPECT_EQ(compile_error("a:bids:p", {}, [](MappingConfig& c) { c.exclude = {"bids"}; }), "");
  EXPECT_EQ(compile_error("a:bids:p", {}, [](MappingConfig& c) { c.include = {"bids", "a"}; }), "");
}

}  // namespace
}  // namespace kilp::parse
