#pragma once
// Turning simdjson on-demand errors into dead-letter reasons, shared by the parts of
// the encoder (parse/message_encoder*.cpp, parse/json_to_ilp.cpp).
#include <simdjson.h>

#include <optional>
#include <string_view>

#include "parse/json_number_syntax.hpp"
#include "parse/reject_reason.hpp"

namespace kilp::parse::detail {

namespace ondemand = simdjson::ondemand;
using Rejection = std::optional<RejectReason>;

inline RejectReason reason_for(simdjson::error_code error) {
  if (error == simdjson::UTF8_ERROR) return RejectReason::kInvalidUtf8;
  if (error == simdjson::DEPTH_ERROR) return RejectReason::kTooDeep;
  return RejectReason::kMalformedJson;
}

inline std::string_view trim_trailing_space(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

inline std::string_view raw_token(ondemand::value& value) {
  return trim_trailing_space(value.raw_json_token());
}

// A number simdjson could not return is either too large for its type or not a
// number at all; the dead-letter reason should say which.
inline RejectReason number_failure(ondemand::value& value, simdjson::error_code error) {
  if (error != simdjson::NUMBER_ERROR && error != simdjson::NUMBER_OUT_OF_RANGE &&
      error != simdjson::INCORRECT_TYPE) {
    return reason_for(error);
  }
  return is_json_number(raw_token(value)) ? RejectReason::kNumberOutOfRange
                                          : RejectReason::kMalformedJson;
}

inline Rejection check_null(ondemand::value& value) {
  bool is_null = false;
  if (auto error = value.is_null().get(is_null)) return reason_for(error);
  if (!is_null) return RejectReason::kMalformedJson;  // e.g. "nul"
  return std::nullopt;
}

}  // namespace kilp::parse::detail
