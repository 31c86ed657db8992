#include "parse/json_to_ilp.hpp"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "parse/double_array_shape.hpp"
#include "parse/field_name_set.hpp"
#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"
#include "parse/json_number_syntax.hpp"
#include "parse/timestamp_conversion.hpp"
#include "parse/timestamp_format.hpp"

namespace kilp::parse {

namespace ondemand = simdjson::ondemand;
using Rejection = std::optional<RejectReason>;

namespace {

EncodeResult rejected(RejectReason reason) {
  return {EncodeOutcome::kRejected, reason};
}

RejectReason reason_for(simdjson::error_code error) {
  if (error == simdjson::UTF8_ERROR) return RejectReason::kInvalidUtf8;
  if (error == simdjson::DEPTH_ERROR) return RejectReason::kTooDeep;
  return RejectReason::kMalformedJson;
}

// Columns never take more than this many times the JSON bytes they come from (the
// worst case is a one-digit array element becoming an 8-byte binary double), except
// for repeated name prefixes of flattened objects: a row that overflows this scratch
// is refused as too large.
constexpr std::size_t kColumnBytesPerJsonByte = 4;
constexpr std::size_t kColumnScratchSlack = 256;
// Longest prefix + nested key path the encoder assembles; longer names are invalid.
constexpr std::size_t kMaxPathBytes = 4 * kMaxIlpNameBytes;
// Names a message can hold besides its JSON members: the key and metadata columns.
constexpr std::size_t kFieldNameSlack = 16;
// Longest text of a composed designated timestamp (--timestamp-field date,time).
constexpr std::size_t kMaxComposedTimestampBytes = 256;
// Longest JSON token read for a ${field} of the table: longer can never make a name.
constexpr std::size_t kMaxTableFieldTokenBytes = 2 * kMaxIlpNameBytes + 2;

// ILP v2 array of doubles: '=' then type, element type, dimension count and the
// little-endian uint32 length of each dimension, then the elements.
constexpr char kBinaryArrayType = 14;
constexpr char kArrayElementDouble = 10;

std::string_view trim_trailing_space(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

std::string_view raw_token(ondemand::value& value) {
  return trim_trailing_space(value.raw_json_token());
}

// A number simdjson could not return is either too large for its type or not a
// number at all; the dead-letter reason should say which.
RejectReason number_failure(ondemand::value& value, simdjson::error_code error) {
  if (error != simdjson::NUMBER_ERROR && error != simdjson::NUMBER_OUT_OF_RANGE &&
      error != simdjson::INCORRECT_TYPE) {
    return reason_for(error);
  }
  return is_json_number(raw_token(value)) ? RejectReason::kNumberOutOfRange
                                          : RejectReason::kMalformedJson;
}

// A column name as the encoder has it: already escaped (from the plan) or raw JSON
// text still to be validated and escaped.
struct ColumnName {
  std::string_view text;
  bool escaped = false;
};

// Encodes one message: symbols go straight to the output after the table, columns to
// a scratch buffer that is appended once the object has been read, because ILP wants
// all symbols first and JSON keys come in any order.
class MessageEncoder {
 public:
  MessageEncoder(const MappingPlan& plan, const MessageMeta& meta, IlpByteWriter head,
                 IlpByteWriter columns, FieldNameSet& seen, char* path)
      : plan_(plan),
        config_(plan.config()),
        meta_(meta),
        head_(head),
        columns_(columns),
        columns_begin_(columns.pos),
        seen_(seen),
        path_(path) {
    const std::string_view prefix = plan.name_prefix();
    std::memcpy(path_, prefix.data(), prefix.size());
    prefix_len_ = prefix.size();
  }

  // The Kafka key as a symbol or column, before the value's fields.
  Rejection encode_key() {
    if (config_.key_mode == KeyMode::kNone || meta_.key.empty()) return std::nullopt;
    if (!simdjson::validate_utf8(meta_.key.data(), meta_.key.size())) {
      return RejectReason::kInvalidUtf8;
    }
    const ColumnName name{plan_.escaped_key_name(), true};
    if (config_.key_mode == KeyMode::kSymbol) {
      begin_symbol(name.text);
      append_symbol_value(head_, meta_.key);
      if (!seen_.insert(name.text)) return RejectReason::kDuplicateField;
      return std::nullopt;
    }
    if (Rejection rejection = begin_column(name)) return rejection;
    append_string_value(columns_, meta_.key);
    return std::nullopt;
  }

  // `path_len` counts the bytes of path_ after the value prefix (0 at the top);
  // `kept`: an include list covers this whole object.
  Rejection encode_object(ondemand::object& object, int depth, std::size_t path_len, bool kept) {
    for (auto member : object) {
      ondemand::field field;
      if (auto error = std::move(member).get(field)) return reason_for(error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return reason_for(error);
      ondemand::value value = field.value();
      // The field's path ("a_b") and column name (value prefix + path).
      std::string_view path = key;
      ColumnName name{key, false};
      if (depth > 0 || prefix_len_ > 0) {
        const std::size_t end = prefix_len_ + path_len + key.size();
        if (end > kMaxPathBytes) return RejectReason::kInvalidName;
        std::memcpy(path_ + prefix_len_ + path_len, key.data(), key.size());
        path = std::string_view(path_ + prefix_len_, path_len + key.size());
        name.text = std::string_view(path_, end);
      }
      const MappingPlan::PlannedField* planned = plan_.find_field(path);
      char* const field_start = columns_.pos;
      Rejection rejection;
      if (planned != nullptr && planned->table_slot != MappingPlan::kNoSlot &&
          table_values_[planned->table_slot].empty()) {  // a duplicate keeps the first
        if (Rejection refused = capture_table_value(planned->table_slot, value)) return refused;
      }
      if (planned == nullptr) {
        if (kept || !plan_.keeps_only_included()) {
          rejection = encode_column(name, value, depth, path, kept);
        } else if (plan_.has_kept_field_below(path)) {
          rejection = encode_branch(value, depth, path, false);
        }
      } else {
        rejection = encode_planned(*planned, value, depth, path);
      }
      if (rejection) return rejection;
      if (discard_) {  // a duplicate under --duplicates keep-first: drop this copy
        columns_.pos = field_start;
        discard_ = false;
      }
    }
    return std::nullopt;
  }

  // --kafka-*-column: the record's metadata as columns, before the value's fields
  // so that a value field of the same name is the duplicate.
  Rejection encode_kafka_columns() {
    if (!plan_.escaped_kafka_timestamp_name().empty() && meta_.timestamp_ms >= 0) {
      const std::optional<std::int64_t> nanos =
          integer_timestamp_to_nanos(meta_.timestamp_ms, TimestampUnit::kMillis);
      if (!nanos) return RejectReason::kBadTimestamp;
      if (Rejection rejection = begin_column({plan_.escaped_kafka_timestamp_name(), true})) {
        return rejection;
      }
      append_timestamp_column_value(*nanos);
    }
    if (!plan_.escaped_kafka_partition_name().empty()) {
      if (Rejection rejection = begin_column({plan_.escaped_kafka_partition_name(), true})) {
        return rejection;
      }
      append_long(columns_, meta_.partition);
    }
    if (!plan_.escaped_kafka_offset_name().empty() && meta_.offset >= 0) {
      if (Rejection rejection = begin_column({plan_.escaped_kafka_offset_name(), true})) {
        return rejection;
      }
      append_long(columns_, meta_.offset);
    }
    return std::nullopt;
  }

  // The captured values of the table template's ${field}s (empty view = absent).
  const std::string_view* table_values() const { return table_values_; }

  // Appends the columns and the line end after the symbols; nullopt when a row was
  // written (or did not fit: see head().overflowed).
  Rejection finish_row() {
    bool missing = false;
    if (config_.timestamp_kafka) {
      missing = meta_.timestamp_ms < 0;
      if (!missing) {
        timestamp_ns_ = integer_timestamp_to_nanos(meta_.timestamp_ms, TimestampUnit::kMillis);
        if (!timestamp_ns_) return RejectReason::kBadTimestamp;
      }
    } else if (plan_.timestamp_part_count() > 1) {
      if (Rejection rejection = compose_timestamp(missing)) return rejection;
    } else {
      missing = plan_.has_timestamp() && !timestamp_ns_;
    }
    if (missing && config_.missing_timestamp == MissingTimestampPolicy::kReject) {
      return RejectReason::kMissingTimestamp;
    }
    const std::size_t column_bytes = static_cast<std::size_t>(columns_.pos - columns_begin_);
    if (!has_symbol_ && column_bytes == 0) return RejectReason::kEmptyRow;
    if (columns_.overflowed) return RejectReason::kTooLarge;  // see kColumnBytesPerJsonByte
    if (column_bytes > 0) {
      columns_begin_[0] = ' ';  // the first column follows the symbols after a space
      head_.append(std::string_view(columns_begin_, column_bytes));
    }
    if (timestamp_ns_) {
      head_.put(' ');
      append_decimal(head_, *timestamp_ns_);
    }
    head_.put('\n');
    return std::nullopt;
  }

  const IlpByteWriter& head() const { return head_; }

 private:
  Rejection encode_planned(const MappingPlan::PlannedField& planned, ondemand::value& value,
                           int depth, std::string_view path) {
    const ColumnName name{planned.escaped_name, true};
    switch (planned.role) {
      case MappingPlan::FieldRole::kSymbol:
        return encode_symbol(planned.escaped_name, value);
      case MappingPlan::FieldRole::kTimestamp:
        return read_timestamp(value, planned.timestamp_part);
      case MappingPlan::FieldRole::kTimestampColumn:
        return encode_timestamp_column(name, value);
      case MappingPlan::FieldRole::kColumn:
        return encode_column(name, value, depth, path, true);
      case MappingPlan::FieldRole::kDouble:
        return encode_double_hinted(name, value);
      case MappingPlan::FieldRole::kInteger:
        return encode_integer_hinted(name, value);
      case MappingPlan::FieldRole::kExclude:
        return std::nullopt;  // on-demand skips the unread value
    }
    return std::nullopt;
  }

  // Descends into a nested object, flattening its keys onto `path_len`.
  Rejection encode_branch(ondemand::value& value, int depth, std::string_view path, bool kept) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type != ondemand::json_type::object) return std::nullopt;  // not a branch after all
    return descend(value, depth, path, kept);
  }

  // `path` is the object's own path: in path_ already, or (a top-level key without a
  // value prefix) still in the JSON.
  Rejection descend(ondemand::value& value, int depth, std::string_view path, bool kept) {
    if (depth >= config_.max_depth) {
      // An empty object writes nothing at any depth.
      ondemand::object object;
      bool empty = false;
      if (auto error = value.get_object().get(object)) return reason_for(error);
      if (auto error = object.is_empty().get(empty)) return reason_for(error);
      return empty ? Rejection() : Rejection(RejectReason::kTooDeep);
    }
    const std::size_t path_len = path.size();
    if (prefix_len_ + path_len > kMaxPathBytes) return RejectReason::kInvalidName;
    if (path.data() != path_ + prefix_len_) std::memcpy(path_ + prefix_len_, path.data(), path_len);
    const std::string_view separator = config_.separator;
    if (prefix_len_ + path_len + separator.size() > kMaxPathBytes) return RejectReason::kInvalidName;
    std::memcpy(path_ + prefix_len_ + path_len, separator.data(), separator.size());
    ondemand::object object;
    if (auto error = value.get_object().get(object)) return reason_for(error);
    return encode_object(object, depth + 1, path_len + separator.size(), kept);
  }

  Rejection encode_symbol(std::string_view escaped_name, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    std::string_view text;
    switch (type) {
      case ondemand::json_type::string:
        if (auto error = value.get_string().get(text)) return reason_for(error);
        // InfluxDB-style parsers refuse an empty tag value: treat "" like null.
        if (text.empty()) return std::nullopt;
        begin_symbol(escaped_name);
        append_symbol_value(head_, text);
        break;
      case ondemand::json_type::number: {
        // The symbol is the number as written; validate it first.
        text = raw_token(value);
        ondemand::number number;
        if (auto error = value.get_number().get(number)) return number_failure(value, error);
        begin_symbol(escaped_name);
        head_.append(text);  // a JSON number holds no character ILP must escape
        break;
      }
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return reason_for(error);
        begin_symbol(escaped_name);
        head_.append(flag ? "true" : "false");
        break;
      }
      case ondemand::json_type::null:
        return check_null(value);
      default:
        return is_empty_container(value, type) ? Rejection()
                                               : Rejection(RejectReason::kUnsupportedValue);
    }
    if (!seen_.insert(escaped_name)) {
      if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
      head_.pos = symbol_start_;  // keep the first copy
    }
    return std::nullopt;
  }

