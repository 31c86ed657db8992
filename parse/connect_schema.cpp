#include "parse/connect_schema.hpp"

#include <charconv>
#include <cstring>
#include <new>

namespace kilp::parse {

namespace {

// A field's schema as JsonConverter writes it is at least
// {"type":"int8","optional":false} and its "field": a schema of N bytes holds far
// fewer than N / 16 fields, unless written by hand to be refused.
constexpr std::size_t kMinFieldBytes = 16;
// Deeper schemas than a payload may nest (--max-depth is at most 64) add nothing.
constexpr int kMaxSchemaDepth = 66;

ConnectType type_named(std::string_view type) {
  if (type == "int8") return ConnectType::kInt8;
  if (type == "int16") return ConnectType::kInt16;
  if (type == "int32") return ConnectType::kInt32;
  if (type == "int64") return ConnectType::kInt64;
  if (type == "float" || type == "float32") return ConnectType::kFloat32;
  if (type == "double" || type == "float64") return ConnectType::kFloat64;
  if (type == "boolean") return ConnectType::kBoolean;
  if (type == "string") return ConnectType::kString;
  if (type == "bytes") return ConnectType::kBytes;
  if (type == "array") return ConnectType::kArray;
  if (type == "map") return ConnectType::kMap;
  if (type == "struct") return ConnectType::kStruct;
  return ConnectType::kOther;
}

ConnectLogical logical_named(std::string_view name) {
  if (name == "org.apache.kafka.connect.data.Timestamp") return ConnectLogical::kTimestamp;
  if (name == "org.apache.kafka.connect.data.Date") return ConnectLogical::kDate;
  if (name == "org.apache.kafka.connect.data.Time") return ConnectLogical::kTime;
  if (name == "org.apache.kafka.connect.data.Decimal") return ConnectLogical::kDecimal;
  if (name == "io.debezium.time.MicroTimestamp") return ConnectLogical::kMicroTimestamp;
  if (name == "io.debezium.time.Date") return ConnectLogical::kDebeziumDate;
  return ConnectLogical::kNone;
}

std::string_view string_member(simdjson::dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

// A Decimal's parameters.scale: JsonConverter writes it as text ("2").
std::int8_t decimal_scale_of(simdjson::dom::object object) {
  simdjson::dom::object parameters;
  if (object["parameters"].get_object().get(parameters) != simdjson::SUCCESS) {
    return ConnectField::kNoDecimalScale;
  }
  const std::string_view text = string_member(parameters, "scale");
  int scale = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), scale);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || scale < 0 ||
      scale > 76) {
    return ConnectField::kNoDecimalScale;
  }
  return static_cast<std::int8_t>(scale);
}

}  // namespace

ConnectSchema::ConnectSchema(std::size_t max_schema_bytes)
    : max_bytes_(max_schema_bytes),
      text_(new char[max_schema_bytes + simdjson::SIMDJSON_PADDING]),
      fields_(new ConnectField[max_schema_bytes / kMinFieldBytes + 1]),
      max_fields_(max_schema_bytes / kMinFieldBytes + 1) {
  // Sized now so that reading a schema never allocates.
  if (parser_.allocate(max_schema_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
}

ConnectSchema::Outcome ConnectSchema::use(std::string_view schema_json) {
  if (have_schema_ && schema_json.size() == text_bytes_ &&
      std::memcmp(schema_json.data(), text_.get(), text_bytes_) == 0) {
    return Outcome::kOk;
  }
  have_schema_ = false;
  if (schema_json.size() > max_bytes_) return Outcome::kTooLarge;
  std::memcpy(text_.get(), schema_json.data(), schema_json.size());
  std::memset(text_.get() + schema_json.size(), 0, simdjson::SIMDJSON_PADDING);
  text_bytes_ = schema_json.size();
  simdjson::dom::element schema;
  if (parser_.parse(text_.get(), text_bytes_, false).get(schema) != simdjson::SUCCESS) {
    return Outcome::kMalformed;
  }
  fields_[0] = {};
  field_count_ = 1;
  if (!read_field(schema, 0, 0)) return Outcome::kTooLarge;
  have_schema_ = true;
  return Outcome::kOk;
}

bool ConnectSchema::read_field(simdjson::dom::element schema, std::uint32_t at, int depth) {
  ConnectField& field = fields_[at];  // a fixed array: references stay valid
  simdjson::dom::object object;
  if (schema.get_object().get(object) != simdjson::SUCCESS || depth > kMaxSchemaDepth) {
    return true;  // kOther: written as without schema
  }
  field.type = type_named(string_member(object, "type"));
  field.logical = logical_named(string_member(object, "name"));
  if (field.logical == ConnectLogical::kDecimal) field.decimal_scale = decimal_scale_of(object);
  if (field.type == ConnectType::kStruct) {
    simdjson::dom::array fields;
    if (object["fields"].get_array().get(fields) != simdjson::SUCCESS) return true;
    const std::size_t count = fields.size();
    if (count > max_fields_ - field_count_) return false;
    field.first_child = static_cast<std::uint32_t>(field_count_);
    field.child_count = static_cast<std::uint32_t>(count);
    field_count_ += count;
    std::uint32_t child = field.first_child;
    for (simdjson::dom::element member : fields) {
      fields_[child] = {};
      simdjson::dom::object member_object;
      if (member.get_object().get(member_object) == simdjson::SUCCESS) {
        fields_[child].name = string_member(member_object, "field");
      }
      if (!read_field(member, child++, depth + 1)) return false;
    }
    return true;
  }
  if (field.type == ConnectType::kArray || field.type == ConnectType::kMap) {
    simdjson::dom::element element;
    if (object[field.type == ConnectType::kArray ? "items" : "values"].get(element) !=
        simdjson::SUCCESS) {
      return true;
    }
    if (field_count_ == max_fields_) return false;
    field.first_child = static_cast<std::uint32_t>(field_count_++);
    field.child_count = 1;
    fields_[field.first_child] = {};
    return read_field(element, field.first_child, depth + 1);
  }
  return true;
}

const ConnectField* ConnectSchema::field(const ConnectField& parent, std::string_view name,
                                         std::uint32_t& next) const {
  if (parent.type != ConnectType::kStruct) return nullptr;
  const ConnectField* const fields = &fields_[parent.first_child];
  if (next < parent.child_count && fields[next].name == name) return &fields[next++];
  for (std::uint32_t i = 0; i < parent.child_count; ++i) {
    if (fields[i].name == name) {
      next = i + 1;
      return &fields[i];
    }
  }
  return nullptr;
}

}  // namespace kilp::parse
