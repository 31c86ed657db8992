#pragma once
// kilp's command line in the tests, built in one place: what a run reads and where it
// writes, how it runs, and what every test run shares (a stats line a second, fetch
// waits of 100 ms rather than 500).
#include <filesystem>
#include <string>
#include <vector>

namespace kilp::testing {

struct TopicRun {
  std::string bootstrap;
  std::string topic;
  std::string group;
  std::string sink;           // a --sink configuration
  std::filesystem::path dlq;  // the dead-letter file
  bool trades = true;         // the generated trades: symbols symbol,side; timestamp ts in us
  bool from_beginning = true;
  bool exit_at_end = true;
  bool short_session = true;  // -X session.timeout.ms=6000: a member gone is noticed in 6 s
  int shards = 0;             // 0: kilp's default, one per core
};

std::vector<std::string> kilp_topic_args(const TopicRun& run);

// A member that runs until stopped, as a user runs kilp: the generated trades from the
// group's committed offsets (or the topic's end), kilp's own session timeout, 2 shards.
TopicRun long_running_member(const std::string& bootstrap, const std::string& topic,
                             const std::string& group, const std::string& sink,
                             const std::filesystem::path& dlq);

}  // namespace kilp::testing
