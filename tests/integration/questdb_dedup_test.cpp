// Exactly-once rows with --dedup-keys against the real QuestDB (fixture questdb; the
// hand-off also reads the real Kafka broker, fixture kafka_broker; QuestDB 7.4 is
// fixture questdb_old). At-least-once delivery repeats rows after kill -9 of kilp, a
// hand-off between two processes and a QuestDB crash; the DEDUP UPSERT KEYS kilp sets
// up before consuming must absorb every repeat. Each scenario ends with count() equal
// to the messages produced and every key once, and prints how many rows kilp wrote
// against how many the table holds. Start-up: a missing table is created with the
// keys, an existing one is checked, and one that does not match stops kilp before it
// consumes anything.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/questdb_crash.hpp"
#include "tests/integration/steady_producer.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"
#include "tests/servers/questdb_server.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kPartitionOffsetKeys = "kafka_partition,kafka_offset";
// Trades share a timestamp this many at a time: the keys, not the timestamp, tell the
// rows apart, so a key kilp got wrong would merge rows and show in count().
constexpr std::uint64_t kTradesPerTimestamp = 16;

// Trade i with its id, timestamps shared as above.
std::string_view trade_with_id(std::uint64_t i, std::string& out) {
  const tools::Trade t = tools::make_trade(i);
  out = fmt::format(R"({{"trade_id":{},"symbol":"{}","side":"{}","price":{}.{:02},"ts":{}}})", i,
                    t.symbol, t.side, t.price_cents / 100, t.price_cents % 100,
                    tools::kFirstTradeMicros + static_cast<std::int64_t>(i / kTradesPerTimestamp));
  return out;
}

void produce_trades_with_id(tools::MockCluster& cluster, const std::string& topic, int partitions,
                            std::uint64_t messages) {
  cluster.create_topic(topic, partitions);
  cluster.produce(topic, partitions, messages, trade_with_id);
}

// kilp's flags for the trades of `topic`, from the beginning to the end as `group`
// (kilp_topic_args), trade_id a long, the Kafka partition and offset as columns.
std::vector<std::string> kilp_args(const std::string& bootstrap, const std::string& topic,
                                   const std::string& group, const std::string& sink,
                                   const fs::path& dir) {
  std::vector<std::string> args =
      kilp_topic_args({bootstrap, topic, group, sink, dir / "dlq.jsonl"});
  args.insert(args.end(), {"--integers", "trade_id", "--kafka-partition-column", "kafka_partition",
                           "--kafka-offset-column", "kafka_offset"});
  return args;
}

std::vector<std::string> with(std::vector<std::string> args,
                              std::initializer_list<std::string> more) {
  args.insert(args.end(), more);
  return args;
}

// Several kilp processes at once (to the end of their topics); logs in dir/kilp-N.err.
std::vector<KilpRun> run_kilps(const std::vector<std::vector<std::string>>& runs,
                               const fs::path& dir) {
  std::vector<std::unique_ptr<Subprocess>> processes;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    processes.push_back(std::make_unique<Subprocess>(
        kKilpBinary, runs[i], (dir / fmt::format("kilp-{}.err", i)).string()));
  }
  std::vector<KilpRun> results;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    KilpRun& run = results.emplace_back();
    run.exit_code = processes[i]->wait(120s);
    run.log = read_file((dir / fmt::format("kilp-{}.err", i)).string());
  }
  return results;
}

// "kilp: summary: 1,234 rows delivered": rows the sink acknowledged; -1 without a summary.
std::int64_t rows_delivered(const std::string& log) {
  std::smatch match;
  if (!std::regex_search(log, match, std::regex("kilp: summary: ([0-9,]+) rows delivered"))) {
    return -1;
  }
  std::string digits = match[1];
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  return std::stoll(digits);
}

// Rows DEDUP dropped from `table` since QuestDB started (QuestDB 9's tables() tells);
// -1 where it does not (7.4).
std::int64_t rows_deduplicated(const QuestDbServer& questdb, const std::string& table) {
  if (questdb.major_version() < 9) return -1;
  return questdb
      .exec("select wal_dedup_row_count_since_start from tables() where table_name = '" + table +
            "'")
      .rows.at(0)
      .at(0)
      .as_int();
}

