#include "tools/dedup_tables.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

#include "io/questdb/questdb_exec.hpp"

namespace kilp::tools {
namespace {

using parse::MappingConfig;
using parse::MappingPlan;
using FieldRole = MappingPlan::FieldRole;

constexpr std::string_view kTimestampColumn = "timestamp";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// "name" quoted as a SQL identifier, 'text' as a SQL string.
std::string identifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
std::string literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string unescape_ilp_name(std::string_view escaped) {
  std::string out;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 1 < escaped.size()) ++i;
    out += escaped[i];
  }
  return out;
}

// The QuestDB type a mapped column gets from the mapping alone; nothing when the
// JSON value decides (a plain column).
std::optional<std::string> mapped_type(const MappingConfig& config, const MappingPlan& plan,
                                       std::string_view column) {
  if (column == config.kafka_partition_column || column == config.kafka_offset_column) {
    return "LONG";
  }
  if (column == config.kafka_timestamp_column) return "TIMESTAMP";
  if (config.key_mode != parse::KeyMode::kNone && config.key_format == parse::KeyFormat::kString &&
      column == config.key_prefix) {
    return config.key_mode == parse::KeyMode::kSymbol ? "SYMBOL" : "VARCHAR";
  }
  for (const MappingPlan::PlannedField& field : plan.fields()) {
    if (unescape_ilp_name(field.escaped_name) != column) continue;
    switch (field.role) {
      case FieldRole::kSymbol: return "SYMBOL";
      case FieldRole::kDouble: return "DOUBLE";
      case FieldRole::kInteger: return "LONG";
      case FieldRole::kTimestampColumn: return "TIMESTAMP";
      case FieldRole::kDecimal:
        if (field.decimal.scale == parse::kScaleFromText) return std::nullopt;
        return fmt::format("DECIMAL({},{})", field.decimal.precision, field.decimal.scale);
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

// A --decimals field without P:S: its values decide their own scale.
bool is_bare_decimal(const MappingPlan& plan, std::string_view column) {
  return std::any_of(plan.fields().begin(), plan.fields().end(), [&](const auto& field) {
    return field.role == FieldRole::kDecimal && field.decimal.scale == parse::kScaleFromText &&
           unescape_ilp_name(field.escaped_name) == column;
  });
}

bool is_type_name(std::string_view type) {
  return !type.empty() && std::all_of(type.begin(), type.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '(' || c == ')' || c == ',' || c == ' ';
  });
}

DedupColumn key_column(const MappingConfig& config, const MappingPlan& plan,
                       const std::string& key) {
  const std::string where = fmt::format("--dedup-keys (topic '{}')", config.topic);
  const std::size_t colon = key.find(':');
  DedupColumn column{key.substr(0, colon), ""};
  if (column.name.empty()) throw std::invalid_argument(where + ": an empty column name");
  if (lower(column.name) == kTimestampColumn) {
    throw std::invalid_argument(where + ": the designated timestamp is always a key; name only "
                                        "the other columns");
  }
  if (colon != std::string::npos) {
    column.type = upper(key.substr(colon + 1));
    if (!is_type_name(column.type)) {
      throw std::invalid_argument(fmt::format("{}: '{}' is not a QuestDB type", where,
                                              key.substr(colon + 1)));
    }
    return column;
  }
  if (std::optional<std::string> type = mapped_type(config, plan, column.name)) {
    column.type = *type;
    return column;
  }
  if (is_bare_decimal(plan, column.name)) {
    throw std::invalid_argument(fmt::format(
        "{}: decimal column '{}' takes each value's own scale, but the table kilp creates needs "
        "DECIMAL(P,S): write it '{}:P:S' in --decimals (e.g. {}:18:8)",
        where, column.name, column.name, column.name));
  }
  throw std::invalid_argument(fmt::format(
      "{}: the mapping does not fix the type of column '{}' (its JSON values would); write "
      "'{}:TYPE' (e.g. {}:varchar, {}:long) or name it in --symbols, --integers, --doubles or "
      "--timestamp-columns",
      where, column.name, column.name, column.name, column.name));
}

DedupTable plan_one(const MappingConfig& config) {
  const std::string where = fmt::format("--dedup-keys (topic '{}')", config.topic);
  if (!config.timestamp_field && !config.timestamp_kafka) {
    throw std::invalid_argument(
        where + ": needs a designated timestamp from the message (--timestamp-field) or the Kafka "
                "record (--timestamp-kafka); with server time a replayed row gets a new timestamp "
                "and DEDUP keeps both");
  }
  if (config.missing_timestamp == parse::MissingTimestampPolicy::kServerTime && !config.timestamp_kafka) {
    throw std::invalid_argument(
        where + ": --missing-timestamp server gives replayed rows a new timestamp, and DEDUP would "
                "keep both; use --missing-timestamp reject");
  }
  // The sink's protocol is not known yet (wire_sinks checks it against the mapping
  // later): compile at the highest, which refuses nothing the mapping asks.
  MappingConfig typed = config;
  typed.protocol_version = 3;
  const MappingPlan plan = MappingPlan::compile(typed);
  if (plan.escaped_table().empty()) {
    // A pattern's table defaults to each message's topic: say so rather than quote ''.
    const std::string table = config.table.empty() ? "${topic}" : config.table;
    throw std::invalid_argument(where + ": the table name depends on the message ('" + table +
                                "'); DEDUP is set up per table before consuming" +
                                (config.topic_is_pattern
                                     ? ", so name one table for the pattern's topics with --table"
                                     : ""));
  }
  DedupTable table{unescape_ilp_name(plan.escaped_table()), {}};
  for (const std::string& key : config.dedup_keys) {
    table.keys.push_back(key_column(config, plan, key));
  }
  for (const MappingPlan::PlannedField& field : plan.fields()) {
    if (field.role != FieldRole::kDecimal) continue;
    const std::string name = unescape_ilp_name(field.escaped_name);
    if (std::any_of(table.keys.begin(), table.keys.end(),
                    [&](const DedupColumn& key) { return lower(key.name) == lower(name); })) {
      continue;
    }
    if (field.decimal.scale == parse::kScaleFromText) {
      table.bare_decimals.push_back(name);
    } else {
      table.columns.push_back({name, *mapped_type(config, plan, name)});
    }
  }
  return table;
}

std::string key_list(std::string_view designated, const std::vector<DedupColumn>& keys) {
  std::string out = identifier(designated);
  for (const DedupColumn& key : keys) out += ", " + identifier(key.name);
  return out;
}

// An /exec answer as JSON; throws when it is not JSON.
simdjson::dom::element parse_answer(simdjson::dom::parser& parser, std::string_view answer) {
  simdjson::dom::element document;
  if (parser.parse(answer.data(), answer.size()).get(document) != simdjson::SUCCESS) {
    throw std::runtime_error("QuestDB's /exec answer is not JSON");
  }
  return document;
}

// The names of an /exec answer's columns.
std::vector<std::string> column_names(std::string_view answer) {
  simdjson::dom::parser parser;
  simdjson::dom::array columns;
  if (parse_answer(parser, answer)["columns"].get_array().get(columns) != simdjson::SUCCESS) {
    throw std::runtime_error("QuestDB's /exec answer has no columns");
  }
  std::vector<std::string> names;
  for (simdjson::dom::element column : columns) {
    std::string_view name;
    if (column["name"].get_string().get(name) == simdjson::SUCCESS) names.emplace_back(name);
  }
  return names;
}

// Reads the rows of an /exec answer: each row's first `width` values as text
// (booleans as "true"/"false"). Throws when the answer is not /exec's shape.
std::vector<std::vector<std::string>> dataset_rows(std::string_view answer, std::size_t width) {
  simdjson::dom::parser parser;
  simdjson::dom::array dataset;
  if (parse_answer(parser, answer)["dataset"].get_array().get(dataset) != simdjson::SUCCESS) {
    throw std::runtime_error("QuestDB's /exec answer has no dataset");
  }
  std::vector<std::vector<std::string>> rows;
  for (simdjson::dom::element row : dataset) {
    std::vector<std::string> values;
    for (simdjson::dom::element value : row.get_array()) {
      if (values.size() == width) break;
      if (value.is_string()) {
        values.emplace_back(std::string_view(value.get_string()));
      } else if (value.is_bool()) {
        values.emplace_back(bool(value.get_bool()) ? "true" : "false");
      } else {
        values.emplace_back(simdjson::to_string(value));
      }
    }
    if (values.size() != width) throw std::runtime_error("QuestDB's /exec answer: a short row");
    rows.push_back(std::move(values));
  }
  return rows;
}

std::string dedup_statement(const DedupTable& table, std::string_view designated) {
  return fmt::format("ALTER TABLE {} DEDUP ENABLE UPSERT KEYS({})", identifier(table.table),
                     key_list(designated, table.keys));
}

// Empty when QuestDB can deduplicate `existing` (a partitioned WAL table), else why not
// and the statements that would make it one.
std::string wal_mismatch(const DedupTable& table, const ExistingTable& existing,
                         std::string_view designated) {
  if (existing.wal) return "";
  if (existing.partition_by == "NONE") {
    return fmt::format(
        "table '{}' is not partitioned, and QuestDB deduplicates only partitioned WAL tables; "
        "kilp does not change a table it did not create: recreate it with a designated "
        "timestamp, PARTITION BY and WAL, or drop --dedup-keys",
        existing.name);
  }
  return fmt::format(
      "table '{}' is not a WAL table, and QuestDB deduplicates only WAL tables; kilp does not "
      "change a table it did not create: run ALTER TABLE {} SET TYPE WAL, restart QuestDB, then "
      "{}, or drop --dedup-keys",
      existing.name, identifier(existing.name), dedup_statement(table, designated));
}

}  // namespace

std::vector<DedupTable> plan_dedup_tables(const std::vector<MappingConfig>& mappings) {
  std::vector<DedupTable> tables;
  for (const MappingConfig& config : mappings) {
    if (config.dedup_keys.empty()) continue;
    DedupTable table = plan_one(config);
    auto same = std::find_if(tables.begin(), tables.end(), [&](const DedupTable& other) {
      return lower(other.table) == lower(table.table);
    });
    if (same == tables.end()) {
      tables.push_back(std::move(table));
      continue;
    }
    auto names = [](const DedupTable& t) {
      std::vector<std::string> out;
      for (const DedupColumn& key : t.keys) out.push_back(lower(key.name));
      std::sort(out.begin(), out.end());
      return out;
    };
    if (names(*same) != names(table)) {
      throw std::invalid_argument(fmt::format(
          "--dedup-keys: two topics write table '{}' with different keys", table.table));
    }
  }
  return tables;
}

std::string create_table_statement(const DedupTable& table) {
  std::string columns = identifier(kTimestampColumn) + " TIMESTAMP";
  for (const DedupColumn& key : table.keys) columns += ", " + identifier(key.name) + " " + key.type;
  for (const DedupColumn& column : table.columns) {
    columns += ", " + identifier(column.name) + " " + column.type;
  }
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} ({}) TIMESTAMP({}) PARTITION BY DAY WAL DEDUP UPSERT KEYS({})",
      identifier(table.table), columns, identifier(kTimestampColumn),
      key_list(kTimestampColumn, table.keys));
}

