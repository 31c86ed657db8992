// Objects and names: walking the members of the JSON object, flattening nested keys,
// routing each field by the plan, and finishing the row.
#include <utility>

#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"
#include "parse/timestamp_conversion.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::encode_key() {
  if (config_.key_mode == KeyMode::kNone || meta_.key.empty()) return std::nullopt;
  if (!simdjson::validate_utf8(meta_.key.data(), meta_.key.size())) {
    return RejectReason::kInvalidUtf8;
  }
  return encode_key_text(meta_.key);
}

Rejection MessageEncoder::encode_key_text(std::string_view text) {
  const std::string_view key_name = plan_.escaped_key_name();
  const ColumnName name{key_name, true, cache_.number_name(key_name)};
  if (config_.key_mode == KeyMode::kSymbol) {
    if (text.empty()) return std::nullopt;  // like an empty symbol value
    begin_symbol(name);
    append_symbol_value(head_, text);
    if (!first_use(name.number, name.text)) return RejectReason::kDuplicateField;
    return std::nullopt;
  }
  if (Rejection rejection = begin_column(name)) return rejection;
  append_string_value(columns_, text);
  return std::nullopt;
}

Rejection MessageEncoder::encode_kafka_columns() {
  auto begin = [&](std::string_view escaped) {
    return begin_column({escaped, true, cache_.number_name(escaped)});
  };
  if (!plan_.escaped_kafka_timestamp_name().empty() && meta_.timestamp_ms >= 0) {
    const std::optional<std::int64_t> nanos =
        integer_timestamp_to_nanos(meta_.timestamp_ms, TimestampUnit::kMillis);
    if (!nanos) return RejectReason::kBadTimestamp;
    if (Rejection rejection = begin(plan_.escaped_kafka_timestamp_name())) return rejection;
    append_timestamp_column_value(*nanos);
  }
  if (!plan_.escaped_kafka_partition_name().empty()) {
    if (Rejection rejection = begin(plan_.escaped_kafka_partition_name())) return rejection;
    append_long(columns_, meta_.partition);
  }
  if (!plan_.escaped_kafka_offset_name().empty() && meta_.offset >= 0) {
    if (Rejection rejection = begin(plan_.escaped_kafka_offset_name())) return rejection;
    append_long(columns_, meta_.offset);
  }
  return std::nullopt;
}