struct KeyedTable {
  std::string name;
  std::string keys;         // the --dedup-keys columns, comma-separated
  std::string trade_index;  // SQL giving the trade's index from a row
  int partitions = 0;       // message i went to partition i % partitions, offset i / partitions
};

// Up to five keys of `table` with more than one row, one per line.
std::string keys_twice(const QuestDbServer& questdb, const std::string& per_key) {
  const SqlResult twice = questdb.exec("select * from (" + per_key + ") where n > 1 limit 5");
  std::string text;
  for (std::size_t r = 0; r < twice.rows.size(); ++r) text += twice.row_json(r) + "\n";
  return text;
}

// count() equals `messages`, every trade 0..messages-1 is there, every key once, and
// the Kafka columns are those of the trade's record.
void expect_every_key_once(const QuestDbServer& questdb, const KeyedTable& table,
                           std::int64_t messages) {
  questdb.wait_until_applied(table.name, 60s);
  EXPECT_EQ(
      questdb
          .exec(fmt::format("select count(), count_distinct({0}), min({0}), max({0}) from {1}",
                            table.trade_index, table.name))
          .row_json(0),
      fmt::format("[{},{},0,{}]", messages, messages, messages - 1))
      << table.name << ": rows, distinct trades, first and last trade";
  // Distinct keys and the most rows of one key. (QuestDB 9.3 and 7.4 answer
  // `select count() from (select k, count() n from t) where n > 1` without the
  // grouping: 1 whatever the data. max(n) is right.)
  const std::string per_key = fmt::format("select {}, count() n from {}", table.keys, table.name);
  EXPECT_EQ(questdb.exec("select count(), max(n) from (" + per_key + ")").row_json(0),
            fmt::format("[{},1]", messages))
      << table.name << ": distinct keys, most rows of one key; keys twice:\n"
      << keys_twice(questdb, per_key);
  if (table.partitions > 0) {
    EXPECT_EQ(questdb
                  .exec(fmt::format("select count() from {} where kafka_offset * {} + "
                                    "kafka_partition != {}",
                                    table.name, table.partitions, table.trade_index))
                  .row_json(0),
              "[0]")
        << table.name << ": rows whose Kafka partition and offset are not their trade's";
  }
}

// The scenario's figures: the rows kilp wrote into `table` against the rows it holds,
// and what QuestDB counted as deduplicated (since it started; QuestDB 9 only).
void print_figures(const QuestDbServer& questdb, const std::string& scenario,
                   const std::string& table, std::int64_t written, std::int64_t messages) {
  const std::int64_t deduplicated = rows_deduplicated(questdb, table);
  std::printf(
      "[ dedup ] %s, table %s: kilp wrote %lld rows for %lld messages, the table holds %lld: "
      "DEDUP absorbed %lld replays (QuestDB counted %s)\n",
      scenario.c_str(), table.c_str(), static_cast<long long>(written),
      static_cast<long long>(messages), static_cast<long long>(questdb.count(table)),
      static_cast<long long>(written - messages),
      deduplicated < 0 ? "n/a" : std::to_string(deduplicated).c_str());
}

// Messages a group committed over `offsets` (a partition without a commit: none).
std::int64_t committed_messages(const std::vector<std::int64_t>& offsets) {
  std::int64_t messages = 0;
  for (const std::int64_t offset : offsets) messages += std::max<std::int64_t>(offset, 0);
  return messages;
}

