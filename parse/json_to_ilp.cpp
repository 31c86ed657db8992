#include "parse/json_to_ilp.hpp"

#include <simdjson.h>

#include <cstring>
#include <optional>
#include <utility>

#include "parse/field_name_set.hpp"
#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"
#include "parse/json_number_syntax.hpp"
#include "parse/timestamp_conversion.hpp"

namespace kilp::parse {

namespace ondemand = simdjson::ondemand;
using Rejection = std::optional<RejectReason>;

namespace {

EncodeResult rejected(RejectReason reason) {
  return {EncodeOutcome::kRejected, reason};
}

RejectReason reason_for(simdjson::error_code error) {
  return error == simdjson::UTF8_ERROR ? RejectReason::kInvalidUtf8 : RejectReason::kMalformedJson;
}

// Columns never take more than this many times the JSON bytes they come from (the
// worst case is a one-digit number becoming an 11-byte binary double), so the column
// scratch can never be the reason a row does not fit.
constexpr std::size_t kColumnBytesPerJsonByte = 3;
constexpr std::size_t kColumnScratchSlack = 256;

std::string_view trim_trailing_space(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

std::string_view raw_token(ondemand::value& value) {
  return trim_trailing_space(value.raw_json_token());
}

// A number simdjson could not return is either too large for its type or not a
// number at all; the dead-letter reason should say which.
RejectReason number_failure(ondemand::value& value, simdjson::error_code error) {
  if (error != simdjson::NUMBER_ERROR && error != simdjson::NUMBER_OUT_OF_RANGE &&
      error != simdjson::INCORRECT_TYPE) {
    return reason_for(error);
  }
  return is_json_number(raw_token(value)) ? RejectReason::kNumberOutOfRange
                                          : RejectReason::kMalformedJson;
}

// Encodes one message: symbols go straight to the output after the table, columns to
// a scratch buffer that is appended once the object has been read, because ILP wants
// all symbols first and JSON keys come in any order.
class MessageEncoder {
 public:
  MessageEncoder(const MappingPlan& plan, IlpByteWriter head, IlpByteWriter columns)
      : plan_(plan), head_(head), columns_(columns), columns_begin_(columns.pos) {}

  Rejection encode_object(ondemand::object& object, FieldNameSet& seen) {
    for (auto member : object) {
      ondemand::field field;
      if (auto error = std::move(member).get(field)) return reason_for(error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return reason_for(error);
      if (!seen.insert(key)) return RejectReason::kDuplicateField;
      ondemand::value value = field.value();
      // Where this value ends: the next structural character ('}' for the last one).
      const std::string_view token = value.raw_json_token();
      value_end_ = token.data() + token.size();
      const MappingPlan::PlannedField* planned = plan_.find_field(key);
      Rejection rejection;
      if (planned == nullptr) {
        rejection = encode_column(key, value);
      } else if (planned->role == MappingPlan::FieldRole::kSymbol) {
        rejection = encode_symbol(planned->escaped_name, value);
      } else {
        rejection = read_timestamp(value);
      }
      if (rejection) return rejection;
    }
    return std::nullopt;
  }

  // Appends the columns and the line end after the symbols; nullopt when a row was
  // written (or did not fit: see head().overflowed).
  Rejection finish_row() {
    if (plan_.has_timestamp() && !timestamp_ns_) return RejectReason::kMissingTimestamp;
    const std::size_t column_bytes = static_cast<std::size_t>(columns_.pos - columns_begin_);
    if (!has_symbol_ && column_bytes == 0) return RejectReason::kEmptyRow;
    if (columns_.overflowed) return RejectReason::kTooLarge;  // see kColumnBytesPerJsonByte
    if (column_bytes > 0) {
      columns_begin_[0] = ' ';  // the first column follows the symbols after a space
      head_.append(std::string_view(columns_begin_, column_bytes));
    }
    if (timestamp_ns_) {
      head_.put(' ');
      append_decimal(head_, *timestamp_ns_);
    }
    head_.put('\n');
    return std::nullopt;
  }

  const IlpByteWriter& head() const { return head_; }

  // On Demand stops reading at the object's closing brace; anything but whitespace
  // after it (e.g. a second object) makes the message malformed.
  bool ends_cleanly(const char* json_end) const {
    const char* p = value_end_;
    if (p == nullptr) return true;  // "{}": rejected as an empty row anyway
    if (p == json_end || *p != '}') return false;
    for (++p; p != json_end; ++p) {
      if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
    }
    return true;
  }

 private:
  Rejection encode_symbol(std::string_view escaped_name, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    std::string_view text;
    switch (type) {
      case ondemand::json_type::string:
        if (auto error = value.get_string().get(text)) return reason_for(error);
        // InfluxDB-style parsers refuse an empty tag value: treat "" like null.
        if (text.empty()) return std::nullopt;
        begin_symbol(escaped_name);
        append_symbol_value(head_, text);
        return std::nullopt;
      case ondemand::json_type::number: {
        // The symbol is the number as written; validate it first.
        text = raw_token(value);
        ondemand::number number;
        if (auto error = value.get_number().get(number)) return number_failure(value, error);
        begin_symbol(escaped_name);
        head_.append(text);  // a JSON number holds no character ILP must escape
        return std::nullopt;
      }
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return reason_for(error);
        begin_symbol(escaped_name);
        head_.append(flag ? "true" : "false");
        return std::nullopt;
      }
      case ondemand::json_type::null:
        return check_null(value);
      default:
        return RejectReason::kUnsupportedValue;
    }
  }

  void begin_symbol(std::string_view escaped_name) {
    head_.put(',');
    head_.append(escaped_name);
    head_.put('=');
    has_symbol_ = true;
  }

  Rejection encode_column(std::string_view name, ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    switch (type) {
      case ondemand::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) return reason_for(error);
        if (!begin_column(name)) return RejectReason::kInvalidName;
        append_string_value(columns_, text);
        return std::nullopt;
      }
      case ondemand::json_type::number:
        return encode_number_column(name, value);
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return reason_for(error);
        if (!begin_column(name)) return RejectReason::kInvalidName;
        append_bool(columns_, flag);
        return std::nullopt;
      }
      case ondemand::json_type::null:
        return check_null(value);
      default:
        return RejectReason::kUnsupportedValue;
    }
  }

