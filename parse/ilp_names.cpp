#include "parse/ilp_names.hpp"

namespace kilp::parse {

namespace {
bool has_valid_length(std::string_view name) {
  return !name.empty() && name.size() <= kMaxIlpNameBytes;
}

bool has_no_refused_chars(std::string_view name, std::uint8_t refused_class) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    const std::uint8_t cls = ilp_char_class(name[i]);
    if (cls & refused_class) return false;
    if ((cls & kByteOrderMarkLead) && detail::is_byte_order_mark_at(name, i)) return false;
  }
  return true;
}

// A leading dot hides the table directory, a trailing one is trimmed by some file
// systems, and ".." looks like path traversal: QuestDB allows only single inner dots.
bool has_valid_dots(std::string_view name) {
  if (name.front() == '.' || name.back() == '.') return false;
  return name.find("..") == std::string_view::npos;
}

void append_name_escaped(IlpByteWriter& writer, std::string_view name) {
  for (char c : name) {
    if (ilp_char_class(c) & kEscapeInName) writer.put('\\');
    writer.put(c);
  }
}
}  // namespace

bool is_valid_table_name(std::string_view name) {
  return has_valid_length(name) && has_no_refused_chars(name, kInvalidInTable) &&
         has_valid_dots(name);
}

bool is_valid_column_name(std::string_view name) {
  return has_valid_length(name) && has_no_refused_chars(name, kInvalidInColumn);
}

std::string escaped_ilp_name(std::string_view name) {
  std::string escaped(2 * name.size(), '\0');
  IlpByteWriter writer(escaped.data(), escaped.data() + escaped.size());
  append_name_escaped(writer, name);
  escaped.resize(static_cast<std::size_t>(writer.pos - escaped.data()));
  return escaped;
}

bool append_table_name(IlpByteWriter& writer, std::string_view name) {
  if (!is_valid_table_name(name)) return false;
  append_name_escaped(writer, name);
  return true;
}

namespace detail {
bool append_column_name_slow(IlpByteWriter& writer, std::string_view name) {
  if (!is_valid_column_name(name)) return false;
  append_name_escaped(writer, name);
  return true;
}
}  // namespace detail

}  // namespace kilp::parse
