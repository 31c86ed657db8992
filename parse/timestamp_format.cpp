#include "parse/timestamp_format.hpp"

#include <stdexcept>
#include <string>

namespace kilp::parse {

namespace {

struct CivilTime {
  std::int64_t year = 1970;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::int64_t fraction_ns = 0;
  std::int64_t offset_seconds = 0;  // east of UTC
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view text, std::size_t& pos, int n, unsigned& out) {
  if (text.size() - pos < static_cast<std::size_t>(n)) return false;
  unsigned value = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = value;
  return true;
}

bool is_leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// 'Z' / 'z' / +hh:mm / -hh:mm / +hhmm.
bool read_offset(std::string_view text, std::size_t& pos, std::int64_t& offset_seconds) {
  if (pos >= text.size()) return false;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
    offset_seconds = 0;
    return true;
  }
  if (text[pos] != '+' && text[pos] != '-') return false;
  const bool negative = text[pos] == '-';
  ++pos;
  unsigned hours = 0, minutes = 0;
  if (!read_digits(text, pos, 2, hours)) return false;
  if (pos < text.size() && text[pos] == ':') ++pos;
  if (!read_digits(text, pos, 2, minutes)) return false;
  if (hours > 23 || minutes > 59) return false;
  offset_seconds = (negative ? -1 : 1) * static_cast<std::int64_t>(hours * 3600 + minutes * 60);
  return true;
}

bool starts_with_at(std::string_view text, std::size_t pos, std::string_view word) {
  return text.size() - pos >= word.size() && text.compare(pos, word.size(), word) == 0;
}

// A pattern's zone: an offset as above, +hh alone, or the names of UTC the
// connector's patterns accept (UTC, GMT, UT), optionally followed by an offset
// ("GMT+01:00"). Region names (Europe/Paris, CET) need a time-zone database and are
// refused.
bool read_zone(std::string_view text, std::size_t& pos, std::int64_t& offset_seconds) {
  for (std::string_view name : {"UTC", "GMT", "UT"}) {
    if (!starts_with_at(text, pos, name)) continue;
    pos += name.size();
    offset_seconds = 0;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      return read_zone(text, pos, offset_seconds);
    }
    return true;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-') && text.size() - pos >= 3 &&
      (text.size() - pos == 3 || !(is_digit(text[pos + 3]) || text[pos + 3] == ':'))) {
    const bool negative = text[pos] == '-';
    ++pos;
    unsigned hours = 0;
    if (!read_digits(text, pos, 2, hours) || hours > 23) return false;
    offset_seconds = (negative ? -1 : 1) * static_cast<std::int64_t>(hours * 3600);
    return true;
  }
  return read_offset(text, pos, offset_seconds);
}

