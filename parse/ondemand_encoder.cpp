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

// Fills in a per-message table name (${key}, ${partition}) and writes it escaped.
Rejection append_table_from_template(const MappingPlan& plan, const MessageMeta& meta,
                                     IlpByteWriter& head) {
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
    }
  }
  if (writer.overflowed) return RejectReason::kInvalidName;
  if (!append_table_name(head,
                         std::string_view(name, static_cast<std::size_t>(writer.pos - name)))) {
    return RejectReason::kInvalidName;
  }
  return std::nullopt;
}

// simdjson's parser and the encoder's scratch buffers, all allocated up front.
struct EncoderState {
  explicit EncoderState(std::size_t max_message_bytes)
      : max_message_bytes(max_message_bytes),
        padded_json(new char[max_message_bytes + simdjson::SIMDJSON_PADDING]()),
        column_scratch_bytes(kColumnBytesPerJsonByte * max_message_bytes + kColumnScratchSlack),
        column_scratch(new char[column_scratch_bytes]),
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
  FieldNameSet field_names;  // duplicate check for names the field cache has no room for
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

 private:
  EncoderState state_;
};

}  // namespace

EncodeResult OndemandEncoder::encode(const MappingPlan& plan, std::string_view json,
                                     const MessageMeta& meta, OutputCursor& out) {
  EncoderState& state = state_;
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

  IlpByteWriter head(out.data + out.size, out.data + out.capacity);
  if (plan.table_parts().empty()) {
    head.append(plan.escaped_table());
  } else if (Rejection rejection = append_table_from_template(plan, meta, head)) {
    return rejected(*rejection);
  }
  IlpByteWriter columns(state.column_scratch.get(),
                        state.column_scratch.get() + state.column_scratch_bytes);
  FieldCache& cache = state.field_cache(plan);
  cache.begin_message();
  MessageEncoder encoder(plan, meta, head, columns, cache, state.field_names, json.size(),
                         state.path);
  if (Rejection rejection = encoder.encode_key()) return rejected(*rejection);
  if (Rejection rejection = encoder.encode_object(object, 0, 0, false)) {
    return rejected(*rejection);
  }
  // Anything but whitespace after the object (e.g. a second object) is malformed:
  // once the object is read, simdjson has no location left unless more JSON follows.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return rejected(RejectReason::kMalformedJson);
  }
  if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
  if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge};
  out.size = static_cast<std::size_t>(encoder.head().pos - out.data);
  return {};
}

std::unique_ptr<KernelEncoder> make_encoder(std::size_t max_message_bytes) {
  return std::make_unique<OndemandEncoder>(max_message_bytes);
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
