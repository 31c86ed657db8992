#pragma once
// A deliberately strict reader of InfluxDB Line Protocol as QuestDB accepts it: text
// protocol v1 plus v2's binary doubles and double arrays and v3's binary decimals. It checks what
// kilp writes (and what test servers receive): anything a conforming writer would not produce is an
// error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kilp::testing {

// A timestamp column: digits then 't' (microseconds) or 'n' (nanoseconds), read as
// nanoseconds.
struct IlpTimestamp {
  std::int64_t nanos = 0;
  bool operator==(const IlpTimestamp&) const = default;
};

// A decimal (ILP v3 binary: '=' 23, scale, length, the unscaled value as big-endian
// two's complement in the fewest bytes) read as its plain text: "-0.001", "12", "0.0".
struct IlpDecimal {
  std::string text;
  bool operator==(const IlpDecimal&) const = default;
};

// A double array (ILP v2 binary, any number of dimensions) is read as its elements
// in row-major order.
using IlpValue = std::variant<std::int64_t, double, bool, std::string, std::vector<double>,
                              IlpTimestamp, IlpDecimal>;

struct IlpRow {
  std::string table;
  std::vector<std::pair<std::string, std::string>> symbols;
  std::vector<std::pair<std::string, IlpValue>> columns;
  // The shape of each double array column (its values are in `columns`, row-major).
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> array_shapes;
  std::optional<std::int64_t> timestamp_ns;
};

struct IlpParseResult {
  std::optional<IlpRow> row;  // set on success
  std::string error;          // why the line was refused, with the byte offset
  std::size_t consumed = 0;   // bytes of the line, '\n' included, on success

  bool ok() const { return row.has_value(); }
};

// Parses the line at the start of `input` up to and including its terminating '\n'.
// Bytes after that newline are left alone (see `consumed`).
IlpParseResult parse_ilp_line_prefix(std::string_view input);

// Parses `line`, which must be exactly one line ending in '\n'.
IlpParseResult parse_ilp_line(std::string_view line);

// Splits a stream of ILP lines into lines ('\n' included). A newline inside a string,
// escaped in a name or symbol, or inside a binary double does not end a line. Returns
// false and sets `error` when some line is malformed or the stream ends mid-line.
bool split_ilp_lines(std::string_view stream, std::vector<std::string_view>& lines,
                     std::string& error);

// QuestDB's name rules, written independently of kilp's encoder.
bool is_questdb_table_name(std::string_view name);
bool is_questdb_column_name(std::string_view name);

}  // namespace kilp::testing
