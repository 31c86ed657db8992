// kilp's ILP/HTTP sink against a real line-protocol database: Debian's influxdb
// (InfluxDB 1.x, POST /write?db=NAME), started here on loopback with its data in
// a temp dir. The rows are queried back (count and values), and rows InfluxDB
// refuses (a field type conflict, answered 400 without a line number) must land
// in the dead-letter file. Skipped only when influxd cannot start.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <fstream>
#include <thread>

#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/support/loopback_http.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kInfluxd = "/usr/bin/influxd";

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpReply query(std::uint16_t port, const std::string& q) {
  return http_request(port, "POST", "/query?db=kilp&epoch=ns&q=" + url_encode(q));
}

class Influxd {
 public:
  explicit Influxd(const fs::path& dir) : http_port_(free_port()) {
    const std::uint16_t rpc_port = free_port();
    std::ofstream config(dir / "influxdb.conf");
    config << "reporting-enabled = false\n"
           << "bind-address = \"127.0.0.1:" << rpc_port << "\"\n"
           << "[meta]\n  dir = \"" << (dir / "meta").string() << "\"\n"
           << "[data]\n  dir = \"" << (dir / "data").string() << "\"\n"
           << "  wal-dir = \"" << (dir / "wal").string() << "\"\n"
           << "  query-log-enabled = false\n"
           << "[monitor]\n  store-enabled = false\n"
           << "[http]\n  enabled = true\n  bind-address = \"127.0.0.1:" << http_port_ << "\"\n"
           << "  log-enabled = false\n";
    config.close();
    if (!fs::exists(kInfluxd)) return;
    process_ = std::make_unique<Subprocess>(
        kInfluxd, std::vector<std::string>{"-config", (dir / "influxdb.conf").string()},
        (dir / "influxd.err").string());
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (http_request(http_port_, "GET", "/ping").status == 204) {
        ready_ = true;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  ~Influxd() {
    if (process_) {
      process_->signal(SIGTERM);
      if (process_->wait(10s) < 0) process_->signal(SIGKILL);
    }
  }
  bool ready() const { return ready_; }
  std::uint16_t port() const { return http_port_; }

 private:
  std::uint16_t http_port_;
  std::unique_ptr<Subprocess> process_;
  bool ready_ = false;
};

TEST(InfluxDbSink, RowsWrittenOverHttpAreQueriedBack) {
  const fs::path dir = fs::temp_directory_path() / ("kilp-influx-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Influxd influxd(dir);
  if (!influxd.ready()) {
    GTEST_SKIP() << "influxd could not start (install Debian's influxdb package; log: "
                 << read_file((dir / "influxd.err").string()) << ")";
  }
  ASSERT_EQ(query(influxd.port(), "CREATE DATABASE kilp").status, 200);

  constexpr int kPartitions = 4;
  constexpr std::uint64_t kMessages = 20'000;
  // Every 10,000th message carries its price as a string: InfluxDB refuses it
  // (field type conflict) with a 400 that names no line.
  auto is_conflict = [](std::uint64_t i) { return i % 10'000 == 5'000; };
  tools::MockCluster cluster(1);
  cluster.create_topic("trades", kPartitions);
  cluster.produce("trades", kPartitions, kMessages, [&](std::uint64_t i, std::string& buffer) {
    tools::format_trade_json(tools::make_trade(i), buffer);
    if (is_conflict(i)) {
      const std::size_t at = buffer.find("\"price\":") + 8;
      buffer.replace(at, buffer.find(',', at) - at, "\"oops\"");
    }
    return std::string_view(buffer);
  });

  const std::vector<std::string> args = {
      "--brokers", cluster.bootstrap_servers(), "--topic", "trades", "--group", "it-influx",
      "--sink", "http::addr=127.0.0.1:" + std::to_string(influxd.port()) + ";path=/write?db=kilp;",
      "--dlq", "file::path=" + (dir / "dlq.jsonl").string() + ";", "--symbols", "symbol,side",
      "--timestamp-field", "ts", "--timestamp-units", "us", "--from-beginning", "--exit-at-end",
      "--buffer-kib", "256", "-X", "fetch.wait.max.ms=100", "-X",
      "session.timeout.ms=6000"};
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  const std::string log = read_file((dir / "kilp.err").string());

  simdjson::dom::parser parser;
  const HttpReply count = query(influxd.port(), "SELECT count(amount) FROM trades");
  ASSERT_EQ(count.status, 200) << count.body;
  const simdjson::dom::element count_doc = parser.parse(count.body);
  const std::int64_t rows = count_doc["results"].at(0)["series"].at(0)["values"].at(0).at(1);
  EXPECT_EQ(rows, static_cast<std::int64_t>(kMessages - 2)) << log;

  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{777}, std::uint64_t{12345}, kMessages - 1}) {
    const tools::Trade trade = tools::make_trade(i);
    const HttpReply row = query(influxd.port(), "SELECT price, amount, symbol, side FROM trades "
                                                "WHERE time = " +
                                                    std::to_string(trade.ts_us * 1000));
    ASSERT_EQ(row.status, 200) << row.body;
    const simdjson::dom::element doc = parser.parse(row.body);
    const simdjson::dom::element values = doc["results"].at(0)["series"].at(0)["values"].at(0);
    EXPECT_EQ(std::int64_t(values.at(0)), trade.ts_us * 1000);
    EXPECT_EQ(double(values.at(1)), tools::trade_price(trade)) << i;
    EXPECT_EQ(double(values.at(2)), tools::trade_amount(trade)) << i;
    EXPECT_EQ(std::string_view(values.at(3)), trade.symbol) << i;
    EXPECT_EQ(std::string_view(values.at(4)), trade.side) << i;
  }

  const std::string dead = read_file((dir / "dlq.jsonl").string());
  // At-least-once: a rebalance may hand a partition over before its commit lands,
  // so a refused row can be dead-lettered twice; the distinct messages must be 2.
  std::set<std::string> dead_messages;
  const std::regex where("\"partition\":[0-9]+,\"offset\":[0-9]+");
  for (auto it = std::sregex_iterator(dead.begin(), dead.end(), where);
       it != std::sregex_iterator(); ++it) {
    dead_messages.insert(it->str());
  }
  EXPECT_EQ(dead_messages.size(), 2u) << dead;
  EXPECT_NE(dead.find("\"reason\":\"server_rejected\""), std::string::npos) << dead;
  EXPECT_NE(dead.find("field type conflict"), std::string::npos) << dead;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
