#include "tools/mapping_file.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <toml++/toml.h>

namespace kilp::tools {
namespace {

[[noreturn]] void refuse(std::string_view what, std::string_view text, std::string_view expected) {
  throw std::invalid_argument(fmt::format("{}: '{}' is not {}", what, text, expected));
}

std::string string_of(const std::string& where, const toml::node& node) {
  if (const auto* value = node.as_string()) return value->get();
  throw std::invalid_argument(where + ": expected a string");
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> strings_of(const std::string& where, const toml::node& node) {
  std::vector<std::string> out;
  if (const auto* array = node.as_array()) {
    for (const toml::node& item : *array) out.push_back(string_of(where, item));
    return out;
  }
  // A single comma-separated string, as on the command line.
  const std::string text = string_of(where, node);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                           : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Applies one key of a mapping table to `mapping`.
void apply_key(const std::string& where, std::string_view key, const toml::node& node,
               parse::MappingConfig& mapping) {
  const std::string at = where + "." + std::string(key);
  if (key == "table") {
    mapping.table = string_of(at, node);
  } else if (key == "symbols") {
    mapping.symbols = strings_of(at, node);
  } else if (key == "doubles") {
    mapping.doubles = strings_of(at, node);
  } else if (key == "integers") {
    mapping.integers = strings_of(at, node);
  } else if (key == "decimals") {
    mapping.decimals = strings_of(at, node);
  } else if (key == "include") {
    mapping.include = strings_of(at, node);
  } else if (key == "exclude") {
    mapping.exclude = strings_of(at, node);
  } else if (key == "rename") {
    mapping.rename.clear();
    if (const auto* table = node.as_table()) {
      for (const auto& [from, to] : *table) {
        mapping.rename.emplace_back(std::string(from.str()), string_of(at, to));
      }
    } else {
      mapping.rename = parse_renames(at, string_of(at, node));
    }
  } else if (key == "timestamp_field") {
    // A list joins its fields, as "date,time" does on the command line.
    const std::string field = node.is_array() ? join(strings_of(at, node)) : string_of(at, node);
    if (field.empty()) {
      mapping.timestamp_field.reset();
    } else {
      mapping.timestamp_field = field;
    }
  } else if (key == "timestamp_units") {
    mapping.timestamp_unit = parse_timestamp_units(at, string_of(at, node));
  } else if (key == "timestamp_format") {
    mapping.timestamp_format = string_of(at, node);
  } else if (key == "timestamp_kafka") {
    const auto* flag = node.as_boolean();
    if (flag == nullptr) throw std::invalid_argument(at + ": expected true or false");
    mapping.timestamp_kafka = flag->get();
  } else if (key == "key") {
    mapping.key_mode = parse_key_mode(at, string_of(at, node));
  } else if (key == "key_prefix") {
    mapping.key_prefix = string_of(at, node);
  } else if (key == "value_prefix") {
    mapping.value_prefix = string_of(at, node);
  } else if (key == "separator") {
    mapping.separator = string_of(at, node);
  } else if (key == "max_depth") {
    const auto* depth = node.as_integer();
    if (depth == nullptr) throw std::invalid_argument(at + ": expected an integer");
    mapping.max_depth = static_cast<int>(depth->get());
  } else if (key == "arrays") {
    mapping.array_policy = parse_array_policy(at, string_of(at, node));
  } else if (key == "missing_timestamp") {
    mapping.missing_timestamp = parse_missing_timestamp(at, string_of(at, node));
  } else if (key == "timestamp_columns") {
    mapping.timestamp_columns = strings_of(at, node);
  } else if (key == "kafka_timestamp_column") {
    mapping.kafka_timestamp_column = string_of(at, node);
  } else if (key == "kafka_partition_column") {
    mapping.kafka_partition_column = string_of(at, node);
  } else if (key == "kafka_offset_column") {
    mapping.kafka_offset_column = string_of(at, node);
  } else if (key == "oversized_integers") {
    mapping.oversized_integers = parse_oversized_integers(at, string_of(at, node));
  } else if (key == "duplicates") {
    mapping.duplicates = parse_duplicates(at, string_of(at, node));
  } else if (key == "key_format") {
    mapping.key_format = parse_key_format(at, string_of(at, node));
  } else if (key == "dedup_keys") {
    mapping.dedup_keys = strings_of(at, node);
  } else if (key == "explode") {
    mapping.explode = string_of(at, node);
  } else if (key == "order_book_to_array" || key == "struct_array_explode") {
    // The connector's mappings string, or a list of them; replaces the defaults'.
    const auto shape = key == "order_book_to_array" ? parse::ObjectArrayShape::kMatrix
                                                    : parse::ObjectArrayShape::kArrayPerField;
    std::erase_if(mapping.object_arrays, [&](const auto& m) { return m.shape == shape; });
    if (const auto* array = node.as_array()) {
      for (const toml::node& item : *array) {
        append_object_array_mappings(at, string_of(at, item), shape, mapping);
      }
    } else {
      append_object_array_mappings(at, string_of(at, node), shape, mapping);
    }
  } else if (key == "value_format") {
    mapping.value_format = parse_value_format(at, string_of(at, node));
  } else if (key == "unsupported_types") {
    mapping.unsupported_types = parse_unsupported_types(at, string_of(at, node));
  } else {
    throw std::invalid_argument(at + ": unknown key");
  }
}

}  // namespace

parse::TimestampUnit parse_timestamp_units(std::string_view what, std::string_view text) {
  if (text == "s") return parse::TimestampUnit::kSeconds;
  if (text == "ms") return parse::TimestampUnit::kMillis;
  if (text == "us") return parse::TimestampUnit::kMicros;
  if (text == "ns") return parse::TimestampUnit::kNanos;
  if (text == "auto") return parse::TimestampUnit::kAuto;
  refuse(what, text, "one of s, ms, us, ns, auto");
}

parse::KeyMode parse_key_mode(std::string_view what, std::string_view text) {
  if (text == "none") return parse::KeyMode::kNone;
  if (text == "column") return parse::KeyMode::kColumn;
  if (text == "symbol") return parse::KeyMode::kSymbol;
  refuse(what, text, "one of none, column, symbol");
}

parse::ArrayPolicy parse_array_policy(std::string_view what, std::string_view text) {
  if (text == "reject") return parse::ArrayPolicy::kReject;
  if (text == "skip") return parse::ArrayPolicy::kSkip;
  refuse(what, text, "one of reject, skip");
}

parse::MissingTimestampPolicy parse_missing_timestamp(std::string_view what, std::string_view text) {
  if (text == "reject") return parse::MissingTimestampPolicy::kReject;
  if (text == "server") return parse::MissingTimestampPolicy::kServerTime;
  refuse(what, text, "one of reject, server");
}

parse::OversizedIntegerPolicy parse_oversized_integers(std::string_view what,
                                                       std::string_view text) {
  if (text == "reject") return parse::OversizedIntegerPolicy::kReject;
  if (text == "double") return parse::OversizedIntegerPolicy::kDouble;
  refuse(what, text, "one of reject, double");
}

parse::DuplicatePolicy parse_duplicates(std::string_view what, std::string_view text) {
  if (text == "reject") return parse::DuplicatePolicy::kReject;
  if (text == "keep-first") return parse::DuplicatePolicy::kKeepFirst;
  refuse(what, text, "one of reject, keep-first");
}

parse::UnsupportedTypePolicy parse_unsupported_types(std::string_view what,
                                                     std::string_view text) {
  if (text == "reject") return parse::UnsupportedTypePolicy::kReject;
  if (text == "skip") return parse::UnsupportedTypePolicy::kSkip;
  refuse(what, text, "one of reject, skip");
}

parse::ValueFormat parse_value_format(std::string_view what, std::string_view text) {
  if (text == "json") return parse::ValueFormat::kJson;
  if (text == "envelope") return parse::ValueFormat::kEnvelope;
  refuse(what, text, "one of json, envelope");
}

parse::KeyFormat parse_key_format(std::string_view what, std::string_view text) {
  if (text == "string") return parse::KeyFormat::kString;
  if (text == "json") return parse::KeyFormat::kJson;
  if (text == "envelope") return parse::KeyFormat::kEnvelope;
  refuse(what, text, "one of string, json, envelope");
}

std::vector<std::pair<std::string, std::string>> parse_renames(std::string_view what,
                                                               std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      refuse(what, item, "field=column");
    }
    out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
  return out;
}

void append_object_array_mappings(std::string_view what, std::string_view text,
                                  parse::ObjectArrayShape shape, parse::MappingConfig& mapping) {
  for (parse::ObjectArrayMapping& parsed : parse::parse_object_array_mappings(what, text, shape)) {
    mapping.object_arrays.push_back(std::move(parsed));
  }
}

std::vector<TopicMapping> load_mapping_file(const std::string& path,
                                            const parse::MappingConfig& defaults) {
  toml::table file;
  try {
    file = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    throw std::invalid_argument(fmt::format("--config {}: {} (line {})", path, error.description(),
                                            error.source().begin.line));
  }
  parse::MappingConfig common = defaults;
  const toml::table* topics = nullptr;
  for (const auto& [key, node] : file) {
    if (key.str() == "topics") {
      topics = node.as_table();
      if (topics == nullptr) throw std::invalid_argument(path + ": 'topics' must be a table");
      continue;
    }
    apply_key(path, key.str(), node, common);
  }
  if (topics == nullptr || topics->empty()) {
    throw std::invalid_argument(path + ": no [topics.NAME] table");
  }
  std::vector<TopicMapping> out;
  for (const auto& [name, node] : *topics) {
    const std::string where = path + ": topics." + std::string(name.str());
    const toml::table* table = node.as_table();
    if (table == nullptr) throw std::invalid_argument(where + ": must be a table");
    TopicMapping topic{std::string(name.str()), common};
    topic.mapping.topic = topic.topic;
    for (const auto& [key, value] : *table) apply_key(where, key.str(), value, topic.mapping);
    out.push_back(std::move(topic));
  }
  return out;
}

}  // namespace kilp::tools
