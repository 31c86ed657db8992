// The encoder's entry point for one simdjson kernel: padding, the document, the table,
// the object, trailing bytes. Built once per kernel (see parse/encoder_kernel.hpp).
#include <simdjson.h>

#include <cstring>
#include <vector>

#include "parse/encoder_kernel.hpp"
#include "parse/field_cache.hpp"
#include "parse/field_name_set.hpp"
#include "parse/ilp_names.hpp"
#include "parse/ilp_values.hpp"
#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

namespace {

EncodeResult rejected(RejectReason reason) {
  return {EncodeOutcome::kRejected, reason};
}

// Fills in a per-message table name (${key}, ${partition}, ${topic}, ${field}) and writes it
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
      case MappingPlan::TablePart::Kind::kTopic:
        writer.append(meta.topic);
        break;
      case MappingPlan::TablePart::Kind::kField:
        if (fields[part.slot].empty()) return RejectReason::kMissingField;
        writer.append(fields[part.slot]);
        break;
    }
  }
  if (writer.overflowed) return RejectReason::kInvalidName;
  if (!append_table_name(head,
                         std::string_view(name, static_cast<std::size_t>(writer.pos - name)))) {
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

// simdjson's parser and the encoder's scratch buffers, all allocated up front (those
// of --explode and --key-format json on first use).
struct EncoderState {
  explicit EncoderState(std::size_t max_message_bytes)
      : max_message_bytes(max_message_bytes),
        padded_json(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]()),
        column_scratch_bytes(kColumnBytesPerJsonByte * max_message_bytes + kColumnScratchSlack),
        column_scratch(new char[column_scratch_bytes]),
        row_scratch(new char[column_scratch_bytes]),
        field_names(max_message_bytes + kFieldNameSlack) {
    // Sizes simdjson's internal buffers now so iterate() never allocates.
    if (parser.allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
    field_caches.reserve(kCachedPlans);
    for (std::size_t i = 0; i < kCachedPlans; ++i) {
      field_caches.emplace_back(kCachedPathsPerPlan, kCachedBytesPerPlan);
    }
    cache_last_used.assign(kCachedPlans, 0);
  }

  // The field cache of `plan`, taking over the least recently used one for a new plan.
  FieldCache& field_cache(const MappingPlan& plan) {
    ++messages;
    std::size_t oldest = 0;
    for (std::size_t i = 0; i < field_caches.size(); ++i) {
      if (field_caches[i].plan_id() == plan.id()) {
        cache_last_used[i] = messages;
        return field_caches[i];
      }
      if (cache_last_used[i] < cache_last_used[oldest]) oldest = i;
    }
    field_caches[oldest].reset(plan.id());
    cache_last_used[oldest] = messages;
    return field_caches[oldest];
  }

  // Topics a shard usually serves at once, and what one topic's keys take.
  static constexpr std::size_t kCachedPlans = 4;
  static constexpr std::size_t kCachedPathsPerPlan = 1024;
  static constexpr std::size_t kCachedBytesPerPlan = 32 * 1024;

  std::size_t max_message_bytes;
  ondemand::parser parser;
  std::unique_ptr<char[]> padded_json;
  std::size_t column_scratch_bytes;
  std::unique_ptr<char[]> column_scratch;
  // The symbols and columns of a row whose table name depends on its fields: the
  // name is known only once the message is read.
  std::unique_ptr<char[]> row_scratch;
  FieldNameSet field_names;  // duplicate check for names the field cache has no room for
  // Composed timestamp parts, ${field} values and the refused field of the current
  // message.
  std::string_view captured_texts[MessageEncoder::kCapturedTexts];
  static constexpr std::size_t kRefusedField = MessageEncoder::kCapturedTexts - 1;
  std::string_view& refused_field() { return captured_texts[kRefusedField]; }
  std::string_view refused_field() const { return captured_texts[kRefusedField]; }

  // --explode: each row's end, the numbers of the message's names, and composed
  // timestamp parts kept while the elements are read.
  std::unique_ptr<std::uint32_t[]> row_ends;
  std::size_t max_rows = 0;
  std::unique_ptr<std::uint32_t[]> message_names;
  std::size_t max_names = 0;
  char timestamp_parts[kMaxComposedTimestampBytes];

  ExplodeScratch explode_scratch(std::size_t json_bytes) {
    if (row_ends == nullptr) {
      max_rows = max_message_bytes / 3 + 1;  // each element is at least "{}," long
      row_ends.reset(new std::uint32_t[max_rows]);
      max_names = max_message_bytes / 2 + kFieldNameSlack;  // a member is at least "":1
      message_names.reset(new std::uint32_t[max_names]);
    }
    return {parser, padded_json.get() + json_bytes + simdjson::SIMDJSON_PADDING, timestamp_parts,
            row_ends.get(), max_rows};
  }

  // --value-format envelope: the schema read last.
  std::unique_ptr<ConnectSchema> connect_schema;
  ConnectSchema& envelope_schema() {
    if (connect_schema == nullptr) {
      connect_schema = std::make_unique<ConnectSchema>(max_message_bytes);
    }
    return *connect_schema;
  }

  // --key-format json|envelope: the key has its own parser.
  std::unique_ptr<ondemand::parser> key_parser;
  std::unique_ptr<char[]> padded_key;
  std::unique_ptr<char[]> key_names;

  KeyScratch key_scratch() {
    if (key_parser == nullptr) {
      key_parser = std::make_unique<ondemand::parser>();
      if (key_parser->allocate(max_message_bytes + 1) != simdjson::SUCCESS) throw std::bad_alloc();
      padded_key.reset(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]);
      key_names.reset(new char[2 * max_message_bytes]);
    }
    return {*key_parser, padded_key.get(), key_names.get(), max_message_bytes};
  }
  std::vector<FieldCache> field_caches;
  std::vector<std::uint64_t> cache_last_used;  // message count at each cache's last use
  std::uint64_t messages = 0;
  char
      path[kMaxPathBytes + kSameBytesSlack];  // value prefix + nested key path of the current field
  // Only for messages that are not objects: on-demand reads just the first byte of a
  // scalar ("nope" looks like null), so a full DOM pass tells malformed JSON from a
  // valid non-object. Sized on first use; rejections are the rare path.
  simdjson::dom::parser validator;
};

