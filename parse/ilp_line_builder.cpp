#include "parse/ilp_line_builder.hpp"

#include "parse/decimal_text.hpp"
#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"

namespace kilp::parse {

std::string_view ilp_row_error_message(IlpRowError error) {
  switch (error) {
    case IlpRowError::kNone:
      return "ok";
    case IlpRowError::kNoSpace:
      return "row does not fit in the output buffer";
    case IlpRowError::kInvalidTableName:
      return "invalid table name";
    case IlpRowError::kInvalidColumnName:
      return "invalid symbol or column name";
    case IlpRowError::kOutOfOrder:
      return "table must come first and symbols before columns";
    case IlpRowError::kEmptyRow:
      return "row has no symbol and no column";
    case IlpRowError::kBadTimestamp:
      return "negative timestamp";
    case IlpRowError::kNeedsProtocol3:
      return "decimal columns need ILP protocol 3";
    case IlpRowError::kBadDecimal:
      return "not a decimal of at most 76 digits and scale 76";
  }
  return "unknown";
}

IlpLineBuilder::IlpLineBuilder(OutputCursor& out, int protocol_version)
    : out_(out), protocol_version_(protocol_version) {
  start_row();
}

void IlpLineBuilder::start_row() {
  writer_ = IlpByteWriter(out_.data + out_.size, out_.data + out_.capacity);
  stage_ = Stage::kTable;
  has_fields_ = false;
  error_ = IlpRowError::kNone;
}

void IlpLineBuilder::fail(IlpRowError error) {
  if (error_ == IlpRowError::kNone) error_ = error;
}

IlpLineBuilder& IlpLineBuilder::table(std::string_view name) {
  if (error_ != IlpRowError::kNone) return *this;
  if (stage_ != Stage::kTable) {
    fail(IlpRowError::kOutOfOrder);
  } else if (!append_table_name(writer_, name)) {
    fail(IlpRowError::kInvalidTableName);
  } else {
    stage_ = Stage::kSymbols;
  }
  return *this;
}

bool IlpLineBuilder::begin_symbol(std::string_view name) {
  if (error_ != IlpRowError::kNone) return false;
  if (stage_ != Stage::kSymbols) {
    fail(IlpRowError::kOutOfOrder);
    return false;
  }
  writer_.put(',');
  if (!append_column_name(writer_, name)) {
    fail(IlpRowError::kInvalidColumnName);
    return false;
  }
  writer_.put('=');
  has_fields_ = true;
  return true;
}

bool IlpLineBuilder::begin_column(std::string_view name) {
  if (error_ != IlpRowError::kNone) return false;
  if (stage_ == Stage::kTable) {
    fail(IlpRowError::kOutOfOrder);
    return false;
  }
  writer_.put(stage_ == Stage::kSymbols ? ' ' : ',');
  stage_ = Stage::kColumns;
  if (!append_column_name(writer_, name)) {
    fail(IlpRowError::kInvalidColumnName);
    return false;
  }
  writer_.put('=');
  has_fields_ = true;
  return true;
}

IlpLineBuilder& IlpLineBuilder::symbol(std::string_view name, std::string_view value) {
  if (begin_symbol(name)) append_symbol_value(writer_, value);
  return *this;
}

IlpLineBuilder& IlpLineBuilder::column_string(std::string_view name, std::string_view value) {
  if (begin_column(name)) append_string_value(writer_, value);
  return *this;
}

IlpLineBuilder& IlpLineBuilder::column_long(std::string_view name, std::int64_t value) {
  if (begin_column(name)) append_long(writer_, value);
  return *this;
}

IlpLineBuilder& IlpLineBuilder::column_double(std::string_view name, double value) {
  if (begin_column(name)) append_double(writer_, value, protocol_version_);
  return *this;
}

IlpLineBuilder& IlpLineBuilder::column_bool(std::string_view name, bool value) {
  if (begin_column(name)) append_bool(writer_, value);
  return *this;
}

IlpLineBuilder& IlpLineBuilder::column_decimal(std::string_view name, std::string_view text) {
  if (error_ != IlpRowError::kNone) return *this;
  if (protocol_version_ < 3) {
    fail(IlpRowError::kNeedsProtocol3);
    return *this;
  }
  DecimalValue value;
  if (parse_decimal(text, DecimalSyntax::kText, DecimalTarget{}, value) != DecimalError::kNone) {
    fail(IlpRowError::kBadDecimal);
    return *this;
  }
  if (begin_column(name)) append_decimal_binary(writer_, value);
  return *this;
}

IlpRowError IlpLineBuilder::at_nanos(std::int64_t timestamp_ns) {
  return finish(true, timestamp_ns);
}

IlpRowError IlpLineBuilder::at_now() {
  return finish(false, 0);
}

IlpRowError IlpLineBuilder::finish(bool has_timestamp, std::int64_t timestamp_ns) {
  if (error_ == IlpRowError::kNone) {
    if (stage_ == Stage::kTable) {
      fail(IlpRowError::kOutOfOrder);
    } else if (!has_fields_) {
      fail(IlpRowError::kEmptyRow);
    } else if (has_timestamp && timestamp_ns < 0) {
      fail(IlpRowError::kBadTimestamp);
    }
  }
  if (error_ == IlpRowError::kNone) {
    if (has_timestamp) {
      writer_.put(' ');
      append_decimal(writer_, timestamp_ns);
    }
    writer_.put('\n');
    if (writer_.overflowed) {
      fail(IlpRowError::kNoSpace);
    } else {
      out_.size = static_cast<std::size_t>(writer_.pos - out_.data);
    }
  }
  const IlpRowError result = error_;
  start_row();
  return result;
}

}  // namespace kilp::parse
