#include "tools/kilp_options.hpp"

#include "io/kafka/librdkafka_version.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

#include "io/kafka/topic_pattern.hpp"
#include "io/secret_mask.hpp"
#include "tools/kafka_config_file.hpp"
#include "tools/mapping_file.hpp"

namespace kilp::tools {
namespace {

constexpr const char* kFooter = R"(
Examples:
  kilp --demo
      embedded mock Kafka cluster with 1,000,000 generated trades -> kilp-demo.ilp
  kilp --brokers 127.0.0.1:9092 --topic trades --sink 'tcp::addr=127.0.0.1:9009;' \
       --symbols symbol,side --timestamp-field ts --timestamp-units us
  kilp ... --sink 'file::path=out.ilp;' --exit-at-end --from-beginning -X fetch.wait.max.ms=100
  kilp -F kafka.properties --brokers b:9093 --topic trades \
       --sink 'https::addr=db:9000;token=${QDB_TOKEN};'
      SASL/SSL settings from a file, sink secret from the environment

Delivery: a message's Kafka offset is stored (and then committed) only after the sink
accepted the buffer holding its row; messages that cannot be rows go to the dead-letter
sink with a reason, and their offsets are committed like any other.
)";

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

std::optional<KilpOptions> parse_kilp_options(int argc, char** argv) {
  KilpOptions options;
  core::EngineConfig& engine = options.engine;
  io::KafkaSettings& kafka = engine.kafka;

  CLI::App app{
      "kilp: Kafka JSON messages -> QuestDB over the InfluxDB Line Protocol, at-least-once."};
  app.footer(kFooter);
  // The librdkafka kilp runs on decides which Kafka logins work (SCRAM needs >= 2.6.1).
  app.set_version_flag("--version", "kilp 0.1.0 (librdkafka " + io::librdkafka_version_text() + ")");

  bool demo = false;
  app.add_flag("--demo", demo,
               "Run on an embedded default: an in-process mock Kafka cluster filled with "
               "generated trades, written as ILP to a local file");
  DemoOptions demo_options;
  app.add_option("--demo-messages", demo_options.messages, "Trades the demo generates")
      ->capture_default_str();

  app.add_option("--brokers", kafka.brokers, "Kafka bootstrap servers HOST:PORT[,HOST:PORT..]");
  app.add_option("--topic", kafka.topics,
                 "Topic to consume (repeat for several); ^REGEX: every topic it matches, also "
                 "topics created later (table: each topic's name)");
  app.add_option("--group", kafka.group_id, "Consumer group id")->capture_default_str();
  app.add_option("--sink", options.sink,
                 "Sink, as a QuestDB client config string: 'http::addr=HOST:PORT;' (ILP over "
                 "HTTP, acknowledged), 'https::...' (the same over TLS), "
                 "'tcp::addr=HOST:PORT;' (ILP over TCP), 'tcps::...' or 'file::path=FILE;' "
                 "('-' = stdout)");
  options.dead_letters = "file::path=kilp-dlq.jsonl;";
  app.add_option("--dlq", options.dead_letters,
                 "Dead-letter sink for messages that cannot be rows: 'file::path=FILE;' or "
                 "'kafka::topic=NAME;' (optionally 'brokers=HOST:PORT;', default --brokers)")
      ->capture_default_str();

  // Mapping: one set of flags for every --topic; --config FILE for one per topic.
  std::string symbols, doubles, integers, decimals, include, exclude, renames, timestamp_field;
  std::string timestamp_units = "auto", key_mode = "none", arrays = "reject", config_file;
  std::string missing_timestamp = "reject", oversized_integers = "reject", duplicates = "reject";
  std::string value_format = "json", key_format = "string", timestamp_columns, dedup_keys;
  std::string unsupported_types = "reject";
  parse::MappingConfig base;
  app.add_option("--config", config_file,
                 "TOML file with a [topics.NAME] mapping per topic (see README)");
  app.add_option("--table", base.table,
                 "Table name; may use ${topic}, ${key}, ${partition} and ${FIELD} (a value "
                 "field's flattened path; a message without it is a dead letter) (default: the "
                 "topic)");
  app.add_option("--symbols", symbols, "Comma-separated fields written as symbols");
  app.add_option("--doubles", doubles, "Comma-separated fields always written as doubles");
  app.add_option("--integers", integers,
                 "Comma-separated fields always written as longs (a fraction is a type_conflict)");
  app.add_option("--decimals", decimals,
                 "Comma-separated fields written as exact DECIMAL columns (ILP protocol 3, "
                 "QuestDB 9.2+): NAME takes each value's own scale, NAME:P:S rescales to "
                 "DECIMAL(P,S) without rounding; numbers or numeric strings");
  app.add_option("--include", include, "Comma-separated fields to keep (default: all)");
  app.add_option("--exclude", exclude, "Comma-separated fields to drop");
  app.add_option("--rename", renames, "Comma-separated field=column renames");
  app.add_option("--timestamp-field", timestamp_field,
                 "Field holding the designated timestamp (default: none, server time); "
                 "'date,time' joins those fields' text and parses it with --timestamp-format");
  app.add_option("--missing-timestamp", missing_timestamp,
                 "A message without its timestamp: reject (dead letter) or server (server time, "
                 "as the QuestDB Kafka connector)")
      ->check(CLI::IsMember({"reject", "server"}))
      ->capture_default_str();
  app.add_option("--timestamp-columns", timestamp_columns,
                 "Comma-separated fields written as ILP timestamp columns (numbers by "
                 "--timestamp-units, text by --timestamp-format)");
  app.add_option("--kafka-timestamp-column", base.kafka_timestamp_column,
                 "Write the Kafka record timestamp as this timestamp column (default: none)");
  app.add_option("--kafka-partition-column", base.kafka_partition_column,
                 "Write the Kafka partition as this long column (default: none)");
  app.add_option("--kafka-offset-column", base.kafka_offset_column,
                 "Write the Kafka offset as this long column (default: none)");
  app.add_option("--timestamp-units", timestamp_units,
                 "Units of a numeric timestamp field; auto guesses from the magnitude")
      ->check(CLI::IsMember({"s", "ms", "us", "ns", "auto"}))
      ->capture_default_str();
  app.add_option("--timestamp-format", base.timestamp_format,
                 "Pattern of a text timestamp field, e.g. 'yyyy-MM-dd HH:mm:ss.SSSUUU' "
                 "(default: RFC 3339)");
  app.add_flag("--timestamp-kafka", base.timestamp_kafka,
               "Designated timestamp = the Kafka record timestamp");
  app.add_option("--key", key_mode, "Write the Kafka key as a column or symbol")
      ->check(CLI::IsMember({"none", "column", "symbol"}))
      ->capture_default_str();
  app.add_option("--key-prefix", base.key_prefix, "Name of the key column/symbol")
      ->capture_default_str();
  app.add_option("--value-prefix", base.value_prefix,
                 "Prefix (plus separator) for every field name from the value");
  app.add_option("--separator", base.separator, "Joins the keys of nested objects")
      ->capture_default_str();
  app.add_option("--max-depth", base.max_depth,
                 "Nested objects allowed below the top level; deeper is too_deep")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--arrays", arrays,
                 "Arrays that are not ILP v2 double arrays (protocol 1, or not all numbers): "
                 "reject (dead letter) or skip")
      ->check(CLI::IsMember({"reject", "skip"}))
      ->capture_default_str();
  app.add_option("--oversized-integers", oversized_integers,
                 "Integers beyond 64 bits: reject (number_out_of_range) or double (as the "
                 "connector)")
      ->check(CLI::IsMember({"reject", "double"}))
      ->capture_default_str();
  app.add_option("--duplicates", duplicates,
                 "A column twice in one message: reject (duplicate_field) or keep-first (what "
                 "QuestDB keeps of the connector's two copies)")
      ->check(CLI::IsMember({"reject", "keep-first"}))
      ->capture_default_str();
  app.add_option("--key-format", key_format,
                 "string (the key's bytes), json (an object becomes --key-prefix_FIELD "
                 "columns or symbols) or envelope (Kafka Connect's, mapping the payload)")
      ->check(CLI::IsMember({"string", "json", "envelope"}))
      ->capture_default_str();
  app.add_option("--explode", base.explode,
                 "Array of objects written as one ROW per element, each with the message's "
                 "other fields (kilp's own; for the connector's StructArrayExplode see "
                 "--struct-array-explode) (default: none)");
  std::vector<std::string> order_books, struct_array_explodes;
  app.add_option("--order-book-to-array", order_books,
                 "The connector's OrderBookToArray, its mappings syntax "
                 "'source:target:f1,f2[;...]': the array of objects at source becomes one "
                 "DOUBLE[][] column target: row 1 = f1 of every element, row 2 = f2, ... (ILP "
                 "protocol 2; repeatable)");
  app.add_option("--struct-array-explode", struct_array_explodes,
                 "The connector's StructArrayExplode, its mappings syntax "
                 "'source:t1,t2:f1,f2[;...]': the array of objects at source becomes one DOUBLE[] "
                 "column per field (t1 = f1 of every element), in the same row (ILP protocol 2; "
                 "repeatable)");
  app.add_option("--dedup-keys", dedup_keys,
                 "Comma-separated columns that with the designated timestamp identify a row "
                 "(name or name:TYPE): kilp creates the table with DEDUP UPSERT KEYS over them, or "
                 "checks an existing one, so replays never duplicate a row (needs http:: or "
                 "https::)");
  app.add_option("--value-format", value_format,
                 "json, or envelope: Kafka Connect's {\"schema\":..,\"payload\":{..}} "
                 "(JsonConverter schemas.enable=true), mapping the payload typed by the schema")
      ->check(CLI::IsMember({"json", "envelope"}))
      ->capture_default_str();
  app.add_option("--unsupported-types", unsupported_types,
                 "Envelope fields of a type ILP cannot hold (bytes, Decimal): reject "
                 "(unsupported_value) or skip (the connector's skip.unsupported.types)")
      ->check(CLI::IsMember({"reject", "skip"}))
      ->capture_default_str();

