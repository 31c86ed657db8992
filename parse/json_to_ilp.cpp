#include "parse/json_to_ilp.hpp"

#include <simdjson.h>

#include <cstring>
#include <utility>

#include "parse/field_name_set.hpp"
#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse {

namespace ondemand = simdjson::ondemand;
using detail::kColumnBytesPerJsonByte;
using detail::kColumnScratchSlack;
using detail::kFieldNameSlack;
using detail::kMaxPathBytes;
using detail::encode_exploded_rows;
using detail::ExplodeScratch;
using detail::MessageEncoder;
using detail::reason_for;
using detail::Rejection;

namespace {

EncodeResult rejected(RejectReason reason) {
  return {EncodeOutcome::kRejected, reason};
}

// Fills in a per-message table name (${key}, ${partition}, ${field}) and writes it
// escaped; `fields` holds the ${field} values (nullptr when the template has none).
Rejection append_table_from_template(const MappingPlan& plan, const MessageMeta& meta,
                                     const std::string_view* fields, IlpByteWriter& head) {
  char name[kMaxIlpNameBytes + 1];
  IlpByteWriter writer(name, name + sizeof name);
  for (const MappingPlan::TablePart& part : plan.table_parts()) {
    switch (part.kind) {
      case MappingPlan::TablePart::Kind::kLiteral:
        writer.append(part.literal);
        break;
      case MappingPlan::TablePart::Kind::kKey:
        if (meta.key.empty()) return RejectReason::kInvalidName;
        if (!simdjson::validate_utf8(meta.key.data(), meta.key.size())) {
          return RejectReason::kInvalidUtf8;
        }
        writer.append(meta.key);
        break;
      case MappingPlan::TablePart::Kind::kPartition:
        append_decimal(writer, meta.partition);
        break;
      case MappingPlan::TablePart::Kind::kField:
        if (fields[part.slot].empty()) return RejectReason::kMissingField;
        writer.append(fields[part.slot]);
        break;
    }
  }
  if (writer.overflowed) return RejectReason::kInvalidName;
  if (!append_table_name(head, std::string_view(name, static_cast<std::size_t>(writer.pos - name)))) {
    return RejectReason::kInvalidName;
  }
  return std::nullopt;
}

// A table named by the message's fields: the name now, then the row the encoder
// wrote to `row` (its symbols, columns and timestamp).
EncodeResult append_row_after_table(const MappingPlan& plan, const MessageMeta& meta,
                                    const MessageEncoder& encoder, const char* row,
                                    OutputCursor& out) {
  if (encoder.head().overflowed) return rejected(RejectReason::kTooLarge);  // row_scratch
  IlpByteWriter line(out.data + out.size, out.data + out.capacity);
  if (Rejection rejection = append_table_from_template(plan, meta, encoder.table_values(), line)) {
    return rejected(*rejection);
  }
  line.append(std::string_view(row, static_cast<std::size_t>(encoder.head().pos - row)));
  if (line.overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(line.pos - out.data);
  return {};
}

// --explode: puts the table and the message's symbols at the end of `out` (from
// row_scratch when the table is named by fields), then writes one row per element.
EncodeResult append_exploded_rows(const MappingPlan& plan, const MessageMeta& meta,
                                  MessageEncoder& encoder, const char* row_scratch,
                                  const ExplodeScratch& scratch, OutputCursor& out) {
  std::size_t prefix_bytes = static_cast<std::size_t>(encoder.head().pos - (out.data + out.size));
  if (plan.table_field_count() > 0) {
    IlpByteWriter prefix(out.data + out.size, out.data + out.capacity);
    if (Rejection rejection =
            append_table_from_template(plan, meta, encoder.table_values(), prefix)) {
      return rejected(*rejection);
    }
    prefix.append(std::string_view(
        row_scratch, static_cast<std::size_t>(encoder.head().pos - row_scratch)));
    prefix_bytes = static_cast<std::size_t>(prefix.pos - (out.data + out.size));
    if (prefix.overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  } else if (encoder.head().overflowed) {
    return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  }
  return encode_exploded_rows(encoder, prefix_bytes, scratch, out);
}

// A JSON key that is a scalar document ("k1", 42, true, null): its text. Root
// scalars are read from the document itself (simdjson has no value for them).
Rejection encode_scalar_key(ondemand::document& document, ondemand::json_type type,
                            MessageEncoder& encoder) {
  switch (type) {
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = document.get_string().get(text)) return reason_for(error);
      return encoder.encode_key_text(text);
    }
    case ondemand::json_type::number: {
      ondemand::number number;
      if (auto error = document.get_number().get(number)) return reason_for(error);
      return encoder.encode_key_text(detail::trim_trailing_space(document.raw_json_token()));
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      if (auto error = document.get_bool().get(flag)) return reason_for(error);
      return encoder.encode_key_text(flag ? "true" : "false");
    }
    default: {
      bool is_null = false;
      if (auto error = document.is_null().get(is_null)) return reason_for(error);
      return is_null ? Rejection() : Rejection(RejectReason::kMalformedJson);
    }
  }
}

// Kafka Connect's JsonConverter envelope ({"schema":...,"payload":...}, with
// schemas.enable=true): calls `use` on the payload; the schema and any other member
// are skipped unread. No payload (absent or null) is missing_field.
template <typename UsePayload>
Rejection with_envelope_payload(ondemand::object& envelope, UsePayload&& use) {
  bool found = false;
  for (auto member : envelope) {
    ondemand::field field;
    if (auto error = std::move(member).get(field)) return reason_for(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return reason_for(error);
    if (key != "payload") continue;
    if (found) return RejectReason::kDuplicateField;
    found = true;
    ondemand::value value = field.value();
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return reason_for(error);
    if (is_null) return RejectReason::kMissingField;
    if (Rejection rejection = use(value)) return rejection;
  }
  return found ? Rejection() : Rejection(RejectReason::kMissingField);
}

// --value-format envelope: the row is the payload object.
Rejection encode_envelope_payload(ondemand::object& envelope, MessageEncoder& encoder) {
  return with_envelope_payload(envelope, [&](ondemand::value& value) -> Rejection {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return reason_for(error);
    if (type == ondemand::json_type::null) return detail::check_null(value);  // "nul"
    if (type != ondemand::json_type::object) return RejectReason::kNotAnObject;
    ondemand::object payload;
    if (auto error = value.get_object().get(payload)) return reason_for(error);
    return encoder.encode_object(payload, 0, 0, false);
  });
}

// --key-format envelope: the key is the payload (an object or a scalar).
Rejection encode_key_envelope(ondemand::document& document, MessageEncoder& encoder) {
  ondemand::object envelope;
  if (auto error = document.get_object().get(envelope)) return reason_for(error);
  return with_envelope_payload(
      envelope, [&](ondemand::value& value) { return encoder.encode_key_value(value); });
}

}  // namespace

struct JsonToIlpEncoder::State {
  explicit State(std::size_t max_message_bytes)
      : max_message_bytes(max_message_bytes),
        padded_json(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]()),
        column_scratch_bytes(kColumnBytesPerJsonByte * max_message_bytes + kColumnScratchSlack),
        column_scratch(new char[column_scratch_bytes]),
        row_scratch(new char[column_scratch_bytes]),
        field_names(max_message_bytes + kFieldNameSlack) {
    // Sizes simdjson's internal buffers now so iterate() never allocates.
    if (parser.allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  std::size_t max_message_bytes;
  ondemand::parser parser;
  std::unique_ptr<char[]> padded_json;
  std::size_t column_scratch_bytes;
  std::unique_ptr<char[]> column_scratch;
  // The symbols and columns of a row whose table name depends on its fields: the
  // name is known only once the message is read.
  std::unique_ptr<char[]> row_scratch;
  FieldNameSet field_names;
  char path[kMaxPathBytes];  // value prefix + nested key path of the current field
  // Composed timestamp parts and ${field} values of the current message.
  std::string_view captured_texts[MessageEncoder::kCapturedTexts];
  // --explode only, allocated on first use: each row's end, and composed timestamp
  // parts kept while the elements are read.
  std::unique_ptr<std::uint32_t[]> row_ends;
  std::size_t max_rows = 0;
  char timestamp_parts[detail::kMaxComposedTimestampBytes];

  // --key-format json|envelope, allocated on first use: the key has its own parser,
  // as the value's document is read at the same time.
  std::unique_ptr<ondemand::parser> key_parser;
  std::unique_ptr<char[]> padded_key;

  Rejection encode_json_key(KeyFormat format, std::string_view key, MessageEncoder& encoder) {
    if (key.empty()) return std::nullopt;  // no key
    if (key.size() > max_message_bytes) return RejectReason::kTooLarge;
    if (key_parser == nullptr) {
      key_parser = std::make_unique<ondemand::parser>();
      if (key_parser->allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
      padded_key.reset(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]);
    }
    std::memcpy(padded_key.get(), key.data(), key.size());
    std::memset(padded_key.get() + key.size(), 0, simdjson::SIMDJSON_PADDING);
    ondemand::document document;
    if (auto error = key_parser->iterate(padded_key.get(), key.size(),
                                         key.size() + simdjson::SIMDJSON_PADDING)
                         .get(document)) {
      return reason_for(error);
    }
    // A scalar document is read as a value of its own; the trailing-bytes check
    // below then refuses "1 2" and the like.
    ondemand::value value;
    Rejection rejection;
    ondemand::json_type type;
    if (auto error = document.type().get(type)) return reason_for(error);
    if (format == KeyFormat::kEnvelope) {
      if (type != ondemand::json_type::object) return RejectReason::kNotAnObject;
      rejection = encode_key_envelope(document, encoder);
    } else if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
      if (auto error = document.get_value().get(value)) return reason_for(error);
      rejection = encoder.encode_key_value(value);
    } else {
      rejection = encode_scalar_key(document, type, encoder);
    }
    if (rejection) return rejection;
    const char* trailing = nullptr;
    if (document.current_location().get(trailing) == simdjson::SUCCESS) {
      return RejectReason::kMalformedJson;
    }
    return std::nullopt;
  }

  ExplodeScratch explode_scratch(std::size_t json_bytes) {
    if (row_ends == nullptr) {
      max_rows = max_message_bytes / 3 + 1;  // each element is at least "{}," long
      row_ends.reset(new std::uint32_t[max_rows]);
    }
    return {parser, padded_json.get() + json_bytes + simdjson::SIMDJSON_PADDING, timestamp_parts,
            row_ends.get(), max_rows};
  }
  // Only for messages that are not objects: on-demand reads just the first byte of a
  // scalar ("nope" looks like null), so a full DOM pass tells malformed JSON from a
  // valid non-object. Sized on first use; rejections are the rare path.
  simdjson::dom::parser validator;
};

JsonToIlpEncoder::JsonToIlpEncoder(std::size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes), state_(std::make_unique<State>(max_message_bytes)) {}

JsonToIlpEncoder::~JsonToIlpEncoder() = default;

std::span<const std::uint32_t> JsonToIlpEncoder::row_ends(const EncodeResult& result) const {
  return {state_->row_ends.get(), result.rows > 1 ? result.rows : 0};
}
JsonToIlpEncoder::JsonToIlpEncoder(JsonToIlpEncoder&&) noexcept = default;
JsonToIlpEncoder& JsonToIlpEncoder::operator=(JsonToIlpEncoder&&) noexcept = default;

EncodeResult JsonToIlpEncoder::encode(const MappingPlan& plan, std::string_view json,
                                      const MessageMeta& meta, OutputCursor& out) {
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
    const auto error =
        state.validator.parse(state.padded_json.get(), json.size(), false).get(ignored);
    return rejected(error ? reason_for(error) : RejectReason::kNotAnObject);
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) return rejected(reason_for(error));

