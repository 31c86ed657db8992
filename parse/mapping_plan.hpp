#pragma once
// The mapping for one topic, written by the user (flags or TOML), and its compiled
// form: everything the hot loop needs, decided once at start-up.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse/decimal_text.hpp"
#include "parse/object_array_mapping.hpp"
#include "parse/timestamp_format.hpp"

namespace kilp::parse {

// kAuto guesses the unit from the magnitude, as the QuestDB Kafka connector does.
enum class TimestampUnit : std::uint8_t { kSeconds, kMillis, kMicros, kNanos, kAuto };

// What becomes of the Kafka record key.
enum class KeyMode : std::uint8_t { kNone, kColumn, kSymbol };

// Arrays that cannot be ILP double arrays (protocol 1, jagged, or not all numbers).
enum class ArrayPolicy : std::uint8_t { kReject, kSkip };

// A message without its designated timestamp: a dead letter (kilp's default, so
// that a row never lands at an arrival time nobody chose), or a row the server
// stamps with its own clock (the QuestDB Kafka connector's behaviour).
enum class MissingTimestampPolicy : std::uint8_t { kReject, kServerTime };

// Integers beyond signed 64 bits: number_out_of_range, or doubles (the connector).
enum class OversizedIntegerPolicy : std::uint8_t { kReject, kDouble };

// The same column twice in one message: duplicate_field, or keep the first (what
// QuestDB keeps when the connector sends both copies).
enum class DuplicatePolicy : std::uint8_t { kReject, kKeepFirst };

// How the Kafka record value is read: a JSON object, or Kafka Connect's
// JsonConverter envelope {"schema":...,"payload":{...}} (schemas.enable=true), whose
// schema types the payload's fields as the connector does.
enum class ValueFormat : std::uint8_t { kJson, kEnvelope };

// Fields of a type kilp does not write (an envelope schema's bytes and Decimal):
// unsupported_value, or skipped (the connector's skip.unsupported.types).
enum class UnsupportedTypePolicy : std::uint8_t { kReject, kSkip };

// How the Kafka record key is read: its bytes as text, JSON (an object becomes
// columns or symbols named key_prefix + separator + path), or a JsonConverter
// envelope around such JSON.
enum class KeyFormat : std::uint8_t { kString, kJson, kEnvelope };

struct MappingConfig {
  std::string topic;  // the Kafka topic; fills ${topic} in `table`
  // `topic` is a pattern (librdkafka's "^..." regular expression): ${topic} is then each
  // message's own topic, and the table defaults to ${topic}.
  bool topic_is_pattern = false;
  // ILP table name; may hold ${topic}, ${key} and ${partition}. Empty = the topic.
  std::string table;
  // Field paths below are JSON keys, nested ones joined with `separator` ("a_b").
  std::vector<std::string> symbols;   // written as ILP symbols (tags)
  std::vector<std::string> doubles;   // numbers always written as doubles
  std::vector<std::string> integers;  // numbers always written as longs
  // Written as DECIMAL columns (protocol 3): "path" or "path:P:S"
  // (parse/decimal_field_spec.hpp).
  std::vector<std::string> decimals;
  std::vector<std::string> include;   // if not empty: only these (and the above) are kept
  std::vector<std::string> exclude;   // never written
  std::vector<std::pair<std::string, std::string>> rename;  // path -> column name
  // Designated timestamp; none = server time. "date,time" joins the text of those
  // fields (in order) and parses it with `timestamp_format`.
  std::optional<std::string> timestamp_field;
  TimestampUnit timestamp_unit = TimestampUnit::kAuto;  // for numeric timestamp fields
  std::string timestamp_format;  // for string timestamp fields; empty = RFC 3339
  bool timestamp_kafka = false;  // designated timestamp = the Kafka record timestamp
  MissingTimestampPolicy missing_timestamp = MissingTimestampPolicy::kReject;
  std::vector<std::string> timestamp_columns;  // written as ILP timestamp columns
  std::string kafka_timestamp_column;  // record timestamp as a column; empty = none
  std::string kafka_partition_column;  // partition as a long column; empty = none
  std::string kafka_offset_column;     // offset as a long column; empty = none
  KeyMode key_mode = KeyMode::kNone;
  std::string key_prefix = "key";  // column/symbol name of the key
  std::string value_prefix;        // prepended (with `separator`) to value field names
  std::string separator = "_";     // joins nested object keys
  int max_depth = 8;               // object nesting allowed below the top-level object
  ArrayPolicy array_policy = ArrayPolicy::kReject;
  OversizedIntegerPolicy oversized_integers = OversizedIntegerPolicy::kReject;
  DuplicatePolicy duplicates = DuplicatePolicy::kReject;
  ValueFormat value_format = ValueFormat::kJson;
  UnsupportedTypePolicy unsupported_types = UnsupportedTypePolicy::kReject;
  KeyFormat key_format = KeyFormat::kString;
  // An array of objects written as one row per element, each with the message's
  // other fields (kilp's own; the connector's StructArrayExplode keeps one row, see
  // object_arrays); empty = one row per message.
  std::string explode;
  // Arrays of objects written as double arrays in the same row (the connector's
  // OrderBookToArray and StructArrayExplode): --order-book-to-array and
  // --struct-array-explode. They need protocol 2.
  std::vector<ObjectArrayMapping> object_arrays;
  // 1 = text doubles, 2 = binary doubles and double arrays, 3 = 2 and decimals
  int protocol_version = 1;
  // Columns (as written to QuestDB, optionally "name:TYPE") that with the designated
  // timestamp identify a row: kilp makes the table DEDUP UPSERT KEYS over them
  // before consuming (tools/dedup_tables.*). Empty = no deduplication.
  std::vector<std::string> dedup_keys;
};

class MappingPlan {
 public:
  // Throws std::invalid_argument with a message naming the offending input
  // (e.g. a table name ILP cannot carry).
  static MappingPlan compile(const MappingConfig& config);

