// Payload fields typed by the schema of their JsonConverter envelope, written as the
// QuestDB Kafka connector writes the Connect record JsonConverter makes of them:
// integer widths (a long column whatever the width), float32 as the nearest float,
// the logical types Timestamp, Date (timestamp columns) and Time (a long of
// milliseconds), bytes and Decimal refused or skipped (a Decimal named in --decimals
// is a DECIMAL column), arrays only of floats.
#include "parse/base64_bytes.hpp"
#include "parse/decimal_text.hpp"
#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"
#include "parse/timestamp_conversion.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

// Whether `number` fits the Connect integer type (JsonConverter would wrap it around).
bool fits_width(std::int64_t number, ConnectType type) {
  switch (type) {
    case ConnectType::kInt8:
      return number >= INT8_MIN && number <= INT8_MAX;
    case ConnectType::kInt16:
      return number >= INT16_MIN && number <= INT16_MAX;
    case ConnectType::kInt32:
      return number >= INT32_MIN && number <= INT32_MAX;
    default:
      return true;
  }
}

bool is_timestamp_logical(ConnectLogical logical) {
  return logical == ConnectLogical::kTimestamp || logical == ConnectLogical::kDate ||
         logical == ConnectLogical::kTime || logical == ConnectLogical::kMicroTimestamp ||
         logical == ConnectLogical::kDebeziumDate;
}

}  // namespace

Rejection MessageEncoder::whole_number(ondemand::value& value, std::int64_t& number) {
  ondemand::number_type type;
  if (auto error = value.get_number_type().get(type)) return number_failure(value, error);
  if (type == ondemand::number_type::signed_integer) {
    if (auto error = value.get_int64().get(number)) return number_failure(value, error);
    return std::nullopt;
  }
  if (type != ondemand::number_type::floating_point_number) {
    return RejectReason::kNumberOutOfRange;  // beyond signed 64 bits
  }
  double real = 0;
  if (auto error = value.get_double().get(real)) return number_failure(value, error);
  if (real != std::trunc(real)) return RejectReason::kTypeConflict;
  if (!(real >= -9223372036854775808.0 && real < 9223372036854775808.0)) {
    return RejectReason::kNumberOutOfRange;
  }
  number = static_cast<std::int64_t>(real);
  return std::nullopt;
}

Rejection MessageEncoder::logical_timestamp(ondemand::value& value, ConnectLogical logical,
                                            std::optional<std::int64_t>& nanos) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type != ondemand::json_type::number) return RejectReason::kBadTimestamp;
  std::int64_t number = 0;
  if (Rejection rejection = whole_number(value, number)) {
    return *rejection == RejectReason::kMalformedJson ? rejection
                                                      : Rejection(RejectReason::kBadTimestamp);
  }
  switch (logical) {
    case ConnectLogical::kDate:
    case ConnectLogical::kDebeziumDate: {
      std::int64_t seconds = 0;
      if (__builtin_mul_overflow(number, kSecondsPerDay, &seconds))
        return RejectReason::kBadTimestamp;
      nanos = integer_timestamp_to_nanos(seconds, TimestampUnit::kSeconds);
      break;
    }
    case ConnectLogical::kMicroTimestamp:
      nanos = integer_timestamp_to_nanos(number, TimestampUnit::kMicros);
      break;
    default:  // Timestamp; Time, milliseconds after midnight of the epoch's first day
      nanos = integer_timestamp_to_nanos(number, TimestampUnit::kMillis);
      break;
  }
  if (!nanos) return RejectReason::kBadTimestamp;
  return std::nullopt;
}

