#include "parse/reject_reason.hpp"

#include <array>

namespace kilp::parse {

namespace {
// Indexed by RejectReason; these ids are part of the dead-letter format and metric
// labels, so they never change once released.
constexpr std::array<std::string_view, kRejectReasonCount> kIds = {
    "malformed_json",    "not_an_object",       "invalid_utf8",    "too_large",
    "unsupported_value", "missing_timestamp",   "bad_timestamp",   "invalid_name",
    "type_conflict",     "number_out_of_range", "duplicate_field", "empty_row",
    "too_deep",          "missing_field",
};
}  // namespace

std::string_view reject_reason_id(RejectReason reason) {
  const auto index = static_cast<std::size_t>(reason);
  return index < kIds.size() ? kIds[index] : std::string_view("unknown");
}

}  // namespace kilp::parse
