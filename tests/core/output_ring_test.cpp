#include "core/output_ring.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace kilp::core {
namespace {

void write(OutputBuffer& buffer, const char* text, SlotId slot, std::int64_t offset) {
  parse::OutputCursor& cursor = buffer.cursor();
  std::memcpy(cursor.data + cursor.size, text, std::strlen(text));
  cursor.size += std::strlen(text);
  buffer.mark(slot, offset, true);
}

TEST(OutputRing, ReleasesOnlyInFillOrderEvenWhenCompletedOutOfOrder) {
  OutputRing ring(4, 64, 8);
  std::vector<std::uint32_t> sealed;
  for (int i = 0; i < 3; ++i) {
    write(*ring.fill_buffer(), "row\n", 0, i);
    sealed.push_back(ring.seal());
  }
  std::vector<std::int64_t> released;
  auto release = [&](OutputBuffer& b) { released.push_back(b.marks()[0].offset); };

  ring.complete(sealed[2]);
  ring.release_completed(release);
  EXPECT_TRUE(released.empty()) << "a later buffer must wait for the earlier ones";
  ring.complete(sealed[0]);
  ring.release_completed(release);
  EXPECT_EQ(released, (std::vector<std::int64_t>{0}));
  ring.complete(sealed[1]);
  ring.release_completed(release);
  EXPECT_EQ(released, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(ring.in_flight(), 0u);
}

TEST(OutputRing, FullRingHasNoFillBufferUntilOneIsReleased) {
  OutputRing ring(2, 64, 8);
  write(*ring.fill_buffer(), "a\n", 0, 1);
  const std::uint32_t first = ring.seal();
  write(*ring.fill_buffer(), "b\n", 0, 2);
  ring.seal();
  EXPECT_EQ(ring.fill_buffer(), nullptr) << "backpressure: nothing to fill";
  ring.complete(first);
  ring.release_completed([](OutputBuffer&) {});
  ASSERT_NE(ring.fill_buffer(), nullptr);
  EXPECT_TRUE(ring.fill_buffer()->empty()) << "a released buffer is reset before reuse";
}

TEST(OutputBuffer, KeepsOneMarkPerRunOfAPartitionWithItsLastOffset) {
  OutputBuffer buffer(256, 3);
  write(buffer, "r\n", 7, 10);
  write(buffer, "r\n", 7, 11);
  write(buffer, "r\n", 9, 5);
  write(buffer, "r\n", 7, 12);
  ASSERT_EQ(buffer.marks().size(), 3u);
  EXPECT_EQ(buffer.marks()[0].slot, 7u);
  EXPECT_EQ(buffer.marks()[0].offset, 11);
  EXPECT_EQ(buffer.marks()[1].offset, 5);
  EXPECT_EQ(buffer.marks()[2].offset, 12);
  EXPECT_EQ(buffer.rows(), 4u);
  EXPECT_TRUE(buffer.can_mark(7)) << "same partition as the last mark";
  EXPECT_FALSE(buffer.can_mark(9)) << "marks full: the buffer must be sealed first";
}

TEST(OutputBuffer, DeadLettersMoveOffsetsWithoutCountingRows) {
  OutputBuffer buffer(64, 4);
  buffer.mark(0, 41, false);
  EXPECT_FALSE(buffer.empty());
  EXPECT_TRUE(buffer.bytes().empty());
  EXPECT_EQ(buffer.rows(), 0u);
  EXPECT_EQ(buffer.marks()[0].offset, 41);
}

TEST(OutputRing, RejectsRingsThatCannotOverlapFillingAndSending) {
  EXPECT_THROW(OutputRing(1, 64, 8), std::invalid_argument);
  EXPECT_THROW(OutputRing(2, 64, 0), std::invalid_argument);
}

}  // namespace
}  // namespace kilp::core