Rejection MessageEncoder::encode_with_schema(const ColumnName& name, ondemand::value& value,
                                             int depth, std::string_view path, bool kept,
                                             const ConnectField& field) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type == ondemand::json_type::null) return check_null(value);  // an optional field unset
  if (field.type == ConnectType::kBytes || field.logical == ConnectLogical::kDecimal) {
    // ILP has no column for them and the connector refuses them (or skips them with
    // skip.unsupported.types): skipped before any name is needed.
    return config_.unsupported_types == UnsupportedTypePolicy::kSkip
               ? Rejection()
               : Rejection(RejectReason::kUnsupportedValue);
  }
  const bool is_number = type == ondemand::json_type::number;
  switch (field.type) {
    case ConnectType::kStruct:
      if (type != ondemand::json_type::object) return RejectReason::kTypeConflict;
      return descend(value, depth, path, kept, &field);
    case ConnectType::kArray:
      if (type != ondemand::json_type::array) return RejectReason::kTypeConflict;
      return encode_schema_array(name, value, field);
    case ConnectType::kInt8:
    case ConnectType::kInt16:
    case ConnectType::kInt32:
    case ConnectType::kInt64:
      if (!is_number) return RejectReason::kTypeConflict;
      return encode_schema_integer(name, value, field);
    case ConnectType::kFloat32:
      return is_number ? encode_float32(name, value) : Rejection(RejectReason::kTypeConflict);
    case ConnectType::kFloat64:
      return is_number ? encode_double(name, value) : Rejection(RejectReason::kTypeConflict);
    case ConnectType::kBoolean:
      if (type != ondemand::json_type::boolean) return RejectReason::kTypeConflict;
      break;
    case ConnectType::kString:
      if (type != ondemand::json_type::string) return RejectReason::kTypeConflict;
      break;
    case ConnectType::kMap:  // an object: flattened as without schema (see README)
    case ConnectType::kBytes:
    case ConnectType::kOther:
      break;
  }
  return encode_column(name, value, depth, path, kept);
}

Rejection MessageEncoder::encode_schema_integer(const ColumnName& name, ondemand::value& value,
                                                const ConnectField& field) {
  if (is_timestamp_logical(field.logical) && field.logical != ConnectLogical::kTime) {
    std::optional<std::int64_t> nanos;
    if (Rejection rejection = logical_timestamp(value, field.logical, nanos)) return rejection;
    if (Rejection rejection = begin_column(name)) return rejection;
    append_timestamp_column_value(*nanos);
    return std::nullopt;
  }
  std::int64_t number = 0;  // Time too: milliseconds after midnight, a long
  if (Rejection rejection = whole_number(value, number)) return rejection;
  if (!fits_width(number, field.type)) return RejectReason::kNumberOutOfRange;
  if (Rejection rejection = begin_column(name)) return rejection;
  append_long(columns_, number);
  return std::nullopt;
}

Rejection MessageEncoder::encode_float32(const ColumnName& name, ondemand::value& value) {
  double number = 0;
  if (auto error = value.get_double().get(number)) return number_failure(value, error);
  if (!round_to_float32(number)) return RejectReason::kNumberOutOfRange;
  if (Rejection rejection = begin_column(name)) return rejection;
  append_double(columns_, number, config_.protocol_version);
  return std::nullopt;
}

// Arrays of float32 or float64, at any depth, are double arrays; the connector
// refuses any other (an int32 array too), which follows --arrays.
Rejection MessageEncoder::encode_schema_array(const ColumnName& name, ondemand::value& value,
                                              const ConnectField& field) {
  const ConnectField* items = connect_schema_->element(field);
  while (items != nullptr && items->type == ConnectType::kArray) {
    items = connect_schema_->element(*items);
  }
  if (items != nullptr &&
      (items->type == ConnectType::kFloat32 || items->type == ConnectType::kFloat64)) {
    return encode_array(name, value, items->type == ConnectType::kFloat32);
  }
  ondemand::array array;
  bool empty = false;
  if (auto error = value.get_array().get(array)) return reason_for(error);
  if (auto error = array.is_empty().get(empty)) return reason_for(error);
  if (empty || config_.array_policy == ArrayPolicy::kSkip) return std::nullopt;
  return RejectReason::kUnsupportedValue;
}

