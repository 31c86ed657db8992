// --explode: an array of objects in the message becomes one row per element, each
// with the message's other fields (kilp's own: the QuestDB Kafka connector's
// StructArrayExplode writes per-field arrays in one row, see
// message_encoder_object_arrays.cpp).
// The message is read first, skipping the array but keeping its raw JSON; then the
// array is read again by the same parser, one element per row.
#include <cstring>
#include <utility>

#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

Rejection MessageEncoder::record_exploded_array(ondemand::value& value) {
  if (exploded_seen_) {
    return config_.duplicates == DuplicatePolicy::kReject ? Rejection(RejectReason::kDuplicateField)
                                                          : Rejection();
  }
  exploded_seen_ = true;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return reason_for(error);
  if (type == ondemand::json_type::null) return check_null(value);  // absent
  if (type != ondemand::json_type::array) return RejectReason::kUnsupportedValue;
  ondemand::array array;
  if (auto error = value.get_array().get(array)) return reason_for(error);
  if (auto error = array.raw_json().get(exploded_array_)) return reason_for(error);
  return std::nullopt;
}

bool MessageEncoder::record_first_use(std::uint32_t number) {
  if (!cache_.first_use(number)) return false;
  // Sized for every name a message can hold (see the encoder's state).
  if (recorded_count_ < recorded_capacity_) recorded_names_[recorded_count_++] = number;
  return true;
}

Rejection MessageEncoder::keep_message_state(char* scratch, std::size_t scratch_bytes) {
  message_state_ = {columns_.pos,   seen_cleared_ ? seen_.size() : 0,
                    recorded_count_, seen_cleared_,
                    has_symbol_,    timestamp_seen_,
                    timestamp_ns_,  timestamp_digits_,
                    timestamp_zeros_};
  if (plan_.timestamp_part_count() < 2) return std::nullopt;
  IlpByteWriter parts(scratch, scratch + scratch_bytes);
  for (std::size_t i = 0; i < plan_.timestamp_part_count(); ++i) {
    if ((timestamp_seen_ & (1u << i)) == 0) continue;
    char* const start = parts.pos;
    parts.append(timestamp_parts_[i]);
    if (parts.overflowed) return RejectReason::kBadTimestamp;  // too long to be a timestamp
    timestamp_parts_[i] = std::string_view(start, static_cast<std::size_t>(parts.pos - start));
  }
  return std::nullopt;
}

void MessageEncoder::begin_element_row(IlpByteWriter head, std::string_view prefix) {
  head_ = head;
  if (!prefix.empty()) head_.append(prefix);  // the first row's is in place
  columns_.pos = message_state_.columns_end;
  // Only the message's names are used: a new stamp for all, then theirs again.
  cache_.begin_message();
  recorded_count_ = message_state_.recorded;
  for (std::size_t i = 0; i < recorded_count_; ++i) cache_.first_use(recorded_names_[i]);
  if (message_state_.seen_cleared) {
    seen_.truncate(message_state_.names);
  } else {
    seen_cleared_ = false;  // cleared again on first use
  }
  has_symbol_ = message_state_.has_symbol;
  timestamp_seen_ = message_state_.timestamp_seen;
  timestamp_ns_ = message_state_.timestamp_ns;
  timestamp_digits_ = message_state_.timestamp_digits;
  timestamp_zeros_ = message_state_.timestamp_zeros;
}

EncodeResult encode_exploded_rows(MessageEncoder& encoder, std::size_t prefix_bytes,
                                  const ExplodeScratch& scratch, OutputCursor& out) {
  auto rejected = [](RejectReason reason) {
    return EncodeResult{EncodeOutcome::kRejected, reason, 0};
  };
  const std::string_view array_json = encoder.exploded_array();
  if (array_json.empty()) return rejected(RejectReason::kMissingField);
  if (Rejection rejection = encoder.keep_message_state(scratch.timestamp_parts,
                                                       kMaxComposedTimestampBytes)) {
    return rejected(*rejection);
  }
  // The array lies inside the padded copy of the message: the bytes after it and the
  // padding are simdjson's padding now.
  ondemand::document document;
  if (auto error = scratch.parser
                       .iterate(array_json.data(), array_json.size(),
                                static_cast<std::size_t>(scratch.padded_end - array_json.data()))
                       .get(document)) {
    return rejected(reason_for(error));
  }
  ondemand::array array;
  if (auto error = document.get_array().get(array)) return rejected(reason_for(error));
  char* const first_row = out.data + out.size;
  char* row_start = first_row;
  std::uint32_t rows = 0;
  for (auto element : array) {
    if (element.error()) return rejected(reason_for(element.error()));
    ondemand::value& value = element.value_unsafe();  // in place: see encode_object
    ondemand::object object;
    if (auto error = value.get_object().get(object)) {
      return rejected(error == simdjson::INCORRECT_TYPE ? RejectReason::kUnsupportedValue
                                                        : reason_for(error));
    }
    if (rows == scratch.max_rows) return rejected(RejectReason::kTooLarge);
    // Every row repeats the first row's prefix (the table and the message's symbols).
    if (rows == 0) {
      encoder.begin_element_row(IlpByteWriter(first_row + prefix_bytes, out.data + out.capacity), {});
    } else {
      encoder.begin_element_row(IlpByteWriter(row_start, out.data + out.capacity),
                                std::string_view(first_row, prefix_bytes));
    }
    if (Rejection rejection =
            encoder.encode_object(object, 0, 0, false, encoder.exploded_schema())) {
      return rejected(*rejection);
    }
    if (Rejection rejection = encoder.finish_row()) return rejected(*rejection);
    if (encoder.head().overflowed) return {EncodeOutcome::kNoSpace, RejectReason::kTooLarge, 0};
    row_start = encoder.head().pos;
    scratch.row_ends[rows++] = static_cast<std::uint32_t>(row_start - out.data);
  }
  if (rows == 0) return rejected(RejectReason::kEmptyRow);  // [] : no row to write
  out.size = static_cast<std::size_t>(row_start - out.data);
  return {EncodeOutcome::kOk, RejectReason::kMalformedJson, rows};
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
