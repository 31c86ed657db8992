#include "parse/ilp_values.hpp"

#include <charconv>
#include <cmath>

namespace kilp::parse {

void append_decimal(IlpByteWriter& writer, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  writer.append(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
}

void append_double_text(IlpByteWriter& writer, double value) {
  if (std::isnan(value)) {
    writer.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    writer.append(value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  // Shortest form that reads back to the same double; QuestDB's clients spell the
  // exponent with an upper-case E, so we do too.
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  for (char* p = text; p != result.ptr; ++p) {
    if (*p == 'e') *p = 'E';
  }
  writer.append(std::string_view(text, static_cast<std::size_t>(result.ptr - text)));
}

}  // namespace kilp::parse