std::string tables_probe_query() {
  return "SELECT * FROM tables() WHERE false";
}

std::string dedup_unsupported(std::string_view probe_answer) {
  const std::vector<std::string> names = column_names(probe_answer);
  for (const char* needed : {"dedup", "table_name", "walEnabled", "partitionBy"}) {
    if (std::find(names.begin(), names.end(), needed) == names.end()) {
      return fmt::format(
          "has no DEDUP UPSERT KEYS (its tables() lists no '{}'; QuestDB 7.3 and newer "
          "deduplicate), so replays would duplicate rows",
          needed);
    }
  }
  return "";
}

std::string table_lookup_query(const DedupTable& table) {
  return "SELECT table_name, walEnabled, partitionBy FROM tables() WHERE lower(table_name) = "
         "lower(" +
         literal(table.table) + ")";
}

std::optional<ExistingTable> existing_table(std::string_view lookup_answer) {
  const auto rows = dataset_rows(lookup_answer, 3);
  if (rows.empty()) return std::nullopt;
  return ExistingTable{rows[0][0], rows[0][1] == "true", rows[0][2]};
}

std::string table_columns_query(const DedupTable& table) {
  return fmt::format("SELECT \"column\", designated, upsertKey FROM table_columns({})",
                     literal(table.table));
}

