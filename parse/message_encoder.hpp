#pragma once
// The encoder of one message, in parts by job: objects and names
// (message_encoder_objects.cpp), values (message_encoder_values.cpp), arrays
// (message_encoder_arrays.cpp) and timestamps (message_encoder_timestamps.cpp).
// Internal to parse/: the public entry point is parse/json_to_ilp.hpp.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "parse/field_cache.hpp"
#include "parse/field_name_set.hpp"
#include "parse/ilp_byte_writer.hpp"
#include "parse/ilp_names.hpp"
#include "parse/json_to_ilp.hpp"
#include "parse/mapping_plan.hpp"
#include "parse/ondemand_reading.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

// Columns never take more than this many times the JSON bytes they come from (the
// worst case is a one-digit array element becoming an 8-byte binary double), except
// for repeated name prefixes of flattened objects: a row that overflows this scratch
// is refused as too large.
constexpr std::size_t kColumnBytesPerJsonByte = 4;
constexpr std::size_t kColumnScratchSlack = 256;
// Longest prefix + nested key path the encoder assembles; longer names are invalid.
// Its buffer has kSameBytesSlack more bytes, for the field cache's compares.
constexpr std::size_t kMaxPathBytes = 4 * kMaxIlpNameBytes;
// Names a message can hold besides its JSON members: the key column.
constexpr std::size_t kFieldNameSlack = 16;

// A column name as the encoder writes it: escaped, or invalid (refused when a value
// would be written under it), and its number in the field cache if it has one.
struct ColumnName {
  std::string_view text;
  bool valid = true;
  std::uint32_t number = kUnnumberedName;
};

// Encodes one message: symbols go straight to the output after the table, columns to
// a scratch buffer that is appended once the object has been read, because ILP wants
// all symbols first and JSON keys come in any order.
class MessageEncoder {
 public:
  MessageEncoder(const MappingPlan& plan, const MessageMeta& meta, IlpByteWriter head,
                 IlpByteWriter columns, FieldCache& cache, FieldNameSet& seen,
                 std::size_t message_bytes, char* path)
      : plan_(plan),
        config_(plan.config()),
        meta_(meta),
        head_(head),
        columns_(columns),
        columns_begin_(columns.pos),
        cache_(cache),
        seen_(seen),
        message_bytes_(message_bytes),
        path_(path) {
    const std::string_view prefix = plan.name_prefix();
    if (!prefix.empty()) std::memcpy(path_, prefix.data(), prefix.size());
    prefix_len_ = prefix.size();
  }

  // The Kafka key as a symbol or column, before the value's fields.
  Rejection encode_key();

  // `path_len` counts the bytes of path_ after the value prefix (0 at the top);
  // `kept`: an include list covers this whole object.
  Rejection encode_object(ondemand::object& object, int depth, std::size_t path_len, bool kept);

  // Appends the columns and the line end after the symbols; nullopt when a row was
  // written (or did not fit: see head().overflowed).
  Rejection finish_row();

  const IlpByteWriter& head() const { return head_; }

 private:
  // Objects and names (message_encoder_objects.cpp).
  // What to do with the field at `path` whose column name would be `name_text`
  // (value prefix + path, unescaped): from the cache, or decided now.
  // The route stays valid until the next call.
  const FieldRoute& route_for(std::string_view path, std::string_view name_text) {
    const std::size_t ordinal = field_ordinal_++;
    if (const FieldRoute* expected = cache_.expected(ordinal, path)) [[likely]] {
      return *expected;
    }
    return route_unexpected(ordinal, path, name_text);
  }
  const FieldRoute& route_unexpected(std::size_t ordinal, std::string_view path,
                                     std::string_view name_text);
  FieldRoute decide_route(std::string_view path, std::string_view name_text);
  Rejection encode_planned(const MappingPlan::PlannedField& planned, const ColumnName& name,
                           ondemand::value& value, int depth, std::string_view path);
  // Descends into a nested object, flattening its keys onto `path_len`.
  Rejection encode_branch(ondemand::value& value, int depth, std::string_view path, bool kept);
  // `path` is the object's own path: in path_ already, or (a top-level key without a
  // value prefix) still in the JSON.
  Rejection descend(ondemand::value& value, int depth, std::string_view path, bool kept);

