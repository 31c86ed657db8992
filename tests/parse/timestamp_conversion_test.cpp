#include "parse/timestamp_conversion.hpp"

#include <gtest/gtest.h>

namespace kilp::parse {
namespace {

TEST(TimestampConversion, ScalesIntegers) {
  EXPECT_EQ(integer_timestamp_to_nanos(2, TimestampUnit::kSeconds), 2000000000);
  EXPECT_EQ(integer_timestamp_to_nanos(2, TimestampUnit::kMillis), 2000000);
  EXPECT_EQ(integer_timestamp_to_nanos(2, TimestampUnit::kMicros), 2000);
  EXPECT_EQ(integer_timestamp_to_nanos(2, TimestampUnit::kNanos), 2);
  EXPECT_FALSE(integer_timestamp_to_nanos(-1, TimestampUnit::kNanos));
  EXPECT_FALSE(integer_timestamp_to_nanos(9223372037, TimestampUnit::kSeconds));
}

TEST(TimestampConversion, ConvertsWholeDecimalsExactly) {
  EXPECT_EQ(decimal_timestamp_to_nanos("1.7e9", TimestampUnit::kSeconds), 1700000000000000000);
  EXPECT_EQ(decimal_timestamp_to_nanos("1.7e18", TimestampUnit::kNanos), 1700000000000000000);
  EXPECT_EQ(decimal_timestamp_to_nanos("1700000000123.000", TimestampUnit::kMillis),
            1700000000123000000);
  EXPECT_EQ(decimal_timestamp_to_nanos("15E-1", TimestampUnit::kNanos), std::nullopt);
  EXPECT_EQ(decimal_timestamp_to_nanos("150E-2", TimestampUnit::kMicros), std::nullopt);
  EXPECT_FALSE(decimal_timestamp_to_nanos("1500E-3", TimestampUnit::kMicros));
  EXPECT_EQ(decimal_timestamp_to_nanos("2000E-3", TimestampUnit::kMicros), 2000);
  EXPECT_EQ(decimal_timestamp_to_nanos("0.0", TimestampUnit::kMillis), 0);
  // Fractions of the unit are refused, never truncated (issue 10).
  EXPECT_FALSE(decimal_timestamp_to_nanos("1.5", TimestampUnit::kNanos));
  EXPECT_FALSE(decimal_timestamp_to_nanos("1700000000.5", TimestampUnit::kSeconds));
  EXPECT_FALSE(decimal_timestamp_to_nanos("1.5E-3", TimestampUnit::kSeconds));
  EXPECT_FALSE(decimal_timestamp_to_nanos("1700000000000000000.5", TimestampUnit::kNanos));
  EXPECT_EQ(decimal_timestamp_to_nanos("1700000000000000000.0", TimestampUnit::kNanos),
            1700000000000000000);
  EXPECT_FALSE(decimal_timestamp_to_nanos("1.0000000000000000000001", TimestampUnit::kSeconds));
  EXPECT_EQ(decimal_timestamp_to_nanos("1.0000000000000000000000", TimestampUnit::kSeconds),
            1000000000);
  EXPECT_FALSE(decimal_timestamp_to_nanos("-1.5", TimestampUnit::kSeconds));
  EXPECT_FALSE(decimal_timestamp_to_nanos("1e30", TimestampUnit::kNanos));
  EXPECT_FALSE(decimal_timestamp_to_nanos("9223372037.0", TimestampUnit::kSeconds));
  EXPECT_FALSE(decimal_timestamp_to_nanos("1.2.3", TimestampUnit::kSeconds));
}

}  // namespace
}  // namespace kilp::parse
