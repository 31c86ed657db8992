// Record formats: Kafka Connect's JsonConverter envelopes (--value-format envelope,
// --key-format envelope) and JSON keys (--key-format json), whose objects become
// columns or symbols as the QuestDB Kafka connector writes a struct key.
#include <cstring>
#include <utility>

#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::encode_key_value(ondemand::value& value, IlpByteWriter& names) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto error = value.get_object().get(object)) return reason_for(error);
      char name[kMaxPathBytes];
      const std::size_t prefix = config_.key_prefix.size() + config_.separator.size();
      if (prefix > kMaxPathBytes) return RejectReason::kInvalidName;
      std::memcpy(name, config_.key_prefix.data(), config_.key_prefix.size());
      std::memcpy(name + config_.key_prefix.size(), config_.separator.data(),
                  config_.separator.size());
      return encode_key_object(object, name, prefix, 0, names);
    }
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return reason_for(error);
      return encode_key_text(text);
    }
    case ondemand::json_type::number: {
      ondemand::number number;
      if (auto error = value.get_number().get(number)) return number_failure(value, error);
      return encode_key_text(raw_token(value));
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      if (auto error = value.get_bool().get(flag)) return reason_for(error);
      return encode_key_text(flag ? "true" : "false");
    }
    case ondemand::json_type::null:
      return check_null(value);  // no key
    case ondemand::json_type::array:
      return is_empty_container(value, type) ? Rejection()
                                             : Rejection(RejectReason::kUnsupportedValue);
  }
  return RejectReason::kUnsupportedValue;
}

Rejection MessageEncoder::encode_key_object(ondemand::object& object, char* name,
                                            std::size_t name_len, int depth, IlpByteWriter& names) {
  for (auto member : object) {
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();  // in place: see encode_object
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    ondemand::value& value = field.value();
    if (name_len + key.size() > kMaxPathBytes) {
      if (writes_nothing(value)) continue;  // as under any other name
      return RejectReason::kInvalidName;
    }
    std::memcpy(name + name_len, key.data(), key.size());
    const std::string_view path(name, name_len + key.size());
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    Rejection rejection;
    if (type == ondemand::json_type::object) {
      ondemand::object inner;
      bool empty = false;
      if (auto error = value.get_object().get(inner)) return reason_for(error);
      if (depth >= config_.max_depth) {
        if (auto error = inner.is_empty().get(empty)) return reason_for(error);
        if (!empty) return RejectReason::kTooDeep;
        continue;
      }
      if (path.size() + config_.separator.size() > kMaxPathBytes) {
        if (auto error = inner.is_empty().get(empty)) return reason_for(error);
        if (!empty) return RejectReason::kInvalidName;
        continue;
      }
      std::memcpy(name + path.size(), config_.separator.data(), config_.separator.size());
      rejection =
          encode_key_object(inner, name, path.size() + config_.separator.size(), depth + 1, names);
    } else {
      // Escaped and numbered like a value field's name, so that a value field of the
      // same name is seen as the duplicate.
      char* const start = names.pos;
      const bool valid = append_column_name(names, path) && !names.overflowed;
      if (names.overflowed) return RejectReason::kTooLarge;
      const std::string_view escaped(start, static_cast<std::size_t>(names.pos - start));
      const ColumnName column{escaped, valid, valid ? cache_.number_name(escaped) : kUnnumberedName};
      if (type == ondemand::json_type::array && config_.key_mode != KeyMode::kSymbol) {
        rejection = encode_array(column, value);  // an invalid name only if it writes
      } else if (!valid) {
        // As for the value's fields: null and empty containers write no name to refuse.
        rejection = writes_nothing(value) ? Rejection() : Rejection(RejectReason::kInvalidName);
      } else if (config_.key_mode == KeyMode::kSymbol) {
        rejection = encode_symbol(column, value);
      } else {
        rejection = encode_column(column, value, depth, path, true);
      }
    }
    if (rejection && *rejection != kSkipDuplicate) return rejection;
  }
  return std::nullopt;
}