std::string dedup_mismatch(const DedupTable& table, const ExistingTable& existing,
                           std::string_view table_columns_answer) {
  std::string designated;
  std::vector<std::string> columns;
  std::vector<std::string> upsert_keys;
  for (const auto& row : dataset_rows(table_columns_answer, 3)) {
    columns.push_back(lower(row[0]));
    if (row[1] == "true") designated = row[0];
    if (row[2] == "true") upsert_keys.push_back(lower(row[0]));
  }
  if (designated.empty()) {
    return fmt::format("table '{}' has no designated timestamp, which DEDUP needs", table.table);
  }
  if (std::string why = wal_mismatch(table, existing, designated); !why.empty()) return why;
  std::vector<std::string> wanted{lower(designated)};
  for (const DedupColumn& key : table.keys) {
    if (std::find(columns.begin(), columns.end(), lower(key.name)) == columns.end()) {
      return fmt::format("table '{}' has no column '{}' (a --dedup-keys column)", table.table,
                         key.name);
    }
    wanted.push_back(lower(key.name));
  }
  std::sort(wanted.begin(), wanted.end());
  std::sort(upsert_keys.begin(), upsert_keys.end());
  if (wanted == upsert_keys) return "";
  const std::string fix = dedup_statement(table, designated);
  if (upsert_keys.empty()) {
    return fmt::format(
        "table '{}' exists without DEDUP; kilp does not change a table it did not "
        "create: run {} or drop --dedup-keys",
        table.table, fix);
  }
  return fmt::format(
      "table '{}' has DEDUP UPSERT KEYS({}), --dedup-keys asks for ({}); kilp does "
      "not change a table it did not create: run {} or change --dedup-keys",
      table.table, fmt::join(upsert_keys, ", "), fmt::join(wanted, ", "), fix);
}

