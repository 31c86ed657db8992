#pragma once
// The encoder of one message, in parts by job: objects and names
// (message_encoder_objects.cpp), values (message_encoder_values.cpp), arrays
// (message_encoder_arrays.cpp), arrays of objects as double arrays
// (message_encoder_object_arrays.cpp), timestamps (message_encoder_timestamps.cpp), record
// formats (message_encoder_formats.cpp) and exploded rows (message_encoder_explode.cpp).
// Internal to parse/: the public entry point is parse/json_to_ilp.hpp.
#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "parse/connect_schema.hpp"
#include "parse/double_array_shape.hpp"
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
// Names a message can hold besides its JSON members: the key and metadata columns.
constexpr std::size_t kFieldNameSlack = 16;
// Longest text of a composed designated timestamp (--timestamp-field date,time).
constexpr std::size_t kMaxComposedTimestampBytes = 256;
// Longest JSON token read for a ${field} of the table: longer can never make a name.
constexpr std::size_t kMaxTableFieldTokenBytes = 2 * kMaxIlpNameBytes + 2;

// Internal to the encoder, never a dead-letter reason: a duplicate column under
// --duplicates keep-first was dropped and encode_object goes on with the next field
// (simdjson skips the unread value).
constexpr RejectReason kSkipDuplicate = RejectReason::kCount;

// Encodes one message: symbols go straight to the output after the table, columns to
// a scratch buffer that is appended once the object has been read, because ILP wants
// all symbols first and JSON keys come in any order.
class MessageEncoder {
 public:
  // `captured` has room for kCapturedTexts views that outlive the encoder (kept by
  // the caller so that each message does not clear them all); the last, the refused
  // field, comes empty.
  MessageEncoder(const MappingPlan& plan, const MessageMeta& meta, IlpByteWriter head,
                 IlpByteWriter columns, FieldCache& cache, FieldNameSet& seen,
                 std::size_t message_bytes, char* path, std::string_view* captured)
      : plan_(plan),
        config_(plan.config()),
        meta_(meta),
        head_(head),
        columns_(columns),
        columns_begin_(columns.pos),
        cache_(cache),
        seen_(seen),
        message_bytes_(message_bytes),
        path_(path),
        timestamp_parts_(captured),
        table_values_(captured + MappingPlan::kMaxTimestampParts),
        refused_field_(table_values_ + MappingPlan::kMaxTableFields) {
    const std::string_view prefix = plan.name_prefix();
    if (!prefix.empty()) std::memcpy(path_, prefix.data(), prefix.size());
    prefix_len_ = prefix.size();
    // Composed timestamp parts are read only once seen (timestamp_seen_).
    for (std::size_t i = 0; i < plan.table_field_count(); ++i) table_values_[i] = {};
  }

  // Composed timestamp parts, ${field} values, the refused field.
  static constexpr std::size_t kCapturedTexts =
      MappingPlan::kMaxTimestampParts + MappingPlan::kMaxTableFields + 1;

  // The Kafka key as a symbol or column, before the value's fields.
  Rejection encode_key();
  // The key (or a scalar JSON key) as text under the key's name.
  Rejection encode_key_text(std::string_view text);
  // --key-format json|envelope: the key's JSON value (message_encoder_key.cpp): an
  // object's fields become key_prefix + separator + path, a scalar its text. Their
  // escaped names are kept in `names` (enough for twice the key's bytes), as the
  // duplicate check may hold on to them until the row is done.
  Rejection encode_key_value(ondemand::value& value, IlpByteWriter& names);

  // --kafka-*-column: the record's metadata as columns, before the value's fields
  // so that a value field of the same name is the duplicate.
  Rejection encode_kafka_columns();

  // `path_len` counts the bytes of path_ after the value prefix (0 at the top);
  // `kept`: an include list covers this whole object; `schema`: its Connect struct
  // schema (--value-format envelope), or nullptr.
  Rejection encode_object(ondemand::object& object, int depth, std::size_t path_len, bool kept,
                          const ConnectField* schema = nullptr) {
    // Two loops, so that plain JSON pays nothing for envelope schemas (callgrind: 2%).
    return schema == nullptr ? encode_members<false>(object, depth, path_len, kept, nullptr)
                             : encode_members<true>(object, depth, path_len, kept, schema);
  }

  // --value-format envelope: the envelope's schema (set before its payload is
  // encoded; its fields stay valid while the message is).
  void use_connect_schema(const ConnectSchema* schema) { connect_schema_ = schema; }
  // --explode with a schema: the struct schema of the exploded array's elements.
  const ConnectField* exploded_schema() const { return exploded_schema_; }

  // Appends the columns and the line end after the symbols; nullopt when a row was
  // written (or did not fit: see head().overflowed).
  Rejection finish_row();

