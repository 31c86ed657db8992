#pragma once
// The mapping for one topic, written by the user (flags or TOML), and its compiled
// form: everything the hot loop needs, decided once at start-up.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kilp::parse {

enum class TimestampUnit : std::uint8_t { kSeconds, kMillis, kMicros, kNanos };

struct MappingConfig {
  std::string table;                     // ILP table name
  std::vector<std::string> symbols;      // string fields written as symbols (tags)
  std::optional<std::string> timestamp_field;  // designated timestamp; none = server time
  TimestampUnit timestamp_unit = TimestampUnit::kMicros;
  int protocol_version = 1;              // 1 = text doubles, 2 = binary doubles
};

class MappingPlan {
 public:
  // Throws std::invalid_argument with a message naming the offending input
  // (e.g. a table name ILP cannot carry).
  static MappingPlan compile(const MappingConfig& config);

  // Implementation-defined members follow (see mapping_plan.cpp).
  const MappingConfig& config() const { return config_; }

 private:
  MappingConfig config_;
  friend class JsonToIlpEncoder;
};

}  // namespace kilp::parse
