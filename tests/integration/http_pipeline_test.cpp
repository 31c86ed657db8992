// kilp end to end over ILP/HTTP: mock Kafka cluster -> kilp (child process) ->
// a loopback server speaking QuestDB's /write contract, with faults injected on
// either side: server restarts, a 500 spell, kilp SIGKILLed or SIGTERMed and
// restarted, poison rows the server refuses with 400.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "perf/delay_proxy.hpp"
#include "tests/integration/dead_letter_records.hpp"
#include "tests/integration/ilp_http_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/support/strict_ilp_parser.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr std::uint64_t kMessages = 200'000;

// Trade i, or (when poison(i)) the same trade with the symbol the server refuses.
std::string_view trade_message(std::uint64_t i, bool poison, std::string& buffer) {
  const tools::Trade trade = tools::make_trade(i);
  tools::format_trade_json(trade, buffer);
  if (poison) {
    const std::string from = "\"symbol\":\"" + std::string(trade.symbol) + "\"";
    buffer.replace(buffer.find(from), from.size(), "\"symbol\":\"POISON\"");
  }
  return buffer;
}

struct Cluster {
  explicit Cluster(std::uint64_t messages, std::uint64_t poison_every = 0) : mock(1) {
    mock.create_topic("trades", kPartitions);
    mock.produce("trades", kPartitions, messages, [poison_every](std::uint64_t i, std::string& b) {
      return trade_message(i, poison_every != 0 && i % poison_every == poison_every / 2, b);
    });
  }
  tools::MockCluster mock;
};

// The default shards (one per core): the process is one group member whatever
// their number.
std::vector<std::string> kilp_args(const Cluster& cluster, const std::string& group,
                                   const std::string& sink, const fs::path& dir) {
  std::vector<std::string> args =
      kilp_topic_args({cluster.mock.bootstrap_servers(), "trades", group, sink, dir / "dlq.jsonl"});
  args.insert(args.end(), {"--buffer-kib", "256"});
  return args;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Trade number of a row, checking every value against the generator; -1 if bad.
std::int64_t check_trade_row(const IlpRow& row) {
  if (row.table != "trades" || !row.timestamp_ns) {
    ADD_FAILURE() << "unexpected row in table " << row.table;
    return -1;
  }
  const std::int64_t index = *row.timestamp_ns / 1000 - tools::kFirstTradeMicros;
  const tools::Trade trade = tools::make_trade(static_cast<std::uint64_t>(index));
  const std::vector<std::pair<std::string, std::string>> symbols = {
      {"symbol", std::string(trade.symbol)}, {"side", std::string(trade.side)}};
  const std::vector<std::pair<std::string, IlpValue>> columns = {
      {"price", tools::trade_price(trade)}, {"amount", tools::trade_amount(trade)}};
  if (*row.timestamp_ns != trade.ts_us * 1000 || row.symbols != symbols || row.columns != columns) {
    ADD_FAILURE() << "row does not match trade " << index;
    return -1;
  }
  return index;
}

struct Delivery {
  std::uint64_t rows = 0;
  std::uint64_t distinct = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t missing = 0;  // expected trades never accepted
};

// Parses what the server accepted and counts every trade in [0, messages) that
// is expected (not poison).
Delivery check_delivery(const IlpHttpServer& server, std::uint64_t messages,
                        const std::function<bool(std::uint64_t)>& expected) {
  Delivery d;
  const std::string accepted = server.accepted();
  std::vector<std::string_view> lines;
  std::string error;
  EXPECT_TRUE(split_ilp_lines(accepted, lines, error)) << error;
  std::vector<std::uint32_t> seen(messages, 0);
  for (std::string_view line : lines) {
    IlpParseResult parsed = parse_ilp_line(line);
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.error;
      continue;
    }
    const std::int64_t index = check_trade_row(*parsed.row);
    if (index < 0 || index >= static_cast<std::int64_t>(messages) ||
        !expected(static_cast<std::uint64_t>(index))) {
      ADD_FAILURE() << "unexpected trade " << index;
      continue;
    }
    ++d.rows;
    if (seen[index]++ == 0) {
      ++d.distinct;
    } else {
      ++d.duplicates;
    }
  }
  for (std::uint64_t i = 0; i < messages; ++i) {
    if (expected(i) && seen[i] == 0) ++d.missing;
  }
  for (const std::string& e : server.protocol_errors()) ADD_FAILURE() << "protocol: " << e;
  return d;
}

bool every_trade(std::uint64_t) { return true; }

void expect_committed_to_end(const Cluster& cluster, const std::string& group) {
  EXPECT_EQ(committed_offsets(cluster.mock.bootstrap_servers(), group, "trades", kPartitions),
            end_offsets(cluster.mock.bootstrap_servers(), "trades", kPartitions));
}

