// The field a message was refused for, which dead letters name: the innermost field,
// flattened as in the mapping, and nothing when the message as a whole was refused.
#include <gtest/gtest.h>

#include <string>

#include "tests/parse/mapping_test_fixture.hpp"

namespace kilp::parse {
namespace {

class RefusedFieldTest : public MappingFeaturesTest {
 protected:
  // The reason and the refused field of one message, as "reason field".
  std::string refusal(const MappingConfig& config, std::string_view json) {
    const RejectReason reason = rejection(config, json);
    return std::string(reject_reason_id(reason)) + " " + std::string(encoder_.refused_field());
  }
};

TEST_F(RefusedFieldTest, NamesTheTopLevelFieldAlsoWhenItsKeyWasPredicted) {
  const MappingConfig config = base();
  // The first message teaches the field cache the keys; the second is read through
  // the prediction, with the key taken from the JSON as it stands.
  EXPECT_EQ(refusal(config, R"({"price":1.5,"tags":[1,2]})"), "unsupported_value tags");
  EXPECT_EQ(refusal(config, R"({"price":1.5,"tags":[1,2]})"), "unsupported_value tags");
}

TEST_F(RefusedFieldTest, NamesTheInnermostFieldOfANestedObject) {
  const MappingConfig config = base();
  EXPECT_EQ(refusal(config, R"({"order":{"id":7,"legs":[{"qty":1}]}})"),
            "unsupported_value order_legs");
  MappingConfig dotted = base();
  dotted.separator = std::string(1, '.');  // not = ".": GCC 12 -Wrestrict false positive
  EXPECT_EQ(refusal(dotted, R"({"order":{"legs":[{"qty":1}]}})"), "unsupported_value order.legs");
}

TEST_F(RefusedFieldTest, NamesThePathWithoutTheValuePrefix) {
  MappingConfig config = base();
  config.value_prefix = "vp";
  EXPECT_EQ(refusal(config, R"({"tags":[1]})"), "unsupported_value tags");
  EXPECT_EQ(refusal(config, R"({"order":{"legs":[{"qty":1}]}})"), "unsupported_value order_legs");
}

TEST_F(RefusedFieldTest, NamesTheLastKeyOfANameTooLongAndNoKeyWithEscapes) {
  const std::string long_key(600, 'k');  // longer than any path the encoder assembles
  EXPECT_EQ(refusal(base(), R"({"outer":{")" + long_key + R"(":1}})"), "invalid_name " + long_key);
  // An escaped key is not read a second time; the object around it is named.
  EXPECT_EQ(refusal(base(), R"({"o":{"t\u0061gs":[1]}})"), "unsupported_value o");
  EXPECT_EQ(refusal(base(), R"({"t\u0061gs":[1]})"), "unsupported_value ");
}

TEST_F(RefusedFieldTest, NamesSymbolsTimestampsAndDuplicates) {
  MappingConfig config = base();
  config.symbols = {"host"};
  config.timestamp_field = "ts";
  EXPECT_EQ(refusal(config, R"({"host":{"a":1},"ts":1})"), "unsupported_value host");
  EXPECT_EQ(refusal(config, R"({"host":"h","ts":"not a date"})"), "bad_timestamp ts");
  EXPECT_EQ(refusal(base(), R"({"a_b":1,"a":{"b":2}})"), "duplicate_field a_b");
}

TEST_F(RefusedFieldTest, IsEmptyWhenTheMessageAsAWholeIsRefused) {
  MappingConfig config = base();
  config.timestamp_field = "ts";
  // After a refused field, so that a stale one would show.
  EXPECT_EQ(refusal(config, R"({"tags":[1],"ts":1})"), "unsupported_value tags");
  EXPECT_EQ(refusal(config, R"({"a":1)"), "malformed_json ");
  EXPECT_EQ(refusal(config, R"({"tags":[1],"ts":1})"), "unsupported_value tags");
  EXPECT_EQ(refusal(config, R"({"a":1})"), "missing_timestamp ");
  EXPECT_EQ(refusal(config, R"({"tags":[1],"ts":1})"), "unsupported_value tags");
  EXPECT_EQ(refusal(config, R"([1,2])"), "not_an_object ");
}

TEST_F(RefusedFieldTest, IsEmptyAfterAMessageThatWasWritten) {
  const MappingConfig config = base();
  EXPECT_EQ(refusal(config, R"({"tags":[1]})"), "unsupported_value tags");
  EXPECT_EQ(line(config, R"({"a":1})"), "events a=1i\n");
  EXPECT_EQ(encoder_.refused_field(), "");
}

}  // namespace
}  // namespace kilp::parse
