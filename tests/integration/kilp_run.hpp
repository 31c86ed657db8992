#pragma once
// Running kilp to the end of its topics (--exit-at-end) from a test, and the mock
// topics it reads, for the tests against real servers.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/mock_cluster.hpp"

namespace kilp::testing {

// build/tools/kilp, the binary under test.
extern const std::string kKilpBinary;

struct KilpRun {
  int exit_code = -1;  // -1: still running after the timeout (then killed)
  std::string log;     // its stderr
};

// Runs build/tools/kilp with `args`, its stderr in `dir`/kilp.err.
KilpRun run_kilp(const std::vector<std::string>& args, const std::filesystem::path& dir,
                 std::chrono::seconds timeout = std::chrono::seconds(120));

// Creates `topic` with `partitions` and produces `messages` round-robin over them
// (message i to partition i % partitions, so its offset is i / partitions).
void produce_messages(tools::MockCluster& cluster, const std::string& topic, int partitions,
                      const std::vector<std::string>& messages);

}  // namespace kilp::testing
