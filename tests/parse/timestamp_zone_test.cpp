// Zones in --timestamp-format patterns: the names and offsets the QuestDB Kafka
// connector's patterns accept, and refusals for everything else.
#include <gtest/gtest.h>

#include "parse/timestamp_format.hpp"

namespace kilp::parse {
namespace {

constexpr std::int64_t kAt = 1700000000000000000;  // 2023-11-14T22:13:20Z

TEST(TimestampZone, AcceptsUtcNamesAndOffsets) {
  const TimestampPattern pattern = TimestampPattern::compile("yyyy-MM-dd HH:mm:ss z");
  EXPECT_EQ(pattern.parse("2023-11-14 22:13:20 UTC"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 22:13:20 GMT"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 22:13:20 UT"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 22:13:20 Z"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 23:13:20 +01:00"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 23:13:20 +0100"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 23:13:20 +01"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 21:43:20 -00:30"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 23:13:20 GMT+01:00"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14 20:13:20 UTC-0200"), kAt);
}

TEST(TimestampZone, ZoneWithoutSeparatorAfterTheSeconds) {
  const TimestampPattern pattern = TimestampPattern::compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
  EXPECT_EQ(pattern.parse("2023-11-14T22:13:20.000UTC"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-14T22:13:20.000Z"), kAt);
  EXPECT_EQ(pattern.parse("2023-11-15T00:13:20.000+0200"), kAt);
}

TEST(TimestampZone, RefusesBadZones) {
  const TimestampPattern pattern = TimestampPattern::compile("yyyy-MM-dd HH:mm:ss z");
  for (const char* text : {"2023-11-14 22:13:20 CET", "2023-11-14 22:13:20 Europe/Paris",
                           "2023-11-14 22:13:20 utc", "2023-11-14 22:13:20 UTCX",
                           "2023-11-14 22:13:20 +1", "2023-11-14 22:13:20 +24:00",
                           "2023-11-14 22:13:20 +01:60", "2023-11-14 22:13:20 +01:0",
                           "2023-11-14 22:13:20 GMT+", "2023-11-14 22:13:20 ",
                           "2023-11-14 22:13:20 UTC+UTC"}) {
    EXPECT_FALSE(pattern.parse(text)) << text;
  }
}

}  // namespace
}  // namespace kilp::parse
