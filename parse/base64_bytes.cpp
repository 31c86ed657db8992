#include "parse/base64_bytes.hpp"

#include <array>
#include <cstdint>

namespace kilp::parse {

namespace {

constexpr std::uint8_t kNotBase64 = 0xFF;

constexpr std::array<std::uint8_t, 256> make_sextets() {
  std::array<std::uint8_t, 256> sextets{};
  for (auto& sextet : sextets) sextet = kNotBase64;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    sextets[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return sextets;
}
constexpr std::array<std::uint8_t, 256> kSextets = make_sextets();

}  // namespace

long decode_base64_into(std::string_view text, unsigned char* out, std::size_t capacity) {
  if (text.size() % 4 != 0) return kNotBase64Text;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::size_t bytes = text.size() / 4 * 3 - padding;
  if (bytes > capacity) return kBase64TooLong;
  std::size_t written = 0;
  for (std::size_t quad = 0; quad < text.size(); quad += 4) {
    std::uint32_t group = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const bool pad = quad + i >= text.size() - padding;
      const std::uint8_t sextet = pad ? 0 : kSextets[static_cast<unsigned char>(text[quad + i])];
      if (sextet == kNotBase64) return kNotBase64Text;
      group = group << 6 | sextet;
    }
    for (int shift = 16; shift >= 0 && written < bytes; shift -= 8) {
      out[written++] = static_cast<unsigned char>(group >> shift);
    }
  }
  return static_cast<long>(bytes);
}

}  // namespace kilp::parse