  // [] and {}: written as nothing, like null.
  static bool is_empty_container(ondemand::value& value, ondemand::json_type type) {
    bool empty = false;
    if (type == ondemand::json_type::array) {
      ondemand::array array;
      return value.get_array().get(array) == simdjson::SUCCESS &&
             array.is_empty().get(empty) == simdjson::SUCCESS && empty;
    }
    ondemand::object object;
    return type == ondemand::json_type::object &&
           value.get_object().get(object) == simdjson::SUCCESS &&
           object.is_empty().get(empty) == simdjson::SUCCESS && empty;
  }

  void begin_symbol(std::string_view escaped_name) {
    symbol_start_ = head_.pos;
    head_.put(',');
    head_.append(escaped_name);
    head_.put('=');
    has_symbol_ = true;
  }

  Rejection encode_column(const ColumnName& name, ondemand::value& value, int depth,
                          std::string_view path, bool kept) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    switch (type) {
      case ondemand::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) return reason_for(error);
        if (Rejection rejection = begin_column(name)) return rejection;
        append_string_value(columns_, text);
        return std::nullopt;
      }
      case ondemand::json_type::number:
        return encode_number_column(name, value);
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return reason_for(error);
        if (Rejection rejection = begin_column(name)) return rejection;
        append_bool(columns_, flag);
        return std::nullopt;
      }
      case ondemand::json_type::null:
        return check_null(value);
      case ondemand::json_type::object:
        return descend(value, depth, path, kept);
      case ondemand::json_type::array:
        return encode_array(name, value);
    }
    return RejectReason::kUnsupportedValue;
  }

  Rejection encode_number_column(const ColumnName& name, ondemand::value& value) {
    // Most doubles in the wild are plain decimals: their text is the ILP value, so
    // skip simdjson's number type scan and conversion (trades: 3650 -> 3470
    // instructions per message, callgrind).
    if (config_.protocol_version < 2) {
      const std::string_view text = raw_token(value);
      if (is_plain_decimal(text)) {
        if (Rejection rejection = begin_column(name)) return rejection;
        columns_.append(text);
        return std::nullopt;
      }
    }
    ondemand::number_type type;
    if (auto error = value.get_number_type().get(type)) return number_failure(value, error);
    switch (type) {
      case ondemand::number_type::signed_integer: {
        std::int64_t integer = 0;
        if (auto error = value.get_int64().get(integer)) return number_failure(value, error);
        if (Rejection rejection = begin_column(name)) return rejection;
        append_long(columns_, integer);
        return std::nullopt;
      }
      case ondemand::number_type::floating_point_number:
        return encode_double(name, value);
      default: {
        // An integer beyond signed 64 bits: ILP longs are signed 64-bit.
        if (config_.oversized_integers == OversizedIntegerPolicy::kDouble) {
          return encode_double(name, value);
        }
        std::uint64_t integer = 0;
        if (auto error = value.get_uint64().get(integer)) return number_failure(value, error);
        return RejectReason::kNumberOutOfRange;
      }
    }
  }

  // Any JSON number as an ILP double.
  Rejection encode_double(const ColumnName& name, ondemand::value& value) {
    const std::string_view text = raw_token(value);
    double number = 0;
    if (auto error = value.get_double().get(number)) return number_failure(value, error);
    if (Rejection rejection = begin_column(name)) return rejection;
    if (config_.protocol_version >= 2) {
      append_double_binary(columns_, number);
    } else if (std::fabs(number) >= std::numeric_limits<double>::min()) [[likely]] {
      // A finite JSON number is already a valid ILP double and reads back to the
      // same value; copying it costs far less than formatting `number` again.
      columns_.append(text);
    } else {
      // Zero, or digits that underflow (1e-400): readers may refuse the text as out
      // of range, so write the value simdjson read.
      append_double_text(columns_, number);
    }
    return std::nullopt;
  }

  // --doubles: every number is a double; so are the strings "NaN", "Infinity" and
  // "-Infinity", which JSON cannot write as numbers.
  Rejection encode_double_hinted(const ColumnName& name, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::number) return encode_double(name, value);
    if (type == ondemand::json_type::null) return check_null(value);
    if (type != ondemand::json_type::string) return RejectReason::kTypeConflict;
    std::string_view text;
    if (auto error = value.get_string().get(text)) return reason_for(error);
    double special = 0;
    if (text == "NaN") {
      special = std::numeric_limits<double>::quiet_NaN();
    } else if (text == "Infinity" || text == "-Infinity") {
      special = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::infinity();
    } else {
      return RejectReason::kTypeConflict;
    }
    if (Rejection rejection = begin_column(name)) return rejection;
    append_double(columns_, special, config_.protocol_version);
    return std::nullopt;
  }

  // --integers: whole numbers only, also when written as 3.0 or 1e3.
  Rejection encode_integer_hinted(const ColumnName& name, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return check_null(value);
    if (type != ondemand::json_type::number) return RejectReason::kTypeConflict;
    ondemand::number_type number_type;
    if (auto error = value.get_number_type().get(number_type)) return number_failure(value, error);
    if (number_type != ondemand::number_type::floating_point_number) {
      return encode_number_column(name, value);
    }
    double number = 0;
    if (auto error = value.get_double().get(number)) return number_failure(value, error);
    if (number != std::trunc(number)) return RejectReason::kTypeConflict;
    if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
      return RejectReason::kNumberOutOfRange;
    }
    if (Rejection rejection = begin_column(name)) return rejection;
    append_long(columns_, static_cast<std::int64_t>(number));
    return std::nullopt;
  }

  // A rectangular array of numbers (any depth up to 32) as an ILP v2 double array
  // with its shape; an empty one writes nothing; anything else follows the
  // mapping's array policy.
  Rejection encode_array(const ColumnName& name, ondemand::value& value) {
    const Rejection refused = config_.array_policy == ArrayPolicy::kSkip
                                  ? Rejection()
                                  : Rejection(RejectReason::kUnsupportedValue);
    ondemand::array array;
    if (auto error = value.get_array().get(array)) return reason_for(error);
    if (config_.protocol_version < 2) {
      bool empty = false;
      if (auto error = array.is_empty().get(empty)) return reason_for(error);
      return empty ? Rejection() : refused;
    }
    char* const column_start = columns_.pos;
    if (Rejection rejection = begin_column(name, false)) return rejection;
    char* header = columns_.reserve(4);
    if (header == nullptr) return RejectReason::kTooLarge;
    header[0] = '=';
    header[1] = kBinaryArrayType;
    header[2] = kArrayElementDouble;
    columns_.pos += 4;
    array_shape_ = DoubleArrayShape();
    array_lengths_ = nullptr;
    if (Rejection rejection = encode_array_elements(array, 0)) {
      if (rejection != RejectReason::kUnsupportedValue) return rejection;
      if (refused) return refused;
      columns_.pos = column_start;  // skip the whole column
      return std::nullopt;
    }
    const std::size_t dimensions = array_shape_.dimensions();
    if (dimensions == 0) {  // no element at all: no column
      columns_.pos = column_start;
      return std::nullopt;
    }
    header[3] = static_cast<char>(dimensions);
    for (std::size_t d = 0; d < dimensions; ++d) {
      const std::uint32_t length = array_shape_.length(d);
      std::memcpy(array_lengths_ + d * sizeof length, &length, sizeof length);  // little-endian
    }
    if (!seen_.insert(last_name_)) {
      if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
      columns_.pos = column_start;
    }
    return std::nullopt;
  }

  // The elements of one level of a nested array, row-major. kUnsupportedValue:
  // not a rectangular array of numbers.
  Rejection encode_array_elements(ondemand::array& array, std::size_t depth) {
    std::uint32_t count = 0;
    for (auto element : array) {
      ondemand::value item;
      if (auto error = std::move(element).get(item)) return reason_for(error);
      ondemand::json_type type;
      if (auto error = item.type().get(type)) return reason_for(error);
      const bool is_array = type == ondemand::json_type::array;
      if (!is_array && type != ondemand::json_type::number) return RejectReason::kUnsupportedValue;
      if (!array_shape_.element(depth, is_array)) return RejectReason::kUnsupportedValue;
      if (is_array) {
        ondemand::array inner;
        if (auto error = item.get_array().get(inner)) return reason_for(error);
        if (Rejection rejection = encode_array_elements(inner, depth + 1)) return rejection;
      } else {
        if (array_lengths_ == nullptr) {  // the first number: the dimension count is known
          const std::size_t bytes = array_shape_.dimensions() * sizeof(std::uint32_t);
          array_lengths_ = columns_.reserve(bytes);
          if (array_lengths_ == nullptr) return RejectReason::kTooLarge;
          columns_.pos += bytes;
        }
        double number = 0;
        if (auto error = item.get_double().get(number)) return number_failure(item, error);
        char* dst = columns_.reserve(sizeof number);
        if (dst == nullptr) return RejectReason::kTooLarge;
        std::memcpy(dst, &number, sizeof number);
        columns_.pos += sizeof number;
      }
      ++count;
    }
    if (!array_shape_.end_array(depth, count)) return RejectReason::kUnsupportedValue;
    return std::nullopt;
  }

  // Writes ",name=" to the columns and (unless told not to yet) remembers the name
  // to refuse duplicates.
  Rejection begin_column(const ColumnName& name, bool remember = true) {
    columns_.put(',');
    char* const name_start = columns_.pos;
    if (name.escaped) {
      columns_.append(name.text);
    } else if (!append_column_name(columns_, name.text)) {
      return RejectReason::kInvalidName;
    }
    if (columns_.overflowed) return RejectReason::kTooLarge;
    last_name_ = std::string_view(name_start, static_cast<std::size_t>(columns_.pos - name_start));
    if (remember && !seen_.insert(last_name_)) {
      if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
      discard_ = true;  // encode_object drops this field once its value is written
    }
    columns_.put('=');
    return std::nullopt;
  }

  Rejection read_timestamp(ondemand::value& value, std::size_t part) {
    if (timestamp_seen_ & (1u << part)) {
      if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
      return std::nullopt;  // keep the first
    }
    timestamp_seen_ |= 1u << part;
    if (plan_.timestamp_part_count() > 1) return read_timestamp_part(value, part);
    return timestamp_value(value, timestamp_ns_);
  }

  // A designated timestamp or timestamp column: a number in --timestamp-units or text
  // in --timestamp-format; `nanos` stays empty for null.
  Rejection timestamp_value(ondemand::value& value, std::optional<std::int64_t>& nanos) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    switch (type) {
      case ondemand::json_type::null:
        return check_null(value);  // absent, as if missing
      case ondemand::json_type::number:
        return numeric_timestamp(value, nanos);
      case ondemand::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) return reason_for(error);
        nanos = text_timestamp(text);
        return nanos ? Rejection() : Rejection(RejectReason::kBadTimestamp);
      }
      default:
        return RejectReason::kBadTimestamp;
    }
  }

  std::optional<std::int64_t> text_timestamp(std::string_view text) const {
    const auto& pattern = plan_.timestamp_pattern();
    return pattern ? pattern->parse(text) : rfc3339_to_nanos(text);
  }

  Rejection numeric_timestamp(ondemand::value& value, std::optional<std::int64_t>& nanos) {
    ondemand::number_type number_type;
    if (auto error = value.get_number_type().get(number_type)) return number_failure(value, error);
    if (number_type == ondemand::number_type::signed_integer) {
      std::int64_t integer = 0;
      if (auto error = value.get_int64().get(integer)) return number_failure(value, error);
      nanos = integer_timestamp_to_nanos(integer, config_.timestamp_unit);
    } else {
      const std::string_view text = raw_token(value);
      double number = 0;
      if (auto error = value.get_double().get(number)) return number_failure(value, error);
      TimestampUnit unit = config_.timestamp_unit;
      if (unit == TimestampUnit::kAuto) unit = guess_timestamp_unit(number);
      nanos = decimal_timestamp_to_nanos(text, unit);
    }
    if (!nanos) return RejectReason::kBadTimestamp;
    return std::nullopt;
  }

  // One field of a composed timestamp: its text (a number as written) is kept until
  // the row ends, when the parts are joined in the mapping's order.
  Rejection read_timestamp_part(ondemand::value& value, std::size_t part) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    switch (type) {
      case ondemand::json_type::null:
        timestamp_seen_ &= ~(1u << part);  // absent, as if missing
        return check_null(value);
      case ondemand::json_type::number: {
        timestamp_parts_[part] = raw_token(value);
        ondemand::number number;
        if (auto error = value.get_number().get(number)) return number_failure(value, error);
        return std::nullopt;
      }
      case ondemand::json_type::string:
        if (auto error = value.get_string().get(timestamp_parts_[part])) return reason_for(error);
        return std::nullopt;
      default:
        return RejectReason::kBadTimestamp;
    }
  }

  Rejection compose_timestamp(bool& missing) {
    const std::size_t parts = plan_.timestamp_part_count();
    if (timestamp_seen_ != (1u << parts) - 1) {
      missing = true;  // some part absent or null
      return std::nullopt;
    }
    char text[kMaxComposedTimestampBytes];
    IlpByteWriter joined(text, text + sizeof text);
    for (std::size_t i = 0; i < parts; ++i) joined.append(timestamp_parts_[i]);
    if (joined.overflowed) return RejectReason::kBadTimestamp;
    timestamp_ns_ = text_timestamp(std::string_view(text, static_cast<std::size_t>(joined.pos - text)));
    return timestamp_ns_ ? Rejection() : Rejection(RejectReason::kBadTimestamp);
  }

  // --timestamp-columns: an ILP timestamp column ('t' microseconds; 'n' nanoseconds
  // with protocol 2 when the value has digits below a microsecond).
  Rejection encode_timestamp_column(const ColumnName& name, ondemand::value& value) {
    std::optional<std::int64_t> nanos;
    if (Rejection rejection = timestamp_value(value, nanos)) return rejection;
    if (!nanos) return std::nullopt;  // null
    if (*nanos % 1000 != 0 && config_.protocol_version < 2) return RejectReason::kBadTimestamp;
    if (Rejection rejection = begin_column(name)) return rejection;
    append_timestamp_column_value(*nanos);
    return std::nullopt;
  }

  void append_timestamp_column_value(std::int64_t nanos) {
    if (nanos % 1000 == 0) {
      append_decimal(columns_, nanos / 1000);
      columns_.put('t');
    } else {
      append_decimal(columns_, nanos);
      columns_.put('n');
    }
  }

  // A ${field} of the table template: its text, before the field is encoded.
  Rejection capture_table_value(std::uint8_t slot, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    switch (type) {
      case ondemand::json_type::string:
        // A token this long can never make a valid name; not reading it keeps the
        // second read of the string (by the encoder) within simdjson's buffer.
        if (raw_token(value).size() > kMaxTableFieldTokenBytes) return RejectReason::kInvalidName;
        if (auto error = value.get_string().get(table_values_[slot])) return reason_for(error);
        return std::nullopt;
      case ondemand::json_type::number:
        table_values_[slot] = raw_token(value);
        return std::nullopt;
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return reason_for(error);
        table_values_[slot] = flag ? "true" : "false";
        return std::nullopt;
      }
      case ondemand::json_type::null:
        return std::nullopt;  // missing
      default:
        return RejectReason::kUnsupportedValue;
    }
  }

  static Rejection check_null(ondemand::value& value) {
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return reason_for(error);
    if (!is_null) return RejectReason::kMalformedJson;  // e.g. "nul"
    return std::nullopt;
  }

  const MappingPlan& plan_;
  const MappingConfig& config_;
  const MessageMeta& meta_;
  IlpByteWriter head_;
  IlpByteWriter columns_;
  char* columns_begin_;
  FieldNameSet& seen_;
  char* path_;  // value prefix, then the current key path
  std::size_t prefix_len_ = 0;
  std::string_view last_name_;
  char* symbol_start_ = nullptr;
  bool has_symbol_ = false;
  bool discard_ = false;
  std::uint32_t timestamp_seen_ = 0;  // one bit per timestamp field
  std::optional<std::int64_t> timestamp_ns_;
  std::string_view timestamp_parts_[MappingPlan::kMaxTimestampParts];
  std::string_view table_values_[MappingPlan::kMaxTableFields];
  DoubleArrayShape array_shape_;
  char* array_lengths_ = nullptr;
};