void ensure_dedup_tables(const io::HttpSinkConfig& sink, const std::vector<DedupTable>& tables) {
  const std::string unsupported = dedup_unsupported(io::questdb_exec(sink, tables_probe_query()));
  if (!unsupported.empty()) {
    throw std::runtime_error(
        fmt::format("--dedup-keys: QuestDB at {} {}: upgrade QuestDB or drop "
                    "--dedup-keys",
                    sink.addr.to_string(), unsupported));
  }
  for (const DedupTable& table : tables) {
    std::optional<ExistingTable> existing =
        existing_table(io::questdb_exec(sink, table_lookup_query(table)));
    const bool created = !existing;
    if (created && !table.bare_decimals.empty()) {
      throw std::runtime_error(fmt::format(
          "--dedup-keys: table '{}' does not exist, and kilp cannot create its decimal column "
          "'{}' without a precision and scale (QuestDB creates no decimal column from ILP): "
          "write it '{}:P:S' in --decimals, or create the table first",
          table.table, table.bare_decimals.front(), table.bare_decimals.front()));
    }
    if (created) {
      io::questdb_exec(sink, create_table_statement(table));
      existing = existing_table(io::questdb_exec(sink, table_lookup_query(table)));
      if (!existing) {
        throw std::runtime_error(
            fmt::format("--dedup-keys: QuestDB at {} created table '{}' but "
                        "does not list it in tables()",
                        sink.addr.to_string(), table.table));
      }
    }
    const std::string why =
        dedup_mismatch(table, *existing, io::questdb_exec(sink, table_columns_query(table)));
    if (!why.empty()) throw std::runtime_error("--dedup-keys: " + why);
    std::vector<std::string> names;
    for (const DedupColumn& key : table.keys) names.push_back(key.name);
    fmt::print(stderr, "kilp: table '{}' {} with DEDUP UPSERT KEYS(timestamp, {})\n",
               existing->name, created ? "created" : "checked", fmt::join(names, ", "));
  }
}

}  // namespace kilp::tools
