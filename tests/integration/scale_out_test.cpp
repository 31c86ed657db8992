// Scale-out: two kilp processes in one consumer group under a live producer. The
// second joins mid-stream, then the first leaves (SIGTERM: a clean hand-off) or dies
// (SIGKILL). Every message must arrive; the clean hand-off may repeat at most 2% of
// them; after SIGKILL, that plus what one commit interval and the buffers in flight
// hold (3%). Also: one kilp with two shards while a core is kept busy.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <thread>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/steady_producer.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kKilp = KILP_BINARY_DIR "/tools/kilp";
constexpr int kPartitions = 32;
constexpr int kRatePerSecond = 20000;
constexpr std::uint64_t kMessages = kRatePerSecond * 14;  // 14 s of stream
// The first process owns every partition from ~3 s (the mock's first join waits
// 3 s); the second joins at 5 s (the mock then holds the group in its joining state
// for session.timeout.ms - 1 s = 5 s); the first leaves at 11.5 s, mid-stream.
constexpr auto kSecondJoinsAt = 5s;
constexpr auto kFirstStopsAt = 11500ms;

std::vector<std::string> kilp_args(const std::string& bootstrap, const std::string& group,
                                   const IlpTcpServer& server, const fs::path& dir) {
  return {"--brokers", bootstrap, "--topic", "trades", "--group", group,
          "--sink", "tcp::addr=" + server.address() + ";",
          "--dlq", "file::path=" + (dir / "dlq.jsonl").string() + ";",
          "--symbols", "symbol,side", "--timestamp-field", "ts", "--timestamp-units", "us",
          "--from-beginning", "--shards", "2", "--stats-interval", "1",
          "-X", "fetch.wait.max.ms=100", "-X", "session.timeout.ms=6000"};
}

std::uint64_t sum(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}

// Waits until every trade arrived at least once (or the time is up).
TradeCounts wait_for_all(const IlpTcpServer& server, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  TradeCounts counts = count_trades(server, "trades", kMessages);
  while (counts.missing() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    counts = count_trades(server, "trades", kMessages);
  }
  return counts;
}

// The two-process scenario; returns the counts after the second process stopped.
TradeCounts run_hand_off(int first_stops_with, const std::string& name, std::string& logs,
                         bool& committed_everything,
                         const std::vector<std::string>& extra_args = {}) {
  const fs::path dir = make_temp_dir(name);
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  IlpTcpServer server;
  const std::string group = "scale-" + name;
  SteadyProducer producer({{"bootstrap.servers", cluster.bootstrap_servers()}},
                          {"trades", kPartitions, kMessages, kRatePerSecond});

  std::vector<std::string> args = kilp_args(cluster.bootstrap_servers(), group, server, dir);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Subprocess first(kKilp, args, (dir / "first.err").string());
  const auto start = Clock::now();
  std::this_thread::sleep_until(start + kSecondJoinsAt);
  Subprocess second(kKilp, args, (dir / "second.err").string());
  std::this_thread::sleep_until(start + kFirstStopsAt);
  first.signal(first_stops_with);
  const int first_exit = first.wait(60s);
  producer.join();
  EXPECT_EQ(producer.failed(), 0u);

  TradeCounts counts = wait_for_all(server, 90s);
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(60s), 0);
  counts = count_trades(server, "trades", kMessages);
  logs = "--- first:\n" + read_file((dir / "first.err").string()) + "--- second:\n" +
         read_file((dir / "second.err").string());
  EXPECT_EQ(first_exit, first_stops_with == SIGKILL ? 128 + SIGKILL : 0) << logs;

  // The mock still holds every message (nothing dropped by its 5 MiB cap), and the
  // group committed all of them.
  const auto ends = end_offsets(cluster.bootstrap_servers(), "trades", kPartitions);
  EXPECT_EQ(sum(ends), kMessages);
  EXPECT_EQ(sum(start_offsets(cluster.bootstrap_servers(), "trades", kPartitions)), 0u);
  const auto committed = committed_offsets(cluster.bootstrap_servers(), group, "trades", kPartitions);
  committed_everything = committed == ends;
  for (int p = 0; p < kPartitions; ++p) {
    if (committed[p] != ends[p]) {
      logs += "partition " + std::to_string(p) + ": committed " + std::to_string(committed[p]) +
              ", end " + std::to_string(ends[p]) + "\n";
    }
  }
  return counts;
}