// Scenario 1. Two topics of the same trades into two tables, one keyed by the Kafka
// partition and offset, the other by the trade id (a mapping file, as a user with
// several topics writes it). kilp commits every second here, so the kill leaves up to a
// second of delivered rows uncommitted: the restart writes them again.
TEST(QuestDbDedup, KilpKilledMidStreamAndRestartedLeavesEveryKeyOnce) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  constexpr std::uint64_t kMessages = 150'000;  // per topic
  constexpr int kPartitions = 4;                // 150,000 trades of ~95 B: 3.6 MiB each
  const KeyedTable by_offset{QuestDbServer::unique_table("dedup_kill_offset"),
                             "kafka_partition, kafka_offset", "trade_id", kPartitions};
  const KeyedTable by_id{QuestDbServer::unique_table("dedup_kill_id"), "trade_id", "trade_id",
                         kPartitions};
  const fs::path dir = make_temp_dir("questdb-dedup-kill");
  tools::MockCluster cluster(1);
  produce_trades_with_id(cluster, "by_offset", kPartitions, kMessages);
  produce_trades_with_id(cluster, "by_id", kPartitions, kMessages);
  std::ofstream(dir / "mapping.toml") << fmt::format(
      "[topics.by_offset]\ntable = \"{}\"\ndedup_keys = [\"kafka_partition\", \"kafka_offset\"]\n"
      "[topics.by_id]\ntable = \"{}\"\ndedup_keys = [\"trade_id\"]\n",
      by_offset.name, by_id.name);
  const std::vector<std::string> args = with(
      kilp_args(cluster.bootstrap_servers(), "by_offset", "dedup-kill", questdb.http_sink(), dir),
      {"--config", (dir / "mapping.toml").string(), "--commit-interval-ms", "1000",
       // The mock holds the group for the killed member's session, then as long again.
       "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=500"});

  // Visible rows trail the rows delivered (QuestDB applies WAL transactions a moment
  // later): a tenth visible is about a third delivered.
  Subprocess first(kKilpBinary, args, (dir / "first.err").string());
  const std::int64_t visible = questdb.wait_for_rows(by_offset.name, kMessages / 10, 90s);
  first.signal(SIGKILL);
  EXPECT_EQ(first.wait(10s), 128 + SIGKILL);
  const std::string first_log = read_file((dir / "first.err").string());
  ASSERT_GE(visible, static_cast<std::int64_t>(kMessages / 10)) << first_log;
  EXPECT_NE(first_log.find("created with DEDUP UPSERT KEYS(timestamp, trade_id)"),
            std::string::npos)
      << first_log;
  // What the killed process left in each table, and how far its group committed.
  const std::pair<const KeyedTable*, std::string> tables[] = {{&by_offset, "by_offset"},
                                                              {&by_id, "by_id"}};
  std::int64_t left[2], committed[2];
  for (int t = 0; t < 2; ++t) {
    questdb.wait_until_applied(tables[t].first->name, 60s);
    left[t] = questdb.count(tables[t].first->name);
    committed[t] = committed_messages(committed_offsets(cluster.bootstrap_servers(), "dedup-kill",
                                                        tables[t].second, kPartitions));
  }
  ASSERT_LT(committed[0] + committed[1], static_cast<std::int64_t>(2 * kMessages))
      << "the group committed everything before the kill";

  const KilpRun second = run_kilp(args, dir);
  ASSERT_EQ(second.exit_code, 0) << second.log;
  EXPECT_NE(second.log.find("checked with DEDUP UPSERT KEYS(timestamp, kafka_partition, "
                            "kafka_offset)"),
            std::string::npos)
      << second.log;
  // The restart resumed at the committed offsets and delivered the rest once.
  EXPECT_EQ(rows_delivered(second.log),
            static_cast<std::int64_t>(2 * kMessages) - committed[0] - committed[1])
      << second.log;
  std::int64_t replays = 0;
  for (int t = 0; t < 2; ++t) {
    const KeyedTable& table = *tables[t].first;
    expect_every_key_once(questdb, table, kMessages);
    // Written: what the killed process left, plus what the restart delivered after the
    // committed offsets; the difference to the messages is what was written twice.
    const std::int64_t written = left[t] + static_cast<std::int64_t>(kMessages) - committed[t];
    std::printf("[ dedup ] kill -9: %s had %lld rows at the kill, %lld messages committed\n",
                table.name.c_str(), static_cast<long long>(left[t]),
                static_cast<long long>(committed[t]));
    print_figures(questdb, "kill -9 of kilp", table.name, written, kMessages);
    const std::int64_t deduplicated = rows_deduplicated(questdb, table.name);
    replays += written - static_cast<std::int64_t>(kMessages);
    if (deduplicated >= 0 && second.log.find("retry") == std::string::npos) {
      EXPECT_EQ(deduplicated, written - static_cast<std::int64_t>(kMessages)) << table.name;
    }
  }
  // The restart repeats what was delivered but not committed: DEDUP must have had work.
  EXPECT_GT(replays, 0) << second.log;
}