  void begin_symbol(std::string_view escaped_name) {
    head_.put(',');
    head_.append(escaped_name);
    head_.put('=');
    has_symbol_ = true;
  }

  // Writes ",name=" to the columns and (unless told not to yet) remembers the name
  // to refuse duplicates.
  Rejection begin_column(const ColumnName& name, bool remember = true) {
    if (!name.valid) return RejectReason::kInvalidName;
    columns_.put(',');
    char* const name_start = columns_.pos;
    columns_.append(name.text);
    if (columns_.overflowed) return RejectReason::kTooLarge;
    last_name_ = std::string_view(name_start, static_cast<std::size_t>(columns_.pos - name_start));
    last_name_number_ = name.number;
    if (remember && !first_use(name.number, last_name_)) return RejectReason::kDuplicateField;
    columns_.put('=');
    return std::nullopt;
  }

  // False if the column name was already used in this message: numbered names by
  // their stamp, the others (only once the cache is full) through the name set.
  bool first_use(std::uint32_t number, std::string_view escaped_name) {
    if (number != kUnnumberedName) return cache_.first_use(number);
    if (!seen_cleared_) {  // rarely needed: cleared on first use
      seen_.clear(message_bytes_);
      seen_cleared_ = true;
    }
    return seen_.insert(escaped_name);
  }

  // Values (message_encoder_values.cpp).
  Rejection encode_symbol(const ColumnName& name, ondemand::value& value);
  Rejection encode_column(const ColumnName& name, ondemand::value& value, int depth,
                          std::string_view path, bool kept);
  Rejection encode_number_column(const ColumnName& name, ondemand::value& value);
  // Any JSON number as an ILP double.
  Rejection encode_double(const ColumnName& name, ondemand::value& value);
  // --doubles: every number is a double; so are the strings "NaN", "Infinity" and
  // "-Infinity", which JSON cannot write as numbers.
  Rejection encode_double_hinted(const ColumnName& name, ondemand::value& value);
  // --integers: whole numbers only, also when written as 3.0 or 1e3.
  Rejection encode_integer_hinted(const ColumnName& name, ondemand::value& value);

  // Arrays (message_encoder_arrays.cpp).
  Rejection encode_array(const ColumnName& name, ondemand::value& value);

  // Timestamps (message_encoder_timestamps.cpp).
  Rejection read_timestamp(ondemand::value& value);
  Rejection read_numeric_timestamp(ondemand::value& value);

  const MappingPlan& plan_;
  const MappingConfig& config_;
  const MessageMeta& meta_;
  IlpByteWriter head_;
  IlpByteWriter columns_;
  char* columns_begin_;
  FieldCache& cache_;
  FieldNameSet& seen_;
  std::size_t message_bytes_;
  bool seen_cleared_ = false;
  char* path_;  // value prefix, then the current key path
  std::size_t prefix_len_ = 0;
  // The escaped name of the last route decided without the cache; valid until the
  // next such decision (the nested fields of an object come after its name is used).
  char route_name_[2 * kMaxIlpNameBytes];
  FieldRoute uncached_route_;
  std::size_t field_ordinal_ = 0;  // fields of the message so far, nested ones included
  std::string_view last_name_;
  std::uint32_t last_name_number_ = kUnnumberedName;
  bool has_symbol_ = false;
  bool timestamp_seen_ = false;
  std::optional<std::int64_t> timestamp_ns_;
  // When set, timestamp_ns_ written out: these digits then timestamp_zeros_ zeros.
  std::string_view timestamp_digits_;
  int timestamp_zeros_ = 0;
};

}  // namespace kilp::parse::KILP_PARSE_KERNEL
