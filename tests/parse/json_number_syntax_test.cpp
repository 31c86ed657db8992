#include "parse/json_number_syntax.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kilp::parse {
namespace {

// number_shape() reads up to 7 bytes past the token, as the encoder's padded buffer
// allows; the bytes there (digits here) must not change the answer.
NumberShape shape_of(const std::string& token) {
  const std::string padded = token + "99999999";
  return number_shape(std::string_view(padded.data(), token.size()));
}

TEST(NumberShape, TellsIntegersPlainDecimalsAndTheRest) {
  for (const char* token : {"0", "7", "-7", "42", "123456789", "-123456789012345678",
                            "999999999999999999", "12345678", "1234567890123456"}) {
    EXPECT_EQ(shape_of(token), NumberShape::kSmallInteger) << token;
  }
  for (const char* token : {"0.5", "-0.0", "30123.45", "1.23456789012", "12345678.87654321"}) {
    EXPECT_EQ(shape_of(token), NumberShape::kPlainDecimal) << token;
  }
  for (const char* token : {"", "-", "-0", "01", "00.5", "1.", ".5", "1e3", "1.5E2", "+1",
                            "1234567890123456789", "12345678a", "1.2.3", "1x", "--1", "nul"}) {
    EXPECT_EQ(shape_of(token), NumberShape::kOther) << token;
  }
  EXPECT_EQ(shape_of("1." + std::string(300, '5')), NumberShape::kOther);
}

TEST(NumberShape, ReadsSmallIntegersExactly) {
  for (long long value : {0LL, 5LL, -5LL, 12345678LL, 123456789LL, -98765432LL, 1700000000123456LL,
                          999999999999999999LL, -999999999999999999LL}) {
    const std::string token = std::to_string(value);
    ASSERT_EQ(shape_of(token), NumberShape::kSmallInteger) << token;
    EXPECT_EQ(small_integer_value(token), value) << token;
  }
}

}  // namespace
}  // namespace kilp::parse
