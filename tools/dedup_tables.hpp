#pragma once
// --dedup-keys: before consuming, every target table gets QuestDB's DEDUP UPSERT KEYS
// over its designated timestamp and the given columns, so that rows kilp writes again
// after a crash, a hand-off or a sink retry replace themselves instead of adding
// duplicates (exactly-once rows on top of at-least-once delivery).
//
// A missing table is created (WAL, PARTITION BY DAY, the key columns typed by the
// mapping; every other column is still created by ILP as rows arrive). An existing
// table is only checked: kilp never alters a user's table, it refuses to start and
// says which statement would make the keys match.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/ilp/sink_config.hpp"
#include "parse/mapping_plan.hpp"

namespace kilp::tools {

struct DedupColumn {
  std::string name;
  std::string type;  // QuestDB's type name, upper case (SYMBOL, LONG, VARCHAR, ...)
};

struct DedupTable {
  std::string table;  // as QuestDB names it
  std::vector<DedupColumn> keys;  // without the designated timestamp
  // Other columns created with the table: --decimals NAME:P:S as DECIMAL(P,S), since
  // QuestDB never creates a decimal column from ILP.
  std::vector<DedupColumn> columns;
  // --decimals without P:S: a table kilp would create cannot hold them.
  std::vector<std::string> bare_decimals;
};

// The tables the mappings ask to deduplicate, one per table. Throws
// std::invalid_argument naming the topic and the reason when a mapping cannot be
// deduplicated: no designated timestamp from the message or the Kafka record
// (server time differs on every replay), a table name that depends on the message,
// or a key whose type the mapping does not fix (then write it "name:TYPE").
std::vector<DedupTable> plan_dedup_tables(const std::vector<parse::MappingConfig>& mappings);

// CREATE TABLE IF NOT EXISTS with the designated timestamp "timestamp" (the name ILP
// gives it), the key columns and the other typed columns, WAL, DEDUP UPSERT KEYS over
// the timestamp and the keys.
std::string create_table_statement(const DedupTable& table);

// A query of tables() that returns no rows, only its columns: what dedup_unsupported() reads.
std::string tables_probe_query();

// Empty when QuestDB's tables() (the answer to tables_probe_query()) tells of DEDUP, as
// from QuestDB 7.3 on; else why kilp cannot set the tables up on this server.
std::string dedup_unsupported(std::string_view probe_answer);

// The query whose answer existing_table() reads. QuestDB matches table names without
// regard to case, and so does the query.
std::string table_lookup_query(const DedupTable& table);

struct ExistingTable {
  std::string name;  // as QuestDB spells it
  bool wal = false;
  std::string partition_by;  // NONE, HOUR, DAY, ...
};

// The table the answer to table_lookup_query() names; nothing when it does not exist.
std::optional<ExistingTable> existing_table(std::string_view lookup_answer);

// The query whose answer dedup_mismatch() reads.
std::string table_columns_query(const DedupTable& table);

// Compares `existing` and QuestDB's answer to table_columns_query() (the JSON of /exec)
// with what `table` wants; empty when it is a partitioned WAL table whose upsert keys
// are exactly its designated timestamp and the keys, else the reason, with the
// statements that would fix it.
std::string dedup_mismatch(const DedupTable& table, const ExistingTable& existing,
                           std::string_view table_columns_answer);

// Creates or checks every table through the sink's /exec; one line each on stderr.
// Throws std::runtime_error with the reason when the server has no DEDUP, a table
// does not match, or a missing table would need a bare --decimals column.
void ensure_dedup_tables(const io::HttpSinkConfig& sink, const std::vector<DedupTable>& tables);

}  // namespace kilp::tools
