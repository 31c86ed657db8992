#include "io/ilp/file_sink.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/ilp/sink_factory.hpp"

namespace kilp::io {
namespace {

using namespace std::chrono_literals;

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("kilp_file_sink_test_" + std::to_string(::getpid()) + ".ilp");
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::string contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path path_;
};

void write_buffers(Sink& sink, const std::vector<std::string>& buffers) {
  for (std::size_t i = 0; i < buffers.size(); ++i)
    sink.submit(static_cast<BufferId>(i), buffers[i]);
  EXPECT_EQ(sink.pending(), buffers.size());
  std::array<BufferId, 2> done{};  // smaller than the queue: reported over several polls
  BufferId expected = 0;
  while (sink.pending() > 0) {
    const std::size_t n = sink.poll(0ms, done);
    ASSERT_GT(n, 0u);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(done[i], expected++);
  }
  EXPECT_EQ(expected, buffers.size());
}

TEST_F(FileSinkTest, WritesExactlyTheBytesInOrder) {
  const std::vector<std::string> buffers = {"a x=1i 1\n", "", std::string("b y=\"\0z\" 2\n", 12),
                                            std::string(3 << 20, 'q') + "\n"};
  FileSink sink({path_.string(), FileMode::truncate}, 8);
  EXPECT_EQ(sink.describe(), "file " + path_.string());
  write_buffers(sink, buffers);
  std::string expected;
  for (const auto& b : buffers) expected += b;
  EXPECT_EQ(contents(), expected);
}

TEST_F(FileSinkTest, AppendModeKeepsEarlierOutputTruncateDropsIt) {
  {
    FileSink sink({path_.string(), FileMode::append}, 2);
    write_buffers(sink, {"first\n"});
  }
  {
    FileSink sink({path_.string(), FileMode::append}, 2);
    write_buffers(sink, {"second\n"});
  }
  EXPECT_EQ(contents(), "first\nsecond\n");
  {
    FileSink sink({path_.string(), FileMode::truncate}, 2);
    write_buffers(sink, {"third\n"});
  }
  EXPECT_EQ(contents(), "third\n");
}

TEST_F(FileSinkTest, FactoryBuildsFromConfigString) {
  const std::unique_ptr<Sink> sink =
      make_sink(parse_sink_config("file::path=" + path_.string() + ";mode=truncate;"), 4);
  write_buffers(*sink, {"t a=1i\n"});
  EXPECT_EQ(contents(), "t a=1i\n");
}

TEST_F(FileSinkTest, UnopenablePathIsNamedInTheError) {
  try {
    FileSink sink({"/nonexistent-dir/x.ilp", FileMode::append}, 2);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.ilp"), std::string::npos);
  }
}

TEST(SinkFactory, HttpConnectsAtStartUp) {
  try {
    make_sink(parse_sink_config("http::addr=127.0.0.1:1;"), 4);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to ILP/HTTP sink 127.0.0.1:1"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace kilp::io
