// The bad-message corpus (tests/corpus) mixed with good trades, through the real
// kilp binary: kilp survives every message, each bad one lands in the dead-letter
// sink (a JSONL file, or a Kafka topic with Kafka Connect's DLQ headers) with the
// reason the manifest names, and every good message arrives.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/integration/ilp_http_server.hpp"
#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/support/strict_ilp_parser.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kCorpus = KILP_SOURCE_DIR "/tests/corpus";

struct CorpusMessage {
  std::string file;
  std::string reason;  // "ok" = must arrive as a row
  std::string payload;
};

std::vector<CorpusMessage> load_corpus() {
  std::vector<CorpusMessage> out;
  std::ifstream manifest(kCorpus + "/MANIFEST");
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    CorpusMessage m;
    fields >> m.file >> m.reason;
    std::ifstream in(kCorpus + "/" + m.file, std::ios::binary);
    m.payload.assign(std::istreambuf_iterator<char>(in), {});
    out.push_back(std::move(m));
  }
  return out;
}

fs::path make_temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("kilp-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The corpus spread through `good` trades on `partitions` partitions.
struct MixedTopic {
  std::vector<CorpusMessage> corpus;
  std::map<std::uint64_t, std::size_t> corpus_at;  // message index -> corpus entry
  std::vector<std::int64_t> trade_of;              // message index -> trade number or -1
  std::uint64_t total = 0;
  int partitions = 2;

  MixedTopic(std::uint64_t good, int partition_count) : partitions(partition_count) {
    corpus = load_corpus();
    total = good + corpus.size();
    trade_of.assign(total, -1);
    const std::uint64_t every = good / corpus.size();
    std::uint64_t trade = 0;
    for (std::uint64_t i = 0; i < total; ++i) {
      if (i % (every + 1) == every && corpus_at.size() < corpus.size()) {
        corpus_at[i] = corpus_at.size();
      } else {
        trade_of[i] = static_cast<std::int64_t>(trade++);
      }
    }
  }

  void produce(tools::MockCluster& cluster, const std::string& topic) const {
    cluster.create_topic(topic, partitions);
    cluster.produce(topic, partitions, total, [&](std::uint64_t i, std::string& buffer) {
      if (auto it = corpus_at.find(i); it != corpus_at.end()) {
        return std::string_view(corpus[it->second].payload);
      }
      return tools::format_trade_json(tools::make_trade(static_cast<std::uint64_t>(trade_of[i])),
                                      buffer);
    });
  }

  // (partition, offset) -> reason of every corpus message that must be a dead letter.
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> expected_dead_letters() const {
    std::map<std::pair<std::int64_t, std::int64_t>, std::string> out;
    for (const auto& [i, c] : corpus_at) {
      if (corpus[c].reason == "ok") continue;
      out[{static_cast<std::int64_t>(i % partitions), static_cast<std::int64_t>(i / partitions)}] =
          corpus[c].reason;
    }
    return out;
  }

  std::size_t expected_rows() const {
    std::size_t ok = 0;
    for (const auto& entry : corpus) ok += entry.reason == "ok";
    return total - corpus.size() + ok;
  }
};

std::vector<std::string> kilp_args(const std::string& bootstrap, const std::string& topic,
                                   const std::string& group, const std::string& sink,
                                   const std::string& dlq) {
  return {"--brokers", bootstrap, "--topic", topic, "--group", group, "--sink", sink,
          "--dlq", dlq, "--symbols", "symbol,side", "--timestamp-field", "ts",
          "--from-beginning", "--exit-at-end", "--stats-interval", "1",
          "-X", "fetch.wait.max.ms=100", "-X", "session.timeout.ms=6000"};
}

// Checks the rows: every trade once, plus the corpus's good messages.
void check_rows(const IlpTcpServer& server, const MixedTopic& mixed, const std::string& log) {
  std::set<std::int64_t> trades;
  std::size_t rows = 0;
  for (const std::string& stream : server.streams()) {
    std::vector<std::string_view> lines;
    std::string error;
    ASSERT_TRUE(split_ilp_lines(stream, lines, error)) << error;
    for (std::string_view line : lines) {
      const IlpParseResult parsed = parse_ilp_line(line);
      ASSERT_TRUE(parsed.ok()) << parsed.error;
      ++rows;
      // Trades have a price column; the corpus's good messages have none.
      const auto& columns = parsed.row->columns;
      if (!columns.empty() && columns[0].first == "price") {
        trades.insert(parsed.row->timestamp_ns.value_or(0) / 1000 - tools::kFirstTradeMicros);
      }
    }
  }
  EXPECT_EQ(rows, mixed.expected_rows()) << log;
  EXPECT_EQ(trades.size(), mixed.total - mixed.corpus.size()) << log;
}

TEST(CorpusPipeline, EveryBadMessageIsADeadLetterWithItsReasonAndEveryGoodOneArrives) {
  const MixedTopic mixed(10'000, 2);
  const fs::path dir = make_temp_dir("corpus");
  tools::MockCluster cluster(1);
  mixed.produce(cluster, "corpus");
  IlpTcpServer server;
  Subprocess kilp(kKilpBinary,
                  kilp_args(cluster.bootstrap_servers(), "corpus", "it-corpus",
                            "tcp::addr=" + server.address() + ";",
                            "file::path=" + (dir / "dlq.jsonl").string() + ";"),
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(180s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  check_rows(server, mixed, log);

  std::map<std::pair<std::int64_t, std::int64_t>, std::string> found;
  simdjson::ondemand::parser parser;
  const std::string text = read_file((dir / "dlq.jsonl").string());
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    simdjson::padded_string line(text.substr(start, end - start));
    simdjson::ondemand::document doc = parser.iterate(line);
    const std::int64_t partition = doc["partition"].get_int64();
    const std::int64_t offset = doc["offset"].get_int64();
    const std::string reason(std::string_view(doc["reason"].get_string().value()));
    EXPECT_TRUE(found.emplace(std::pair{partition, offset}, reason).second);
    start = end + 1;
  }
  EXPECT_EQ(found, mixed.expected_dead_letters()) << log;
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-corpus", "corpus", 2),
            end_offsets(cluster.bootstrap_servers(), "corpus", 2));
}

// Dead letters to a Kafka topic are tested in kafka_dead_letter_test.cpp, against
// kilp-mock running as its own process.

// Runs kilp over `cluster` with the mapping in dir/kilp.toml, dead letters to
// dir/dlq.jsonl, until the topics' end; returns the ILP it wrote and its stderr.
std::string run_with_config(const fs::path& dir, const tools::MockCluster& cluster,
                            const std::string& group, std::string& log) {
  IlpTcpServer server;
  Subprocess kilp(kKilpBinary,
                  {"--brokers", cluster.bootstrap_servers(), "--config", (dir / "kilp.toml").string(),
                   "--group", group, "--sink", "tcp::addr=" + server.address() + ";", "--dlq",
                   "file::path=" + (dir / "dlq.jsonl").string() + ";", "--from-beginning",
                   "--exit-at-end", "-X", "fetch.wait.max.ms=100"},
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(120s);
  log = read_file((dir / "kilp.err").string());
  EXPECT_EQ(exit_code, 0) << log;
  std::string all;
  for (const auto& stream : server.streams()) all += stream;
  return all;
}

TEST(CorpusPipeline, MappingFromATomlFile) {
  const fs::path dir = make_temp_dir("toml");
  tools::MockCluster cluster(1);
  cluster.create_topic("sensors", 1);
  cluster.produce("sensors", 1, 3, [](std::uint64_t i, std::string& buffer) {
    buffer = R"({"dev":{"id":"d)" + std::to_string(i) + R"(","t":)" + std::to_string(20 + i) +
             R"(},"secret":1,"at":"2024-01-02 03:04:0)" + std::to_string(i) + R"("})";
    return std::string_view(buffer);
  });
  {
    std::ofstream toml(dir / "kilp.toml");
    toml << "separator = \".\"\n"
            "[topics.sensors]\n"
            "table = \"${topic}_p${partition}\"\n"
            "separator = \"_\"\n"
            "symbols = [\"dev_id\"]\n"
            "doubles = [\"dev_t\"]\n"
            "exclude = [\"secret\"]\n"
            "rename = { dev_t = \"temperature\" }\n"
            "timestamp_field = \"at\"\n"
            "timestamp_format = \"yyyy-MM-dd HH:mm:ss\"\n";
  }
  std::string log;
  const std::string all = run_with_config(dir, cluster, "it-toml", log);
  EXPECT_EQ(all,
            "sensors_p0,dev_id=d0 temperature=20 1704164640000000000\n"
            "sensors_p0,dev_id=d1 temperature=21 1704164641000000000\n"
            "sensors_p0,dev_id=d2 temperature=22 1704164642000000000\n")
      << log;
}

// Issue 10 through the real binary: Kafka Connect envelopes, a table named by a
// value field, a composed designated timestamp with a zone name (server time when
// it is absent), a timestamp column, partition and offset columns, and the dead
// letters of a message without payload and of a zone kilp cannot know.
TEST(CorpusPipeline, ConnectorParityMappingFromATomlFile) {
  const fs::path dir = make_temp_dir("parity");
  tools::MockCluster cluster(1);
  const std::vector<std::string> messages = {
      R"({"schema":{"type":"struct"},"payload":{"region":"eu","v":1,"created":1700000000123,)"
      R"("m":[],"date":"2024-01-02","time":"03:04:05 UTC"}})",
      R"({"schema":{"type":"struct"}})",
      R"({"payload":{"region":"us","v":2}})",
      R"({"payload":{"region":"eu","v":3,"date":"2024-01-02","time":"03:04:05 CET"}})",
  };
  produce_messages(cluster, "parity", 1, messages);
  {
    std::ofstream toml(dir / "kilp.toml");
    toml << "[topics.parity]\n"
            "value_format = \"envelope\"\n"
            "table = \"${region}_t\"\n"
            "symbols = [\"region\"]\n"
            "timestamp_field = [\"date\", \"time\"]\n"
            "timestamp_format = \"yyyy-MM-ddHH:mm:ss z\"\n"
            "missing_timestamp = \"server\"\n"
            "timestamp_columns = [\"created\"]\n"
            "timestamp_units = \"ms\"\n"
            "kafka_partition_column = \"kp\"\n"
            "kafka_offset_column = \"ko\"\n";
  }
  std::string log;
  const std::string all = run_with_config(dir, cluster, "it-parity", log);
  EXPECT_EQ(all,
            "eu_t,region=eu kp=0i,ko=0i,v=1i,created=1700000000123000t 1704164645000000000\n"
            "us_t,region=us kp=0i,ko=2i,v=2i\n")
      << log;
  const std::string dead = read_file((dir / "dlq.jsonl").string());
  EXPECT_NE(dead.find(R"("reason":"missing_field")"), std::string::npos) << dead;
  EXPECT_NE(dead.find(R"("reason":"bad_timestamp")"), std::string::npos) << dead;
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 2) << dead;
}

// --explode over ILP/HTTP: every exploded row has its own entry in the request's row
// index, so a row the server refuses (by line number) is found among its siblings
// and the other rows of the same message still land.
TEST(CorpusPipeline, ExplodedRowsOverHttpWithARefusedRow) {
  const fs::path dir = make_temp_dir("explode");
  tools::MockCluster cluster(1);
  const std::vector<std::string> messages = {
      R"({"venue":"X","ts":1700000000,"trades":[{"symbol":"A","p":1},{"symbol":"POISON","p":2},)"
      R"({"symbol":"B","p":3}]})",
      R"({"venue":"Y","ts":1700000001,"trades":[{"symbol":"C","p":4}]})",
      R"({"venue":"Z","ts":1700000002,"trades":[]})",
      R"({"venue":"Z","ts":1700000003})",
  };
  produce_messages(cluster, "explode", 1, messages);
  IlpHttpServer server;
  Subprocess kilp(kKilpBinary,
                  {"--brokers", cluster.bootstrap_servers(), "--topic", "explode", "--group",
                   "it-explode", "--sink", "http::addr=" + server.address() + ";", "--dlq",
                   "file::path=" + (dir / "dlq.jsonl").string() + ";", "--explode", "trades",
                   "--symbols", "symbol", "--timestamp-field", "ts", "--timestamp-units", "s",
                   "--from-beginning", "--exit-at-end", "-X",
                   "fetch.wait.max.ms=100"},
                  (dir / "kilp.err").string());
  const int exit_code = kilp.wait(120s);
  const std::string log = read_file((dir / "kilp.err").string());
  ASSERT_EQ(exit_code, 0) << log;
  std::multiset<std::string> rows;
  const std::string accepted = server.accepted();
  for (std::size_t start = 0, end; (end = accepted.find('\n', start)) != std::string::npos;
       start = end + 1) {
    rows.insert(accepted.substr(start, end + 1 - start));
  }
  // The refused POISON row takes its message's other rows (A, B) with it.
  EXPECT_EQ(rows,
            (std::multiset<std::string>{"explode,symbol=C venue=\"Y\",p=4i 1700000001000000000\n"}))
      << log;
  std::map<std::int64_t, std::string> reasons;
  simdjson::ondemand::parser parser;
  const std::string text = read_file((dir / "dlq.jsonl").string());
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    simdjson::padded_string line(text.substr(start, end - start));
    simdjson::ondemand::document doc = parser.iterate(line);
    const std::int64_t offset = doc["offset"].get_int64();
    reasons[offset] = std::string(std::string_view(doc["reason"].get_string().value()));
    if (offset == 0) {  // one dead letter with all three of the message's rows
      const std::string_view ilp_line = doc["ilp_line"].get_string().value();
      EXPECT_EQ(std::count(ilp_line.begin(), ilp_line.end(), '\n'), 3) << ilp_line;
    }
  }
  EXPECT_EQ(reasons, (std::map<std::int64_t, std::string>{
                         {0, "server_rejected"}, {2, "empty_row"}, {3, "missing_field"}}))
      << text << log;
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "it-explode", "explode", 1),
            end_offsets(cluster.bootstrap_servers(), "explode", 1));
}

}  // namespace
}  // namespace kilp::testing
