// Arrays of objects as ILP protocol 2 double arrays in the same row: the QuestDB Kafka
// connector's OrderBookToArray (one DOUBLE[][] column, a row per element field) and
// StructArrayExplode (one DOUBLE[] column per element field), written straight from
// the JSON. The element count is known only at the end of the array, so each field's
// values go to a lane of their own in the free column scratch, at a stride that holds
// the most elements the message can have; then the lanes move together behind the
// column headers (always towards the front, so in place).
#include <algorithm>
#include <cstring>

#include "parse/ilp_values.hpp"
#include "parse/java_double_text.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

namespace {

using ObjectArrayColumns = MappingPlan::ObjectArrayColumns;

// The dimension lengths after a column's header: (fields, elements) for a matrix,
// (elements) for a per-field array.
std::size_t length_bytes(ObjectArrayShape shape) {
  return shape == ObjectArrayShape::kMatrix ? 2 * sizeof(std::uint32_t) : sizeof(std::uint32_t);
}

// Little-endian, as ILP wants it and the host is.
void put_u32(char* at, std::uint32_t value) {
  std::memcpy(at, &value, sizeof value);
}

}  // namespace

Rejection MessageEncoder::encode_object_array(const ObjectArrayColumns& columns,
                                              ondemand::value& value, std::string_view path) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type == ondemand::json_type::null) return check_null(value);  // no column, as absent
  if (type != ondemand::json_type::array) return RejectReason::kUnsupportedValue;
  ondemand::array array;
  if (auto error = value.get_array().get(array)) return reason_for(error);

  const std::size_t fields = columns.fields.size();
  const std::size_t lengths = length_bytes(columns.shape);
  std::size_t header_bytes = 0;
  for (const std::string& header : columns.headers) header_bytes += header.size() + lengths;
  // No message holds more elements than this (each needs every field).
  const std::size_t most_elements = message_bytes_ / columns.min_element_bytes + 1;
  const std::size_t free_bytes =
      columns_.remaining() > header_bytes ? columns_.remaining() - header_bytes : 0;
  const std::size_t capacity = std::min(most_elements, free_bytes / (fields * sizeof(double)));
  const std::size_t stride = capacity * sizeof(double);
  char* lanes[MappingPlan::kMaxElementFields];
  char* at = columns_.pos;
  for (std::size_t f = 0; f < fields && capacity > 0; ++f) {
    if (columns.shape == ObjectArrayShape::kArrayPerField || f == 0) {
      at += columns.headers[f].size() + lengths;
    }
    lanes[f] = at;
    at += stride;
  }

  std::size_t count = 0;
  for (auto element : array) {
    if (element.error()) return reason_for(element.error());
    ondemand::value& item = element.value_unsafe();  // in place: see encode_object
    ondemand::object object;
    if (auto error = item.get_object().get(object)) {
      if (error != simdjson::INCORRECT_TYPE) return reason_for(error);
      name_element(path, count, {});
      return RejectReason::kUnsupportedValue;
    }
    if (count == capacity) return RejectReason::kTooLarge;
    if (Rejection rejection = read_element_fields(columns, object, lanes, count, path)) {
      return rejection;
    }
    ++count;
  }
  if (count == 0) return std::nullopt;  // [] writes no column: QuestDB has no empty arrays

  bool dropped[MappingPlan::kMaxElementFields] = {};
  for (std::size_t c = 0; c < columns.escaped_names.size(); ++c) {
    const std::string_view name = columns.escaped_names[c];
    if (first_use(cache_.number_name(name), name)) continue;
    if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
    dropped[c] = true;  // keep the first copy
  }
  write_object_array_columns(columns, lanes, dropped, count);
  return std::nullopt;
}

