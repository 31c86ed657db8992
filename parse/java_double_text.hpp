#pragma once
// A number sent as text ("45120.50"), read as the QuestDB Kafka connector reads it in
// its market-data transforms: Java's Double.parseDouble. Allocation-free.
#include <string_view>

namespace kilp::parse {

enum class TextDoubleStatus { kOk, kNotANumber, kOutOfRange };

// Blanks (any byte up to ' ') around the text are ignored; then an optional sign,
// then "NaN", "Infinity", or decimal digits with an optional '.', at least one digit,
// an optional exponent (e/E, optional sign, digits) and an optional type suffix
// (f, F, d, D), as Java accepts them. Java's hexadecimal form ("0x1p3") is
// kNotANumber; a value beyond a double's range, either way, is kOutOfRange (Java
// would give infinity or zero).
TextDoubleStatus parse_java_double(std::string_view text, double& value);

}  // namespace kilp::parse