class OndemandEncoder final : public KernelEncoder {
 public:
  explicit OndemandEncoder(std::size_t max_message_bytes) : state_(max_message_bytes) {}

  EncodeResult encode(const MappingPlan& plan, std::string_view json, const MessageMeta& meta,
                      OutputCursor& out) override;

  std::span<const std::uint32_t> row_ends(const EncodeResult& result) const override {
    return {state_.row_ends.get(), result.rows > 1 ? result.rows : 0};
  }

  std::string_view refused_field() const override {
    return state_.refused_field();
  }

 private:
  EncoderState state_;
};

}  // namespace

EncodeResult OndemandEncoder::encode(const MappingPlan& plan, std::string_view json,
                                     const MessageMeta& meta, OutputCursor& out) {
  EncoderState& state = state_;
  state.refused_field() = {};
  if (json.size() > state.max_message_bytes) return rejected(RejectReason::kTooLarge);
  // No value at all is malformed JSON, not a value of the wrong type. (Most messages
  // start with their object: no need to look further.)
  if ((json.empty() || json[0] != '{') &&
      json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return rejected(RejectReason::kMalformedJson);
  }
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
  FieldCache& cache = state.field_cache(plan);
  cache.begin_message();
  MessageEncoder encoder(plan, meta, head, columns, cache, state.field_names, json.size(),
                         state.path, state.captured_texts);
  std::optional<ExplodeScratch> explode;
  if (plan.explodes()) {
    explode.emplace(state.explode_scratch(json.size()));
    encoder.record_names(state.message_names.get(), state.max_names);
  }
  const KeyFormat key_format = plan.config().key_format;
  if (Rejection rejection =
          key_format == KeyFormat::kString
              ? encoder.encode_key()
              : encode_json_key(key_format, meta.key, state.key_scratch(), encoder)) {
    return rejected(*rejection);
  }
  if (plan.has_kafka_columns()) {
    if (Rejection rejection = encoder.encode_kafka_columns()) return rejected(*rejection);
  }
  if (Rejection rejection = plan.config().value_format == ValueFormat::kEnvelope
                                ? encode_envelope_payload(object, encoder, state.envelope_schema())
                                : encoder.encode_object(object, 0, 0, false)) {
    return rejected(*rejection);
  }
  // Anything but whitespace after the object (e.g. a second object) is malformed:
  // once the object is read, simdjson has no location left unless more JSON follows.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return rejected(RejectReason::kMalformedJson);
  }
  if (explode) {
    return append_exploded_rows(plan, meta, encoder, state.row_scratch.get(), *explode, out);
  }
  if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
  if (table_from_fields) {
    return append_row_after_table(plan, meta, encoder, state.row_scratch.get(), out);
  }
  if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(encoder.head().pos - out.data);
  return {};
}

std::unique_ptr<KernelEncoder> make_encoder(std::size_t max_message_bytes) {
  return std::make_unique<OndemandEncoder>(max_message_bytes);
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
