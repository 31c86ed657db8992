// Values: strings, numbers, booleans and nulls as symbols or typed columns.
#include <cmath>
#include <limits>

#include "parse/decimal_text.hpp"
#include "parse/ilp_values.hpp"
#include "parse/json_number_syntax.hpp"
#include "parse/json_string_transcoder.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::encode_symbol(const ColumnName& name, ondemand::value& value) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  std::string_view text;
  switch (type) {
    case ondemand::json_type::string:
      switch (transcode_symbol_value(name, value)) {
        case Transcoded::kWritten:
          break;
        case Transcoded::kEmpty:
          return std::nullopt;  // like "" below
        case Transcoded::kNotTranscoded:
          if (auto error = value.get_string().get(text)) return reason_for(error);
          // InfluxDB-style parsers refuse an empty tag value: treat "" like null.
          if (text.empty()) return std::nullopt;
          begin_symbol(name);
          append_symbol_value(head_, text);
          break;
      }
      break;
    case ondemand::json_type::number: {
      // The symbol is the number as written; validate it first.
      text = raw_token(value);
      ondemand::number number;
      if (auto error = value.get_number().get(number)) return number_failure(value, error);
      begin_symbol(name);
      head_.append(text);  // a JSON number holds no character ILP must escape
      break;
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      if (auto error = value.get_bool().get(flag)) return reason_for(error);
      begin_symbol(name);
      head_.append(flag ? "true" : "false");
      break;
    }
    case ondemand::json_type::null:
      return check_null(value);
    default:
      return is_empty_container(value, type) ? Rejection()
                                             : Rejection(RejectReason::kUnsupportedValue);
  }
  if (!first_use(name.number, name.text)) {
    if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
    head_.pos = symbol_start_;  // keep the first copy
  }
  return std::nullopt;
}

MessageEncoder::Transcoded MessageEncoder::transcode_symbol_value(const ColumnName& name,
                                                                  ondemand::value& value) {
  const std::string_view token = value.raw_json_token();
  // The value goes where it stands after ",name=", which begin_symbol then writes.
  const std::size_t name_bytes = name.text.size() + 2;
  if (head_.remaining() < name_bytes + transcoded_bytes_at_most(token.size())) {
    return Transcoded::kNotTranscoded;
  }
  char* const text = head_.pos + name_bytes;
  char* const end =
      transcode_json_string<IlpTextKind::kSymbolValue>(token.data() + 1, token.size(), text);
  if (end == nullptr) return Transcoded::kNotTranscoded;
  if (end == text) return Transcoded::kEmpty;
  begin_symbol(name);
  head_.pos = end;
  return Transcoded::kWritten;
}

char* MessageEncoder::transcode_string_column(const ColumnName& name, ondemand::value& value) {
  const std::string_view token = value.raw_json_token();
  // As for symbols: the value first, after the room for ",name=" (the string is read
  // before the name is checked, as on simdjson's path), quoted.
  const std::size_t name_bytes = name.text.size() + 2;
  if (columns_.remaining() < name_bytes + 2 + transcoded_bytes_at_most(token.size())) {
    return nullptr;
  }
  char* const text = columns_.pos + name_bytes;
  *text = '"';
  char* const end =
      transcode_json_string<IlpTextKind::kStringContent>(token.data() + 1, token.size(), text + 1);
  if (end == nullptr) return nullptr;
  *end = '"';
  return end + 1;
}

bool MessageEncoder::is_empty_container(ondemand::value& value, ondemand::json_type type) {
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

bool MessageEncoder::writes_nothing(ondemand::value& value) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  if (type == ondemand::json_type::null) return !check_null(value);
  return is_empty_container(value, type);
}

Rejection MessageEncoder::encode_column(const ColumnName& name, ondemand::value& value, int depth,
                                        std::string_view path, bool kept) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::string: {
      if (char* const end = transcode_string_column(name, value)) {
        if (Rejection rejection = begin_column(name)) return rejection;
        columns_.pos = end;
        return std::nullopt;
      }
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

Rejection MessageEncoder::encode_number_column(const ColumnName& name, ondemand::value& value) {
  // Most doubles in the wild are plain decimals: their text is the ILP value, so
  // skip simdjson's number type scan and conversion (trades: 3650 -> 3470
  // instructions per message, callgrind).
  const std::string_view text = raw_token(value);
  switch (number_shape(text)) {
    case NumberShape::kSmallInteger:
      // Its text is the decimal form append_long() would write.
      if (Rejection rejection = begin_column(name)) return rejection;
      columns_.append(text);
      columns_.put('i');
      return std::nullopt;
    case NumberShape::kPlainDecimal:
      if (config_.protocol_version >= 2) break;
      if (Rejection rejection = begin_column(name)) return rejection;
      columns_.append(text);
      return std::nullopt;
    case NumberShape::kOther:
      break;
  }
  // An integer beyond signed 64 bits (simdjson may fail on it before typing it).
  auto oversized = [&](simdjson::error_code error) -> Rejection {
    const RejectReason reason = number_failure(value, error);
    if (reason == RejectReason::kNumberOutOfRange &&
        config_.oversized_integers == OversizedIntegerPolicy::kDouble) {
      return encode_double(name, value);
    }
    return reason;
  };
  ondemand::number_type type;
  if (auto error = value.get_number_type().get(type)) return oversized(error);
  switch (type) {
    case ondemand::number_type::signed_integer: {
      std::int64_t integer = 0;
      if (auto error = value.get_int64().get(integer)) return oversized(error);
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

Rejection MessageEncoder::encode_double(const ColumnName& name, ondemand::value& value) {
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

Rejection MessageEncoder::encode_double_hinted(const ColumnName& name, ondemand::value& value) {
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

Rejection MessageEncoder::encode_integer_hinted(const ColumnName& name, ondemand::value& value) {
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

Rejection MessageEncoder::encode_decimal(const ColumnName& name, ondemand::value& value,
                                         DecimalTarget target) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  std::string_view text;
  DecimalSyntax syntax = DecimalSyntax::kJsonNumber;
  switch (type) {
    case ondemand::json_type::number:
      text = raw_token(value);  // the digits as written, never through a double
      break;
    case ondemand::json_type::string:
      if (auto error = value.get_string().get(text)) return reason_for(error);
      syntax = DecimalSyntax::kText;
      break;
    case ondemand::json_type::null:
      return check_null(value);
    default:
      return RejectReason::kTypeConflict;
  }
  DecimalValue decimal;
  switch (parse_decimal(text, syntax, target, decimal)) {
    case DecimalError::kNone:
      break;
    case DecimalError::kNotANumber:
      // A number token that breaks JSON's grammar is broken JSON; text that is not a
      // number contradicts the hint, as "abc" does under --doubles.
      return syntax == DecimalSyntax::kJsonNumber ? RejectReason::kMalformedJson
                                                  : RejectReason::kTypeConflict;
    case DecimalError::kOutOfRange:
      return RejectReason::kNumberOutOfRange;
  }
  if (Rejection rejection = begin_column(name)) return rejection;
  append_decimal_binary(columns_, decimal);
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