// Scenario 2, on the real broker: a second kilp joins the group mid-stream, then the
// first stops (SIGTERM: it commits what it delivered and hands its partitions over).
TEST(QuestDbDedup, HandOffBetweenTwoProcessesLeavesEveryKeyOnce) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  KafkaBroker& broker = KafkaBroker::shared();
  constexpr int kPartitions = 4;
  constexpr int kRatePerSecond = 15'000;
  constexpr std::uint64_t kMessages = kRatePerSecond * 8;  // 8 s of stream
  const std::string topic = KafkaBroker::unique_name("dedup-handoff");
  const std::string group = KafkaBroker::unique_name("dedup-handoff");
  const KeyedTable table{
      QuestDbServer::unique_table("dedup_handoff"), "kafka_partition, kafka_offset",
      fmt::format("cast(timestamp as long) - {}", tools::kFirstTradeMicros), kPartitions};
  broker.create_topic(topic, kPartitions);
  const fs::path dir = make_temp_dir("questdb-dedup-handoff");
  std::vector<std::string> args =
      with(kilp_args(broker.bootstrap(), topic, group, questdb.http_sink(), dir),
           {"--table", table.name, "--dedup-keys", kPartitionOffsetKeys});
  args.erase(std::find(args.begin(), args.end(), "--exit-at-end"));  // a live stream

  // Idempotent, so that a retried batch cannot overtake the next one: message i is then
  // offset i / kPartitions (seen otherwise: 316 of 120,000 out of place).
  tools::KafkaProperties properties = broker.client_properties(KafkaListener::plaintext);
  properties.emplace_back("enable.idempotence", "true");
  SteadyProducer producer(properties, {topic, kPartitions, kMessages, kRatePerSecond});
  const auto start = Clock::now();
  Subprocess first(kKilpBinary, args, (dir / "first.err").string());
  std::this_thread::sleep_until(start + 3500ms);
  Subprocess second(kKilpBinary, args, (dir / "second.err").string());
  std::this_thread::sleep_until(start + 6500ms);
  first.signal(SIGTERM);
  const int first_exit = first.wait(60s);
  producer.join();
  EXPECT_EQ(producer.failed(), 0u);
  const std::int64_t landed = questdb.wait_for_rows(table.name, kMessages, 60s);
  second.signal(SIGTERM);
  const int second_exit = second.wait(60s);
  const std::string logs = "--- first:\n" + read_file((dir / "first.err").string()) +
                           "--- second:\n" + read_file((dir / "second.err").string());
  ASSERT_EQ(first_exit, 0) << logs;
  ASSERT_EQ(second_exit, 0) << logs;
  ASSERT_EQ(landed, static_cast<std::int64_t>(kMessages)) << logs;
  EXPECT_NE(logs.find("kilp: table '" + table.name + "' checked"), std::string::npos) << logs;
  expect_every_key_once(questdb, table, kMessages);

  const std::int64_t written = rows_delivered(read_file((dir / "first.err").string())) +
                               rows_delivered(read_file((dir / "second.err").string()));
  print_figures(questdb, "hand-off (real Kafka broker)", table.name, written, kMessages);
  EXPECT_GE(written, static_cast<std::int64_t>(kMessages));
  EXPECT_EQ(committed_offsets(broker.bootstrap(), group, topic, kPartitions),
            end_offsets(broker.bootstrap(), topic, kPartitions));
}

