#include "parse/mapping_plan.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "parse/column_name_folding.hpp"
#include "parse/decimal_field_spec.hpp"
#include "parse/ilp_names.hpp"

namespace kilp::parse {

namespace {
[[noreturn]] void refuse(const std::string& what) {
  throw std::invalid_argument(what);
}

constexpr const char* kColumnRule =
    "it must be 1-127 bytes, without . - ? , ' \" \\ / : ( ) + * % ~ or control characters";

const char* role_name(MappingPlan::FieldRole role) {
  switch (role) {
    case MappingPlan::FieldRole::kSymbol:
      return "a symbol";
    case MappingPlan::FieldRole::kTimestamp:
      return "the timestamp";
    case MappingPlan::FieldRole::kColumn:
      return "a column";
    case MappingPlan::FieldRole::kDouble:
      return "a double";
    case MappingPlan::FieldRole::kInteger:
      return "an integer";
    case MappingPlan::FieldRole::kDecimal:
      return "a decimal";
    case MappingPlan::FieldRole::kExclude:
      return "excluded";
    case MappingPlan::FieldRole::kTimestampColumn:
      return "a timestamp column";
    case MappingPlan::FieldRole::kExplode:
      return "the exploded array";
    case MappingPlan::FieldRole::kObjectArray:
      return "the source of an object array mapping";
  }
  return "?";
}

// The table name or template: the topic's name unless `table` is given.
std::string table_template(const MappingConfig& config) {
  if (!config.table.empty()) return config.table;
  return config.topic_is_pattern ? "${topic}" : config.topic;
}

// Splits "${topic}_x_${key}" into literal text and placeholders; ${topic} is known
// now (unless the topic is a pattern), so it becomes literal text. Any other name is a
// value field's flattened path (${field.NAME} says so explicitly, e.g. for a field
// named "key").
std::vector<MappingPlan::TablePart> parse_table_template(const MappingConfig& config) {
  using Part = MappingPlan::TablePart;
  std::vector<Part> parts;
  const std::string text = table_template(config);
  std::string literal;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string::npos) refuse("table '" + text + "': unclosed ${");
    const std::string name = text.substr(i + 2, close - i - 2);
    if (name == "topic" && !config.topic_is_pattern) {
      literal += config.topic;
    } else if (name == "key" || name == "partition" || name == "topic") {
      if (!literal.empty()) parts.push_back({Part::Kind::kLiteral, literal});
      literal.clear();
      parts.push_back({name == "key"         ? Part::Kind::kKey
                       : name == "partition" ? Part::Kind::kPartition
                                             : Part::Kind::kTopic,
                       {}});
    } else {
      const std::string path = name.rfind("field.", 0) == 0 ? name.substr(6) : name;
      if (path.empty()) refuse("table '" + text + "': empty placeholder ${" + name + "}");
      if (!literal.empty()) parts.push_back({Part::Kind::kLiteral, literal});
      literal.clear();
      // A path named twice fills both places from one captured value.
      std::uint8_t slot = 0, fields = 0;
      bool repeated = false;
      for (const Part& part : parts) {
        if (part.kind != Part::Kind::kField) continue;
        if (part.literal == path) {
          slot = part.slot;
          repeated = true;
        }
        fields = std::max<std::uint8_t>(fields, part.slot + 1);
      }
      if (!repeated) {
        if (fields >= MappingPlan::kMaxTableFields) {
          refuse("table '" + text + "': more than 8 ${field} placeholders");
        }
        slot = fields;
      }
      parts.push_back({Part::Kind::kField, path, slot});
    }
    i = close + 1;
  }
  if (!literal.empty()) parts.push_back({Part::Kind::kLiteral, literal});
  return parts;
}

void compile_table(const MappingConfig& config, MappingPlan& plan, std::string& escaped_table,
                   std::vector<MappingPlan::TablePart>& parts) {
  parts = parse_table_template(config);
  const std::string shown = table_template(config);
  if (parts.size() <= 1 && (parts.empty() || parts[0].kind == MappingPlan::TablePart::Kind::kLiteral)) {
    const std::string name = parts.empty() ? std::string() : parts[0].literal;
    if (!is_valid_table_name(name)) {
      refuse("invalid table name '" + name +
             "': it must be 1-127 bytes, without ? , ' \" \\ / : ( ) + * % ~ or control "
             "characters, and '.' only between other characters");
    }
    escaped_table = escaped_ilp_name(name);
    parts.clear();
    return;
  }
  (void)plan;
  for (const auto& part : parts) {
    if (part.kind != MappingPlan::TablePart::Kind::kLiteral) continue;
    // The whole name is checked per message; a literal that can never be valid is
    // refused now.
    for (char c : part.literal) {
      if (ilp_char_class(c) & kInvalidInTable) {
        refuse("table template '" + shown + "' holds a character QuestDB refuses in names");
      }
    }
  }
}

