#pragma once
// Converts a JSON timestamp in a configured unit to nanoseconds since the epoch,
// refusing negative values and values beyond int64 nanoseconds (year 2262).
#include <cstdint>
#include <optional>
#include <string_view>

#include "parse/mapping_plan.hpp"

namespace kilp::parse {

// The unit the QuestDB Kafka connector guesses for a timestamp of this magnitude:
// below 10^10 seconds, below 10^13 milliseconds, below 10^16 microseconds, else
// nanoseconds (each range covers 1970 to at least 2286).
TimestampUnit guess_timestamp_unit(double magnitude);

// An integer count of `unit`s (kAuto: guessed from the value).
std::optional<std::int64_t> integer_timestamp_to_nanos(std::int64_t value, TimestampUnit unit);

// The same as value * 10^exponent, for writing the value's digits and that many zeros.
struct ScaledTimestamp {
  std::int64_t nanos = 0;
  int exponent = 0;
};
std::optional<ScaledTimestamp> scale_integer_timestamp(std::int64_t value, TimestampUnit unit);

// A JSON number token with a fraction and/or exponent (e.g. "1.7e9", "1700000000.0"),
// converted exactly from its decimal digits. Only a whole number of `unit`s is an
// instant: a fraction of the unit (1.5 in ns, 1700000000.5 in s) is refused, never
// truncated. `unit` must not be kAuto (guess it from the parsed value first).
std::optional<std::int64_t> decimal_timestamp_to_nanos(std::string_view json_number,
                                                       TimestampUnit unit);

}  // namespace kilp::parse