// Scenario 3: QuestDB killed and started again mid-stream. kilp resends what QuestDB
// did not acknowledge; what QuestDB had committed without answering arrives twice.
// QuestDB answers right after it commits, so a crash seldom falls in between: the
// replays are usually none (0 in every run so far), and the test holds when there are.
TEST(QuestDbDedup, QuestDbKilledMidStreamLeavesEveryKeyOnce) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  constexpr std::uint64_t kMessages = 200'000;
  constexpr int kPartitions = 4;
  const KeyedTable table{QuestDbServer::unique_table("dedup_questdb_kill"), "trade_id", "trade_id",
                         kPartitions};
  const fs::path dir = make_temp_dir("questdb-dedup-crash");
  tools::MockCluster cluster(1);
  produce_trades_with_id(cluster, "trades", kPartitions, kMessages);
  Subprocess kilp(kKilpBinary,
                  with(kilp_args(cluster.bootstrap_servers(), "trades", "dedup-crash",
                                 questdb.http_sink(), dir),
                       {"--table", table.name, "--dedup-keys", "trade_id", "--buffer-kib", "256"}),
                  (dir / "kilp.err").string());
  const QuestDbCrash crash = crash_questdb_mid_stream(questdb, kilp, (dir / "kilp.err").string(),
                                                      table.name, kMessages / 10, kMessages);
  const std::int64_t before_kill = crash.rows_at_kill;
  const std::string& log = crash.kilp.log;
  ASSERT_EQ(crash.kilp.exit_code, 0) << log;
  EXPECT_NE(log.find("retry"), std::string::npos) << "kilp never saw QuestDB go\n" << log;
  expect_every_key_once(questdb, table, kMessages);
  // Rows QuestDB committed but could not acknowledge came again: counted since the restart.
  const std::int64_t again = rows_deduplicated(questdb, table.name);
  std::printf("[ dedup ] QuestDB killed at %lld rows; kilp had %lld rows acknowledged\n",
              static_cast<long long>(before_kill), static_cast<long long>(rows_delivered(log)));
  print_figures(questdb, "QuestDB killed", table.name,
                static_cast<std::int64_t>(kMessages) + std::max<std::int64_t>(again, 0), kMessages);
  EXPECT_EQ(rows_delivered(log), static_cast<std::int64_t>(kMessages)) << log;
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), "dedup-crash", "trades", kPartitions),
            end_offsets(cluster.bootstrap_servers(), "trades", kPartitions));
}

// Scenario 4: start-up.
constexpr std::uint64_t kStartUpMessages = 200;
constexpr int kStartUpPartitions = 2;

KeyedTable startup_table(const std::string& base) {
  return {QuestDbServer::unique_table(base), "kafka_partition, kafka_offset", "trade_id",
          kStartUpPartitions};
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Each column of `table` with its type, designated and upsertKey, and how tables()
// describes it (designated timestamp, partitioning, WAL, dedup).
std::string describe(const QuestDbServer& questdb, const std::string& table) {
  questdb.wait_until_applied(table, 60s);  // ILP's new columns are WAL transactions too
  const SqlResult columns = questdb.exec(
      "select \"column\", type, designated, upsertKey from table_columns('" + table + "')");
  std::string text;
  for (std::size_t r = 0; r < columns.rows.size(); ++r) text += columns.row_json(r);
  return text + " " +
         questdb
             .exec(
                 "select designatedTimestamp, partitionBy, walEnabled, dedup from tables() "
                 "where table_name = '" +
                 table + "'")
             .row_json(0);
}

// describe() of the trades' table kilp created with --dedup-keys kafka_partition,kafka_offset
// and filled: the designated timestamp and the keys as kilp made them, then the columns ILP
// added; a WAL table partitioned by day.
const std::string kCreatedTradesTable =
    R"(["timestamp","TIMESTAMP",true,true]["kafka_partition","LONG",false,true])"
    R"(["kafka_offset","LONG",false,true]["symbol","SYMBOL",false,false])"
    R"(["side","SYMBOL",false,false]["trade_id","LONG",false,false])"
    R"(["price","DOUBLE",false,false] ["timestamp","DAY",true,true])";

TEST(QuestDbDedup, StartUpCreatesAMissingTableFromTheFlagOrTheFileAndChecksItAfterwards) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const KeyedTable from_flag = startup_table("dedup_flag");
  const KeyedTable from_file = startup_table("dedup_file");
  const fs::path dir = make_temp_dir("questdb-dedup-create");
  tools::MockCluster cluster(1);
  produce_trades_with_id(cluster, "trades", kStartUpPartitions, kStartUpMessages);
  std::ofstream(dir / "mapping.toml") << fmt::format(
      "[topics.trades]\ntable = \"{}\"\ndedup_keys = \"kafka_partition,kafka_offset\"\n",
      from_file.name);
  const auto base = [&](const std::string& group) {
    return kilp_args(cluster.bootstrap_servers(), "trades", group, questdb.http_sink(), dir);
  };
  const std::vector<KilpRun> runs = run_kilps(
      {with(base("flag"), {"--table", from_flag.name, "--dedup-keys", kPartitionOffsetKeys}),
       with(base("file"), {"--config", (dir / "mapping.toml").string()})},
      dir);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string& name = i == 0 ? from_flag.name : from_file.name;
    ASSERT_EQ(runs[i].exit_code, 0) << runs[i].log;
    EXPECT_NE(runs[i].log.find("kilp: table '" + name +
                               "' created with DEDUP UPSERT KEYS(timestamp, kafka_partition, "
                               "kafka_offset)"),
              std::string::npos)
        << runs[i].log;
  }
  EXPECT_EQ(describe(questdb, from_flag.name), kCreatedTradesTable);
  EXPECT_EQ(describe(questdb, from_file.name), describe(questdb, from_flag.name));
  expect_every_key_once(questdb, from_flag, kStartUpMessages);
  expect_every_key_once(questdb, from_file, kStartUpMessages);

  // Again, by a new group (every message once more), naming the table in upper case:
  // QuestDB's names ignore case, the table is the same and is checked, not created.
  const KilpRun again = run_kilp(
      with(base("again"), {"--table", upper(from_flag.name), "--dedup-keys", kPartitionOffsetKeys}),
      dir);
  ASSERT_EQ(again.exit_code, 0) << again.log;
  EXPECT_NE(again.log.find("kilp: table '" + from_flag.name + "' checked"), std::string::npos)
      << again.log;
  expect_every_key_once(questdb, from_flag, kStartUpMessages);
  print_figures(questdb, "a second group replays the topic", from_flag.name,
                rows_delivered(runs[0].log) + rows_delivered(again.log), kStartUpMessages);
}