// Prints the scenario's numbers and checks what holds in every one of them:
// nothing lost, nothing malformed, everything committed. Returns the repeats.
std::uint64_t report(const char* scenario, const TradeCounts& counts, const std::string& logs,
                     bool committed) {
  std::printf("[ scale-out ] %s: %llu rows for %llu messages, %llu repeated (%.3f%%)\n", scenario,
              static_cast<unsigned long long>(counts.rows),
              static_cast<unsigned long long>(kMessages),
              static_cast<unsigned long long>(counts.repeated()), 100.0 * counts.repeated() / kMessages);
  EXPECT_EQ(counts.missing(), 0u) << logs;
  EXPECT_EQ(counts.bad_rows, 0u);
  EXPECT_TRUE(committed) << logs;
  return counts.repeated();
}

TEST(ScaleOut, SecondProcessJoinsThenFirstStopsCleanly) {
  std::string logs;
  bool committed = false;
  const TradeCounts counts = run_hand_off(SIGTERM, "sigterm", logs, committed);
  // Usually 0.03-0.5%. On a starved machine the mock refuses a late SyncGroup and
  // runs another round (../shared/design.md); a SIGTERM that falls into it finds
  // every commit refused, and the rows since the last accepted one repeat (1.4%
  // seen with a second CPU-bound job running).
  EXPECT_LE(report("SIGTERM hand-off", counts, logs, committed), kMessages / 50) << logs;
}

TEST(ScaleOut, CooperativeStickyHandOffLosesNothing) {
  std::string logs;
  bool committed = false;
  const TradeCounts counts =
      run_hand_off(SIGTERM, "cooperative", logs, committed,
                   {"-X", "partition.assignment.strategy=cooperative-sticky"});
  // Nothing lost; the repeats are reported, not bounded: on the mock each of the
  // two cooperative rounds holds the group for session.timeout - 1 s, and when the
  // first process leaves during the second one, its commits since the join were
  // all refused (perf/RESULTS.md: 0% to 22%). Eager is the default for this.
  report("cooperative-sticky SIGTERM hand-off", counts, logs, committed);
}

TEST(ScaleOut, SecondProcessJoinsThenFirstIsKilled) {
  std::string logs;
  bool committed = false;
  const TradeCounts counts = run_hand_off(SIGKILL, "sigkill", logs, committed);
  // What the join repeats (as above) plus one commit interval (50 ms,
  // 1,000 rows at this rate) plus the buffers in flight: 0.1-1.6% in ten runs; the
  // old once-a-second commits repeated about half of the stream.
  EXPECT_LE(report("SIGKILL", counts, logs, committed), kMessages * 3 / 100) << logs;
}

TEST(ScaleOut, TwoShardsWithABusyCoreDeliverEveryMessageOnceAndStartPromptly) {
  const fs::path dir = make_temp_dir("busy");
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  cluster.produce("trades", kPartitions, kMessages, [](std::uint64_t i, std::string& buffer) {
    return tools::format_trade_json(tools::make_trade(i), buffer);
  });
  IlpTcpServer server;
  std::atomic<bool> busy{true};
  std::thread spinner([&] {
    volatile std::uint64_t n = 0;
    while (busy.load(std::memory_order_relaxed)) n = n + 1;
  });
  auto args = kilp_args(cluster.bootstrap_servers(), "busy", server, dir);
  args.push_back("--exit-at-end");
  const auto started = Clock::now();
  Subprocess kilp(kKilp, args, (dir / "kilp.err").string());
  while (server.bytes_received() == 0 && Clock::now() - started < 30s) std::this_thread::sleep_for(5ms);
  const auto first_row = Clock::now() - started;
  const int exit_code = kilp.wait(120s);
  busy.store(false);
  spinner.join();
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  std::printf("[ scale-out ] busy core: first row %.2f s after start\n",
              std::chrono::duration<double>(first_row).count());
  EXPECT_LT(first_row, 5s) << log;
  const TradeCounts counts = count_trades(server, "trades", kMessages);
  EXPECT_EQ(counts.missing(), 0u) << log;
  EXPECT_EQ(counts.repeated(), 0u) << log;
  EXPECT_EQ(counts.bad_rows, 0u);
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "busy", "trades", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "trades", kPartitions));
}

}  // namespace
}  // namespace kilp::testing