  const IlpByteWriter& head() const { return head_; }

  // The captured values of the table template's ${field}s (empty view = absent).
  const std::string_view* table_values() const { return table_values_; }

  // --explode (message_encoder_explode.cpp). The raw JSON of the exploded array once
  // the message was read; empty when it was absent or null.
  std::string_view exploded_array() const { return exploded_array_; }
  // While the message is read, the numbers of the names it uses go to `names`
  // (room for `capacity`), so that each exploded row can start from them again.
  void record_names(std::uint32_t* names, std::size_t capacity) {
    recorded_names_ = names;
    recorded_capacity_ = capacity;
  }
  // Keeps what every row of an exploded message shares (the message's columns,
  // names and timestamp) and moves composed timestamp parts into `scratch`, as the
  // elements are read by the same parser, which reuses its string buffer.
  Rejection keep_message_state(char* scratch, std::size_t scratch_bytes);
  // Starts the row of one element at `head`, with `prefix` (the table and the
  // message's symbols) and the message's state.
  void begin_element_row(IlpByteWriter head, std::string_view prefix);

 private:
  // Objects and names (message_encoder_objects.cpp).
  // The member loop of encode_object, built once with and once without a schema.
  template <bool kTyped>
  Rejection encode_members(ondemand::object& object, int depth, std::size_t path_len, bool kept,
                           const ConnectField* schema);
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
  Rejection encode_branch(ondemand::value& value, int depth, std::string_view path, bool kept,
                          const ConnectField* schema = nullptr);
  // `path` is the object's own path: in path_ already, or (a top-level key without a
  // value prefix) still in the JSON.
  Rejection descend(ondemand::value& value, int depth, std::string_view path, bool kept,
                    const ConnectField* schema = nullptr);

  // ",name=" in one copy when the cache holds it framed so.
  static void append_framed_name(IlpByteWriter& writer, const ColumnName& name) {
    if (!name.framed.empty()) [[likely]] {
      writer.append(name.framed);
      return;
    }
    writer.put(',');
    writer.append(name.text);
    writer.put('=');
  }

  void begin_symbol(const ColumnName& name) {
    symbol_start_ = head_.pos;
    append_framed_name(head_, name);
    has_symbol_ = true;
  }

  // Writes ",name=" to the columns and (unless told not to yet) remembers the name
  // to refuse duplicates.
  Rejection begin_column(const ColumnName& name, bool remember = true) {
    if (!name.valid) return RejectReason::kInvalidName;
    char* const column_start = columns_.pos;
    append_framed_name(columns_, name);
    if (columns_.overflowed) return RejectReason::kTooLarge;
    if (remember && !first_use(name.number, written_name(column_start, name))) {
      if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
      columns_.pos = column_start;  // keep the first: drop this copy, value unread
      return kSkipDuplicate;
    }
    return std::nullopt;
  }

  // The copy of `name` in the row that starts at `column_start` with ",name=": it
  // lasts as long as the row, for the duplicate check of unnumbered names.
  static std::string_view written_name(const char* column_start, const ColumnName& name) {
    return std::string_view(column_start + 1, name.text.size());
  }

  // False if the column name was already used in this message: numbered names by
  // their stamp, the others (only once the cache is full) through the name set.
  bool first_use(std::uint32_t number, std::string_view escaped_name) {
    if (number != kUnnumberedName) {
      if (recorded_names_ != nullptr) [[unlikely]]
        return record_first_use(number);
      return cache_.first_use(number);
    }
    if (!seen_cleared_) {  // rarely needed: cleared on first use
      seen_.clear(message_bytes_);
      seen_cleared_ = true;
    }
    return seen_.insert(escaped_name);
  }

  bool record_first_use(std::uint32_t number);

  // `rejection` of `field`, a member of the object at `path_len` bytes of path_: names
  // the field's path, unless a field inside it already named its own. Out of line,
  // and the path read again from the key, so that the member loop keeps nothing
  // alive across its calls for it (keeping the path cost 25% on 30-field rows).
  [[gnu::cold, gnu::noinline]] Rejection refuse_member(RejectReason rejection,
                                                       ondemand::field& field,
                                                       std::size_t path_len, int depth);

  // A ${field} of the table template: its text, before the field is encoded.
  Rejection capture_table_value(std::uint8_t slot, ondemand::value& value);
  // The fields of a JSON key object; `name_len` bytes of `path` hold the prefix.
  Rejection encode_key_object(ondemand::object& object, char* path, std::size_t name_len, int depth,
                              IlpByteWriter& names);
  Rejection record_exploded_array(ondemand::value& value);

