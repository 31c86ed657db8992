#include "tests/support/sql_row_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace kilp::testing {

namespace {

// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t days, int& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<int>(year_of_era + era * 400 + (month <= 2));
}

std::string timestamp_text(std::int64_t nanos) {
  const std::int64_t micros = nanos / 1000;
  std::int64_t days = micros / 86400000000LL;
  std::int64_t rest = micros % 86400000000LL;
  if (rest < 0) {
    rest += 86400000000LL;
    --days;
  }
  int year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  char text[40];
  std::snprintf(
      text, sizeof text, "\"%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ\"", year, month, day,
      static_cast<long long>(rest / 3600000000LL), static_cast<long long>(rest / 60000000LL % 60),
      static_cast<long long>(rest / 1000000LL % 60), static_cast<long long>(rest % 1000000LL));
  return text;
}

// The elements of one dimension and everything below it, from `next`.
void append_array(std::string& out, const std::vector<double>& values,
                  const std::vector<std::uint32_t>& shape, std::size_t dimension,
                  std::size_t& next) {
  out += '[';
  for (std::uint32_t i = 0; i < shape[dimension]; ++i) {
    if (i > 0) out += ',';
    if (dimension + 1 < shape.size()) {
      append_array(out, values, shape, dimension + 1, next);
    } else {
      out += sql_double_text(values[next++]);
    }
  }
  out += ']';
}

std::string value_text(const IlpRow& row, const std::string& name, const IlpValue& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  if (const auto* number = std::get_if<double>(&value)) return sql_double_text(*number);
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  if (const auto* text = std::get_if<std::string>(&value)) return "\"" + *text + "\"";
  if (const auto* time = std::get_if<IlpTimestamp>(&value)) return timestamp_text(time->nanos);
  if (const auto* decimal = std::get_if<IlpDecimal>(&value)) return decimal->text;
  const auto& values = std::get<std::vector<double>>(value);
  for (const auto& [array_name, shape] : row.array_shapes) {
    if (array_name != name) continue;
    std::string out = "\"";
    std::size_t next = 0;
    append_array(out, values, shape, 0, next);
    return out + "\"";
  }
  return "<array without shape>";
}

std::string column_text(const IlpRow& row, const std::string& name,
                        std::string_view timestamp_column) {
  if (name == timestamp_column && row.timestamp_ns) return timestamp_text(*row.timestamp_ns);
  for (const auto& [symbol, value] : row.symbols) {
    if (symbol == name) return "\"" + value + "\"";
  }
  for (const auto& [column, value] : row.columns) {
    if (column == name) return value_text(row, name, value);
  }
  return "<absent>";
}

}  // namespace

std::string sql_double_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  const double magnitude = std::fabs(value);
  const bool scientific = magnitude != 0 && (magnitude >= 1e7 || magnitude < 1e-3);
  char text[40];
  const auto [end, error] =
      scientific ? std::to_chars(text, text + sizeof text, value, std::chars_format::scientific)
                 : std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  std::string digits(text, error == std::errc() ? end : text);
  // Java's form: "1.0E300", "1.8446744073709552E19", "5.1E-4".
  const std::size_t e = digits.find('e');
  std::string mantissa = digits.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  if (e == std::string::npos) return mantissa;
  std::string exponent = digits.substr(e + 1);
  const bool negative = exponent[0] == '-';
  exponent.erase(0, exponent.find_first_not_of("+-0"));
  return mantissa + "E" + (negative ? "-" : "") + exponent;
}

std::string sql_csv_row(const IlpRow& row, const std::vector<std::string>& columns,
                        std::string_view timestamp_column) {
  std::string out;
  for (const std::string& name : columns) {
    if (!out.empty()) out += ',';
    out += column_text(row, name, timestamp_column);
  }
  return out;
}

}  // namespace kilp::testing