void report(const std::string& test, const Delivery& d, const IlpHttpServer& server) {
  std::cout << "[ http ] " << test << ": rows " << d.rows << ", distinct " << d.distinct
            << ", duplicates " << d.duplicates << ", missing " << d.missing << ", requests "
            << server.requests() << ", 400s " << server.refused() << ", 500s " << server.failed()
            << ", connections " << server.connections() << "\n";
}

TEST(HttpPipeline, EveryTradeAcknowledgedOnceWithNegotiatedProtocolV2) {
  const fs::path dir = make_temp_dir("http-once");
  Cluster cluster(kMessages);
  IlpHttpServer server({.settings_v2 = true});
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, "ith-once", "http::addr=" + server.address() + ";", dir),
                  (dir / "kilp.err").string());
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  const std::string log = read_file((dir / "kilp.err").string());
  EXPECT_NE(log.find("summary: 200,000 rows delivered"), std::string::npos) << log;
  const Delivery d = check_delivery(server, kMessages, every_trade);
  report("once", d, server);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.duplicates, 0u);
  // Protocol 2 writes doubles in binary: '=' then '=' and the type byte.
  EXPECT_NE(server.accepted().find("price=="), std::string::npos);
  expect_committed_to_end(cluster, "ith-once");
}

TEST(HttpPipeline, ServerRestartedTwiceMidStreamLosesNothing) {
  const fs::path dir = make_temp_dir("http-restart");
  Cluster cluster(kMessages);
  IlpHttpServer server({.response_delay = 5ms});
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, "ith-restart", "http::addr=" + server.address() + ";", dir),
                  (dir / "kilp.err").string());
  ASSERT_TRUE(wait_until([&] { return server.accepted_rows() >= 40'000; }, 60s));
  server.restart(400ms);
  ASSERT_TRUE(wait_until([&] { return server.restarts() == 1; }, 10s));
  ASSERT_TRUE(wait_until([&] { return server.accepted_rows() >= 120'000; }, 60s));
  EXPECT_LT(server.accepted_rows(), kMessages) << "not mid-stream any more";
  server.restart(400ms);
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  EXPECT_EQ(server.restarts(), 2u);
  const Delivery d = check_delivery(server, kMessages, every_trade);
  report("server restarted twice", d, server);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.distinct, kMessages);
  expect_committed_to_end(cluster, "ith-restart");
}

TEST(HttpPipeline, ServerAnswering500ForFiveSecondsLosesNothing) {
  const fs::path dir = make_temp_dir("http-500");
  Cluster cluster(kMessages);
  IlpHttpServer server({.response_delay = 5ms});
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, "ith-500", "http::addr=" + server.address() + ";", dir),
                  (dir / "kilp.err").string());
  ASSERT_TRUE(wait_until([&] { return server.accepted_rows() >= 50'000; }, 60s));
  server.set_failing(true);
  std::this_thread::sleep_for(5s);
  server.set_failing(false);
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  const Delivery d = check_delivery(server, kMessages, every_trade);
  report("500 for 5 s", d, server);
  EXPECT_GT(server.failed(), 3u);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.distinct, kMessages);
  expect_committed_to_end(cluster, "ith-500");
}

TEST(HttpPipeline, StoppedWhileTheSinkRefusesEverythingExitsNonZeroAndSaysWhatIsUndelivered) {
  const fs::path dir = make_temp_dir("http-undelivered");
  Cluster cluster(kMessages);
  IlpHttpServer server({.response_delay = 5ms});
  auto args = kilp_args(cluster, "ith-undelivered", "http::addr=" + server.address() + ";", dir);
  args.insert(args.end(), {"--drain-timeout-ms", "1500"});
  Subprocess kilp(kKilpBinary, args, (dir / "kilp.err").string());
  ASSERT_TRUE(wait_until([&] { return server.accepted_rows() >= 20'000; }, 60s));
  server.set_failing(true);
  std::this_thread::sleep_for(1s);
  kilp.signal(SIGTERM);
  const int exit_code = kilp.wait(60s);
  const std::string log = read_file((dir / "kilp.err").string());
  EXPECT_EQ(exit_code, 1) << log;
  EXPECT_NE(log.find("consumed but not delivered"), std::string::npos) << log;
  EXPECT_NE(log.find("uncommitted: trades ["), std::string::npos) << log;
  // Nothing undelivered was committed: a second run with a healthy server gets the rest.
  server.set_failing(false);
  args.erase(std::find(args.begin(), args.end(), "--drain-timeout-ms"), args.end());
  Subprocess again(kKilpBinary, args, (dir / "kilp-2.err").string());
  EXPECT_EQ(again.wait(120s), 0) << read_file((dir / "kilp-2.err").string());
  const Delivery d = check_delivery(server, kMessages, every_trade);
  EXPECT_EQ(d.missing, 0u);
  expect_committed_to_end(cluster, "ith-undelivered");
}

// Runs kilp, sends `signo` once the server accepted `after_rows`, then runs kilp
// again with the same group to the end.
Delivery stop_and_resume(const std::string& name, int signo, std::uint64_t after_rows,
                         int& first_exit) {
  const fs::path dir = make_temp_dir("http-" + name);
  Cluster cluster(kMessages);
  IlpHttpServer server({.response_delay = 5ms});
  const std::string group = "ith-" + name;
  const auto args = kilp_args(cluster, group, "http::addr=" + server.address() + ";", dir);
  {
    Subprocess kilp(kKilpBinary, args, (dir / "kilp-1.err").string());
    EXPECT_TRUE(wait_until([&] { return server.accepted_rows() >= after_rows; }, 60s));
    kilp.signal(signo);
    first_exit = kilp.wait(60s);
  }
  EXPECT_LT(server.accepted_rows(), kMessages) << "kilp finished before the signal";
  Subprocess kilp(kKilpBinary, args, (dir / "kilp-2.err").string());
  EXPECT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp-2.err").string());
  const Delivery d = check_delivery(server, kMessages, every_trade);
  report(name, d, server);
  expect_committed_to_end(cluster, group);
  return d;
}

TEST(HttpPipeline, SigkillMidStreamThenRestartLosesNothing) {
  int first_exit = 0;
  const Delivery d = stop_and_resume("sigkill", SIGKILL, 80'000, first_exit);
  EXPECT_EQ(first_exit, 128 + SIGKILL);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.distinct, kMessages);
  RecordProperty("duplicates", static_cast<int>(d.duplicates));
}

TEST(HttpPipeline, SigtermMidStreamThenRestartHasNoLossAndNoDuplicates) {
  int first_exit = -1;
  const Delivery d = stop_and_resume("sigterm", SIGTERM, 80'000, first_exit);
  EXPECT_EQ(first_exit, 0);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.duplicates, 0u);
  EXPECT_EQ(d.distinct, kMessages);
}

// (partition, offset) -> its dead letter; each position once.
std::map<std::pair<std::int64_t, std::int64_t>, DeadLetterRecord> dead_letters_by_position(
    const fs::path& path) {
  std::map<std::pair<std::int64_t, std::int64_t>, DeadLetterRecord> found;
  for (DeadLetterRecord& letter : read_dead_letters(path.string())) {
    const std::pair position{letter.partition, letter.offset};
    EXPECT_TRUE(found.emplace(position, std::move(letter)).second)
        << "dead letter twice: " << position.first << "@" << position.second;
  }
  return found;
}

void check_poison_run(const std::string& name, std::uint64_t messages, std::uint64_t every,
                      bool name_bad_line, int poison_status = 400) {
  const fs::path dir = make_temp_dir("http-" + name);
  Cluster cluster(messages, every);
  IlpHttpServer server({.name_bad_line = name_bad_line, .poison_status = poison_status});
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, "ith-" + name, "http::addr=" + server.address() + ";", dir),
                  (dir / "kilp.err").string());
  ASSERT_EQ(kilp.wait(120s), 0) << read_file((dir / "kilp.err").string());
  const std::string log = read_file((dir / "kilp.err").string());
  auto is_poison = [every](std::uint64_t i) { return i % every == every / 2; };
  const Delivery d = check_delivery(server, messages, [&](std::uint64_t i) { return !is_poison(i); });
  report(name, d, server);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.duplicates, 0u);

  const auto found = dead_letters_by_position(dir / "dlq.jsonl");
  std::set<std::pair<std::int64_t, std::int64_t>> expected;
  for (std::uint64_t i = 0; i < messages; ++i) {
    if (is_poison(i)) {
      expected.insert({static_cast<std::int64_t>(i % kPartitions),
                       static_cast<std::int64_t>(i / kPartitions)});
    }
  }
  std::set<std::pair<std::int64_t, std::int64_t>> found_keys;
  for (const auto& [key, letter] : found) {
    found_keys.insert(key);
    EXPECT_EQ(letter.reason, "server_rejected");
    EXPECT_NE(letter.detail.find("poison value"), std::string::npos) << letter.detail;
    // The original record, read back from Kafka, and the ILP line it became.
    EXPECT_EQ(letter.payload.rfind("{", 0), 0u) << letter.payload;
    EXPECT_NE(letter.payload.find("\"POISON\""), std::string::npos) << letter.payload;
    EXPECT_EQ(letter.ilp_line.rfind("trades,symbol=POISON,", 0), 0u) << letter.ilp_line;
  }
  EXPECT_EQ(found_keys, expected) << log;
  expect_committed_to_end(cluster, "ith-" + name);
}

TEST(HttpPipeline, PoisonRowsBecomeDeadLettersWithTheServersReason) {
  check_poison_run("poison", kMessages, 10'000, true);
}

TEST(HttpPipeline, PoisonRowsWithoutLineNumbersAreFoundByHalving) {
  check_poison_run("poison-halving", 20'000, 2'500, false);
}

// QuestDB 7.4 answers a value it cannot cast with 500 and its JSON error: after a
// few retries the row is isolated and dead-lettered, and the rows around it land.
TEST(HttpPipeline, PoisonRowsAnswered500AreIsolatedAfterRetries) {
  check_poison_run("poison-500", 20'000, 5'000, true, 500);
}

TEST(HttpPipeline, PoisonRowsAnswered500WithoutLineNumbersAreFoundByHalving) {
  check_poison_run("poison-500-halving", 8'000, 4'000, false, 500);
}

// QuestDB in another zone: every byte through a proxy that holds it 50 ms each
// way (100 ms round trip), several requests in flight per shard, the server
// answering every 7th request 500 and refusing poison rows with 400, and every
// connection reset once mid-stream. Each trade lands; only requests whose answer
// died with a connection may land twice; every poison row is one dead letter.
TEST(HttpPipeline, OverA100msLinkWithFaultsEveryRowLandsAndOffsetsAreCommitted) {
  constexpr std::uint64_t kLinkMessages = 60'000;
  constexpr std::uint64_t kPoisonEvery = 5'000;
  constexpr std::size_t kInFlight = 4;
  const fs::path dir = make_temp_dir("http-long-link");
  Cluster cluster(kLinkMessages, kPoisonEvery);
  IlpHttpServer server({.fail_every = 7});
  perf::DelayProxy proxy(server.address(), 50ms);
  const std::string group = "ith-long-link";
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, group,
                            "http::addr=" + proxy.address() +
                                ";max_in_flight=" + std::to_string(kInFlight) + ";",
                            dir),
                  (dir / "kilp.err").string());
  ASSERT_TRUE(wait_until([&] { return server.accepted_rows() >= kLinkMessages / 3; }, 120s))
      << read_file((dir / "kilp.err").string());
  const std::size_t reset = proxy.drop_connections();
  ASSERT_EQ(kilp.wait(180s), 0) << read_file((dir / "kilp.err").string());
  const std::string log = read_file((dir / "kilp.err").string());
  // The retries and refusals were logged, each line naming its shard.
  EXPECT_TRUE(log.find("kilp: shard 0: ILP/HTTP sink") != std::string::npos ||
              log.find("kilp: shard 1: ILP/HTTP sink") != std::string::npos)
      << log;

  auto is_poison = [](std::uint64_t i) { return i % kPoisonEvery == kPoisonEvery / 2; };
  const Delivery d =
      check_delivery(server, kLinkMessages, [&](std::uint64_t i) { return !is_poison(i); });
  report("long-link", d, server);
  std::cout << "[ http ] long-link: connections reset " << reset << ", proxy connections "
            << proxy.connections_accepted() << "\n";
  EXPECT_EQ(d.missing, 0u);
  // A request the server accepted but whose 204 was still on the link when the
  // connection died is sent again: at most one buffer per request in flight.
  // A buffer holds at most --buffer-kib / 32 rows (the HTTP sink's row index).
  const std::uint64_t rows_per_buffer = 256 * 1024 / 32;
  EXPECT_LE(d.duplicates, reset * rows_per_buffer);
  EXPECT_GE(reset, 1u);
  EXPECT_GE(server.failed(), 1u);
  EXPECT_GE(server.refused(), 1u);
  EXPECT_GT(proxy.connections_accepted(), reset);  // the reset connections came back

  std::set<std::pair<std::int64_t, std::int64_t>> expected, found;
  for (std::uint64_t i = 0; i < kLinkMessages; ++i) {
    if (is_poison(i)) {
      expected.insert({static_cast<std::int64_t>(i % kPartitions),
                       static_cast<std::int64_t>(i / kPartitions)});
    }
  }
  for (const auto& [key, letter] : dead_letters_by_position(dir / "dlq.jsonl")) {
    found.insert(key);
    EXPECT_EQ(letter.reason, "server_rejected");
  }
  EXPECT_EQ(found, expected) << log;
  expect_committed_to_end(cluster, group);
}

TEST(HttpPipeline, NotAnIlpEndpointIsAClearError) {
  const fs::path dir = make_temp_dir("http-404");
  Cluster cluster(100);
  IlpHttpServer server;
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster, "ith-404",
                            "http::addr=" + server.address() + ";path=/nowhere;", dir),
                  (dir / "kilp.err").string());
  EXPECT_EQ(kilp.wait(60s), 1);
  const std::string log = read_file((dir / "kilp.err").string());
  EXPECT_NE(log.find("not an ILP over HTTP endpoint"), std::string::npos) << log;
}

}  // namespace
}  // namespace kilp::testing
