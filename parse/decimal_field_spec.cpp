#include "parse/decimal_field_spec.hpp"

#include <charconv>
#include <stdexcept>

namespace kilp::parse {

namespace {

bool read_number(std::string_view text, int& number) {
  if (text.empty() || text.size() > 3) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

DecimalFieldSpec parse_decimal_field_spec(std::string_view entry) {
  DecimalFieldSpec spec;
  const std::size_t scale_colon = entry.rfind(':');
  if (scale_colon == std::string_view::npos) {
    spec.path = std::string(entry);
    return spec;
  }
  const std::size_t precision_colon =
      scale_colon == 0 ? std::string_view::npos : entry.rfind(':', scale_colon - 1);
  int precision = 0, scale = 0;
  if (precision_colon == std::string_view::npos ||
      !read_number(entry.substr(precision_colon + 1, scale_colon - precision_colon - 1),
                   precision) ||
      !read_number(entry.substr(scale_colon + 1), scale)) {
    throw std::invalid_argument("--decimals entry '" + std::string(entry) +
                                "': expected NAME or NAME:PRECISION:SCALE (e.g. price:18:8)");
  }
  if (precision < 1 || precision > kMaxDecimalPrecision || scale < 0 || scale > precision) {
    throw std::invalid_argument("--decimals entry '" + std::string(entry) +
                                "': precision must be 1-76 and scale 0 to the precision");
  }
  spec.path = std::string(entry.substr(0, precision_colon));
  spec.target = DecimalTarget{precision, scale};
  return spec;
}

}  // namespace kilp::parse
