// kilp as a long-running service: Prometheus /metrics while it runs, and SIGTERM
// ends it cleanly (exit 0, everything delivered and committed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/metrics_client.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(Service, ServesMetricsAndStopsCleanlyOnSigterm) {
  constexpr int kPartitions = 2;
  constexpr std::uint64_t kMessages = 10'000;
  const fs::path dir = fs::temp_directory_path() / ("kilp-service-" + std::to_string(getpid()));
  fs::create_directories(dir);
  tools::MockCluster cluster(1);
  cluster.create_topic("svc", kPartitions);
  cluster.produce("svc", kPartitions, kMessages, trades_from(0));
  IlpTcpServer server;
  const std::string log_path = (dir / "kilp.err").string();
  Subprocess kilp(kKilpBinary,
                  {"--brokers", cluster.bootstrap_servers(), "--topic", "svc", "--group", "it-svc",
                   "--sink", "tcp::addr=" + server.address() + ";", "--dlq",
                   "file::path=" + (dir / "dlq.jsonl").string() + ";", "--symbols", "symbol,side",
                   "--timestamp-field", "ts", "--timestamp-units", "us", "--from-beginning",
                   "--metrics-addr", "127.0.0.1:0", "-X", "fetch.wait.max.ms=100"},
                  log_path);

  // The port is chosen by the kernel and announced on stderr.
  const int port = wait_for_metrics_port(log_path);
  ASSERT_NE(port, 0) << read_file(log_path);

  std::string metrics;
  for (int i = 0; i < 300; ++i) {
    metrics = http_get(port, "/metrics");
    if (sum_metric(metrics, "kilp_rows_delivered_total") == kMessages) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("HTTP/1.1 200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE kilp_rows_delivered_total counter"), std::string::npos);
  EXPECT_EQ(sum_metric(metrics, "kilp_rows_delivered_total"), kMessages) << metrics;
  EXPECT_EQ(sum_metric(metrics, "kilp_messages_consumed_total"), kMessages);
  EXPECT_EQ(sum_metric(metrics, "kilp_partitions_assigned"), static_cast<std::uint64_t>(kPartitions));
  EXPECT_EQ(sum_metric(metrics, "kilp_dead_letters_total"), 0u);
  // Every shard holds one sink connection; a healthy server needs no retries.
  EXPECT_NE(metrics.find("# TYPE kilp_sink_retries_total counter"), std::string::npos);
  EXPECT_EQ(sum_metric(metrics, "kilp_sink_retries_total"), 0u);
  EXPECT_EQ(sum_metric(metrics, "kilp_sink_connections_total"), server.connections());
  EXPECT_NE(http_get(port, "/nothing").find("404"), std::string::npos);

  kilp.signal(SIGTERM);
  const int exit_code = kilp.wait(60s);
  const std::string log = read_file(log_path);
  EXPECT_EQ(exit_code, 0) << log;
  EXPECT_NE(log.find("stopping, flushing and committing"), std::string::npos) << log;
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-svc", "svc", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "svc", kPartitions));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