  engine.shards = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("--shards", engine.shards,
                 "Shard threads, each with its own partitions, encoder and sink connection")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_flag("--from-beginning", kafka.from_beginning,
               "Start from the earliest offset when the group has no committed offset "
               "(default: latest)");
  app.add_flag("--exit-at-end", engine.exit_at_end,
               "Exit once every partition reached its end, after flushing and committing");
  std::vector<std::string> properties;
  app.add_option("-X", properties, "librdkafka property key=value (repeatable; wins over -F)");
  std::string kafka_config_file;
  app.add_option("-F,--kafka-config", kafka_config_file,
                 "File of librdkafka properties, one key=value per line (kcat format, # comments, "
                 "${VAR} from the environment): keeps credentials off the command line");

  core::ShardOptions& shard = engine.shard;
  std::size_t buffer_kib = shard.buffer_bytes / 1024,
              max_message_kib = shard.max_message_bytes / 1024;
  app.add_option("--buffer-kib", buffer_kib, "Size of each output buffer, KiB")
      ->check(CLI::Range(4, 1 << 20))
      ->capture_default_str();
  app.add_option("--buffers", shard.ring_buffers, "Output buffers per shard")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  app.add_option("--batch-size", shard.batch_size, "Messages per Kafka consume call")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  int linger_ms = static_cast<int>(shard.linger.count());
  app.add_option("--linger-ms", linger_ms,
                 "Longest a partly filled buffer waits while the sink is busy")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--max-message-kib", max_message_kib,
                 "Largest message accepted; larger ones are dead letters (too_large)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  int drain_ms = static_cast<int>(shard.drain_timeout.count());
  app.add_option("--drain-timeout-ms", drain_ms,
                 "On stop or when partitions are revoked, how long to wait for the sink to "
                 "accept what is in flight")
      ->capture_default_str();
  std::string on_error = "dlq";
  app.add_option("--on-error", on_error,
                 "A message that cannot be a row: dlq (dead letter, go on) or fail (stop with "
                 "exit 1 after committing everything before it; Kafka Connect's "
                 "errors.tolerance=none)")
      ->check(CLI::IsMember({"dlq", "fail"}))
      ->capture_default_str();
  int commit_ms = static_cast<int>(engine.commit_interval.count());
  app.add_option("--commit-interval-ms", commit_ms,
                 "How often offsets of accepted rows are committed (asynchronous, coalesced)")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  int stats_s = 5;
  app.add_option("--stats-interval", stats_s, "Seconds between stats lines on stderr")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  int startup_ms = static_cast<int>(engine.startup_timeout.count());
  app.add_option("--startup-timeout-ms", startup_ms,
                 "How long to wait for the brokers' first answer")
      ->capture_default_str();
  bool no_pin = false;
  app.add_flag("--no-pin", no_pin, "Do not pin shard threads to cores");
  app.add_option(
      "--metrics-addr", engine.metrics_address,
      "Serve Prometheus metrics on HOST:PORT/metrics (e.g. 127.0.0.1:9464; default off)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    app.exit(success);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    throw std::invalid_argument(error.what());
  }

