// kilp: Kafka JSON -> QuestDB ILP. See README.md and `kilp --help`.
#include <fmt/format.h>
#ifdef KILP_WITH_MIMALLOC
#include <mimalloc.h>
#endif

#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>

#include "core/engine.hpp"
#include "core/signal_watch.hpp"
#include "io/dead_letter/dead_letter_file.hpp"
#include "io/dead_letter/dead_letter_kafka.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/sink_factory.hpp"
#include "parse/mapping_plan.hpp"
#include "tools/dedup_tables.hpp"
#include "tools/kilp_options.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace {

using kilp::tools::KilpOptions;

// --demo: an in-process mock cluster holding generated trades.
std::unique_ptr<kilp::tools::MockCluster> start_demo_cluster(KilpOptions& options) {
  const auto& demo = *options.demo;
  const std::string& topic = options.engine.kafka.topics.front();
  std::string sample;
  kilp::tools::format_trade_json(kilp::tools::make_trade(0), sample);
  kilp::tools::check_fits_in_mock(topic, demo.partitions, demo.messages,
                                  demo.messages * (sample.size() + 2));
  auto cluster = std::make_unique<kilp::tools::MockCluster>(1);
  cluster->create_topic(topic, demo.partitions);
  fmt::print(stderr,
             "kilp: demo: mock Kafka cluster at {}, producing {} trades to '{}' ({} partitions)\n",
             cluster->bootstrap_servers(), demo.messages, topic, demo.partitions);
  cluster->produce(topic, demo.partitions, demo.messages, [](std::uint64_t i, std::string& buffer) {
    return kilp::tools::format_trade_json(kilp::tools::make_trade(i), buffer);
  });
  options.engine.kafka.brokers = cluster->bootstrap_servers();
  // The mock answers an empty fetch only after fetch.wait.max.ms; keep the tail short.
  options.engine.kafka.properties.insert(options.engine.kafka.properties.begin(),
                                         {"fetch.wait.max.ms", "100"});
  return cluster;
}

// The demo's last line: where its rows went (the demo's file, or the sink the user
// named instead) and whether any message became a dead letter.
std::string demo_outcome(const KilpOptions& options, const kilp::core::RunSummary& summary) {
  const kilp::io::SinkConfig sink = kilp::io::parse_sink_config(options.sink);
  const std::string rows = sink.schema == kilp::io::SinkSchema::file
                               ? fmt::format("ILP written to {}", sink.file.path)
                               : fmt::format("rows written to {}", sink.describe());
  const std::uint64_t dead = summary.totals.dead_letters;
  if (dead == 0) return fmt::format("kilp: demo: {}; no dead letters", rows);
  return fmt::format("kilp: demo: {}; {} dead letter(s) in {}", rows, dead, options.dead_letters);
}

// Several shards share one output file: it is truncated once here, then every
// shard appends whole buffers with O_APPEND, which the kernel keeps unsplit on a
// regular file. A pipe gives no such promise, so stdout gets a single shard.
void prepare_shared_file(kilp::io::SinkConfig& sink, int& shards) {
  if (sink.schema != kilp::io::SinkSchema::file) return;
  if (sink.file.path == "-") {
    if (shards > 1) fmt::print(stderr, "kilp: note: writing to stdout uses one shard\n");
    shards = 1;
    return;
  }
  if (sink.file.mode == kilp::io::FileMode::truncate) {
    if (std::FILE* file = std::fopen(sink.file.path.c_str(), "w")) {
      std::fclose(file);
    } else {
      throw std::runtime_error(fmt::format("cannot open sink file '{}'", sink.file.path));
    }
    sink.file.mode = kilp::io::FileMode::append;
  }
}