  const MappingConfig& config() const { return config_; }

  // Different for every compile() (copies keep it): lets an encoder tell plans apart
  // for what it caches per plan.
  std::uint64_t id() const { return id_; }

  // What the encoder does with a JSON field the mapping names. Fields it does not
  // name become columns typed by their JSON value.
  enum class FieldRole : std::uint8_t {
    kSymbol,
    kTimestamp,
    kColumn,           // typed by its JSON value; named (renamed or included) by the mapping
    kDouble,           // --doubles
    kInteger,          // --integers
    kDecimal,          // --decimals
    kExclude,          // skipped, with everything below it
    kTimestampColumn,  // --timestamp-columns
    kExplode,          // --explode: its elements become rows
    kObjectArray,      // the source of an object_arrays mapping
  };

  static constexpr std::uint8_t kNoSlot = 0xff;

  struct PlannedField {
    std::string json_name;  // key path in the JSON object
    FieldRole role;
    std::string escaped_name;  // ILP column name, escaped once here instead of per row
    std::uint8_t timestamp_part = 0;   // kTimestamp: its place in a composed timestamp
    std::uint8_t table_slot = kNoSlot;  // a ${field} of the table template
    std::uint8_t object_array = kNoSlot;  // kObjectArray: its index in object_arrays()
    DecimalTarget decimal;                // kDecimal: the column's precision and scale
  };

  const std::vector<PlannedField>& fields() const { return fields_; }

  // The mapped field at `path`, or nullptr.
  const PlannedField* find_field(std::string_view path) const {
    for (const PlannedField& field : fields_) {
      if (field.json_name == path) return &field;
    }
    return nullptr;
  }

  // With an include list: whether some kept field lies below the object at `path`.
  bool has_kept_field_below(std::string_view path) const;

  // The table name when it is the same for every message, escaped; empty when it
  // depends on the message (see table_parts()).
  std::string_view escaped_table() const { return escaped_table_; }

  // A per-message table name template: literal text and placeholders.
  struct TablePart {
    enum class Kind : std::uint8_t { kLiteral, kKey, kPartition, kField, kTopic } kind;
    std::string literal;  // kField: the field's path
    std::uint8_t slot = 0;  // kField: which captured value fills it
  };
  const std::vector<TablePart>& table_parts() const { return table_parts_; }

  // An object_arrays mapping as the encoder writes it.
  struct ObjectArrayColumns {
    ObjectArrayShape shape;
    std::vector<std::string> fields;  // keys read from every element, in order
    // Per column written (one for kMatrix): its escaped name, and the bytes before
    // its dimension lengths: ",name==" then the array type, double type and dimension
    // count.
    std::vector<std::string> escaped_names;
    std::vector<std::string> headers;
    // The shortest JSON an element holding every field can take ({"px":1,"size":2}
    // and a comma): bounds the element count of a message.
    std::size_t min_element_bytes = 0;
  };
  const std::vector<ObjectArrayColumns>& object_arrays() const { return object_arrays_; }
  static constexpr std::size_t kMaxObjectArrays = 64;
  static constexpr std::size_t kMaxElementFields = 64;  // one bit each per element

  bool has_timestamp() const { return config_.timestamp_field.has_value(); }
  // Fields a composed designated timestamp joins (1 for a plain timestamp field).
  std::size_t timestamp_part_count() const { return timestamp_parts_; }
  // ${field} placeholders of the table template (at most kMaxTableFields).
  std::size_t table_field_count() const { return table_fields_; }
  static constexpr std::size_t kMaxTimestampParts = 8;
  static constexpr std::size_t kMaxTableFields = 8;
  // Escaped names of the Kafka metadata columns (empty = not written).
  std::string_view escaped_kafka_timestamp_name() const { return escaped_kafka_timestamp_; }
  std::string_view escaped_kafka_partition_name() const { return escaped_kafka_partition_; }
  std::string_view escaped_kafka_offset_name() const { return escaped_kafka_offset_; }
  bool has_kafka_columns() const { return has_kafka_columns_; }
  bool explodes() const { return !config_.explode.empty(); }
  bool keeps_only_included() const { return !config_.include.empty(); }
  std::string_view escaped_key_name() const { return escaped_key_name_; }
  std::string_view name_prefix() const { return name_prefix_; }  // value prefix + separator
  const std::optional<TimestampPattern>& timestamp_pattern() const { return timestamp_pattern_; }

 private:
  MappingConfig config_;
  std::string escaped_table_;
  std::vector<TablePart> table_parts_;
  std::vector<PlannedField> fields_;
  std::vector<std::string> kept_branches_;  // object paths above included fields
  std::vector<ObjectArrayColumns> object_arrays_;
  std::string escaped_key_name_;
  std::string name_prefix_;
  std::optional<TimestampPattern> timestamp_pattern_;
  std::size_t timestamp_parts_ = 0;
  std::size_t table_fields_ = 0;
  std::string escaped_kafka_timestamp_;
  std::string escaped_kafka_partition_;
  std::string escaped_kafka_offset_;
  bool has_kafka_columns_ = false;
  std::uint64_t id_ = 0;
  // object_arrays: their columns, and the fields of their target names dropped
  // (parse/mapping_plan_object_arrays.cpp).
  void plan_object_arrays(const std::string& table);
  void drop_field_replaced_by(const std::string& target, std::size_t mapping,
                              const std::string& flag, const std::string& table);
  friend class JsonToIlpEncoder;
};

}  // namespace kilp::parse
