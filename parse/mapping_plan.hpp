#pragma once
// The mapping for one topic, written by the user (flags or TOML), and its compiled
// form: everything the hot loop needs, decided once at start-up.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kilp::parse {

enum class TimestampUnit : std::uint8_t { kSeconds, kMillis, kMicros, kNanos };

struct MappingConfig {
  std::string table;                           // ILP table name
  std::vector<std::string> symbols;            // string fields written as symbols (tags)
  std::optional<std::string> timestamp_field;  // designated timestamp; none = server time
  TimestampUnit timestamp_unit = TimestampUnit::kMicros;
  int protocol_version = 1;  // 1 = text doubles, 2 = binary doubles
};

class MappingPlan {
 public:
  // Throws std::invalid_argument with a message naming the offending input
  // (e.g. a table name ILP cannot carry).
  static MappingPlan compile(const MappingConfig& config);

  // Implementation-defined members follow (see mapping_plan.cpp).
  const MappingConfig& config() const { return config_; }

  // What the encoder does with a JSON field the mapping names. Fields it does not
  // name become columns typed by their JSON value.
  enum class FieldRole : std::uint8_t { kSymbol, kTimestamp };

  struct PlannedField {
    std::string json_name;  // key in the JSON object
    FieldRole role;
    std::string escaped_name;  // ILP column name, escaped once here instead of per row
  };

  // The mapped field called `json_name`, or nullptr.
  const PlannedField* find_field(std::string_view json_name) const {
    for (const PlannedField& field : fields_) {
      if (field.json_name == json_name) return &field;
    }
    return nullptr;
  }

  std::string_view escaped_table() const { return escaped_table_; }
  bool has_timestamp() const { return config_.timestamp_field.has_value(); }

 private:
  MappingConfig config_;
  std::string escaped_table_;
  std::vector<PlannedField> fields_;
  friend class JsonToIlpEncoder;
};

}  // namespace kilp::parse
