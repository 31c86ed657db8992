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

// {"schema":...,"payload":...} (schemas.enable=true): `read_schema` on the schema
// when `with_schema`, then `use` on the payload; any other member is skipped unread.
// A payload written before its schema is read after it, in a second pass over the
// envelope (JsonConverter writes the schema first). No payload (absent or null) is
// missing_field; a second schema or payload is duplicate_field.
template <typename ReadSchema, typename UsePayload>
Rejection with_envelope_payload(ondemand::object& envelope, bool with_schema,
                                ReadSchema&& read_schema, UsePayload&& use) {
  const char* payload_key = nullptr;  // where the payload's key is in the message
  bool schema_seen = false;
  bool deferred = false;
  for (auto member : envelope) {
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();  // in place: see encode_object
    const char* const raw_key = reinterpret_cast<const char*>(field.key().raw());
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    if (with_schema && key == "schema") {
      if (schema_seen) return RejectReason::kDuplicateField;
      schema_seen = true;
      if (Rejection rejection = read_schema(field.value())) return rejection;
      continue;
    }
    if (key != "payload") continue;
    if (payload_key != nullptr) return RejectReason::kDuplicateField;
    payload_key = raw_key;
    ondemand::value& value = field.value();
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return reason_for(error);
    if (is_null) return RejectReason::kMissingField;
    if (with_schema && !schema_seen) {
      deferred = true;  // a schema may follow
      continue;
    }
    if (Rejection rejection = use(value)) return rejection;
  }
  if (payload_key == nullptr) return RejectReason::kMissingField;
  if (!deferred) return std::nullopt;
  if (auto error = envelope.reset().error()) return reason_for(error);
  // The keys are found by where they are: unescaping them again could overrun
  // simdjson's string buffer, sized for one unescape of each string.
  for (auto member : envelope) {
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();
    if (reinterpret_cast<const char*>(field.key().raw()) != payload_key) continue;
    if (Rejection rejection = use(field.value())) return rejection;
  }
  return std::nullopt;
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

Rejection encode_envelope_payload(ondemand::object& envelope, MessageEncoder& encoder,
                                  ConnectSchema& schema) {
  const ConnectField* root = nullptr;
  auto read_schema = [&](ondemand::value& value) -> Rejection {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return check_null(value);  // no schema
    if (type != ondemand::json_type::object) return std::nullopt;     // none kilp reads
    ondemand::object object;
    std::string_view text;
    if (auto error = value.get_object().get(object)) return reason_for(error);
    if (auto error = object.raw_json().get(text)) return reason_for(error);
    switch (schema.use(text)) {
      case ConnectSchema::Outcome::kOk:
        root = &schema.root();
        return std::nullopt;
      case ConnectSchema::Outcome::kMalformed:
        return RejectReason::kMalformedJson;
      case ConnectSchema::Outcome::kTooLarge:
        return RejectReason::kTooLarge;
    }
    return std::nullopt;
  };
  auto use_payload = [&](ondemand::value& value) -> Rejection {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return check_null(value);  // "nul"
    if (type != ondemand::json_type::object) return RejectReason::kNotAnObject;
    ondemand::object payload;
    if (auto error = value.get_object().get(payload)) return reason_for(error);
    // A struct schema types the payload's fields; any other is not the payload's.
    const bool typed = root != nullptr && root->type == ConnectType::kStruct;
    encoder.use_connect_schema(typed ? &schema : nullptr);
    return encoder.encode_object(payload, 0, 0, false, typed ? root : nullptr);
  };
  return with_envelope_payload(envelope, true, read_schema, use_payload);
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
    // A key's schema is not read (see README): its payload is mapped as JSON.
    rejection = with_envelope_payload(
        envelope, false, [](ondemand::value&) { return Rejection(); },
        [&](ondemand::value& value) { return encoder.encode_key_value(value, names); });
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