// "date,time" -> {"date", "time"}; empty or repeated names are refused.
std::vector<std::string> split_timestamp_field(const std::string& text, const std::string& table) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (part.empty()) refuse("table '" + table + "': timestamp field '" + text + "' has an empty name");
    if (std::find(parts.begin(), parts.end(), part) != parts.end()) {
      refuse("table '" + table + "': timestamp field '" + text + "' names '" + part + "' twice");
    }
    parts.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (parts.size() > MappingPlan::kMaxTimestampParts) {
    refuse("table '" + table + "': a timestamp joins at most 8 fields");
  }
  return parts;
}

}  // namespace

bool MappingPlan::has_kept_field_below(std::string_view path) const {
  for (const std::string& branch : kept_branches_) {
    if (branch == path) return true;
  }
  return false;
}

MappingPlan MappingPlan::compile(const MappingConfig& config) {
  static std::atomic<std::uint64_t> last_id{0};  // plans are compiled at start-up, on any thread
  MappingPlan plan;
  plan.id_ = ++last_id;
  plan.config_ = config;
  compile_table(config, plan, plan.escaped_table_, plan.table_parts_);
  const std::string& table = config.table.empty() ? config.topic : config.table;

  if (config.protocol_version < 1 || config.protocol_version > 3) {
    refuse("unsupported ILP protocol version " + std::to_string(config.protocol_version) +
           " for table '" + table + "' (1 = text doubles, 2 = binary doubles, 3 = decimals)");
  }
  if (!config.decimals.empty() && config.protocol_version < 3) {
    refuse("table '" + table +
           "': --decimals writes DECIMAL columns, which need ILP protocol 3 (QuestDB 9.2 or "
           "later), and the sink speaks protocol " +
           std::to_string(config.protocol_version) +
           " (tcp:: and file:: take protocol_version=3; http:: asks the server)");
  }
  if (!config.object_arrays.empty() && config.protocol_version < 2) {
    refuse("table '" + table +
           "': " + std::string(object_array_flag(config.object_arrays[0].shape)) +
           " writes double arrays, which need ILP protocol 2 (QuestDB 9.0 or later), and the "
           "sink speaks protocol 1 (tcp:: and file:: take protocol_version=2; http:: asks the "
           "server)");
  }
  if (config.separator.empty()) refuse("table '" + table + "': the nesting separator is empty");
  if (config.max_depth < 0 || config.max_depth > 64) {
    refuse("table '" + table + "': max depth must be 0-64");
  }
  if (config.timestamp_kafka && config.timestamp_field) {
    refuse("table '" + table + "': the timestamp is either a field or the Kafka timestamp");
  }
  if (!config.timestamp_format.empty()) {
    plan.timestamp_pattern_ = TimestampPattern::compile(config.timestamp_format);
  }
  if (!config.value_prefix.empty()) plan.name_prefix_ = config.value_prefix + config.separator;
  if (plan.name_prefix_.size() >= kMaxIlpNameBytes || config.separator.size() > 8) {
    refuse("table '" + table + "': value prefix or separator too long for a column name");
  }

  auto column_name_for = [&](const std::string& path) {
    for (const auto& [from, to] : config.rename) {
      if (from == path) return to;
    }
    return plan.name_prefix_ + path;
  };
  auto check_name = [&](const std::string& name, const std::string& path) {
    if (!is_valid_column_name(name)) {
      refuse("invalid column name '" + name + "' (from field '" + path + "') for table '" + table +
             "': " + kColumnRule);
    }
  };
  auto add = [&](const std::string& path, FieldRole role) {
    if (path.empty()) refuse("table '" + table + "': an empty field name in the mapping");
    if (const PlannedField* existing = plan.find_field(path)) {
      refuse("field '" + path + "' cannot be both " + role_name(existing->role) + " and " +
             role_name(role) + " (table '" + table + "')");
    }
    std::string name;
    if (role != FieldRole::kTimestamp && role != FieldRole::kExclude &&
        role != FieldRole::kExplode && role != FieldRole::kObjectArray) {
      name = column_name_for(path);
      check_name(name, path);
      name = escaped_ilp_name(name);
    }
    plan.fields_.push_back({path, role, std::move(name)});
  };

  for (const std::string& field : config.symbols) add(field, FieldRole::kSymbol);
  if (config.timestamp_field) {
    const std::vector<std::string> parts = split_timestamp_field(*config.timestamp_field, table);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      add(parts[i], FieldRole::kTimestamp);
      plan.fields_.back().timestamp_part = static_cast<std::uint8_t>(i);
    }
    plan.timestamp_parts_ = parts.size();
  }
  for (const std::string& field : config.timestamp_columns) add(field, FieldRole::kTimestampColumn);
  if (!config.explode.empty()) add(config.explode, FieldRole::kExplode);
  if (config.object_arrays.size() > kMaxObjectArrays) {
    refuse("table '" + table + "': more than 64 object array mappings");
  }
  for (std::size_t i = 0; i < config.object_arrays.size(); ++i) {
    add(config.object_arrays[i].source, FieldRole::kObjectArray);
    plan.fields_.back().object_array = static_cast<std::uint8_t>(i);
  }
  for (const std::string& field : config.doubles) add(field, FieldRole::kDouble);
  for (const std::string& field : config.integers) add(field, FieldRole::kInteger);
  for (const std::string& entry : config.decimals) {
    DecimalFieldSpec spec = parse_decimal_field_spec(entry);
    add(spec.path, FieldRole::kDecimal);
    plan.fields_.back().decimal = spec.target;
  }
  for (const std::string& field : config.exclude) add(field, FieldRole::kExclude);
  for (const std::string& field : config.include) {
    if (plan.find_field(field) == nullptr) add(field, FieldRole::kColumn);
  }
  for (const auto& [from, to] : config.rename) {
    if (plan.find_field(from) == nullptr) add(from, FieldRole::kColumn);
  }

  // The table template's fields are read from the message (and stay columns unless
  // an include list leaves them out).
  for (const TablePart& part : plan.table_parts_) {
    if (part.kind != TablePart::Kind::kField) continue;
    if (plan.find_field(part.literal) == nullptr) {
      add(part.literal, config.include.empty() ? FieldRole::kColumn : FieldRole::kExclude);
    }
    for (PlannedField& field : plan.fields_) {
      if (field.json_name == part.literal) field.table_slot = part.slot;
    }
    plan.table_fields_ = std::max<std::size_t>(plan.table_fields_, part.slot + 1u);
  }

  plan.plan_object_arrays(table);

  // With an include list, objects are only entered if a kept field lies below.
  if (!config.include.empty()) {
    for (const PlannedField& field : plan.fields_) {
      if (field.role == FieldRole::kExclude && field.table_slot == kNoSlot) continue;
      for (std::size_t at = field.json_name.find(config.separator); at != std::string::npos;
           at = field.json_name.find(config.separator, at + 1)) {
        plan.kept_branches_.push_back(field.json_name.substr(0, at));
      }
    }
  }

  if (config.key_mode != KeyMode::kNone) {
    check_name(config.key_prefix, "the Kafka key");
    plan.escaped_key_name_ = escaped_ilp_name(config.key_prefix);
  } else if (config.key_format != KeyFormat::kString) {
    refuse("table '" + table + "': a key format needs the key as a column or symbol (--key)");
  }
  auto metadata_column = [&](const std::string& name, const char* what, std::string& escaped) {
    if (name.empty()) return;
    check_name(name, what);
    escaped = escaped_ilp_name(name);
  };
  metadata_column(config.kafka_timestamp_column, "the Kafka timestamp",
                  plan.escaped_kafka_timestamp_);
  metadata_column(config.kafka_partition_column, "the Kafka partition",
                  plan.escaped_kafka_partition_);
  metadata_column(config.kafka_offset_column, "the Kafka offset", plan.escaped_kafka_offset_);
  plan.has_kafka_columns_ = !config.kafka_timestamp_column.empty() ||
                            !config.kafka_partition_column.empty() ||
                            !config.kafka_offset_column.empty();
  // The key and metadata columns come before the value's fields: refuse a clash now.
  std::vector<std::string> fixed_names;
  if (config.key_mode != KeyMode::kNone) fixed_names.push_back(config.key_prefix);
  for (const std::string* name : {&config.kafka_timestamp_column, &config.kafka_partition_column,
                                  &config.kafka_offset_column}) {
    if (name->empty()) continue;
    // QuestDB takes `kafka_offset` and `Kafka_Offset` for one column.
    if (std::any_of(fixed_names.begin(), fixed_names.end(),
                    [&](const std::string& fixed) { return same_column_name(fixed, *name); })) {
      refuse("table '" + table + "': column '" + *name +
             "' is named twice among the key and Kafka metadata columns");
    }
    fixed_names.push_back(*name);
  }
  return plan;
}

}  // namespace kilp::parse
