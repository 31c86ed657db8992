#pragma once
// What the encoder decided about each field path under one mapping plan (planned
// role, escaped column name, whether an include list keeps something below it), so
// that later messages with the same keys skip the plan lookup and the name
// validation and escaping. Column names are numbered as QuestDB tells columns apart,
// ignoring case (parse/column_name_folding.hpp), which makes the duplicate check one
// stamp per column. Fixed capacity, allocated once: once full, new paths and names
// are not cached and the encoder takes its uncached path for them.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include "parse/mapping_plan.hpp"
#include "parse/string_table.hpp"

namespace kilp::parse {

inline constexpr std::uint32_t kUnnumberedName = std::numeric_limits<std::uint32_t>::max();

// A column name as the encoder writes it: escaped, or invalid (refused when a value
// would be written under it), its column's number in the field cache if it has one
// (names QuestDB takes for one column, such as `a` and `A`, share it), and ",name="
// when the cache holds it so (written in one copy).
struct ColumnName {
  std::string_view text;
  bool valid = true;
  std::uint32_t number = kUnnumberedName;
  std::string_view framed;  // empty when not cached
};

struct FieldRoute {
  const MappingPlan::PlannedField* planned = nullptr;  // nullptr: the plan does not name it
  // Valid when the path makes a column name QuestDB accepts. The encoder passes it on
  // as it is, without a copy per field.
  ColumnName name{{}, false};
  bool kept_below = false;  // an include list keeps a field below this path
};

class FieldCache {
 public:
  FieldCache(std::size_t max_paths, std::size_t max_bytes);

  std::uint64_t plan_id() const { return plan_id_; }
  // Forgets everything and serves plan `plan_id` from now on.
  void reset(std::uint64_t plan_id);

  // Messages of a topic mostly hold the same keys in the same order: the route of the
  // `ordinal`-th field of the message when it has the path that field had last time
  // (`path` needs kSameBytesSlack readable bytes after it).
  const FieldRoute* expected(std::size_t ordinal, std::string_view path) const {
    if (ordinal >= expected_count_) return nullptr;
    const ExpectedField& field = expected_[ordinal];
    if (field.length != path.size() || !same_bytes(field.text, path.data(), path.size())) {
      return nullptr;
    }
    return field.route;
  }

  // The same for a top-level field, whose path is its key, straight from the JSON:
  // when `raw_key` (just after the key's opening quote) holds the expected key
  // without escapes and then the closing quote, sets `key` and returns its route.
  const FieldRoute* expected_top_level(std::size_t ordinal, const char* raw_key,
                                       std::string_view& key) const {
    if (ordinal >= expected_count_) return nullptr;
    const ExpectedField& field = expected_[ordinal];
    if (!field.plain || !same_bytes(raw_key, field.text, field.length) ||
        raw_key[field.length] != '"') {
      return nullptr;
    }
    key = std::string_view(raw_key, field.length);
    return field.route;
  }

  // The route of `path`, or nullptr; either way, `ordinal` expects `path` next time.
  const FieldRoute* find(std::size_t ordinal, std::string_view path, std::uint64_t hash) {
    const auto number = paths_.find(path, hash);
    if (!number) return nullptr;
    expect(ordinal, *number);
    return &routes_[*number];
  }

  // Keeps `route` (its column name copied and numbered); nullptr when full.
  const FieldRoute* add(std::size_t ordinal, std::string_view path, std::uint64_t hash,
                        const FieldRoute& route);

  // The number of the column an escaped name writes to, numbered now if new; names
  // QuestDB compares equal get the same number. kUnnumberedName when full.
  std::uint32_t number_name(std::string_view column_name);

  // Starts a message: every name is unused again.
  void begin_message();

  // Marks name `number` used in this message; false if it already was.
  bool first_use(std::uint32_t number) {
    if (name_stamps_[number] == generation_) return false;
    name_stamps_[number] = generation_;
    return true;
  }

 private:
  static constexpr std::size_t kExpectedFields = 256;

  // Everything the prediction needs in one place: one load per field, not a chain.
  struct ExpectedField {
    const char* text = nullptr;  // the path, in paths_ (which never moves its bytes)
    std::uint32_t length = 0;
    bool plain = false;  // holds no quote or backslash
    const FieldRoute* route = nullptr;
  };

  void expect(std::size_t ordinal, std::uint32_t path_number) {
    if (ordinal >= kExpectedFields) return;
    const std::string_view text = paths_.text(path_number);
    expected_[ordinal] = {text.data(), static_cast<std::uint32_t>(text.size()),
                          plain_paths_[path_number], &routes_[path_number]};
    if (ordinal >= expected_count_) expected_count_ = ordinal + 1;
  }

  // ",name=" for spelling `number` (a number of names_).
  std::string_view framed_name(std::uint32_t number) const {
    const FramedSpan span = framed_spans_[number];
    return std::string_view(framed_.get() + span.offset, span.length);
  }
  // The number of `column_name` as spelled, kept with its framed form.
  std::optional<std::uint32_t> number_spelling(std::string_view column_name);

  StringTable paths_;
  StringTable names_;    // column names as spelled: a route writes its own
  StringTable columns_;  // column names lowered as QuestDB compares them, numbered
  struct FramedSpan {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  std::unique_ptr<char[]> framed_;  // each name between ',' and '=', by number
  std::unique_ptr<FramedSpan[]> framed_spans_;
  std::size_t framed_bytes_ = 0;
  std::unique_ptr<FieldRoute[]> routes_;          // by path number
  std::unique_ptr<bool[]> plain_paths_;           // by path number: holds no quote or backslash
  std::unique_ptr<std::uint32_t[]> name_stamps_;  // by column number: last message using it
  std::size_t capacity_;
  ExpectedField expected_[kExpectedFields];  // by field ordinal
  std::size_t expected_count_ = 0;
  std::uint32_t generation_ = 0;
  std::uint64_t plan_id_ = 0;
};

}  // namespace kilp::parse