// Fills in a per-message table name (${key}, ${partition}, ${field}) and writes it
// escaped; `fields` holds the ${field} values (nullptr when the template has none).
Rejection append_table_from_template(const MappingPlan& plan, const MessageMeta& meta,
                                     const std::string_view* fields, IlpByteWriter& head) {
  char name[kMaxIlpNameBytes + 1];
  IlpByteWriter writer(name, name + sizeof name);
  for (const MappingPlan::TablePart& part : plan.table_parts()) {
    switch (part.kind) {
      case MappingPlan::TablePart::Kind::kLiteral:
        writer.append(part.literal);
        break;
      case MappingPlan::TablePart::Kind::kKey:
        if (meta.key.empty()) return RejectReason::kInvalidName;
        if (!simdjson::validate_utf8(meta.key.data(), meta.key.size())) {
          return RejectReason::kInvalidUtf8;
        }
        writer.append(meta.key);
        break;
      case MappingPlan::TablePart::Kind::kPartition:
        append_decimal(writer, meta.partition);
        break;
      case MappingPlan::TablePart::Kind::kField:
        if (fields[part.slot].empty()) return RejectReason::kMissingField;
        writer.append(fields[part.slot]);
        break;
    }
  }
  if (writer.overflowed) return RejectReason::kInvalidName;
  if (!append_table_name(head, std::string_view(name, static_cast<std::size_t>(writer.pos - name)))) {
    return RejectReason::kInvalidName;
  }
  return std::nullopt;
}

}  // namespace

