#include "parse/decimal_text.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

namespace kilp::parse {
namespace {

// "scale:hex of the unscaled bytes", or the error: short to compare, and the bytes
// were worked out apart from kilp (Python's int.to_bytes(n, 'big', signed=True)).
std::string read(std::string_view text, DecimalSyntax syntax = DecimalSyntax::kJsonNumber,
                 DecimalTarget target = {}) {
  DecimalValue value;
  switch (parse_decimal(text, syntax, target, value)) {
    case DecimalError::kNotANumber:
      return "not_a_number";
    case DecimalError::kOutOfRange:
      return "out_of_range";
    case DecimalError::kNone:
      break;
  }
  unsigned char bytes[kMaxDecimalBytes];
  const std::size_t length = decimal_unscaled_bytes(value, bytes);
  std::string out = std::to_string(value.scale) + ":";
  for (std::size_t i = 0; i < length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

// Each text read as a JSON number: {text, "scale:hex"}.
void expect_reads(std::initializer_list<std::pair<const char*, const char*>> cases) {
  for (const auto& [text, expected] : cases) EXPECT_EQ(read(text), expected) << text;
}

std::string read_text(std::string_view text) {
  return read(text, DecimalSyntax::kText);
}

std::string read_at(std::string_view text, int precision, int scale) {
  return read(text, DecimalSyntax::kJsonNumber, DecimalTarget{precision, scale});
}

TEST(DecimalText, ReadsTheInteropVectorsValues) {
  expect_reads({
      {"0.0", "1:00"},
      {"-0.0", "1:00"},
      {"1.0", "1:0a"},
      {"99999999999999.999", "3:016345785d89ffff"},
      {"0.001", "3:01"},
      {"-0.001", "3:ff"},
  });
}

TEST(DecimalText, WritesTheFewestTwosComplementBytes) {
  expect_reads({
      {"0", "0:00"},
      {"-0", "0:00"},
      {"1", "0:01"},
      {"-1", "0:ff"},
      {"127", "0:7f"},
      {"128", "0:0080"},
      {"-128", "0:80"},
      {"-129", "0:ff7f"},
      {"255", "0:00ff"},
      {"12.340000", "6:00bc4b20"},
      {"-123456789012345678901.234567890123", "12:f9e9c199a41483595d1e59bdbb35"},
  });
}

// Around 64 bits, where one limb stops being enough.
TEST(DecimalText, CrossesSixtyFourBitsExactly) {
  expect_reads({
      {"9223372036854775807", "0:7fffffffffffffff"},
      {"-9223372036854775808", "0:8000000000000000"},
      {"9223372036854775808", "0:008000000000000000"},
      {"9999999999999999999", "0:008ac7230489e7ffff"},
      {"-999999999.9999999999", "10:ff7538dcfb76180001"},
      {"1e18", "0:0de0b6b3a7640000"},
  });
  EXPECT_EQ(read_at("1", 19, 18), "18:0de0b6b3a7640000");
}

TEST(DecimalText, HoldsSeventySixDigitsAndNoMore) {
  const std::string nines(76, '9');
  EXPECT_EQ(read(nines), "0:161bcca7119915b50764b4abe86529797775a5f171950fffffffffffffffffff");
  EXPECT_EQ(read("-" + nines),
            "0:e9e43358ee66ea4af89b4b54179ad686888a5a0e8e6af0000000000000000001");
  EXPECT_EQ(read("0." + nines),
            "76:161bcca7119915b50764b4abe86529797775a5f171950fffffffffffffffffff");
  EXPECT_EQ(read("1" + std::string(76, '0')), "out_of_range");  // 77 digits
  EXPECT_EQ(read(std::string(77, '9')), "out_of_range");
  EXPECT_EQ(read("9." + std::string(76, '9')), "out_of_range");        // 77 digits, scale 76
  EXPECT_EQ(read("0." + std::string(76, '0') + "1"), "out_of_range");  // scale 77
  // Leading zeros are not digits of the value.
  EXPECT_NE(read("0.000" + nines.substr(0, 73)), "out_of_range");
}

TEST(DecimalText, AppliesTheExponentExactly) {
  EXPECT_EQ(read("1.5e3"), "0:05dc");  // 1500
  EXPECT_EQ(read("2E-4"), "4:02");
  EXPECT_EQ(read("2E+4"), "0:4e20");
  EXPECT_EQ(read("1.25e1"), "1:7d");    // 12.5
  EXPECT_EQ(read("-1.25E-2"), "4:83");  // -0.0125
  EXPECT_EQ(read("0e999999999999"), "0:00");
  EXPECT_EQ(read("1e76"), "out_of_range");
  EXPECT_EQ(read("1e75"), read("1" + std::string(75, '0')));
  EXPECT_EQ(read("1e-76"), "76:01");
  EXPECT_EQ(read("1e-77"), "out_of_range");
  EXPECT_EQ(read("1e99999999999999999999"), "out_of_range");
  EXPECT_EQ(read("1e-99999999999999999999"), "out_of_range");
}

TEST(DecimalText, FollowsJsonNumberGrammarForNumbers) {
  for (const char* text : {"", "-", "+1", ".5", "5.", "01", "-01", "00.5", "1e", "1e+", "1.e3",
                           "0x10", "1 ", " 1", "1..2", "--1", "NaN", "Infinity", "1_000"}) {
    EXPECT_EQ(read(text), "not_a_number") << text;
  }
}

// Text in a JSON string: Java's BigDecimal(String) grammar.
TEST(DecimalText, ReadsStringsAsJavaBigDecimalDoes) {
  EXPECT_EQ(read_text("+1"), "0:01");
  EXPECT_EQ(read_text(".5"), "1:05");
  EXPECT_EQ(read_text("5."), "0:05");
  EXPECT_EQ(read_text("-.5"), "1:fb");
  EXPECT_EQ(read_text("007.50"), "2:02ee");
  EXPECT_EQ(read_text("1E+3"), "0:03e8");
  for (const char* text : {"", "-", "+", ".", "abc", "NaN", "Infinity", "-Infinity", "1e", " 1",
                           "1 ", "++1", "+-1", "1,5", "e3", ".e3", "0x1"}) {
    EXPECT_EQ(read_text(text), "not_a_number") << text;
  }
}

TEST(DecimalText, RescalesToAStatedScaleWithoutRounding) {
  EXPECT_EQ(read_at("1.5", 10, 3), "3:05dc");           // 1.500
  EXPECT_EQ(read_at("12.3400", 10, 2), "2:04d2");       // trailing zeros dropped
  EXPECT_EQ(read_at("12.345", 10, 2), "out_of_range");  // would round
  EXPECT_EQ(read_at("-12.345", 10, 2), "out_of_range");
  EXPECT_EQ(read_at("1.5e3", 10, 2), "2:0249f0");  // 1500.00
  EXPECT_EQ(read_at("2E-4", 10, 6), "6:00c8");     // 0.000200
  EXPECT_EQ(read_at("0.0000", 1, 0), "0:00");
  EXPECT_EQ(read_at("1." + std::string(100, '0'), 3, 2), "2:64");
  // Precision 5, scale 2: at most three integer digits.
  EXPECT_EQ(read_at("999.99", 5, 2), "2:01869f");
  EXPECT_EQ(read_at("-999.99", 5, 2), "2:fe7961");
  EXPECT_EQ(read_at("1000", 5, 2), "out_of_range");
  EXPECT_EQ(read_at("1e3", 5, 2), "out_of_range");
  EXPECT_EQ(read_at("0.001", 5, 2), "out_of_range");
  EXPECT_EQ(read_at("0.010", 5, 2), "2:01");
  EXPECT_EQ(read_at(std::string(76, '9'), 76, 0), read(std::string(76, '9')));
  EXPECT_EQ(read_at("1", 76, 76), "out_of_range");
  const std::string half = read_at("0.5", 76, 76);  // the bytes of 5 * 10^75
  EXPECT_EQ(half.substr(0, 3), "76:");
  std::string five_e75(76, '0');
  five_e75[0] = '5';
  EXPECT_EQ(half.substr(3), read(five_e75).substr(2));
}

std::string from_bytes(std::string_view bytes, int scale, DecimalTarget target = {}) {
  DecimalValue value;
  DecimalError error = decimal_from_unscaled_bytes(bytes, scale, value);
  if (error == DecimalError::kNone) error = rescale_decimal(value, target);
  if (error != DecimalError::kNone) {
    return error == DecimalError::kOutOfRange ? "out_of_range" : "not_a_number";
  }
  unsigned char out[kMaxDecimalBytes];
  const std::size_t length = decimal_unscaled_bytes(value, out);
  return std::to_string(value.scale) + ":" +
         std::string(reinterpret_cast<const char*>(out), length);
}

TEST(DecimalText, ReadsAndRescalesUnscaledBytes) {
  using namespace std::string_literals;
  EXPECT_EQ(from_bytes("\x04\xd2"s, 2), "2:\x04\xd2"s);               // 12.34
  EXPECT_EQ(from_bytes("\xff\xff\xfb\x2e"s, 2), "2:\xfb\x2e"s);       // -12.34, sign bytes dropped
  EXPECT_EQ(from_bytes("\x04\xd2"s, 2, {10, 4}), "4:\x01\xe2\x08"s);  // 12.3400
  EXPECT_EQ(from_bytes("\x04\xd2"s, 2, {10, 1}), "out_of_range");
  EXPECT_EQ(from_bytes("\x04\xce"s, 2, {10, 1}), "1:\x7b"s);      // 12.30 -> 12.3
  EXPECT_EQ(from_bytes("\x04\xd2"s, 2, {3, 2}), "out_of_range");  // 12.34 in DECIMAL(3,2)
  EXPECT_EQ(from_bytes(""s, 0), "not_a_number");
  EXPECT_EQ(from_bytes(std::string(40, '\0') + "\x01"s, 0), "0:\x01"s);
  EXPECT_EQ(from_bytes("\x01"s + std::string(32, '\0'), 0), "out_of_range");
  EXPECT_EQ(from_bytes("\x7f"s + std::string(31, '\xff'), 0), "out_of_range");  // > 76 digits
  EXPECT_EQ(from_bytes("\x05"s, -2, {}), "0:\x01\xf4"s);                        // 5E+2 = 500
  EXPECT_EQ(from_bytes("\x05"s, 77, {}), "out_of_range");
}

}  // namespace
}  // namespace kilp::parse