Rejection MessageEncoder::encode_planned_with_schema(const MappingPlan::PlannedField& planned,
                                                     const ColumnName& name, ondemand::value& value,
                                                     int depth, std::string_view path,
                                                     const ConnectField& field) {
  switch (planned.role) {
    case MappingPlan::FieldRole::kColumn:
      return encode_with_schema(name, value, depth, path, true, field);
    case MappingPlan::FieldRole::kTimestamp:
      // Composed parts are text whatever their type; a duplicate is as without schema.
      if (plan_.timestamp_part_count() > 1 || timestamp_seen_ != 0) break;
      if (field.type == ConnectType::kOther && field.logical == ConnectLogical::kNone) break;
      timestamp_seen_ = 1;
      return read_schema_timestamp(value, field);
    case MappingPlan::FieldRole::kTimestampColumn: {
      if (!is_timestamp_logical(field.logical)) break;
      ondemand::json_type type;
      if (auto error = value.type().get(type)) return reason_for(error);
      if (type == ondemand::json_type::null) return check_null(value);  // omitted
      std::optional<std::int64_t> nanos;
      if (Rejection rejection = logical_timestamp(value, field.logical, nanos)) return rejection;
      if (Rejection rejection = begin_column(name)) return rejection;
      append_timestamp_column_value(*nanos);
      return std::nullopt;
    }
    case MappingPlan::FieldRole::kExplode: {
      const ConnectField* items = connect_schema_->element(field);
      exploded_schema_ = items != nullptr && items->type == ConnectType::kStruct ? items : nullptr;
      break;
    }
    case MappingPlan::FieldRole::kDecimal:
      if (field.logical != ConnectLogical::kDecimal) break;
      return encode_connect_decimal(name, value, field, planned.decimal);
    default:  // symbols and type hints are the mapping's word, not the schema's
      break;
  }
  return encode_planned(planned, name, value, depth, path);
}

Rejection MessageEncoder::encode_connect_decimal(const ColumnName& name, ondemand::value& value,
                                                 const ConnectField& field, DecimalTarget target) {
  if (field.decimal_scale == ConnectField::kNoDecimalScale) return RejectReason::kUnsupportedValue;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  // A number (decimal.format=NUMERIC) is read from its digits; null and the rest as
  // without a schema.
  if (type != ondemand::json_type::string) return encode_decimal(name, value, target);
  std::string_view text;
  if (auto error = value.get_string().get(text)) return reason_for(error);
  // Sign-extended values longer than 32 bytes still fit; anything past twice that
  // cannot be a decimal of 76 digits.
  unsigned char bytes[2 * kMaxDecimalBytes];
  const long count = decode_base64_into(text, bytes, sizeof bytes);
  if (count == kBase64TooLong) return RejectReason::kNumberOutOfRange;
  if (count < 0) return RejectReason::kTypeConflict;
  DecimalValue decimal;
  DecimalError error = decimal_from_unscaled_bytes(
      std::string_view(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(count)),
      field.decimal_scale, decimal);
  if (error == DecimalError::kNone) error = rescale_decimal(decimal, target);
  if (error == DecimalError::kNotANumber) return RejectReason::kTypeConflict;
  if (error == DecimalError::kOutOfRange) return RejectReason::kNumberOutOfRange;
  if (Rejection rejection = begin_column(name)) return rejection;
  append_decimal_binary(columns_, decimal);
  return std::nullopt;
}

// As the connector resolves a designated timestamp: a logical timestamp type by its
// unit, an int64 by --timestamp-units, a string by --timestamp-format; any other
// type (int8 to int32, floats, booleans) it refuses.
Rejection MessageEncoder::read_schema_timestamp(ondemand::value& value, const ConnectField& field) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type == ondemand::json_type::null) {
    if (Rejection rejection = check_null(value)) return rejection;
    return RejectReason::kBadTimestamp;  // present but unusable
  }
  if (is_timestamp_logical(field.logical)) {
    return logical_timestamp(value, field.logical, timestamp_ns_);
  }
  if (field.type == ConnectType::kInt64 && type == ondemand::json_type::number) {
    return read_numeric_timestamp(value);
  }
  if (field.type == ConnectType::kString && type == ondemand::json_type::string) {
    std::string_view text;
    if (auto error = value.get_string().get(text)) return reason_for(error);
    return text_timestamp(text, timestamp_ns_);
  }
  return RejectReason::kBadTimestamp;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