  // Values (message_encoder_values.cpp).
  Rejection encode_symbol(const ColumnName& name, ondemand::value& value);
  // A string value written straight from the JSON (parse/json_string_transcoder.hpp),
  // or kNotTranscoded: simdjson must unescape it. "" is kEmpty, nothing written.
  enum class Transcoded : std::uint8_t { kWritten, kEmpty, kNotTranscoded };
  Transcoded transcode_symbol_value(const ColumnName& name, ondemand::value& value);
  // The same for a string column's quoted value, written where it goes once
  // begin_column() wrote the name: the end of the value, or nullptr when simdjson
  // must unescape it. (A result in a register: a Rejection out-parameter was two
  // byte stores read back as one 16-bit load, which cannot forward.)
  char* transcode_string_column(const ColumnName& name, ondemand::value& value);
  // [] and {}: written as nothing, like null.
  static bool is_empty_container(ondemand::value& value, ondemand::json_type type);
  // null, [] or {}: nothing to write, so no name to check (the connector skips them
  // before it looks at the name). False for anything else, or JSON that is not valid.
  static bool writes_nothing(ondemand::value& value);
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
  // --decimals: a number, or a string holding one, read exactly at `target`'s scale.
  Rejection encode_decimal(const ColumnName& name, ondemand::value& value, DecimalTarget target);

  // Arrays (message_encoder_arrays.cpp). `float32`: each element as the nearest
  // float, as the connector reads an array of a Connect float32 schema.
  Rejection encode_array(const ColumnName& name, ondemand::value& value, bool float32 = false);
  // The elements of one level of a nested array, row-major. kUnsupportedValue:
  // not a rectangular array of numbers.
  Rejection encode_array_elements(ondemand::array& array, std::size_t depth,
                                  DoubleArrayShape& shape, char*& lengths, bool float32);

  // Fields with a Connect schema (message_encoder_schema.cpp), written as the
  // connector writes them: widths, logical types, refused types.
  Rejection encode_with_schema(const ColumnName& name, ondemand::value& value, int depth,
                               std::string_view path, bool kept, const ConnectField& field);
  Rejection encode_planned_with_schema(const MappingPlan::PlannedField& planned,
                                       const ColumnName& name, ondemand::value& value, int depth,
                                       std::string_view path, const ConnectField& field);
  Rejection encode_schema_integer(const ColumnName& name, ondemand::value& value,
                                  const ConnectField& field);
  // A Connect Decimal named in --decimals: base64 of its unscaled value at the
  // schema's scale, or a number (JsonConverter's decimal.format=NUMERIC).
  Rejection encode_connect_decimal(const ColumnName& name, ondemand::value& value,
                                   const ConnectField& field, DecimalTarget target);
  Rejection encode_schema_array(const ColumnName& name, ondemand::value& value,
                                const ConnectField& field);
  Rejection encode_float32(const ColumnName& name, ondemand::value& value);
  // `number` as the nearest float, as JsonConverter reads a float32 (Java's cast);
  // false beyond float's range, where C++'s cast is undefined.
  static bool round_to_float32(double& number) {
    if (!(std::fabs(number) <= std::numeric_limits<float>::max())) return false;
    number = static_cast<float>(number);
    return true;
  }
  // A timestamp of a logical type (Timestamp, Date, Time, Debezium's) into `nanos`;
  // kBadTimestamp for a value that is not a whole number in range.
  static Rejection logical_timestamp(ondemand::value& value, ConnectLogical logical,
                                     std::optional<std::int64_t>& nanos);
  // The designated timestamp of a field with a schema, as the connector reads it.
  Rejection read_schema_timestamp(ondemand::value& value, const ConnectField& field);
  // A JSON number that is a whole number (also written 3.0 or 3e2) as a long;
  // kTypeConflict for a fraction, kNumberOutOfRange beyond 64 bits.
  static Rejection whole_number(ondemand::value& value, std::int64_t& number);

  // Arrays of objects as double arrays (message_encoder_object_arrays.cpp): the array
  // at `path` written as `columns` says, or nothing when it is null or empty.
  Rejection encode_object_array(const MappingPlan::ObjectArrayColumns& columns,
                                ondemand::value& value, std::string_view path);
  // One element's fields, each to its lane at `index`.
  Rejection read_element_fields(const MappingPlan::ObjectArrayColumns& columns,
                                ondemand::object& element, char* const* lanes, std::size_t index,
                                std::string_view path);
  // A number, or a number sent as text, as a double.
  Rejection element_number(ondemand::value& value, double& number);
  // Lays the lanes of `count` elements out as the columns, behind their headers.
  void write_object_array_columns(const MappingPlan::ObjectArrayColumns& columns,
                                  char* const* lanes, const bool* dropped, std::size_t count);
  // Names the refused element (`key` empty) or element field: "path[index].key".
  [[gnu::cold]] void name_element(std::string_view path, std::size_t index, std::string_view key);