Rejection MessageEncoder::read_element_fields(const ObjectArrayColumns& columns,
                                              ondemand::object& element, char* const* lanes,
                                              std::size_t index, std::string_view path) {
  const std::size_t fields = columns.fields.size();
  std::uint64_t seen = 0;
  for (auto member : element) {
    if (member.error()) return reason_for(member.error());
    ondemand::field& field = member.value_unsafe();  // in place: see encode_object
    std::string_view key;
    if (!read_plain_key(field, key)) {
      if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    }
    std::size_t f = 0;
    while (f < fields && columns.fields[f] != key) ++f;
    if (f == fields) continue;  // not mapped: skipped unread
    const std::uint64_t bit = std::uint64_t{1} << f;
    if (seen & bit) {
      if (config_.duplicates == DuplicatePolicy::kKeepFirst) continue;
      name_element(path, index, columns.fields[f]);
      return RejectReason::kDuplicateField;
    }
    seen |= bit;
    double number = 0;
    if (Rejection rejection = element_number(field.value(), number)) {
      name_element(path, index, columns.fields[f]);
      return rejection;
    }
    std::memcpy(lanes[f] + index * sizeof number, &number, sizeof number);
  }
  const std::uint64_t all = fields == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << fields) - 1;
  if (seen != all) {  // absent, as the connector reads it: null
    name_element(path, index, columns.fields[static_cast<std::size_t>(std::countr_one(seen))]);
    return RejectReason::kMissingField;
  }
  return std::nullopt;
}

Rejection MessageEncoder::element_number(ondemand::value& value, double& number) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  switch (type) {
    case ondemand::json_type::number:
      if (auto error = value.get_double().get(number)) return number_failure(value, error);
      return std::nullopt;
    case ondemand::json_type::string: {
      std::string_view text;
      if (!read_plain_string(value, text)) {
        if (auto error = value.get_string().get(text)) return reason_for(error);
      }
      switch (parse_java_double(text, number)) {
        case TextDoubleStatus::kOk:
          return std::nullopt;
        case TextDoubleStatus::kOutOfRange:
          return RejectReason::kNumberOutOfRange;
        case TextDoubleStatus::kNotANumber:
          return RejectReason::kTypeConflict;
      }
      return RejectReason::kTypeConflict;
    }
    case ondemand::json_type::null:
      if (Rejection rejection = check_null(value)) return rejection;
      return RejectReason::kMissingField;
    default:
      return RejectReason::kTypeConflict;
  }
}

void MessageEncoder::write_object_array_columns(const ObjectArrayColumns& columns,
                                                char* const* lanes, const bool* dropped,
                                                std::size_t count) {
  const std::size_t lane_bytes = count * sizeof(double);
  const auto elements = static_cast<std::uint32_t>(count);
  char* at = columns_.pos;
  if (columns.shape == ObjectArrayShape::kMatrix) {
    if (dropped[0]) return;
    const std::string& header = columns.headers[0];
    std::memcpy(at, header.data(), header.size());
    at += header.size();
    put_u32(at, static_cast<std::uint32_t>(columns.fields.size()));
    put_u32(at + sizeof elements, elements);
    at += 2 * sizeof elements;
    for (std::size_t f = 0; f < columns.fields.size(); ++f) {
      if (lanes[f] != at) std::memmove(at, lanes[f], lane_bytes);
      at += lane_bytes;
    }
  } else {
    for (std::size_t f = 0; f < columns.fields.size(); ++f) {
      if (dropped[f]) continue;
      const std::string& header = columns.headers[f];
      std::memcpy(at, header.data(), header.size());
      at += header.size();
      put_u32(at, elements);
      at += sizeof elements;
      if (lanes[f] != at) std::memmove(at, lanes[f], lane_bytes);
      at += lane_bytes;
    }
  }
  columns_.pos = at;
}

void MessageEncoder::name_element(std::string_view path, std::size_t index, std::string_view key) {
  if (!refused_field_->empty()) return;
  // The name goes to path_, which outlives the encoder (the refused field is read after
  // encode() returns); the path may already be there.
  char* const name = path_ + prefix_len_;
  char index_text[24];
  IlpByteWriter digits(index_text, index_text + sizeof index_text);
  append_decimal(digits, static_cast<std::int64_t>(index));
  const std::size_t index_bytes = static_cast<std::size_t>(digits.pos - index_text);
  const std::size_t bytes = path.size() + index_bytes + 2 + (key.empty() ? 0 : 1 + key.size());
  if (prefix_len_ + bytes > kMaxPathBytes) return;  // refuse_member names the array
  if (path.data() != name) std::memmove(name, path.data(), path.size());
  char* at = name + path.size();
  *at++ = '[';
  std::memcpy(at, index_text, index_bytes);
  at += index_bytes;
  *at++ = ']';
  if (!key.empty()) {
    *at++ = '.';
    std::memcpy(at, key.data(), key.size());
  }
  *refused_field_ = std::string_view(name, bytes);
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
