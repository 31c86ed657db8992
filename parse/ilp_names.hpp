#pragma once
// QuestDB's rules for table and column (and symbol) names, and their ILP escaping.
// A name is at most kMaxIlpNameBytes UTF-8 bytes (QuestDB's default
// cairo.max.file.name.length), not empty, and free of the characters in
// ilp_char_classes.hpp; a table name may hold single '.'s but not at either end.
#include <cstddef>
#include <string>
#include <string_view>

#include "parse/ilp_byte_writer.hpp"
#include "parse/ilp_char_classes.hpp"

namespace kilp::parse {

inline constexpr std::size_t kMaxIlpNameBytes = 127;

bool is_valid_table_name(std::string_view name);
bool is_valid_column_name(std::string_view name);

namespace detail {
inline bool is_byte_order_mark_at(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && s[i + 1] == '\xBB' && s[i + 2] == '\xBF';
}
bool append_column_name_slow(IlpByteWriter& writer, std::string_view name);
}  // namespace detail

// Writes `name` escaped; returns false (writing nothing useful) when QuestDB would
// refuse it as a column name. Validation and escaping share one pass because the
// hot loop does this for every JSON key.
inline bool append_column_name(IlpByteWriter& writer, std::string_view name) {
  if (name.empty() || name.size() > kMaxIlpNameBytes) return false;
  if (writer.remaining() < 2 * name.size()) [[unlikely]] {
    return detail::append_column_name_slow(writer, name);
  }
  char* dst = writer.pos;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const std::uint8_t cls = ilp_char_class(name[i]);
    if (cls & (kInvalidInColumn | kByteOrderMarkLead)) [[unlikely]] {
      if ((cls & kInvalidInColumn) || detail::is_byte_order_mark_at(name, i)) return false;
    }
    if (cls & kEscapeInName) *dst++ = '\\';
    *dst++ = name[i];
  }
  writer.pos = dst;
  return true;
}

// `name` escaped for ILP, unchecked (for names checked at start-up).
std::string escaped_ilp_name(std::string_view name);

// Writes a table name escaped; returns false if QuestDB would refuse it.
bool append_table_name(IlpByteWriter& writer, std::string_view name);

}  // namespace kilp::parse
