// Timestamps: the designated timestamp (one field, several joined, or absent) and
// timestamp columns, numeric or text.
#include "parse/ilp_values.hpp"
#include "parse/json_number_syntax.hpp"
#include "parse/message_encoder.hpp"
#include "parse/timestamp_conversion.hpp"
#include "parse/timestamp_format.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::read_timestamp(ondemand::value& value, std::size_t part) {
  if (timestamp_seen_ & (1u << part)) {
    if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
    return std::nullopt;  // keep the first
  }
  timestamp_seen_ |= 1u << part;
  if (plan_.timestamp_part_count() > 1) return read_timestamp_part(value, part);
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::null:
      // Present but unusable, not missing: never server time (the connector refuses
      // a null timestamp too).
      if (Rejection rejection = check_null(value)) return rejection;
      return RejectReason::kBadTimestamp;
    case ondemand::json_type::number:
      return read_numeric_timestamp(value);
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return reason_for(error);
      return text_timestamp(text, timestamp_ns_);
    }
    default:
      return RejectReason::kBadTimestamp;
  }
}

Rejection MessageEncoder::read_numeric_timestamp(ondemand::value& value) {
  const std::string_view token = raw_token(value);
  if (number_shape(token) == NumberShape::kSmallInteger && token[0] != '-') {
    // Its digits, then as many zeros as the unit needs, are the nanoseconds.
    const std::optional<ScaledTimestamp> scaled =
        scale_integer_timestamp(small_integer_value(token), config_.timestamp_unit);
    if (!scaled) return RejectReason::kBadTimestamp;
    timestamp_ns_ = scaled->nanos;
    if (scaled->nanos > 0) {
      timestamp_digits_ = token;
      timestamp_zeros_ = scaled->exponent;
    }
    return std::nullopt;
  }
  return numeric_timestamp(value, timestamp_ns_);
}

Rejection MessageEncoder::timestamp_value(ondemand::value& value,
                                          std::optional<std::int64_t>& nanos) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::null:
      return check_null(value);
    case ondemand::json_type::number:
      return numeric_timestamp(value, nanos);
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return reason_for(error);
      return text_timestamp(text, nanos);
    }
    default:
      return RejectReason::kBadTimestamp;
  }
}

Rejection MessageEncoder::text_timestamp(std::string_view text,
                                         std::optional<std::int64_t>& nanos) const {
  const auto& pattern = plan_.timestamp_pattern();
  const std::optional<std::int64_t> parsed =
      pattern ? pattern->parse(text) : rfc3339_to_nanos(text);
  if (!parsed) return RejectReason::kBadTimestamp;
  nanos = *parsed;
  return std::nullopt;
}

Rejection MessageEncoder::numeric_timestamp(ondemand::value& value,
                                            std::optional<std::int64_t>& nanos) {
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
Rejection MessageEncoder::read_timestamp_part(ondemand::value& value, std::size_t part) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::null:
      if (Rejection rejection = check_null(value)) return rejection;
      return RejectReason::kBadTimestamp;  // as a null timestamp field
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

Rejection MessageEncoder::compose_timestamp(bool& missing) {
  const std::size_t parts = plan_.timestamp_part_count();
  if (timestamp_seen_ == 0) {
    missing = true;  // no part at all: the timestamp is missing
    return std::nullopt;
  }
  if (timestamp_seen_ != (1u << parts) - 1) {
    // Some parts without the others: a timestamp present but unusable, as for the
    // connector; the first absent part is named, copied to path_ (free once the row is
    // done) as the refused field outlives the message but not necessarily the plan.
    for (const MappingPlan::PlannedField& field : plan_.fields()) {
      const std::string& name = field.json_name;
      if (field.role == MappingPlan::FieldRole::kTimestamp &&
          (timestamp_seen_ & (1u << field.timestamp_part)) == 0 && refused_field_->empty() &&
          name.size() <= kMaxPathBytes) {
        std::memcpy(path_, name.data(), name.size());
        *refused_field_ = std::string_view(path_, name.size());
      }
    }
    return RejectReason::kBadTimestamp;
  }
  char text[kMaxComposedTimestampBytes];
  IlpByteWriter joined(text, text + sizeof text);
  for (std::size_t i = 0; i < parts; ++i) joined.append(timestamp_parts_[i]);
  if (joined.overflowed) return RejectReason::kBadTimestamp;
  timestamp_digits_ = {};
  return text_timestamp(std::string_view(text, static_cast<std::size_t>(joined.pos - text)),
                        timestamp_ns_);
}

// 't' microseconds; 'n' nanoseconds with protocol 2 when the value has digits below
// a microsecond.
Rejection MessageEncoder::encode_timestamp_column(const ColumnName& name, ondemand::value& value) {
  std::optional<std::int64_t> nanos;
  if (Rejection rejection = timestamp_value(value, nanos)) return rejection;
  if (!nanos) return std::nullopt;  // null
  if (*nanos % 1000 != 0 && config_.protocol_version < 2) return RejectReason::kBadTimestamp;
  if (Rejection rejection = begin_column(name)) return rejection;
  append_timestamp_column_value(*nanos);
  return std::nullopt;
}

void MessageEncoder::append_timestamp_column_value(std::int64_t nanos) {
  if (nanos % 1000 == 0) {
    append_decimal(columns_, nanos / 1000);
    columns_.put('t');
  } else {
    append_decimal(columns_, nanos);
    columns_.put('n');
  }
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
