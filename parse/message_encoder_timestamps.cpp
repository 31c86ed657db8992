// Timestamps: the designated timestamp field, numeric or text.
#include "parse/json_number_syntax.hpp"
#include "parse/message_encoder.hpp"
#include "parse/timestamp_conversion.hpp"
#include "parse/timestamp_format.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::read_timestamp(ondemand::value& value) {
  if (timestamp_seen_) return RejectReason::kDuplicateField;
  timestamp_seen_ = true;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::null:
      return check_null(value);  // absent, as if missing
    case ondemand::json_type::number:
      return read_numeric_timestamp(value);
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return reason_for(error);
      const auto& pattern = plan_.timestamp_pattern();
      timestamp_ns_ = pattern ? pattern->parse(text) : rfc3339_to_nanos(text);
      return timestamp_ns_ ? Rejection() : Rejection(RejectReason::kBadTimestamp);
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
  ondemand::number_type number_type;
  if (auto error = value.get_number_type().get(number_type)) return number_failure(value, error);
  if (number_type == ondemand::number_type::signed_integer) {
    std::int64_t integer = 0;
    if (auto error = value.get_int64().get(integer)) return number_failure(value, error);
    timestamp_ns_ = integer_timestamp_to_nanos(integer, config_.timestamp_unit);
  } else {
    const std::string_view text = raw_token(value);
    double number = 0;
    if (auto error = value.get_double().get(number)) return number_failure(value, error);
    TimestampUnit unit = config_.timestamp_unit;
    if (unit == TimestampUnit::kAuto) unit = guess_timestamp_unit(number);
    timestamp_ns_ = decimal_timestamp_to_nanos(text, unit);
  }
  if (!timestamp_ns_) return RejectReason::kBadTimestamp;
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