  const bool table_from_fields = plan.table_field_count() > 0;
  IlpByteWriter head(out.data + out.size, out.data + out.capacity);
  if (table_from_fields) {
    head = IlpByteWriter(state.row_scratch.get(),
                         state.row_scratch.get() + state.column_scratch_bytes);
  } else if (plan.table_parts().empty()) {
    head.append(plan.escaped_table());
  } else if (Rejection rejection = append_table_from_template(plan, meta, nullptr, head)) {
    return rejected(*rejection);
  }
  IlpByteWriter columns(state.column_scratch.get(),
                        state.column_scratch.get() + state.column_scratch_bytes);
  state.field_names.clear(json.size());
  MessageEncoder encoder(plan, meta, head, columns, state.field_names, state.path,
                         state.captured_texts);
  if (Rejection rejection = plan.config().key_format == KeyFormat::kString
                                ? encoder.encode_key()
                                : state.encode_json_key(plan.config().key_format, meta.key, encoder)) {
    return rejected(*rejection);
  }
  if (plan.has_kafka_columns()) {
    if (Rejection rejection = encoder.encode_kafka_columns()) return rejected(*rejection);
  }
  if (Rejection rejection = plan.config().value_format == ValueFormat::kEnvelope
                                ? encode_envelope_payload(object, encoder)
                                : encoder.encode_object(object, 0, 0, false)) {
    return rejected(*rejection);
  }
  // Anything but whitespace after the object (e.g. a second object) is malformed:
  // once the object is read, simdjson has no location left unless more JSON follows.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return rejected(RejectReason::kMalformedJson);
  }
  if (plan.explodes()) {
    return append_exploded_rows(plan, meta, encoder, state.row_scratch.get(),
                                state.explode_scratch(json.size()), out);
  }
  if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
  if (table_from_fields) {
    return append_row_after_table(plan, meta, encoder, state.row_scratch.get(), out);
  }
  if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(encoder.head().pos - out.data);
  return {};
}

}  // namespace kilp::parse
