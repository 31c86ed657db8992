#include "parse/mapping_plan.hpp"

#include <stdexcept>

#include "parse/ilp_names.hpp"

namespace kilp::parse {

namespace {
std::string escape_name(std::string_view name) {
  std::string escaped(2 * name.size(), '\0');
  IlpByteWriter writer(escaped.data(), escaped.data() + escaped.size());
  for (char c : name) {
    if (ilp_char_class(c) & kEscapeInName) writer.put('\\');
    writer.put(c);
  }
  escaped.resize(static_cast<std::size_t>(writer.pos - escaped.data()));
  return escaped;
}

[[noreturn]] void refuse(const std::string& what) {
  throw std::invalid_argument(what);
}
}  // namespace

MappingPlan MappingPlan::compile(const MappingConfig& config) {
  MappingPlan plan;
  plan.config_ = config;

  if (!is_valid_table_name(config.table)) {
    refuse("invalid table name '" + config.table +
           "': it must be 1-127 bytes, without ? , ' \" \\ / : ( ) + * % ~ or control "
           "characters, and '.' only between other characters");
  }
  plan.escaped_table_ = escape_name(config.table);

  if (config.protocol_version != 1 && config.protocol_version != 2) {
    refuse("unsupported ILP protocol version " + std::to_string(config.protocol_version) +
           " for table '" + config.table + "' (1 = text doubles, 2 = binary doubles)");
  }

  for (const std::string& symbol : config.symbols) {
    if (!is_valid_column_name(symbol)) {
      refuse("invalid symbol column name '" + symbol + "' for table '" + config.table +
             "': it must be 1-127 bytes, without . - ? , ' \" \\ / : ( ) + * % ~ or control "
             "characters");
    }
    if (plan.find_field(symbol) != nullptr) {
      refuse("symbol '" + symbol + "' listed twice for table '" + config.table + "'");
    }
    plan.fields_.push_back({symbol, FieldRole::kSymbol, escape_name(symbol)});
  }

  if (config.timestamp_field) {
    if (plan.find_field(*config.timestamp_field) != nullptr) {
      refuse("field '" + *config.timestamp_field + "' cannot be both a symbol and the timestamp");
    }
    plan.fields_.push_back({*config.timestamp_field, FieldRole::kTimestamp, {}});
  }
  return plan;
}

}  // namespace kilp::parse
