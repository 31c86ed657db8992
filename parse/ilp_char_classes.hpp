#pragma once
// One table lookup per byte tells the name and value writers everything they need:
// what must be escaped and what QuestDB refuses in names.
#include <array>
#include <cstdint>

namespace kilp::parse {

enum IlpCharClass : std::uint8_t {
  kEscapeInName = 1 << 0,     // table/column/symbol names and symbol values: ' ' ',' '=' \n \r '\'
  kEscapeInString = 1 << 1,   // quoted string values: '"' '\' \n \r
  kInvalidInColumn = 1 << 2,  // QuestDB refuses these anywhere in a column name
  kInvalidInTable = 1 << 3,   // ... and these in a table name ('.' has its own rule)
  kByteOrderMarkLead = 1 << 4,  // first byte of U+FEFF (EF BB BF), refused in names
};

namespace detail {
constexpr std::array<std::uint8_t, 256> make_ilp_char_classes() {
  std::array<std::uint8_t, 256> classes{};
  for (unsigned char c : {' ', ',', '=', '\n', '\r', '\\'}) classes[c] |= kEscapeInName;
  for (unsigned char c : {'"', '\\', '\n', '\r'}) classes[c] |= kEscapeInString;
  // QuestDB's rules: control characters 0x00-0x0F, DEL and these punctuation marks.
  for (unsigned c = 0; c <= 0x0F; ++c) classes[c] |= kInvalidInColumn | kInvalidInTable;
  classes[0x7F] |= kInvalidInColumn | kInvalidInTable;
  for (unsigned char c : {'?', ',', '\'', '"', '\\', '/', ':', ')', '(', '+', '*', '%', '~'}) {
    classes[c] |= kInvalidInColumn | kInvalidInTable;
  }
  for (unsigned char c : {'.', '-'}) classes[c] |= kInvalidInColumn;
  classes[0xEF] |= kByteOrderMarkLead;
  return classes;
}
}  // namespace detail

inline constexpr std::array<std::uint8_t, 256> kIlpCharClasses = detail::make_ilp_char_classes();

inline std::uint8_t ilp_char_class(char c) {
  return kIlpCharClasses[static_cast<unsigned char>(c)];
}

}  // namespace kilp::parse
