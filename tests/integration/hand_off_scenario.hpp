#pragma once
// Hand-offs in a consumer group of kilp processes under a live producer, shared by the
// mock cluster's scale-out tests and the real broker's group tests: the processes join
// at set times (or the second one the moment the first gets its first assignment), the
// first one leaves (SIGTERM) or dies (SIGKILL) mid-stream, and the sink counts how often
// each message arrived.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/trade_rows.hpp"

namespace kilp::testing {

// kilp consuming `topic` (trades) as one member of `group`, from the beginning, 2 shards,
// into `server` over ILP/TCP, dead letters into `dir`, with the tests' group timings.
std::vector<std::string> kilp_group_args(const std::string& bootstrap, const std::string& topic,
                                         const std::string& group, const IlpTcpServer& server,
                                         const std::filesystem::path& dir);

struct HandOffPlan {
  std::string name;  // of the temporary directory
  std::string bootstrap;
  std::string topic;  // exists, empty, with `partitions` partitions; also the table
  std::string group;
  int partitions = 32;
  int rate_per_second = 20000;
  std::uint64_t messages = 0;
  // When each further process starts, after the first; a zero starts it the moment the
  // first process received its first assignment (read from its /metrics).
  std::vector<std::chrono::milliseconds> joins_at;
  std::chrono::milliseconds first_stops_at{0};
  // If set, the first process is stopped no sooner than this long after the group
  // settled: every process owns partitions, all of them together (read from /metrics).
  std::chrono::milliseconds settled_before_stop{-1};
  int stop_signal = 15;  // SIGTERM: a clean hand-off; SIGKILL: a crash
  std::vector<std::string> extra_args;
};

struct HandOffOutcome {
  TradeCounts counts;
  bool committed_everything = false;  // the group's committed offsets are the topic's ends
  std::uint64_t refused_commits = 0;  // log lines of commits refused for a rebalance
  std::uint64_t holds = 0;            // log lines of shards held after a refused commit
  std::uint64_t lost = 0;             // log lines of assignments lost without a commit
  std::chrono::milliseconds second_started{0};  // after the first process
  std::chrono::milliseconds settled{-1};        // after the first process; -1: not asked or never
  std::string logs;  // every process's stderr, and partitions not committed to the end
};

// Runs the plan and checks what every scenario must meet: the producer delivered every
// message, the first process ended as signalled and the others with 0.
HandOffOutcome run_hand_off(const HandOffPlan& plan);

// Prints "[ hand-off ] <scenario>: rows, repeats (%)" and checks nothing was lost or
// malformed and everything was committed. Returns the repeats.
std::uint64_t report_hand_off(const std::string& scenario, const HandOffPlan& plan,
                              const HandOffOutcome& outcome);

// Waits until each of trades 0..expected-1 arrived at least once (or `limit` passed).
TradeCounts wait_for_trades(const IlpTcpServer& server, const std::string& table,
                            std::uint64_t expected, std::chrono::seconds limit,
                            OtherTables others = OtherTables::bad);

}  // namespace kilp::testing
