#pragma once
// Appends ILP rows to an OutputCursor, one at a time, without allocating:
//
//   IlpLineBuilder row(cursor);
//   row.table("trades").symbol("side", "buy").column_double("price", 1.5);
//   if (row.at_nanos(ts) != IlpRowError::kNone) ...
//
// A row is atomic: the cursor's size moves only when at_nanos()/at_now() succeeds.
// The first error sticks; later calls do nothing and the row is dropped. After
// at_*() the builder is ready for the next row.
#include <cstdint>
#include <string_view>

#include "parse/ilp_byte_writer.hpp"
#include "parse/output_cursor.hpp"

namespace kilp::parse {

enum class IlpRowError : std::uint8_t {
  kNone,
  kNoSpace,            // the row does not fit in the cursor's remaining space
  kInvalidTableName,   // empty, too long or holding characters QuestDB refuses
  kInvalidColumnName,  // same, for a symbol or column name
  kOutOfOrder,         // table not first, or a symbol after a column
  kEmptyRow,           // no symbol and no column
  kBadTimestamp,       // negative designated timestamp
  kNeedsProtocol3,     // a decimal, under protocol 1 or 2
  kBadDecimal,         // decimal text that is not a number, or beyond 76 digits
};

std::string_view ilp_row_error_message(IlpRowError error);

class IlpLineBuilder {
 public:
  // protocol_version 1 writes doubles as text, 2 as binary; 3 also takes decimals.
  explicit IlpLineBuilder(OutputCursor& out, int protocol_version = 1);

  IlpLineBuilder& table(std::string_view name);
  IlpLineBuilder& symbol(std::string_view name, std::string_view value);
  IlpLineBuilder& column_string(std::string_view name, std::string_view value);
  IlpLineBuilder& column_long(std::string_view name, std::int64_t value);
  IlpLineBuilder& column_double(std::string_view name, double value);
  IlpLineBuilder& column_bool(std::string_view name, bool value);
  // A DECIMAL from its text ("-12.340", "1.5E3"; the grammar of parse/decimal_text.hpp's
  // DecimalSyntax::kText) at the text's own scale, written exactly (protocol 3 only).
  IlpLineBuilder& column_decimal(std::string_view name, std::string_view text);

  // Ends the row with a designated timestamp in nanoseconds since the epoch.
  IlpRowError at_nanos(std::int64_t timestamp_ns);
  // Ends the row without a timestamp: the server assigns its own time.
  IlpRowError at_now();

  IlpRowError error() const { return error_; }

 private:
  enum class Stage : std::uint8_t { kTable, kSymbols, kColumns };

  bool begin_symbol(std::string_view name);
  bool begin_column(std::string_view name);
  IlpRowError finish(bool has_timestamp, std::int64_t timestamp_ns);
  void fail(IlpRowError error);
  void start_row();

  OutputCursor& out_;
  IlpByteWriter writer_;
  int protocol_version_;
  Stage stage_ = Stage::kTable;
  bool has_fields_ = false;
  IlpRowError error_ = IlpRowError::kNone;
};

}  // namespace kilp::parse
