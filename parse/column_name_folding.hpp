#pragma once
// Column names as QuestDB compares them: ignoring case, the way Java's
// Character.toLowerCase lowers each UTF-16 unit (io.questdb.std.Chars.equalsIgnoreCase).
// That folds ASCII and every BMP letter with a lowercase form (É = é, İ = i, the Kelvin
// sign = k, Σ = σ but not ς, ǅ = ǆ, Ａ = ａ), and leaves letters beyond the BMP alone
// (Java sees them as surrogate pairs). Measured against QuestDB 9.3: a row with `a=1i,A=2i`
// is accepted, `a` keeps 1 and the 2 is dropped without a word, so kilp's duplicate
// check must call such names one column.
//
// Names are UTF-8; a byte that starts no valid sequence stands for itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kilp::parse {

// The lowercase QuestDB compares `code_point` by.
char32_t fold_column_code_point(char32_t code_point);

// Whether QuestDB takes `a` and `b` for the same column (escaped ILP names compare
// alike: the escapes are ASCII punctuation, which has no case).
bool same_column_name(std::string_view a, std::string_view b);

// A hash equal for any two names same_column_name() calls the same.
std::uint64_t hash_column_name(std::string_view name);

// Lowering can lengthen a name (Ⱥ, 2 bytes, lowers to ⱥ, 3 bytes): at most this many
// bytes come out per byte in, rounded up.
inline constexpr std::size_t folded_bytes_at_most(std::size_t name_bytes) {
  return name_bytes + (name_bytes + 1) / 2;
}

// Writes the lowered form of `name` to `out` (room for folded_bytes_at_most(size))
// and returns its length: equal outputs for the names same_column_name() calls the same.
std::size_t fold_column_name(std::string_view name, char* out);

}  // namespace kilp::parse