  // Timestamps (message_encoder_timestamps.cpp).
  // The designated timestamp, or `part` of a composed one.
  Rejection read_timestamp(ondemand::value& value, std::size_t part);
  Rejection read_numeric_timestamp(ondemand::value& value);
  // A timestamp column: a number in --timestamp-units or text in --timestamp-format;
  // `nanos` stays empty for null.
  Rejection timestamp_value(ondemand::value& value, std::optional<std::int64_t>& nanos);
  // Text in --timestamp-format (or RFC 3339) into `nanos`, or kBadTimestamp (`nanos`
  // unchanged). The parsed value is assigned, not the optional it came in: GCC copies
  // an optional returned in two registers through the stack with one 16-byte load,
  // which cannot forward from the two stores before it.
  Rejection text_timestamp(std::string_view text, std::optional<std::int64_t>& nanos) const;
  Rejection numeric_timestamp(ondemand::value& value, std::optional<std::int64_t>& nanos);
  Rejection read_timestamp_part(ondemand::value& value, std::size_t part);
  Rejection compose_timestamp(bool& missing);
  // --timestamp-columns: an ILP timestamp column.
  Rejection encode_timestamp_column(const ColumnName& name, ondemand::value& value);
  // 't' microseconds, or 'n' nanoseconds when the value has digits below a
  // microsecond (protocol 2 only, checked by the callers).
  void append_timestamp_column_value(std::int64_t nanos);

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
  char* symbol_start_ = nullptr;
  bool has_symbol_ = false;
  std::uint32_t timestamp_seen_ = 0;  // one bit per timestamp field
  std::optional<std::int64_t> timestamp_ns_;
  // When set, timestamp_ns_ written out: these digits then timestamp_zeros_ zeros.
  std::string_view timestamp_digits_;
  int timestamp_zeros_ = 0;
  std::string_view* timestamp_parts_;  // kMaxTimestampParts
  std::string_view* table_values_;     // kMaxTableFields
  // The path of the field the message was refused for (empty: none, or the message
  // as a whole); it points into the padded message or path_, valid until the next one.
  std::string_view* refused_field_;
  std::string_view exploded_array_;
  bool exploded_seen_ = false;
  const ConnectSchema* connect_schema_ = nullptr;  // --value-format envelope with a schema
  const ConnectField* exploded_schema_ = nullptr;
  std::uint32_t* recorded_names_ = nullptr;  // --explode: see record_names
  std::size_t recorded_capacity_ = 0;
  std::size_t recorded_count_ = 0;
  struct MessageState {
    char* columns_end;
    std::size_t names;
    std::size_t recorded;
    bool seen_cleared;
    bool has_symbol;
    std::uint32_t timestamp_seen;
    std::optional<std::int64_t> timestamp_ns;
    std::string_view timestamp_digits;
    int timestamp_zeros;
  } message_state_;  // set by keep_message_state
};

// Where the rows of an exploded message are assembled, owned by the kernel encoder.
struct ExplodeScratch {
  ondemand::parser& parser;  // the message's parser, free once the message was read
  const char* padded_end;    // end of the padded copy of the message (padding included)
  char* timestamp_parts;     // kMaxComposedTimestampBytes
  std::uint32_t* row_ends;   // room for `max_rows` row ends
  std::size_t max_rows;
};

// After `encoder` read the message, with the table and the message's symbols (the
// first `prefix_bytes`) already after `out`'s end: one row per element of the
// exploded array, each that prefix + the element's symbols + the message's and the
// element's columns + timestamp. All rows or none are appended to `out`; their
// ends go to scratch.row_ends, their count to the result.
EncodeResult encode_exploded_rows(MessageEncoder& encoder, std::size_t prefix_bytes,
                                  const ExplodeScratch& scratch, OutputCursor& out);

// Record formats (message_encoder_formats.cpp).
// --value-format envelope: the row is the payload object of a JsonConverter envelope,
// its fields typed by the envelope's schema (read into `schema`, kept for the next
// message with the same schema text).
Rejection encode_envelope_payload(ondemand::object& envelope, MessageEncoder& encoder,
                                  ConnectSchema& schema);

// Where a JSON key is parsed, owned by the kernel encoder: its own parser, as the
// value's document is read at the same time.
struct KeyScratch {
  ondemand::parser& parser;
  char* padded;           // max_bytes + SIMDJSON_PADDING
  char* names;            // 2 * max_bytes: the escaped names of the key's fields
  std::size_t max_bytes;  // longer keys are too_large
};

// --key-format json|envelope: the key parsed as JSON and written as columns or symbols.
Rejection encode_json_key(KeyFormat format, std::string_view key, const KeyScratch& scratch,
                          MessageEncoder& encoder);

}  // namespace kilp::parse::KILP_PARSE_KERNEL