void wire_sinks(KilpOptions& options) {
  kilp::io::SinkConfig sink = kilp::io::parse_sink_config(options.sink);
  prepare_shared_file(sink, options.engine.shards);
  const kilp::io::TlsOptions& tls =
      sink.schema == kilp::io::SinkSchema::http ? sink.http.tls : sink.tcp.tls;
  if (sink.schema != kilp::io::SinkSchema::file && tls.enabled && !tls.verify) {
    fmt::print(stderr,
               "kilp: warning: tls_verify=unsafe_off: the sink's certificate and host name are "
               "not checked; a man in the middle can read and change the rows\n");
  }
  const std::vector<kilp::tools::DedupTable> dedup =
      kilp::tools::plan_dedup_tables(options.engine.mappings);
  if (!dedup.empty() && sink.schema != kilp::io::SinkSchema::http) {
    throw std::invalid_argument(
        "--dedup-keys needs an ILP/HTTP sink (http:: or https::): kilp sets the tables up through "
        "QuestDB's /exec, and only acknowledged writes make replays exact");
  }
  // protocol_version=auto (ILP/HTTP) asks the server once, before any shard starts.
  const int protocol = kilp::io::resolve_protocol_version(sink);
  for (auto& mapping : options.engine.mappings) {
    mapping.protocol_version = protocol;
    // What the sink cannot carry (double arrays over protocol 1) is refused now, not
    // at the first message.
    try {
      kilp::parse::MappingPlan::compile(mapping);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("sink {}: {}", sink.describe(), e.what()));
    }
  }
  if (!dedup.empty()) kilp::tools::ensure_dedup_tables(sink.http, dedup);
  options.engine.make_sink = [sink](std::size_t max_pending) {
    return kilp::io::make_sink(sink, max_pending);
  };
  if (kilp::io::is_kafka_dead_letter_config(options.dead_letters)) {
    kilp::io::DeadLetterKafkaConfig dlq =
        kilp::io::parse_dead_letter_kafka_config(options.dead_letters);
    if (dlq.brokers.empty()) dlq.brokers = options.engine.kafka.brokers;
    // The consumer's security settings first, so the kafka:: keys override them.
    std::vector<std::pair<std::string, std::string>> inherited;
    for (const auto& property : options.engine.kafka.properties) {
      if (kilp::io::is_kafka_security_property(property.first)) inherited.push_back(property);
    }
    dlq.properties.insert(dlq.properties.begin(), inherited.begin(), inherited.end());
    options.engine.make_dead_letters = [dlq](int shard) {
      return std::unique_ptr<kilp::io::DeadLetterSink>(
          std::make_unique<kilp::io::DeadLetterKafka>(dlq, shard));
    };
    return;
  }
  const kilp::io::SinkConfig dlq = kilp::io::parse_sink_config(options.dead_letters);
  if (dlq.schema != kilp::io::SinkSchema::file) {
    throw std::invalid_argument("--dlq: expected 'file::path=FILE;' or 'kafka::topic=NAME;'");
  }
  options.engine.make_dead_letters = [path = dlq.file.path](int) {
    return std::unique_ptr<kilp::io::DeadLetterSink>(
        std::make_unique<kilp::io::DeadLetterFile>(path));
  };
}

}  // namespace

int main(int argc, char** argv) {
#ifdef KILP_WITH_MIMALLOC
  mi_version();  // keeps mimalloc linked in (--as-needed) as the process allocator
#endif
  try {
    kilp::core::SignalWatch signals;  // first: every thread started later inherits the mask
    std::optional<KilpOptions> options = kilp::tools::parse_kilp_options(argc, argv);
    if (!options) return 0;
    std::unique_ptr<kilp::tools::MockCluster> demo_cluster;
    if (options->demo) demo_cluster = start_demo_cluster(*options);
    wire_sinks(*options);
    // The protocol as negotiated (protocol_version=auto): what the rows can hold (arrays: 2).
    fmt::print(
        stderr, "kilp: {} shard(s), topics {}, sink {} (ILP protocol {})\n", options->engine.shards,
        fmt::join(options->engine.kafka.topics, ","),
        kilp::io::parse_sink_config(options->sink).describe(),
        options->engine.mappings.empty() ? 1 : options->engine.mappings.front().protocol_version);
    kilp::core::Engine engine(options->engine);
    kilp::core::RunSummary summary = engine.run(signals);
    fmt::print(stderr, "{}\n", kilp::core::format_summary(summary));
    if (!summary.failure.empty()) fmt::print(stderr, "kilp: error: {}\n", summary.failure);
    if (options->demo) fmt::print(stderr, "{}\n", demo_outcome(*options, summary));
    return summary.exit_code;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "kilp: error: {}\nRun 'kilp --help' for usage.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "kilp: error: {}\n", e.what());
    return 1;
  }
}
