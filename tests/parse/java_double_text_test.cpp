// Numbers sent as text in order-book levels, read as Java's Double.parseDouble does.
#include "parse/java_double_text.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kilp::parse {
namespace {

double read(std::string_view text) {
  double value = -12345;
  EXPECT_EQ(parse_java_double(text, value), TextDoubleStatus::kOk) << text;
  return value;
}

TEST(JavaDoubleText, WhatJavaReads) {
  EXPECT_EQ(read("45120.50"), 45120.5);
  EXPECT_EQ(read("92"), 92.0);
  EXPECT_EQ(read(" \t1123.0\n"), 1123.0);
  EXPECT_EQ(read("+1.5"), 1.5);
  EXPECT_EQ(read("-0"), 0.0);
  EXPECT_TRUE(std::signbit(read("-0")));
  EXPECT_EQ(read("1."), 1.0);
  EXPECT_EQ(read(".5"), 0.5);
  EXPECT_EQ(read("007"), 7.0);
  EXPECT_EQ(read("2e2"), 200.0);
  EXPECT_EQ(read("2.5E-1"), 0.25);
  EXPECT_EQ(read("1.5f"), 1.5);
  EXPECT_EQ(read("1.5D"), 1.5);
  EXPECT_EQ(read("5.099999904632568"), 5.099999904632568);
  EXPECT_TRUE(std::isnan(read("NaN")));
  EXPECT_TRUE(std::isnan(read("-NaN")));
  EXPECT_EQ(read("Infinity"), INFINITY);
  EXPECT_EQ(read("-Infinity"), -INFINITY);
  EXPECT_EQ(read("0.1"), 0.1);  // correctly rounded
}

TEST(JavaDoubleText, WhatJavaRefusesOrKilpDoesNotRead) {
  for (std::string_view text : {"", " ", "abc", "1e", "1e+", "e5", ".", "+", "--1", "1.5ff", "1,5",
                                "nan", "inf", "infinity", "0x1p3", "1 2", "1.2.3",
                                "\xe2\x80\x8b"
                                "1"}) {
    double value = 0;
    EXPECT_EQ(parse_java_double(text, value), TextDoubleStatus::kNotANumber) << text;
  }
  double value = 0;
  EXPECT_EQ(parse_java_double("1e999", value), TextDoubleStatus::kOutOfRange);
  EXPECT_EQ(parse_java_double("-1e999", value), TextDoubleStatus::kOutOfRange);
}

}  // namespace
}  // namespace kilp::parse
