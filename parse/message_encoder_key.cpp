// --key-format json|envelope: a structured Kafka key as columns or symbols, as the
// QuestDB Kafka connector writes a struct key with its key prefix.
#include <cstring>
#include <utility>

#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse::detail {

Rejection MessageEncoder::encode_key_value(ondemand::value& value) {
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
      return encode_key_object(object, name, prefix, 0);
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
                                            std::size_t name_len, int depth) {
  for (auto member : object) {
    ondemand::field field;
    if (auto error = std::move(member).get(field)) return reason_for(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    if (name_len + key.size() > kMaxPathBytes) return RejectReason::kInvalidName;
    std::memcpy(name + name_len, key.data(), key.size());
    const std::string_view path(name, name_len + key.size());
    ondemand::value value = field.value();
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
      if (path.size() + config_.separator.size() > kMaxPathBytes) return RejectReason::kInvalidName;
      std::memcpy(name + path.size(), config_.separator.data(), config_.separator.size());
      rejection = encode_key_object(inner, name, path.size() + config_.separator.size(), depth + 1);
    } else if (config_.key_mode == KeyMode::kSymbol) {
      rejection = encode_symbol({path, false}, value);
    } else if (type == ondemand::json_type::array) {
      rejection = encode_array({path, false}, value);
    } else {
      rejection = encode_column({path, false}, value, depth, path, true);
    }
    if (rejection && *rejection != kSkipDuplicate) return rejection;
  }
  return std::nullopt;
}

}  // namespace kilp::parse::detail
