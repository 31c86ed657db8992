#pragma once
// JSON number grammar (RFC 8259 section 6), used to tell a number too large for any
// ILP type from text that is not a number at all.
#include <string_view>

namespace kilp::parse {

bool is_json_number(std::string_view token);

// True for a JSON number with a fraction and no exponent ("-12.50"), short enough
// to be a finite double: such text is a valid ILP double as it stands, so the
// encoder can copy it without converting it.
bool is_plain_decimal(std::string_view token);

}  // namespace kilp::parse
