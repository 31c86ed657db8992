// Scale-out: two kilp processes in one consumer group under a live producer. The
// second joins mid-stream, then the first leaves (SIGTERM: a clean hand-off) or dies
// (SIGKILL). Every message must arrive; the clean hand-off may repeat at most 2% of
// them; after SIGKILL, that plus what one commit interval and the buffers in flight
// hold (3%). Also: one kilp with two shards while a core is kept busy. The same
// hand-offs run against a real Kafka broker in kafka_hand_off_test (there also with the
// cooperative-sticky assignor); here they meet the mock's own coordinator, which refuses
// every commit while the group rebalances.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/integration/hand_off_scenario.hpp"
#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 32;
constexpr int kRatePerSecond = 20000;
constexpr std::uint64_t kMessages = kRatePerSecond * 14;  // 14 s of stream

// The first process owns every partition from ~3 s (the mock's first join waits
// 3 s); the second joins at 5 s (the mock then holds the group in its joining state
// for session.timeout.ms - 1 s = 5 s); the first leaves at 11.5 s, mid-stream.
std::uint64_t run_and_report(const std::string& scenario, const std::string& name, int signal) {
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  HandOffPlan plan;
  plan.name = name;
  plan.bootstrap = cluster.bootstrap_servers();
  plan.topic = "trades";
  plan.group = "scale-" + name;
  plan.partitions = kPartitions;
  plan.rate_per_second = kRatePerSecond;
  plan.messages = kMessages;
  plan.joins_at = {5s};
  plan.first_stops_at = 11500ms;
  plan.stop_signal = signal;
  return report_hand_off(scenario, plan, run_hand_off(plan));
}

TEST(ScaleOut, SecondProcessJoinsThenFirstStopsCleanly) {
  // Usually 0.03-0.5%. On a starved machine the mock refuses a late SyncGroup and
  // runs another round (../shared/design.md); a SIGTERM that falls into it finds
  // every commit refused, and the rows since the last accepted one repeat (1.4%
  // seen with a second CPU-bound job running).
  EXPECT_LE(run_and_report("mock, SIGTERM hand-off", "sigterm", SIGTERM), kMessages / 50);
}

TEST(ScaleOut, SecondProcessJoinsThenFirstIsKilled) {
  // What the join repeats (as above) plus one commit interval (50 ms,
  // 1,000 rows at this rate) plus the buffers in flight: 0.1-1.6% in ten runs; the
  // old once-a-second commits repeated about half of the stream.
  EXPECT_LE(run_and_report("mock, SIGKILL", "sigkill", SIGKILL), kMessages * 3 / 100);
}

TEST(ScaleOut, TwoShardsWithABusyCoreDeliverEveryMessageOnceAndStartPromptly) {
  const fs::path dir = make_temp_dir("busy");
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  cluster.produce("trades", kPartitions, kMessages, trades_from(0));
  IlpTcpServer server;
  std::atomic<bool> busy{true};
  std::thread spinner([&] {
    volatile std::uint64_t n = 0;
    while (busy.load(std::memory_order_relaxed)) n = n + 1;
  });
  auto args = kilp_group_args(cluster.bootstrap_servers(), "trades", "busy", server, dir);
  args.push_back("--exit-at-end");
  const auto started = Clock::now();
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
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
