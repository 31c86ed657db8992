#pragma once
// Standard base64 (RFC 4648 section 4, '=' padding as JsonConverter writes bytes) into
// a caller's fixed buffer: for values read on the hot path, without a std::string.
#include <cstddef>
#include <string_view>

namespace kilp::parse {

inline constexpr long kNotBase64Text = -1;
inline constexpr long kBase64TooLong = -2;

// Decodes `text` into `out` (room for `capacity` bytes); returns the byte count,
// kNotBase64Text when `text` is not padded standard base64, or kBase64TooLong when it
// would decode to more than `capacity` bytes.
long decode_base64_into(std::string_view text, unsigned char* out, std::size_t capacity);

}  // namespace kilp::parse
