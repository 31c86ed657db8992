#pragma once
// Shared by the ILP/TCP sink tests (plain, TLS, authenticated): distinct ordered
// rows in buffers, a submit/poll driver that checks the done order, and the
// at-least-once check across reconnects.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "io/ilp/sink.hpp"

namespace kilp::io::testing {

using namespace std::chrono_literals;

// Buffer i holds lines "row,b=i n=k i\n" for k in [0, lines): distinct and ordered.
inline std::vector<std::string> make_buffers(std::size_t count, std::size_t lines_per_buffer) {
  std::vector<std::string> buffers(count);
  std::size_t line = 0;
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t k = 0; k < lines_per_buffer; ++k, ++line) {
      buffers[i] += "trades,buffer=b" + std::to_string(i) + " line=" + std::to_string(line) +
                    "i,pad=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n";
    }
  }
  return buffers;
}

// Submits buffers [first, end) with ids equal to their index (keeping at most
// `capacity` pending) and polls until all are reported done, in submission order.
inline void send_range(Sink& sink, const std::vector<std::string>& buffers, std::size_t first,
                       std::size_t end, std::size_t capacity) {
  std::array<BufferId, 16> done{};
  std::size_t next_done = first;
  std::size_t next_submit = first;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (next_done < end) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "sink made no progress";
    while (next_submit < end && sink.pending() < capacity) {
      sink.submit(static_cast<BufferId>(next_submit), buffers[next_submit]);
      ++next_submit;
    }
    const std::size_t n = sink.poll(10ms, done);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(done[i], next_done++);
  }
  EXPECT_EQ(sink.pending(), 0u);
}

inline void send_all(Sink& sink, const std::vector<std::string>& buffers, std::size_t capacity) {
  send_range(sink, buffers, 0, buffers.size(), capacity);
}

inline std::string concat(const std::vector<std::string>& parts, std::size_t first = 0,
                          std::size_t end = std::string::npos) {
  std::string all;
  for (std::size_t i = first; i < std::min(end, parts.size()); ++i) all += parts[i];
  return all;
}
// The lines of `text`, sorted: what arrived regardless of the order requests on
// different connections were answered in (each line still counts once).
inline std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}
// What QuestDB keeps of a connection: its complete lines (a partial last line dies
// with the connection).
inline std::vector<std::string> complete_lines(const std::string& stream) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = stream.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(stream.substr(start, nl - start + 1));
  }
  return lines;
}

// Every line of every buffer arrives, each connection carries consecutive lines,
// and a new connection restarts at a buffer's first line no later than where the
// previous one stopped: at least once, in order, nothing skipped.
inline void expect_delivered_at_least_once(const std::vector<std::string>& buffers,
                                           const std::vector<std::string>& connections) {
  std::vector<std::string> expected_lines;
  std::vector<std::size_t> first_line_of_buffer;
  for (const std::string& b : buffers) {
    first_line_of_buffer.push_back(expected_lines.size());
    for (std::string& line : complete_lines(b)) expected_lines.push_back(std::move(line));
  }
  std::size_t covered = 0;  // lines [0, covered) have arrived
  for (const std::string& stream : connections) {
    const std::vector<std::string> lines = complete_lines(stream);
    if (lines.empty()) continue;
    std::size_t start = 0;
    while (start < expected_lines.size() && expected_lines[start] != lines.front()) ++start;
    ASSERT_LT(start, expected_lines.size()) << "unknown line " << lines.front();
    EXPECT_LE(start, covered) << "lines skipped before connection restart";
    EXPECT_NE(std::find(first_line_of_buffer.begin(), first_line_of_buffer.end(), start),
              first_line_of_buffer.end())
        << "a connection must start at a buffer boundary";
    for (std::size_t k = 0; k < lines.size(); ++k) {
      ASSERT_LT(start + k, expected_lines.size());
      ASSERT_EQ(lines[k], expected_lines[start + k]) << "out of order at line " << start + k;
    }
    covered = std::max(covered, start + lines.size());
  }
  EXPECT_EQ(covered, expected_lines.size());
}

}  // namespace kilp::io::testing