// The statement kilp's refusal names: from "ALTER TABLE" to " or ".
std::string named_statement(const std::string& log) {
  const std::size_t start = log.find("ALTER TABLE");
  if (start == std::string::npos) return "";
  return log.substr(start, log.find(" or ", start) - start);
}

TEST(QuestDbDedup, StartUpRefusesATableThatDoesNotMatchAndConsumesNothing) {
  QuestDbServer& questdb = QuestDbServer::fixture();
  const KeyedTable other_keys = startup_table("dedup_other_keys");
  const KeyedTable no_dedup = startup_table("dedup_none");
  const KeyedTable not_wal = startup_table("dedup_not_wal");
  const std::string columns =
      " (timestamp timestamp, kafka_partition long, kafka_offset long) timestamp(timestamp) "
      "partition by day ";
  questdb.exec("create table " + other_keys.name + columns +
               "wal dedup upsert keys(timestamp, kafka_offset)");
  questdb.exec("create table " + no_dedup.name + columns + "wal");
  questdb.exec("create table " + not_wal.name + columns + "bypass wal");
  const fs::path dir = make_temp_dir("questdb-dedup-refuse");
  tools::MockCluster cluster(1);
  produce_trades_with_id(cluster, "trades", kStartUpPartitions, kStartUpMessages);
  const auto run_into = [&](const std::vector<KeyedTable>& tables) {
    std::vector<std::vector<std::string>> runs;
    for (const KeyedTable& table : tables) {
      runs.push_back(with(
          kilp_args(cluster.bootstrap_servers(), "trades", table.name, questdb.http_sink(), dir),
          {"--table", table.name, "--dedup-keys", kPartitionOffsetKeys}));
    }
    return run_kilps(runs, dir);
  };

  const std::vector<KeyedTable> tables{other_keys, no_dedup, not_wal};
  const std::vector<std::string> reasons{
      "has DEDUP UPSERT KEYS(kafka_offset, timestamp), --dedup-keys asks for (kafka_offset, "
      "kafka_partition, timestamp); kilp does not change a table it did not create: run ALTER "
      "TABLE \"" +
          other_keys.name +
          "\" DEDUP ENABLE UPSERT KEYS(\"timestamp\", "
          "\"kafka_partition\", \"kafka_offset\") or change --dedup-keys",
      "exists without DEDUP; kilp does not change a table it did not create: run ALTER TABLE \"" +
          no_dedup.name +
          "\" DEDUP ENABLE UPSERT KEYS(\"timestamp\", \"kafka_partition\", "
          "\"kafka_offset\") or drop --dedup-keys",
      "is not a WAL table, and QuestDB deduplicates only WAL tables; kilp does not change a table "
      "it did not create: run ALTER TABLE \"" +
          not_wal.name +
          "\" SET TYPE WAL, restart QuestDB, "
          "then ALTER TABLE \"" +
          not_wal.name +
          "\" DEDUP ENABLE UPSERT KEYS(\"timestamp\", "
          "\"kafka_partition\", \"kafka_offset\"), or drop --dedup-keys"};
  const std::vector<KilpRun> refused = run_into(tables);
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const std::string& name = tables[i].name;
    EXPECT_EQ(refused[i].exit_code, 1) << refused[i].log;
    // The reason is the log's last line, whole, and nothing was consumed or committed.
    EXPECT_TRUE(refused[i].log.ends_with("kilp: error: --dedup-keys: table '" + name + "' " +
                                         reasons[i] + "\n"))
        << refused[i].log;
    EXPECT_EQ(refused[i].log.find("summary"), std::string::npos) << refused[i].log;
    EXPECT_EQ(questdb.count(name), 0);
    EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), name, "trades", kStartUpPartitions),
              std::vector<std::int64_t>(kStartUpPartitions, -1001));
  }

  // The statement kilp names is one QuestDB takes, and then kilp starts.
  for (std::size_t i = 0; i < 2; ++i) {
    questdb.exec(named_statement(refused[i].log));
    questdb.wait_until_applied(tables[i].name);  // a WAL table's ALTER applies asynchronously
  }
  const std::vector<KilpRun> accepted = run_into({other_keys, no_dedup});
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    ASSERT_EQ(accepted[i].exit_code, 0) << accepted[i].log;
    EXPECT_NE(accepted[i].log.find("kilp: table '" + tables[i].name + "' checked"),
              std::string::npos)
        << accepted[i].log;
    expect_every_key_once(questdb, tables[i], kStartUpMessages);
  }
}

