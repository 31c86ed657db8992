#pragma once
// Converts a JSON timestamp in a configured unit to nanoseconds since the epoch,
// refusing negative values and values beyond int64 nanoseconds (year 2262).
#include <cstdint>
#include <optional>
#include <string_view>

#include "parse/mapping_plan.hpp"

namespace kilp::parse {

// An integer count of `unit`s.
std::optional<std::int64_t> integer_timestamp_to_nanos(std::int64_t value, TimestampUnit unit);

// A JSON number token with a fraction and/or exponent (e.g. "1700000000.123456"),
// converted exactly from its decimal digits; digits below a nanosecond are dropped.
std::optional<std::int64_t> decimal_timestamp_to_nanos(std::string_view json_number,
                                                       TimestampUnit unit);

}  // namespace kilp::parse
