#include "parse/ilp_line_builder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace kilp::parse {
namespace {

class IlpLineBuilderTest : public ::testing::Test {
 protected:
  std::string written() const { return std::string(buffer_.data(), out_.size); }
  std::string buffer_ = std::string(256, '\0');
  OutputCursor out_{buffer_.data(), 0, buffer_.size()};
};

TEST_F(IlpLineBuilderTest, WritesARowWithTimestamp) {
  IlpLineBuilder row(out_);
  row.table("t").symbol("s", "a b").column_long("n", -1).column_bool("ok", true);
  ASSERT_EQ(row.at_nanos(123), IlpRowError::kNone);
  EXPECT_EQ(written(), "t,s=a\\ b n=-1i,ok=t 123\n");
}

TEST_F(IlpLineBuilderTest, WritesDecimalsOnlyUnderProtocol3) {
  using namespace std::string_literals;
  for (int protocol : {1, 2}) {
    IlpLineBuilder row(out_, protocol);
    row.table("t").column_long("n", 1).column_decimal("d", "1.5");
    EXPECT_EQ(row.at_now(), IlpRowError::kNeedsProtocol3);
  }
  IlpLineBuilder row(out_, 3);
  row.table("t").column_decimal("d", "abc");
  EXPECT_EQ(row.at_now(), IlpRowError::kBadDecimal);
  row.table("t").column_decimal("d", "1" + std::string(77, '0'));
  EXPECT_EQ(row.at_now(), IlpRowError::kBadDecimal);
  EXPECT_EQ(written(), "");  // refused rows leave nothing
  row.table("t").column_decimal("d", "-1.5").column_double("x", 0.5);
  ASSERT_EQ(row.at_now(), IlpRowError::kNone);
  EXPECT_EQ(written(),
            "t d==\x17\x01\x01\xf1,x==\x10"s + std::string("\0\0\0\0\0\0\xe0\x3f", 8) + "\n");
}

TEST_F(IlpLineBuilderTest, WritesNonFiniteDoublesAsQuestDbSpellsThem) {
  IlpLineBuilder row(out_);
  row.table("t")
      .column_double("a", std::numeric_limits<double>::quiet_NaN())
      .column_double("b", std::numeric_limits<double>::infinity())
      .column_double("c", -std::numeric_limits<double>::infinity());
  ASSERT_EQ(row.at_now(), IlpRowError::kNone);
  EXPECT_EQ(written(), "t a=NaN,b=Infinity,c=-Infinity\n");
}

TEST_F(IlpLineBuilderTest, RefusesSymbolAfterColumnAndDropsTheRow) {
  out_.size = 2;
  IlpLineBuilder row(out_);
  row.table("t").column_long("a", 1).symbol("s", "x");
  EXPECT_EQ(row.at_now(), IlpRowError::kOutOfOrder);
  EXPECT_EQ(out_.size, 2u);
}

TEST_F(IlpLineBuilderTest, RefusesMissingTableEmptyRowAndNegativeTimestamp) {
  IlpLineBuilder row(out_);
  row.column_long("a", 1);
  EXPECT_EQ(row.at_now(), IlpRowError::kOutOfOrder);
  row.table("t");
  EXPECT_EQ(row.at_now(), IlpRowError::kEmptyRow);
  row.table("t").column_long("a", 1);
  EXPECT_EQ(row.at_nanos(-1), IlpRowError::kBadTimestamp);
  EXPECT_EQ(out_.size, 0u);
}

TEST_F(IlpLineBuilderTest, RefusesNamesQuestDbRefuses) {
  IlpLineBuilder row(out_);
  EXPECT_EQ(row.table(std::string(128, 'a')).column_long("a", 1).at_now(),
            IlpRowError::kInvalidTableName);
  EXPECT_EQ(row.table("a..b").column_long("a", 1).at_now(), IlpRowError::kInvalidTableName);
  EXPECT_EQ(row.table("t").column_long("a\xEF\xBB\xBF", 1).at_now(),
            IlpRowError::kInvalidColumnName);
  EXPECT_EQ(row.table("t").column_long(std::string(127, 'a'), 1).at_now(), IlpRowError::kNone);
}

TEST_F(IlpLineBuilderTest, NoSpaceKeepsEarlierRowsAndTheBuilderReusable) {
  std::string buffer(20, '\0');
  OutputCursor out{buffer.data(), 0, buffer.size()};
  IlpLineBuilder row(out);
  ASSERT_EQ(row.table("t").column_long("a", 1).at_now(), IlpRowError::kNone);  // 7 bytes
  EXPECT_EQ(row.table("t").column_string("b", "0123456789").at_now(), IlpRowError::kNoSpace);
  EXPECT_EQ(out.size, 7u);
  ASSERT_EQ(row.table("t").column_long("c", 2).at_now(), IlpRowError::kNone);
  EXPECT_EQ(buffer.substr(0, out.size), "t a=1i\nt c=2i\n");
}

}  // namespace
}  // namespace kilp::parse
