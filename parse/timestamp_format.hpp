#pragma once
// Timestamps written as text: RFC 3339 (ISO-8601's internet profile) by default, or
// a user pattern in the style of the QuestDB Kafka connector's
// `timestamp.string.format` (e.g. "yyyy-MM-dd HH:mm:ss.SSSUUU"). Both parse to
// nanoseconds since the epoch without allocating; instants before 1970 or after
// int64 nanoseconds (year 2262) are refused.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kilp::parse {

// "2024-01-02T03:04:05Z", "2024-01-02 03:04:05.123456789+01:00", "...t...z"; a
// missing offset means UTC.
std::optional<std::int64_t> rfc3339_to_nanos(std::string_view text);

// Pattern letters: yyyy year, MM month, dd day, HH hour (00-23), mm minute,
// ss second, each S/U/N one more fraction digit (SSS = milliseconds, SSSUUU =
// microseconds, SSSUUUNNN = nanoseconds), Z or z a zone: 'Z', an offset (+hh:mm,
// +hhmm, +hh) or UTC/GMT/UT, alone or with an offset ("GMT+01:00").
// Text in single quotes ('T') and any non-letter stand for themselves.
class TimestampPattern {
 public:
  // Throws std::invalid_argument naming the pattern and the bad letter.
  static TimestampPattern compile(std::string_view pattern);

  std::optional<std::int64_t> parse(std::string_view text) const;

 private:
  enum class Kind : std::uint8_t { kLiteral, kYear, kMonth, kDay, kHour, kMinute, kSecond,
                                   kFractionDigit, kOffset };
  struct Element {
    Kind kind;
    char literal;
  };
  std::vector<Element> elements_;
};

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace kilp::parse
