#pragma once
// The `schema` of a Kafka Connect JsonConverter envelope (schemas.enable=true): the
// Connect type and logical type of each field, so that the encoder writes a payload
// as the QuestDB Kafka connector writes the record JsonConverter makes of it
// (parse/message_encoder_schema.cpp). A topic's messages repeat one schema text:
// it is read again only when the text changes. Fixed capacity, allocated once.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace kilp::parse {

enum class ConnectType : std::uint8_t {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,   // its one child: the items' schema
  kMap,     // written as an object without schema (see README)
  kStruct,  // its children: the fields, in schema order
  kOther,   // a type kilp does not know: written as without schema
};

// The logical types (schema "name") the connector writes differently from their
// physical type.
enum class ConnectLogical : std::uint8_t {
  kNone,
  kTimestamp,       // org.apache.kafka.connect.data.Timestamp: int64 milliseconds
  kDate,            // ...Date: int32 days since the epoch
  kTime,            // ...Time: int32 milliseconds since midnight, written as a long
  kDecimal,         // ...Decimal: bytes (or a number); the connector refuses it, kilp
                    // writes it as DECIMAL when --decimals names the field
  kMicroTimestamp,  // io.debezium.time.MicroTimestamp: int64 microseconds
  kDebeziumDate,    // io.debezium.time.Date: int32 days since the epoch
};

struct ConnectField {
  std::string_view name;  // "field"; empty for the root, items and values
  ConnectType type = ConnectType::kOther;
  ConnectLogical logical = ConnectLogical::kNone;
  std::uint32_t first_child = 0;
  std::uint32_t child_count = 0;
  // kDecimal: parameters.scale, or kNoDecimalScale when absent or not a number 0-76.
  std::int8_t decimal_scale = kNoDecimalScale;
  static constexpr std::int8_t kNoDecimalScale = -1;
};

class ConnectSchema {
 public:
  // Room for schemas of up to `max_schema_bytes` of JSON.
  explicit ConnectSchema(std::size_t max_schema_bytes);

  enum class Outcome : std::uint8_t { kOk, kMalformed, kTooLarge };
  // Makes `schema_json` (a schema object as written in the envelope) the current
  // schema, reading it unless it is the text read last. kMalformed: not JSON.
  Outcome use(std::string_view schema_json);
  const ConnectField& root() const { return fields_[0]; }

  // The field of struct `parent` named `name`, or nullptr. Payloads list their fields
  // in schema order: `next` (start at 0 for each object) is tried first and then set
  // past the field found, so each look-up is one compare.
  const ConnectField* field(const ConnectField& parent, std::string_view name,
                            std::uint32_t& next) const;
  // The items of an array, the values of a map.
  const ConnectField* element(const ConnectField& parent) const {
    return parent.child_count == 1 ? &fields_[parent.first_child] : nullptr;
  }

 private:
  bool read_field(simdjson::dom::element schema, std::uint32_t at, int depth);

  std::size_t max_bytes_;
  std::unique_ptr<char[]> text_;  // the schema read last, padded for simdjson
  std::size_t text_bytes_ = 0;
  bool have_schema_ = false;
  simdjson::dom::parser parser_;  // owns the field names' bytes
  std::unique_ptr<ConnectField[]> fields_;
  std::size_t max_fields_;
  std::size_t field_count_ = 0;
};

}  // namespace kilp::parse
