#pragma once
// One --decimals entry: `path` (the scale comes from each value's text) or
// `path:P:S` (DECIMAL(P,S): every value rescaled exactly to S digits after the point).
#include <string>
#include <string_view>

#include "parse/decimal_text.hpp"

namespace kilp::parse {

struct DecimalFieldSpec {
  std::string path;
  DecimalTarget target;  // precision 76 and kScaleFromText for a bare path
  bool stated() const { return target.scale != kScaleFromText; }
};

// Throws std::invalid_argument naming `entry` for a precision outside 1-76 or a
// scale outside 0-P.
DecimalFieldSpec parse_decimal_field_spec(std::string_view entry);

}  // namespace kilp::parse