namespace {

// {"schema":...,"payload":...} (schemas.enable=true): calls `use` on the payload; the
// schema and any other member are skipped unread. No payload (absent or null) is
// missing_field.
template <typename UsePayload>
Rejection with_envelope_payload(ondemand::object& envelope, UsePayload&& use) {
  bool found = false;
  for (auto member : envelope) {
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();  // in place: see encode_object
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    if (key != "payload") continue;
    if (found) return RejectReason::kDuplicateField;
    found = true;
    ondemand::value& value = field.value();
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return reason_for(error);
    if (is_null) return RejectReason::kMissingField;
    if (Rejection rejection = use(value)) return rejection;
  }
  return found ? Rejection() : Rejection(RejectReason::kMissingField);
}

// A JSON key that is a scalar document ("k1", 42, true, null): its text. Root
// scalars are read from the document itself (simdjson has no value for them).
Rejection encode_scalar_key(ondemand::document& document, ondemand::json_type type,
                            MessageEncoder& encoder) {
  switch (type) {
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = document.get_string().get(text)) return reason_for(error);
      return encoder.encode_key_text(text);
    }
    case ondemand::json_type::number: {
      ondemand::number number;
      if (auto error = document.get_number().get(number)) return reason_for(error);
      return encoder.encode_key_text(trim_trailing_space(document.raw_json_token()));
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      if (auto error = document.get_bool().get(flag)) return reason_for(error);
      return encoder.encode_key_text(flag ? "true" : "false");
    }
    default: {
      bool is_null = false;
      if (auto error = document.is_null().get(is_null)) return reason_for(error);
      return is_null ? Rejection() : Rejection(RejectReason::kMalformedJson);
    }
  }
}

}  // namespace

Rejection encode_envelope_payload(ondemand::object& envelope, MessageEncoder& encoder) {
  return with_envelope_payload(envelope, [&](ondemand::value& value) -> Rejection {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return check_null(value);  // "nul"
    if (type != ondemand::json_type::object) return RejectReason::kNotAnObject;
    ondemand::object payload;
    if (auto error = value.get_object().get(payload)) return reason_for(error);
    return encoder.encode_object(payload, 0, 0, false);
  });
}

Rejection encode_json_key(KeyFormat format, std::string_view key, const KeyScratch& scratch,
                          MessageEncoder& encoder) {
  if (key.empty()) return std::nullopt;  // no key
  if (key.size() > scratch.max_bytes) return RejectReason::kTooLarge;
  std::memcpy(scratch.padded, key.data(), key.size());
  std::memset(scratch.padded + key.size(), 0, simdjson::SIMDJSON_PADDING);
  ondemand::document document;
  if (auto error = scratch.parser
                       .iterate(scratch.padded, key.size(), key.size() + simdjson::SIMDJSON_PADDING)
                       .get(document)) {
    return reason_for(error);
  }
  ondemand::json_type type;
  if (auto error = document.type().get(type)) return reason_for(error);
  IlpByteWriter names(scratch.names, scratch.names + 2 * scratch.max_bytes);
  Rejection rejection;
  if (format == KeyFormat::kEnvelope) {
    if (type != ondemand::json_type::object) return RejectReason::kNotAnObject;
    ondemand::object envelope;
    if (auto error = document.get_object().get(envelope)) return reason_for(error);
    rejection = with_envelope_payload(
        envelope, [&](ondemand::value& value) { return encoder.encode_key_value(value, names); });
  } else if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
    ondemand::value value;
    if (auto error = document.get_value().get(value)) return reason_for(error);
    rejection = encoder.encode_key_value(value, names);
  } else {
    rejection = encode_scalar_key(document, type, encoder);
  }
  if (rejection) return rejection;
  // "1 2", {"a":1} x: more JSON after the key's value.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return RejectReason::kMalformedJson;
  }
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
