#pragma once
// JSON number grammar (RFC 8259 section 6), used to tell a number too large for any
// ILP type from text that is not a number at all.
#include <string_view>

namespace kilp::parse {

bool is_json_number(std::string_view token);

}  // namespace kilp::parse