struct JsonToIlpEncoder::State {
  explicit State(std::size_t max_message_bytes)
      : padded_json(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]()),
        column_scratch_bytes(kColumnBytesPerJsonByte * max_message_bytes + kColumnScratchSlack),
        column_scratch(new char[column_scratch_bytes]),
        row_scratch(new char[column_scratch_bytes]),
        field_names(max_message_bytes + kFieldNameSlack) {
    // Sizes simdjson's internal buffers now so iterate() never allocates.
    if (parser.allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  ondemand::parser parser;
  std::unique_ptr<char[]> padded_json;
  std::size_t column_scratch_bytes;
  std::unique_ptr<char[]> column_scratch;
  // The symbols and columns of a row whose table name depends on its fields: the
  // name is known only once the message is read.
  std::unique_ptr<char[]> row_scratch;
  FieldNameSet field_names;
  char path[kMaxPathBytes];  // value prefix + nested key path of the current field
  // Only for messages that are not objects: on-demand reads just the first byte of a
  // scalar ("nope" looks like null), so a full DOM pass tells malformed JSON from a
  // valid non-object. Sized on first use; rejections are the rare path.
  simdjson::dom::parser validator;
};

JsonToIlpEncoder::JsonToIlpEncoder(std::size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes), state_(std::make_unique<State>(max_message_bytes)) {}

JsonToIlpEncoder::~JsonToIlpEncoder() = default;
JsonToIlpEncoder::JsonToIlpEncoder(JsonToIlpEncoder&&) noexcept = default;
JsonToIlpEncoder& JsonToIlpEncoder::operator=(JsonToIlpEncoder&&) noexcept = default;

EncodeResult JsonToIlpEncoder::encode(const MappingPlan& plan, std::string_view json,
                                      const MessageMeta& meta, OutputCursor& out) {
  if (json.size() > max_message_bytes_) return rejected(RejectReason::kTooLarge);
  // No value at all is malformed JSON, not a value of the wrong type.
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return rejected(RejectReason::kMalformedJson);
  }
  State& state = *state_;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; zero them so a previous,
  // longer message can never be seen there.
  std::memcpy(state.padded_json.get(), json.data(), json.size());
  std::memset(state.padded_json.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  ondemand::document document;
  if (auto error = state.parser
                       .iterate(state.padded_json.get(), json.size(),
                                json.size() + simdjson::SIMDJSON_PADDING)
                       .get(document)) {
    return rejected(reason_for(error));
  }
  ondemand::json_type type;
  if (auto error = document.type().get(type)) return rejected(reason_for(error));
  if (type != ondemand::json_type::object) {
    simdjson::dom::element ignored;
    const auto error =
        state.validator.parse(state.padded_json.get(), json.size(), false).get(ignored);
    return rejected(error ? reason_for(error) : RejectReason::kNotAnObject);
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) return rejected(reason_for(error));

  const bool table_from_fields = plan.table_field_count() > 0;
  IlpByteWriter head(out.data + out.size, out.data + out.capacity);
  if (table_from_fields) {
    head = IlpByteWriter(state.row_scratch.get(), state.row_scratch.get() + state.column_scratch_bytes);
  } else if (plan.table_parts().empty()) {
    head.append(plan.escaped_table());
  } else if (Rejection rejection = append_table_from_template(plan, meta, nullptr, head)) {
    return rejected(*rejection);
  }
  IlpByteWriter columns(state.column_scratch.get(),
                        state.column_scratch.get() + state.column_scratch_bytes);
  state.field_names.clear(json.size());
  MessageEncoder encoder(plan, meta, head, columns, state.field_names, state.path);
  if (Rejection rejection = encoder.encode_key()) return rejected(*rejection);
  if (Rejection rejection = encoder.encode_kafka_columns()) return rejected(*rejection);
  if (Rejection rejection = encoder.encode_object(object, 0, 0, false)) {
    return rejected(*rejection);
  }
  // Anything but whitespace after the object (e.g. a second object) is malformed:
  // once the object is read, simdjson has no location left unless more JSON follows.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return rejected(RejectReason::kMalformedJson);
  }
  if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
  if (table_from_fields) {
    if (encoder.head().overflowed) return rejected(RejectReason::kTooLarge);
    IlpByteWriter line(out.data + out.size, out.data + out.capacity);
    if (Rejection rejection =
            append_table_from_template(plan, meta, encoder.table_values(), line)) {
      return rejected(*rejection);
    }
    const char* row = state.row_scratch.get();
    line.append(std::string_view(row, static_cast<std::size_t>(encoder.head().pos - row)));
    if (line.overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
    out.size = static_cast<std::size_t>(line.pos - out.data);
    return {};
  }
  if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(encoder.head().pos - out.data);
  return {};
}

}  // namespace kilp::parse