  if (!kafka_config_file.empty()) kafka.properties = load_kafka_config_file(kafka_config_file);
  for (const auto& property : properties) {
    auto eq = property.find('=');
    if (eq == std::string::npos || eq == 0) {
      // A mistyped "sasl.password:..." must not end up on the terminal either.
      const bool secret = io::is_secret_kafka_property(property);
      throw std::invalid_argument(
          fmt::format("-X {}: expected key=value", secret ? "<hidden>" : property));
    }
    kafka.properties.emplace_back(property.substr(0, eq), property.substr(eq + 1));
  }
  shard.buffer_bytes = buffer_kib * 1024;
  shard.max_message_bytes = max_message_kib * 1024;
  shard.linger = std::chrono::milliseconds(linger_ms);
  shard.drain_timeout = std::chrono::milliseconds(drain_ms);
  engine.stats_interval = std::chrono::seconds(stats_s);
  engine.commit_interval = std::chrono::milliseconds(commit_ms);
  shard.fail_on_error = on_error == "fail";
  engine.startup_timeout = std::chrono::milliseconds(startup_ms);
  engine.pin_shards = !no_pin;

  if (demo) {
    options.demo = demo_options;
    if (kafka.topics.empty()) kafka.topics = {"trades"};
    if (symbols.empty()) symbols = "symbol,side";
    if (timestamp_field.empty()) {
      timestamp_field = "ts";
      timestamp_units = "us";
    }
    if (options.sink.empty()) {
      options.sink = fmt::format("file::path={};mode=truncate;", demo_options.output);
    }
    kafka.from_beginning = true;
    engine.exit_at_end = true;
  } else {
    if (kafka.brokers.empty()) throw std::invalid_argument("--brokers is required (or --demo)");
    if (options.sink.empty()) throw std::invalid_argument("--sink is required (or --demo)");
  }

