#include "parse/double_array_shape.hpp"

#include <gtest/gtest.h>

namespace kilp::parse {
namespace {

TEST(DoubleArrayShape, LearnsARectangularShape) {
  DoubleArrayShape shape;  // [[1,2],[3,4],[5,6]]
  for (int row = 0; row < 3; ++row) {
    ASSERT_TRUE(shape.element(0, true));
    ASSERT_TRUE(shape.element(1, false));
    ASSERT_TRUE(shape.element(1, false));
    ASSERT_TRUE(shape.end_array(1, 2));
  }
  ASSERT_TRUE(shape.end_array(0, 3));
  EXPECT_EQ(shape.dimensions(), 2u);
  EXPECT_EQ(shape.length(0), 3u);
  EXPECT_EQ(shape.length(1), 2u);
}

TEST(DoubleArrayShape, RefusesJaggedAndMixedDepths) {
  DoubleArrayShape jagged;  // [[1,2],[3]]
  ASSERT_TRUE(jagged.element(0, true));
  ASSERT_TRUE(jagged.element(1, false));
  ASSERT_TRUE(jagged.element(1, false));
  ASSERT_TRUE(jagged.end_array(1, 2));
  ASSERT_TRUE(jagged.element(0, true));
  ASSERT_TRUE(jagged.element(1, false));
  EXPECT_FALSE(jagged.end_array(1, 1));

  DoubleArrayShape mixed;  // [1,[2]]
  ASSERT_TRUE(mixed.element(0, false));
  EXPECT_FALSE(mixed.element(0, true));

  DoubleArrayShape empty_first;  // [[],[1]]
  ASSERT_TRUE(empty_first.element(0, true));
  ASSERT_TRUE(empty_first.end_array(1, 0));
  ASSERT_TRUE(empty_first.element(0, true));
  EXPECT_FALSE(empty_first.element(1, false));
}

TEST(DoubleArrayShape, EmptyArraysHaveNoDimensions) {
  DoubleArrayShape shape;  // [[],[]]
  ASSERT_TRUE(shape.element(0, true));
  ASSERT_TRUE(shape.end_array(1, 0));
  ASSERT_TRUE(shape.element(0, true));
  ASSERT_TRUE(shape.end_array(1, 0));
  ASSERT_TRUE(shape.end_array(0, 2));
  EXPECT_EQ(shape.dimensions(), 0u);
}

TEST(DoubleArrayShape, AtMostQuestDbsDimensions) {
  DoubleArrayShape shape;
  for (std::size_t depth = 0; depth + 1 < DoubleArrayShape::kMaxDimensions; ++depth) {
    ASSERT_TRUE(shape.element(depth, true)) << depth;
  }
  EXPECT_FALSE(shape.element(DoubleArrayShape::kMaxDimensions - 1, true));
  EXPECT_TRUE(shape.element(DoubleArrayShape::kMaxDimensions - 1, false));
  EXPECT_EQ(shape.dimensions(), DoubleArrayShape::kMaxDimensions);
}

}  // namespace
}  // namespace kilp::parse
