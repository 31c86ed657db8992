#include "parse/json_number_syntax.hpp"

namespace kilp::parse {

namespace {
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Advances past one or more digits; false if there is none.
bool skip_digits(std::string_view token, std::size_t& i) {
  const std::size_t start = i;
  while (i < token.size() && is_digit(token[i])) ++i;
  return i > start;
}

// JSON's integer part: an optional '-', then "0" or digits without a leading zero.
bool skip_integer_part(std::string_view token, std::size_t& i) {
  if (i < token.size() && token[i] == '-') ++i;
  if (i < token.size() && token[i] == '0') {
    ++i;
    return true;
  }
  return skip_digits(token, i);
}
}  // namespace

bool is_json_number(std::string_view token) {
  std::size_t i = 0;
  if (!skip_integer_part(token, i)) return false;
  if (i < token.size() && token[i] == '.') {
    ++i;
    if (!skip_digits(token, i)) return false;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!skip_digits(token, i)) return false;
  }
  return i == token.size();
}

}  // namespace kilp::parse