// QuestDB 7.4 (fixture questdb_old) has DEDUP: kilp creates the table there as on 9.x,
// and a second group replaying the whole topic adds no row.
TEST(QuestDbDedupOld, QuestDb74CreatesTheTableAndAReplayAddsNoRow) {
  QuestDbServer& questdb = QuestDbServer::old_fixture();
  const KeyedTable table = startup_table("dedup_old");
  const fs::path dir = make_temp_dir("questdb-dedup-old");
  tools::MockCluster cluster(1);
  produce_trades_with_id(cluster, "trades", kStartUpPartitions, kStartUpMessages);
  const auto run = [&](const std::string& group) {
    return run_kilp(
        with(kilp_args(cluster.bootstrap_servers(), "trades", group, questdb.http_sink(), dir),
             {"--table", table.name, "--dedup-keys", kPartitionOffsetKeys}),
        dir);
  };
  const KilpRun first = run("first");
  ASSERT_EQ(first.exit_code, 0) << first.log;
  EXPECT_NE(first.log.find("kilp: table '" + table.name + "' created"), std::string::npos)
      << first.log;
  const KilpRun replay = run("replay");
  ASSERT_EQ(replay.exit_code, 0) << replay.log;
  EXPECT_NE(replay.log.find("kilp: table '" + table.name + "' checked"), std::string::npos)
      << replay.log;
  EXPECT_EQ(describe(questdb, table.name), kCreatedTradesTable);
  expect_every_key_once(questdb, table, kStartUpMessages);
  print_figures(questdb, "QuestDB 7.4, a second group replays the topic", table.name,
                rows_delivered(first.log) + rows_delivered(replay.log), kStartUpMessages);
}

}  // namespace
}  // namespace kilp::testing
