#include "parse/json_number_syntax.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace kilp::parse {
namespace {

// number_shape() reads up to 15 bytes past the token, as the encoder's padded buffer
// allows; the bytes there (digits, a dot) must not change the answer.
NumberShape shape_of(const std::string& token) {
  const std::string padded = token + "9.99999999999999";
  const NumberShape shape = number_shape(std::string_view(padded.data(), token.size()));
  EXPECT_EQ(shape, number_shape_by_words(std::string_view(padded.data(), token.size()))) << token;
  return shape;
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

// The one-block classifier (tokens of up to 16 bytes on x86-64) and the word loop
// agree on random tokens made of number characters and a few others.
TEST(NumberShape, BlockAndWordClassifiersAgree) {
  std::mt19937 random(12);
  const std::string alphabet = "0123456789000.-eE+x ";
  std::size_t decided = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string token(random() % 20, ' ');
    for (char& c : token) c = alphabet[random() % alphabet.size()];
    if (random() % 2 == 0 && !token.empty()) token[0] = '-';
    const std::string padded = token + std::string(16, alphabet[random() % alphabet.size()]);
    const std::string_view view(padded.data(), token.size());
    ASSERT_EQ(number_shape(view), number_shape_by_words(view)) << '"' << token << '"';
    decided += number_shape(view) != NumberShape::kOther;
  }
  EXPECT_GT(decided, 1000u);  // the random tokens do reach both number shapes
}

}  // namespace
}  // namespace kilp::parse
