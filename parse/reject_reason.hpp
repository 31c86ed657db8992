#pragma once
// Why a message could not become an ILP row. The set is fixed and documented
// (README "Dead letters"); each reason has a stable snake_case id used in the
// dead-letter output and in metrics labels.
#include <cstdint>
#include <string_view>

namespace kilp::parse {

enum class RejectReason : std::uint8_t {
  kMalformedJson,     // not parseable JSON (truncated, trailing garbage, ...)
  kNotAnObject,       // top-level value is not a JSON object
  kInvalidUtf8,       // payload is not valid UTF-8
  kTooLarge,          // payload over --max-message-bytes, or row over one output buffer
  kUnsupportedValue,  // nested object/array where the mapping cannot place it
  kMissingTimestamp,  // the configured timestamp field is absent
  kBadTimestamp,      // timestamp of the wrong type, null, negative, or out of range
  kInvalidName,       // a table or column name ILP cannot carry
  kTypeConflict,      // value type contradicts a type hint (e.g. string in --doubles)
  kNumberOutOfRange,  // number that fits no ILP type
  kDuplicateField,    // the same column twice in one object
  kEmptyRow,          // nothing to write: no symbols and no columns
  kTooDeep,           // objects nested deeper than the mapping's max depth
  kMissingField,      // lacks a field the mapping needs: a ${field} of the table, the
                      // --explode array, an envelope's payload
  kCount              // number of reasons; keep last
};

constexpr std::size_t kRejectReasonCount = static_cast<std::size_t>(RejectReason::kCount);

// Stable id, e.g. "malformed_json".
std::string_view reject_reason_id(RejectReason reason);

}  // namespace kilp::parse