  Rejection encode_number_column(std::string_view name, ondemand::value& value) {
    ondemand::number_type type;
    if (auto error = value.get_number_type().get(type)) return number_failure(value, error);
    switch (type) {
      case ondemand::number_type::signed_integer: {
        std::int64_t integer = 0;
        if (auto error = value.get_int64().get(integer)) return number_failure(value, error);
        if (!begin_column(name)) return RejectReason::kInvalidName;
        append_long(columns_, integer);
        return std::nullopt;
      }
      case ondemand::number_type::floating_point_number: {
        const std::string_view text = raw_token(value);
        double number = 0;
        if (auto error = value.get_double().get(number)) return number_failure(value, error);
        if (!begin_column(name)) return RejectReason::kInvalidName;
        if (plan_.config().protocol_version >= 2) {
          append_double_binary(columns_, number);
        } else {
          // A finite JSON number is already a valid ILP double and reads back to the
          // same value; copying it costs far less than formatting `number` again.
          columns_.append(text);
        }
        return std::nullopt;
      }
      default: {
        // An integer of 2^63 or more: ILP longs are signed 64-bit.
        std::uint64_t integer = 0;
        if (auto error = value.get_uint64().get(integer)) return number_failure(value, error);
        return RejectReason::kNumberOutOfRange;
      }
    }
  }

  bool begin_column(std::string_view name) {
    columns_.put(',');
    if (!append_column_name(columns_, name)) return false;
    columns_.put('=');
    return true;
  }

