#pragma once
// Turning simdjson on-demand errors into dead-letter reasons, shared by the parts of
// the encoder (parse/message_encoder*.cpp, parse/ondemand_encoder.cpp).
#include <simdjson.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "parse/json_number_syntax.hpp"
#include "parse/reject_reason.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

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

// Bytes equal to zero in `word` get their high bit set; bits above the first zero byte
// may be wrong, which is fine for finding the first one.
constexpr std::uint64_t zero_bytes(std::uint64_t word) {
  return (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL;
}

// The content of the JSON string starting at `begin` (just after its opening quote)
// when it holds no escape: then it is also the unescaped string. Reads 8 bytes at a
// time: the message sits in a buffer padded with zeros, and a NUL ends the search
// (stage 1 refuses one inside a string).
inline bool read_plain_string(const char* begin, std::string_view& text) {
  for (const char* p = begin;; p += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    const std::uint64_t stops = zero_bytes(word ^ 0x2222222222222222ULL) |  // '"'
                                zero_bytes(word ^ 0x5C5C5C5C5C5C5C5CULL) |  // '\\'
                                zero_bytes(word);
    if (stops == 0) continue;
    const char* const stop = p + std::countr_zero(stops) / 8;  // little-endian
    if (*stop != '"') return false;
    text = std::string_view(begin, static_cast<std::size_t>(stop - begin));
    return true;
  }
}

// A string value without escapes, read in place; false (nothing consumed) otherwise.
// Left unconsumed, the value is skipped when the object iteration moves on.
inline bool read_plain_string(ondemand::value& value, std::string_view& text) {
  return read_plain_string(value.raw_json_token().data() + 1, text);
}

// A member's key as the JSON writes it, when it holds no escape (the common case): no
// copy into simdjson's string buffer.
inline bool read_plain_key(const ondemand::field& field, std::string_view& key) {
  return read_plain_string(reinterpret_cast<const char*>(field.key().raw()), key);
}

inline Rejection check_null(ondemand::value& value) {
  bool is_null = false;
  if (auto error = value.is_null().get(is_null)) return reason_for(error);
  if (!is_null) return RejectReason::kMalformedJson;  // e.g. "nul"
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