Rejection MessageEncoder::capture_table_value(std::uint8_t slot, ondemand::value& value) {
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

template <bool kTyped>
Rejection MessageEncoder::encode_members(ondemand::object& object, int depth, std::size_t path_len,
                                         bool kept, const ConnectField* schema) {
  std::uint32_t next_schema_field = 0;
  for (auto member : object) {
    // The field used where it stands, not moved out with get(): GCC copies its value
    // iterator with a 16-byte load just after two narrower stores of it, which cannot
    // forward, so every member waited for them to retire (perf annotate: half of this
    // loop's time). The same holds in every member and element loop.
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();
    ondemand::value& value = field.value();
    // The field's path ("a_b"): its key at the top, which the cache may recognise in
    // the JSON as it stands.
    std::string_view path;
    std::string_view key;
    const FieldRoute* route = nullptr;
    if (depth == 0) {
      const char* const raw_key = reinterpret_cast<const char*>(field.key().raw());
      route = cache_.expected_top_level(field_ordinal_, raw_key, path);
    }
    if (route != nullptr) {
      ++field_ordinal_;
      if constexpr (kTyped) key = path;
    } else {
      if (!read_plain_key(field, key)) {
        if (auto error = field.unescaped_key().get(key)) return reason_for(error);
      }
      path = key;
      std::string_view name_text = key;  // value prefix + path
      if (depth > 0 || prefix_len_ > 0) {
        const std::size_t end = prefix_len_ + path_len + key.size();
        if (end > kMaxPathBytes) {
          if (writes_nothing(value)) continue;  // as under any other name
          return refuse_member(RejectReason::kInvalidName, field, path_len, depth);
        }
        std::memcpy(path_ + prefix_len_ + path_len, key.data(), key.size());
        path = std::string_view(path_ + prefix_len_, path_len + key.size());
        name_text = std::string_view(path_, end);
      }
      route = &route_for(path, name_text);
    }
    const ColumnName& name = route->name;
    // --value-format envelope: the field's Connect schema, when the envelope has one.
    const ConnectField* field_schema = nullptr;
    if constexpr (kTyped) field_schema = connect_schema_->field(*schema, key, next_schema_field);
    Rejection rejection;
    if (route->planned == nullptr) {
      if (kept || !plan_.keeps_only_included()) {
        rejection = field_schema == nullptr
                        ? encode_column(name, value, depth, path, kept)
                        : encode_with_schema(name, value, depth, path, kept, *field_schema);
      } else if (route->kept_below) {
        rejection = encode_branch(value, depth, path, false, field_schema);
      }
    } else {
      const MappingPlan::PlannedField& planned = *route->planned;
      if (planned.table_slot != MappingPlan::kNoSlot &&
          table_values_[planned.table_slot].empty()) {  // a duplicate keeps the first
        if (Rejection refused = capture_table_value(planned.table_slot, value)) {
          return refuse_member(*refused, field, path_len, depth);
        }
      }
      rejection =
          field_schema == nullptr
              ? encode_planned(planned, name, value, depth, path)
              : encode_planned_with_schema(planned, name, value, depth, path, *field_schema);
    }
    if (rejection && *rejection != kSkipDuplicate) [[unlikely]] {
      return refuse_member(*rejection, field, path_len, depth);
    }
  }
  return std::nullopt;
}

template Rejection MessageEncoder::encode_members<false>(ondemand::object&, int, std::size_t,
                                                         bool, const ConnectField*);
template Rejection MessageEncoder::encode_members<true>(ondemand::object&, int, std::size_t, bool,
                                                        const ConnectField*);

Rejection MessageEncoder::refuse_member(RejectReason rejection, ondemand::field& field,
                                        std::size_t path_len, int depth) {
  // A key with escapes is not named: encode_object unescaped it, which consumes it
  // (simdjson leaves no raw key, and key() asserts), and unescaping it again could
  // overrun simdjson's string buffer, sized for one unescape of each string.
  const char* const raw_key = reinterpret_cast<const char*>(field.first.raw());
  std::string_view key;
  if (!refused_field_->empty() || raw_key == nullptr || !read_plain_string(raw_key, key)) {
    return rejection;
  }
  if ((depth == 0 && prefix_len_ == 0) || prefix_len_ + path_len + key.size() > kMaxPathBytes) {
    *refused_field_ = key;  // the path is the key; or too long, and its last key says where
  } else {
    // The bytes before path_len still hold the object's path (nested fields write
    // only after it); the key goes after them again.
    std::memcpy(path_ + prefix_len_ + path_len, key.data(), key.size());
    *refused_field_ = std::string_view(path_ + prefix_len_, path_len + key.size());
  }
  return rejection;
}

Rejection MessageEncoder::finish_row() {
  bool missing = false;
  if (config_.timestamp_kafka) {
    missing = meta_.timestamp_ms < 0;
    if (!missing) {
      timestamp_ns_ = integer_timestamp_to_nanos(meta_.timestamp_ms, TimestampUnit::kMillis);
      if (!timestamp_ns_) return RejectReason::kBadTimestamp;
      timestamp_digits_ = {};
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
    // The first column follows the symbols after a space, not its ','. (Written to
    // the row, not over the ',': a byte stored just before the copy reads it would
    // stall the copy's wide load until the store retires.)
    head_.put(' ');
    head_.append(std::string_view(columns_begin_ + 1, column_bytes - 1));
  }
  if (timestamp_ns_) {
    head_.put(' ');
    if (!timestamp_digits_.empty()) {
      head_.append(timestamp_digits_);
      head_.append(std::string_view("000000000", static_cast<std::size_t>(timestamp_zeros_)));
    } else {
      append_decimal(head_, *timestamp_ns_);
    }
  }
  head_.put('\n');
  return std::nullopt;
}

const FieldRoute& MessageEncoder::route_unexpected(std::size_t ordinal, std::string_view path,
                                                   std::string_view name_text) {
  const std::uint64_t hash = hash_text(path);
  if (const FieldRoute* cached = cache_.find(ordinal, path, hash)) return *cached;
  uncached_route_ = decide_route(path, name_text);
  if (const FieldRoute* added = cache_.add(ordinal, path, hash, uncached_route_)) return *added;
  if (uncached_route_.name.valid) {
    uncached_route_.name.number = cache_.number_name(uncached_route_.name.text);
  }
  return uncached_route_;
}

FieldRoute MessageEncoder::decide_route(std::string_view path, std::string_view name_text) {
  FieldRoute route;
  route.planned = plan_.find_field(path);
  if (route.planned != nullptr) {
    route.name.text = route.planned->escaped_name;
    route.name.valid = true;
    return route;
  }
  IlpByteWriter name(route_name_, route_name_ + sizeof route_name_);
  route.name.valid = append_column_name(name, name_text) && !name.overflowed;
  route.name.text = std::string_view(route_name_, static_cast<std::size_t>(name.pos - route_name_));
  route.kept_below = plan_.keeps_only_included() && plan_.has_kept_field_below(path);
  return route;
}

Rejection MessageEncoder::encode_planned(const MappingPlan::PlannedField& planned,
                                         const ColumnName& name, ondemand::value& value, int depth,
                                         std::string_view path) {
  switch (planned.role) {
    case MappingPlan::FieldRole::kSymbol:
      return encode_symbol(name, value);
    case MappingPlan::FieldRole::kTimestamp:
      return read_timestamp(value, planned.timestamp_part);
    case MappingPlan::FieldRole::kTimestampColumn:
      return encode_timestamp_column(name, value);
    case MappingPlan::FieldRole::kExplode:
      return record_exploded_array(value);
    case MappingPlan::FieldRole::kObjectArray:
      return encode_object_array(plan_.object_arrays()[planned.object_array], value, path);
    case MappingPlan::FieldRole::kColumn:
      return encode_column(name, value, depth, path, true);
    case MappingPlan::FieldRole::kDouble:
      return encode_double_hinted(name, value);
    case MappingPlan::FieldRole::kInteger:
      return encode_integer_hinted(name, value);
    case MappingPlan::FieldRole::kDecimal:
      return encode_decimal(name, value, planned.decimal);
    case MappingPlan::FieldRole::kExclude:
      return std::nullopt;  // on-demand skips the unread value
  }
  return std::nullopt;
}

Rejection MessageEncoder::encode_branch(ondemand::value& value, int depth, std::string_view path,
                                        bool kept, const ConnectField* schema) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type != ondemand::json_type::object) return std::nullopt;  // not a branch after all
  return descend(value, depth, path, kept, schema);
}

Rejection MessageEncoder::descend(ondemand::value& value, int depth, std::string_view path,
                                  bool kept, const ConnectField* schema) {
  if (depth >= config_.max_depth) {
    // An empty object writes nothing at any depth.
    ondemand::object object;
    bool empty = false;
    if (auto error = value.get_object().get(object)) return reason_for(error);
    if (auto error = object.is_empty().get(empty)) return reason_for(error);
    return empty ? Rejection() : Rejection(RejectReason::kTooDeep);
  }
  const std::size_t path_len = path.size();
  const std::string_view separator = config_.separator;
  if (prefix_len_ + path_len + separator.size() > kMaxPathBytes) {
    // No name below can be written; an empty object needs none.
    return writes_nothing(value) ? Rejection() : Rejection(RejectReason::kInvalidName);
  }
  if (path.data() != path_ + prefix_len_) std::memcpy(path_ + prefix_len_, path.data(), path_len);
  std::memcpy(path_ + prefix_len_ + path_len, separator.data(), separator.size());
  ondemand::object object;
  if (auto error = value.get_object().get(object)) return reason_for(error);
  return encode_object(object, depth + 1, path_len + separator.size(), kept, schema);
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
