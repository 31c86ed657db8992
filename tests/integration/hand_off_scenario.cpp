#include "tests/integration/hand_off_scenario.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <thread>

#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_process.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/steady_producer.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint64_t sum(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}

std::uint64_t count_lines_with(const std::string& text, const std::string& needle) {
  std::uint64_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// Waits until every process owns partitions and together all `partitions` of them.
bool wait_until_settled(std::vector<std::unique_ptr<KilpProcess>>& processes, int partitions) {
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline) {
    std::uint64_t total = 0;
    bool each = true;
    for (auto& process : processes) {
      const std::uint64_t owned = process->metric("kilp_partitions_assigned");
      each = each && owned > 0;
      total += owned;
    }
    if (each && total == static_cast<std::uint64_t>(partitions)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

std::vector<std::string> kilp_group_args(const std::string& bootstrap, const std::string& topic,
                                         const std::string& group, const IlpTcpServer& server,
                                         const fs::path& dir) {
  return kilp_topic_args({.bootstrap = bootstrap,
                          .topic = topic,
                          .group = group,
                          .sink = "tcp::addr=" + server.address() + ";",
                          .dlq = dir / "dlq.jsonl",
                          .exit_at_end = false,
                          .shards = 2});
}

TradeCounts wait_for_trades(const IlpTcpServer& server, const std::string& table,
                            std::uint64_t expected, std::chrono::seconds limit,
                            OtherTables others) {
  const auto deadline = Clock::now() + limit;
  TradeCounts counts = count_trades(server, table, expected, others);
  while (counts.missing() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    counts = count_trades(server, table, expected, others);
  }
  return counts;
}

HandOffOutcome run_hand_off(const HandOffPlan& plan) {
  const fs::path dir = make_temp_dir(plan.name);
  IlpTcpServer server;
  SteadyProducer producer({{"bootstrap.servers", plan.bootstrap}},
                          {plan.topic, plan.partitions, plan.messages, plan.rate_per_second});
  std::vector<std::string> args =
      kilp_group_args(plan.bootstrap, plan.topic, plan.group, server, dir);
  args.insert(args.end(), plan.extra_args.begin(), plan.extra_args.end());

  HandOffOutcome outcome;
  std::vector<std::unique_ptr<KilpProcess>> processes;
  const auto start = Clock::now();
  auto start_process = [&] {
    const fs::path log = dir / ("kilp-" + std::to_string(processes.size() + 1) + ".err");
    processes.push_back(std::make_unique<KilpProcess>(args, log.string()));
  };
  start_process();
  for (std::size_t i = 0; i < plan.joins_at.size(); ++i) {
    if (plan.joins_at[i] == std::chrono::milliseconds(0)) {
      // Polled every 2 ms, so the next process starts right then.
      EXPECT_TRUE(processes.front()->wait_for_metric(
          "kilp_rebalances_total", [](std::uint64_t n) { return n > 0; }, 30s, 2ms))
          << "no assignment within 30 s: " << processes.front()->log();
    } else {
      std::this_thread::sleep_until(start + plan.joins_at[i]);
    }
    if (i == 0) {
      outcome.second_started =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    start_process();
  }
  auto stop_at = start + plan.first_stops_at;
  if (plan.settled_before_stop >= std::chrono::milliseconds(0)) {
    if (wait_until_settled(processes, plan.partitions)) {
      outcome.settled = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      stop_at = std::max(stop_at, Clock::now() + plan.settled_before_stop);
    }
    EXPECT_GE(outcome.settled.count(), 0) << "the group did not settle within 30 s";
  }
  std::this_thread::sleep_until(stop_at);
  processes.front()->signal(plan.stop_signal);
  const int first_exit = processes.front()->wait(60s);
  producer.join();
  EXPECT_EQ(producer.failed(), 0u);

  wait_for_trades(server, plan.topic, plan.messages, 90s);
  std::vector<int> exits;
  for (std::size_t i = 1; i < processes.size(); ++i) processes[i]->signal(SIGTERM);
  for (std::size_t i = 1; i < processes.size(); ++i) exits.push_back(processes[i]->wait(60s));
  outcome.counts = count_trades(server, plan.topic, plan.messages);
  for (std::size_t i = 0; i < processes.size(); ++i) {
    outcome.logs += "--- kilp " + std::to_string(i + 1) + ":\n" + processes[i]->log();
  }
  EXPECT_EQ(first_exit, plan.stop_signal == SIGKILL ? 128 + SIGKILL : 0) << outcome.logs;
  for (int exit_code : exits) EXPECT_EQ(exit_code, 0) << outcome.logs;
  outcome.refused_commits = count_lines_with(outcome.logs, "commit before releasing") +
                            count_lines_with(outcome.logs, "final offset commit was refused");
  outcome.holds = count_lines_with(outcome.logs, "holding consumption");
  outcome.lost = count_lines_with(outcome.logs, "partition(s) lost");

  // The topic holds every message from offset 0 (nothing dropped by the mock's 5 MiB
  // cap), and the group committed all of them.
  const auto ends = end_offsets(plan.bootstrap, plan.topic, plan.partitions);
  EXPECT_EQ(sum(ends), plan.messages);
  EXPECT_EQ(sum(start_offsets(plan.bootstrap, plan.topic, plan.partitions)), 0u);
  const auto committed = committed_offsets(plan.bootstrap, plan.group, plan.topic, plan.partitions);
  outcome.committed_everything = committed == ends;
  for (int p = 0; p < plan.partitions; ++p) {
    if (committed[p] != ends[p]) {
      outcome.logs += "partition " + std::to_string(p) + ": committed " +
                      std::to_string(committed[p]) + ", end " + std::to_string(ends[p]) + "\n";
    }
  }
  return outcome;
}

std::uint64_t report_hand_off(const std::string& scenario, const HandOffPlan& plan,
                              const HandOffOutcome& outcome) {
  const TradeCounts& counts = outcome.counts;
  std::printf(
      "[ hand-off ] %s: %llu rows for %llu messages, %llu repeated (%.3f%%); hand-off commits "
      "refused %llu, holds %llu, assignments lost %llu\n",
      scenario.c_str(), static_cast<unsigned long long>(counts.rows),
      static_cast<unsigned long long>(plan.messages),
      static_cast<unsigned long long>(counts.repeated()),
      100.0 * static_cast<double>(counts.repeated()) / static_cast<double>(plan.messages),
      static_cast<unsigned long long>(outcome.refused_commits),
      static_cast<unsigned long long>(outcome.holds),
      static_cast<unsigned long long>(outcome.lost));
  EXPECT_EQ(counts.missing(), 0u) << outcome.logs;
  EXPECT_EQ(counts.bad_rows, 0u);
  EXPECT_TRUE(outcome.committed_everything) << outcome.logs;
  return counts.repeated();
}

}  // namespace kilp::testing