  base.symbols = split_list(symbols);
  base.doubles = split_list(doubles);
  base.integers = split_list(integers);
  base.decimals = split_list(decimals);
  base.include = split_list(include);
  base.exclude = split_list(exclude);
  base.rename = parse_renames("--rename", renames);
  if (!timestamp_field.empty()) base.timestamp_field = timestamp_field;
  base.timestamp_unit = parse_timestamp_units("--timestamp-units", timestamp_units);
  base.key_mode = parse_key_mode("--key", key_mode);
  base.array_policy = parse_array_policy("--arrays", arrays);
  base.missing_timestamp = parse_missing_timestamp("--missing-timestamp", missing_timestamp);
  base.timestamp_columns = split_list(timestamp_columns);
  base.dedup_keys = split_list(dedup_keys);
  base.oversized_integers = parse_oversized_integers("--oversized-integers", oversized_integers);
  base.duplicates = parse_duplicates("--duplicates", duplicates);
  base.value_format = parse_value_format("--value-format", value_format);
  base.unsupported_types = parse_unsupported_types("--unsupported-types", unsupported_types);
  base.key_format = parse_key_format("--key-format", key_format);
  for (const std::string& text : order_books) {
    append_object_array_mappings("--order-book-to-array", text, parse::ObjectArrayShape::kMatrix,
                                 base);
  }
  for (const std::string& text : struct_array_explodes) {
    append_object_array_mappings("--struct-array-explode", text,
                                 parse::ObjectArrayShape::kArrayPerField, base);
  }

  std::vector<TopicMapping> from_file;
  if (!config_file.empty()) from_file = load_mapping_file(config_file, base);
  for (const auto& entry : from_file) {
    if (std::find(kafka.topics.begin(), kafka.topics.end(), entry.topic) == kafka.topics.end()) {
      kafka.topics.push_back(entry.topic);
    }
  }
  if (kafka.topics.empty()) throw std::invalid_argument("--topic (or --config) is required");
  for (const auto& topic : kafka.topics) {
    parse::MappingConfig mapping = base;
    mapping.topic = topic;
    for (const auto& entry : from_file) {
      if (entry.topic == topic) mapping = entry.mapping;
    }
    mapping.topic_is_pattern = io::TopicPattern::is_pattern(topic);
    if (mapping.topic_is_pattern) io::TopicPattern{topic};  // refuses a bad expression
    // Refuse a bad mapping now, naming the flag's value, rather than at engine start.
    // The sink's protocol version is known later (kilp_main asks the server): the
    // mapping is checked against it there.
    parse::MappingConfig any_protocol = mapping;
    any_protocol.protocol_version = 3;
    parse::MappingPlan::compile(any_protocol);
    engine.mappings.push_back(mapping);
  }
  return options;
}

}  // namespace kilp::tools