  Rejection read_timestamp(ondemand::value& value) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return check_null(value);  // absent, as if missing
    if (type != ondemand::json_type::number) return RejectReason::kBadTimestamp;
    ondemand::number_type number_type;
    if (auto error = value.get_number_type().get(number_type)) return number_failure(value, error);
    if (number_type == ondemand::number_type::signed_integer) {
      std::int64_t integer = 0;
      if (auto error = value.get_int64().get(integer)) return number_failure(value, error);
      timestamp_ns_ = integer_timestamp_to_nanos(integer, plan_.config().timestamp_unit);
    } else {
      const std::string_view text = raw_token(value);
      double number = 0;
      if (auto error = value.get_double().get(number)) return number_failure(value, error);
      timestamp_ns_ = decimal_timestamp_to_nanos(text, plan_.config().timestamp_unit);
    }
    if (!timestamp_ns_) return RejectReason::kBadTimestamp;
    return std::nullopt;
  }

  static Rejection check_null(ondemand::value& value) {
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return reason_for(error);
    if (!is_null) return RejectReason::kMalformedJson;  // e.g. "nul"
    return std::nullopt;
  }

  const MappingPlan& plan_;
  IlpByteWriter head_;
  IlpByteWriter columns_;
  char* columns_begin_;
  const char* value_end_ = nullptr;
  bool has_symbol_ = false;
  std::optional<std::int64_t> timestamp_ns_;
};

}  // namespace

struct JsonToIlpEncoder::State {
  explicit State(std::size_t max_message_bytes)
      : padded_json(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]()),
        column_scratch_bytes(kColumnBytesPerJsonByte * max_message_bytes + kColumnScratchSlack),
        column_scratch(new char[column_scratch_bytes]),
        field_names(max_message_bytes) {
    // Sizes simdjson's internal buffers now so iterate() never allocates.
    if (parser.allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  ondemand::parser parser;
  std::unique_ptr<char[]> padded_json;
  std::size_t column_scratch_bytes;
  std::unique_ptr<char[]> column_scratch;
  FieldNameSet field_names;
  // Only for messages that are not objects: on-demand reads just the first byte of a
  // scalar ("nope" looks like null), so a full DOM pass tells malformed JSON from a
  // valid non-object. Sized on first use; rejections are the rare path.
  simdjson::dom::parser validator;
};

JsonToIlpEncoder::JsonToIlpEncoder(std::size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes), state_(std::make_unique<State>(max_message_bytes)) {}

JsonToIlpEncoder::~JsonToIlpEncoder() = default;
JsonToIlpEncoder::JsonToIlpEncoder(JsonToIlpEncoder&&) noexcept = default;
JsonToIlpEncoder& JsonToIlpEncoder::operator=(JsonToIlpEncoder&&) noexcept = default;

EncodeResult JsonToIlpEncoder::encode(const MappingPlan& plan, std::string_view json,
                                      const MessageMeta& /*meta: for key columns, later*/,
                                      OutputCursor& out) {
  if (json.size() > max_message_bytes_) return rejected(RejectReason::kTooLarge);
  // No value at all is malformed JSON, not a value of the wrong type.
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return rejected(RejectReason::kMalformedJson);
  }
  State& state = *state_;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; zero them so a previous,
  // longer message can never be seen there.
  std::memcpy(state.padded_json.get(), json.data(), json.size());
  std::memset(state.padded_json.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  ondemand::document document;
  if (auto error = state.parser
                       .iterate(state.padded_json.get(), json.size(),
                                json.size() + simdjson::SIMDJSON_PADDING)
                       .get(document)) {
    return rejected(reason_for(error));
  }
  ondemand::json_type type;
  if (auto error = document.type().get(type)) return rejected(reason_for(error));
  if (type != ondemand::json_type::object) {
    simdjson::dom::element ignored;
    const bool valid = !state.validator.parse(state.padded_json.get(), json.size(), false)
                            .get(ignored);
    return rejected(valid ? RejectReason::kNotAnObject : RejectReason::kMalformedJson);
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) return rejected(reason_for(error));

  IlpByteWriter head(out.data + out.size, out.data + out.capacity);
  head.append(plan.escaped_table());
  IlpByteWriter columns(state.column_scratch.get(),
                        state.column_scratch.get() + state.column_scratch_bytes);
  MessageEncoder encoder(plan, head, columns);
  state.field_names.clear(json.size());
  if (Rejection rejection = encoder.encode_object(object, state.field_names)) {
    return rejected(*rejection);
  }
  if (!encoder.ends_cleanly(state.padded_json.get() + json.size())) {
    return rejected(RejectReason::kMalformedJson);
  }
  if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
  if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(encoder.head().pos - out.data);
  return {};
}

}  // namespace kilp::parse