std::optional<std::int64_t> to_nanos(const CivilTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month) ||
      t.hour > 23 || t.minute > 59 || t.second > 60) {
    return std::nullopt;
  }
  // A leap second (":60") is read as the first instant of the next minute.
  const std::int64_t seconds = days_from_civil(t.year, t.month, t.day) * 86400 +
                               t.hour * 3600 + t.minute * 60 + t.second - t.offset_seconds;
  std::int64_t nanos = 0;
  if (seconds < 0 || __builtin_mul_overflow(seconds, 1'000'000'000, &nanos) ||
      __builtin_add_overflow(nanos, t.fraction_ns, &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  // Count from 0000-03-01 so that the leap day ends each 4/100/400-year cycle.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 +
                                  day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<std::int64_t> rfc3339_to_nanos(std::string_view text) {
  CivilTime t;
  std::size_t pos = 0;
  unsigned year = 0;
  if (!read_digits(text, pos, 4, year)) return std::nullopt;
  t.year = year;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!read_digits(text, pos, 2, t.month)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!read_digits(text, pos, 2, t.day)) return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!read_digits(text, pos, 2, t.hour)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != ':') return std::nullopt;
  if (!read_digits(text, pos, 2, t.minute)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != ':') return std::nullopt;
  if (!read_digits(text, pos, 2, t.second)) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    std::int64_t scale = 100'000'000;
    for (; pos < text.size() && is_digit(text[pos]); ++pos, ++digits) {
      t.fraction_ns += (text[pos] - '0') * scale;  // digits past nanoseconds add 0
      scale /= 10;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos < text.size() && !read_offset(text, pos, t.offset_seconds)) return std::nullopt;
  if (pos != text.size()) return std::nullopt;
  return to_nanos(t);
}

TimestampPattern TimestampPattern::compile(std::string_view pattern) {
  TimestampPattern compiled;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("timestamp format '" + std::string(pattern) + "': " + why);
  };
  int fraction_digits = 0;
  bool seen[9] = {};
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      const std::size_t close = pattern.find('\'', i + 1);
      if (close == std::string_view::npos) refuse("unclosed quote");
      if (close == i + 1) compiled.elements_.push_back({Kind::kLiteral, '\''});  // '' = '
      for (std::size_t j = i + 1; j < close; ++j) {
        compiled.elements_.push_back({Kind::kLiteral, pattern[j]});
      }
      i = close + 1;
      continue;
    }
    const bool is_letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!is_letter) {
      compiled.elements_.push_back({Kind::kLiteral, c});
      ++i;
      continue;
    }
    std::size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    auto field = [&](Kind kind, std::size_t width, const char* spelled) {
      if (run != width) refuse(std::string("expected ") + spelled);
      if (seen[static_cast<int>(kind)]) refuse(std::string(spelled) + " appears twice");
      seen[static_cast<int>(kind)] = true;
      compiled.elements_.push_back({kind, 0});
    };
    switch (c) {
      case 'y': field(Kind::kYear, 4, "yyyy"); break;
      case 'M': field(Kind::kMonth, 2, "MM"); break;
      case 'd': field(Kind::kDay, 2, "dd"); break;
      case 'H': field(Kind::kHour, 2, "HH"); break;
      case 'm': field(Kind::kMinute, 2, "mm"); break;
      case 's': field(Kind::kSecond, 2, "ss"); break;
      case 'Z':
      case 'z': field(Kind::kOffset, 1, "one Z"); break;
      case 'S':
      case 'U':
      case 'N':
        fraction_digits += static_cast<int>(run);
        if (fraction_digits > 9) refuse("more than 9 fraction digits (S/U/N)");
        for (std::size_t k = 0; k < run; ++k) compiled.elements_.push_back({Kind::kFractionDigit, 0});
        break;
      default:
        refuse(std::string("unknown pattern letter '") + c + "' (quote literal text: 'T')");
    }
    i += run;
  }
  if (!seen[static_cast<int>(Kind::kYear)] || !seen[static_cast<int>(Kind::kMonth)] ||
      !seen[static_cast<int>(Kind::kDay)]) {
    refuse("needs at least yyyy, MM and dd");
  }
  return compiled;
}

std::optional<std::int64_t> TimestampPattern::parse(std::string_view text) const {
  CivilTime t;
  std::size_t pos = 0;
  std::int64_t fraction_scale = 100'000'000;
  for (const Element& element : elements_) {
    unsigned value = 0;
    switch (element.kind) {
      case Kind::kLiteral:
        if (pos >= text.size() || text[pos] != element.literal) return std::nullopt;
        ++pos;
        break;
      case Kind::kYear:
        if (!read_digits(text, pos, 4, value)) return std::nullopt;
        t.year = value;
        break;
      case Kind::kMonth:
        if (!read_digits(text, pos, 2, t.month)) return std::nullopt;
        break;
      case Kind::kDay:
        if (!read_digits(text, pos, 2, t.day)) return std::nullopt;
        break;
      case Kind::kHour:
        if (!read_digits(text, pos, 2, t.hour)) return std::nullopt;
        break;
      case Kind::kMinute:
        if (!read_digits(text, pos, 2, t.minute)) return std::nullopt;
        break;
      case Kind::kSecond:
        if (!read_digits(text, pos, 2, t.second)) return std::nullopt;
        break;
      case Kind::kFractionDigit:
        if (!read_digits(text, pos, 1, value)) return std::nullopt;
        t.fraction_ns += value * fraction_scale;
        fraction_scale /= 10;
        break;
      case Kind::kOffset:
        if (!read_zone(text, pos, t.offset_seconds)) return std::nullopt;
        break;
    }
  }
  if (pos != text.size()) return std::nullopt;
  return to_nanos(t);
}

}  // namespace kilp::parse
