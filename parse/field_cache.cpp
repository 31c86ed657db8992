#include "parse/field_cache.hpp"

#include <algorithm>
#include <cstring>

#include "parse/column_name_folding.hpp"
#include "parse/ilp_names.hpp"

namespace kilp::parse {

FieldCache::FieldCache(std::size_t max_paths, std::size_t max_bytes)
    : paths_(max_paths, max_bytes),
      names_(max_paths, max_bytes),
      columns_(max_paths, folded_bytes_at_most(max_bytes)),
      framed_(std::make_unique<char[]>(max_bytes + 2 * max_paths)),
      framed_spans_(std::make_unique<FramedSpan[]>(max_paths)),
      routes_(std::make_unique<FieldRoute[]>(max_paths)),
      plain_paths_(std::make_unique<bool[]>(max_paths)),
      name_stamps_(std::make_unique<std::uint32_t[]>(max_paths)),
      capacity_(max_paths) {}

void FieldCache::reset(std::uint64_t plan_id) {
  paths_.clear();
  names_.clear();
  columns_.clear();
  framed_bytes_ = 0;
  std::fill(name_stamps_.get(), name_stamps_.get() + capacity_, 0u);
  generation_ = 0;
  expected_count_ = 0;
  plan_id_ = plan_id;
}

const FieldRoute* FieldCache::add(std::size_t ordinal, std::string_view path, std::uint64_t hash,
                                  const FieldRoute& route) {
  FieldRoute kept = route;
  if (route.name.valid) {
    kept.name.number = number_name(route.name.text);
    const std::optional<std::uint32_t> spelling = number_spelling(route.name.text);
    if (kept.name.number == kUnnumberedName || !spelling) return nullptr;
    kept.name.text = names_.text(*spelling);
    kept.name.framed = framed_name(*spelling);
  }
  const auto number = paths_.insert(path, hash);
  if (!number) return nullptr;
  routes_[*number] = kept;
  plain_paths_[*number] = path.find_first_of("\"\\") == std::string_view::npos;
  expect(ordinal, *number);
  return &routes_[*number];
}

std::uint32_t FieldCache::number_name(std::string_view column_name) {
  // Escaped names are at most twice the longest name QuestDB takes; a longer one is
  // no column and needs no number.
  char folded[folded_bytes_at_most(2 * kMaxIlpNameBytes)];
  if (column_name.size() > 2 * kMaxIlpNameBytes) return kUnnumberedName;
  const std::string_view lowered(folded, fold_column_name(column_name, folded));
  const auto number = columns_.insert(lowered, hash_text(lowered));
  return number ? *number : kUnnumberedName;
}

std::optional<std::uint32_t> FieldCache::number_spelling(std::string_view column_name) {
  const std::size_t known = names_.size();
  const auto number = names_.insert(column_name, hash_text(column_name));
  if (!number) return std::nullopt;
  if (*number == known) {  // new: names_ took its bytes, so framed_ has room for 2 more
    char* const framed = framed_.get() + framed_bytes_;
    framed[0] = ',';
    std::memcpy(framed + 1, column_name.data(), column_name.size());
    framed[column_name.size() + 1] = '=';
    framed_spans_[*number] = {static_cast<std::uint32_t>(framed_bytes_),
                              static_cast<std::uint32_t>(column_name.size() + 2)};
    framed_bytes_ += column_name.size() + 2;
  }
  return number;
}

void FieldCache::begin_message() {
  if (++generation_ == 0) {
    // Wrapped after 4 billion messages: old stamps could pass for this message's.
    std::fill(name_stamps_.get(), name_stamps_.get() + capacity_, 0u);
    generation_ = 1;
  }
}

}  // namespace kilp::parse
