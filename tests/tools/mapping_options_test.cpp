// The issue-10 mapping flags and their TOML --config keys reach the MappingConfig,
// and bad values are start-up errors naming the flag or key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "tools/kilp_options.hpp"
#include "tools/mapping_file.hpp"

namespace kilp::tools {
namespace {

namespace fs = std::filesystem;

KilpOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), {"kilp", "--brokers", "127.0.0.1:1", "--sink", "file::path=-;"});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  std::optional<KilpOptions> options = parse_kilp_options(static_cast<int>(argv.size()), argv.data());
  if (!options) throw std::logic_error("--help");
  return *options;
}

TEST(MappingOptions, EveryNewFlag) {
  const KilpOptions options = parse(
      {"--topic", "t", "--timestamp-field", "date,time", "--timestamp-format", "yyyy-MM-ddHH:mm:ss",
       "--missing-timestamp", "server", "--timestamp-columns", "a,b", "--kafka-timestamp-column",
       "kts", "--kafka-partition-column", "kp", "--kafka-offset-column", "ko",
       "--oversized-integers", "double", "--duplicates", "keep-first", "--value-format",
       "envelope", "--table", "t_${region}", "--explode", "rows", "--key", "symbol",
       "--key-format", "envelope"});
  ASSERT_EQ(options.engine.mappings.size(), 1u);
  const parse::MappingConfig& m = options.engine.mappings[0];
  EXPECT_EQ(m.timestamp_field, "date,time");
  EXPECT_EQ(m.missing_timestamp, parse::MissingTimestampPolicy::kServerTime);
  EXPECT_EQ(m.timestamp_columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.kafka_timestamp_column, "kts");
  EXPECT_EQ(m.kafka_partition_column, "kp");
  EXPECT_EQ(m.kafka_offset_column, "ko");
  EXPECT_EQ(m.oversized_integers, parse::OversizedIntegerPolicy::kDouble);
  EXPECT_EQ(m.duplicates, parse::DuplicatePolicy::kKeepFirst);
  EXPECT_EQ(m.value_format, parse::ValueFormat::kEnvelope);
  EXPECT_EQ(m.table, "t_${region}");
  EXPECT_EQ(m.explode, "rows");
  EXPECT_EQ(m.key_format, parse::KeyFormat::kEnvelope);
}

TEST(MappingOptions, DefaultsKeepKilpsDeadLetters) {
  const parse::MappingConfig m = parse({"--topic", "t"}).engine.mappings[0];
  EXPECT_EQ(m.missing_timestamp, parse::MissingTimestampPolicy::kReject);
  EXPECT_EQ(m.oversized_integers, parse::OversizedIntegerPolicy::kReject);
  EXPECT_EQ(m.duplicates, parse::DuplicatePolicy::kReject);
  EXPECT_EQ(m.value_format, parse::ValueFormat::kJson);
  EXPECT_EQ(m.key_format, parse::KeyFormat::kString);
}

TEST(MappingOptions, BadValuesAreStartUpErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--missing-timestamp", "now"},
           {"--duplicates", "both"},
           {"--oversized-integers", "string"},
           {"--value-format", "avro"},
           {"--timestamp-field", "date,,time"},
           {"--timestamp-field", "d,d"},
           {"--kafka-offset-column", "a.b"},
           {"--kafka-offset-column", "x", "--kafka-partition-column", "x"},
           {"--timestamp-columns", "ts", "--timestamp-field", "ts"},
           {"--table", "t_${}"},
           {"--explode", "s", "--symbols", "s"},
           {"--key-format", "json"},
           {"--key", "column", "--key-format", "avro"}}) {
    std::vector<std::string> full = args;
    full.insert(full.begin(), {"--topic", "t"});
    EXPECT_THROW(parse(full), std::invalid_argument) << args[0] << " " << args[1];
  }
}

// The connector's skip.unsupported.types for envelope fields: a flag and a TOML key.
TEST(MappingOptions, UnsupportedTypes) {
  EXPECT_EQ(parse({"--topic", "t"}).engine.mappings[0].unsupported_types,
            parse::UnsupportedTypePolicy::kReject);
  EXPECT_EQ(
      parse({"--topic", "t", "--unsupported-types", "skip"}).engine.mappings[0].unsupported_types,
      parse::UnsupportedTypePolicy::kSkip);
  EXPECT_THROW(parse({"--topic", "t", "--unsupported-types", "string"}), std::invalid_argument);
  const fs::path path = fs::temp_directory_path() /
                        ("kilp_unsupported_types_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "unsupported_types = \"skip\"\n[topics.a]\n[topics.b]\n"
                         "unsupported_types = \"reject\"\n";
  const std::vector<TopicMapping> topics = load_mapping_file(path.string(), parse::MappingConfig{});
  fs::remove(path);
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].mapping.unsupported_types, parse::UnsupportedTypePolicy::kSkip);
  EXPECT_EQ(topics[1].mapping.unsupported_types, parse::UnsupportedTypePolicy::kReject);
}

TEST(MappingOptions, TomlKeys) {
  const fs::path path = fs::temp_directory_path() / ("kilp_mapping_options_" +
                                                     std::to_string(::getpid()) + ".toml");
  {
    std::ofstream toml(path);
    toml << "missing_timestamp = \"server\"\n"
            "[topics.a]\n"
            "timestamp_field = [\"date\", \"time\"]\n"
            "timestamp_columns = [\"c1\", \"c2\"]\n"
            "kafka_timestamp_column = \"kts\"\n"
            "kafka_partition_column = \"kp\"\n"
            "kafka_offset_column = \"ko\"\n"
            "oversized_integers = \"double\"\n"
            "duplicates = \"keep-first\"\n"
            "value_format = \"envelope\"\n"
            "table = \"a_${field.kind}\"\n"
            "explode = \"rows\"\n"
            "key = \"column\"\n"
            "key_format = \"json\"\n"
            "[topics.b]\n"
            "timestamp_field = \"d,t\"\n"
            "missing_timestamp = \"reject\"\n";
  }
  const std::vector<TopicMapping> topics = load_mapping_file(path.string(), parse::MappingConfig{});
  ASSERT_EQ(topics.size(), 2u);
  const parse::MappingConfig& a = topics[0].mapping;
  EXPECT_EQ(a.timestamp_field, "date,time");
  EXPECT_EQ(a.missing_timestamp, parse::MissingTimestampPolicy::kServerTime);  // top level
  EXPECT_EQ(a.timestamp_columns, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(a.kafka_timestamp_column, "kts");
  EXPECT_EQ(a.kafka_partition_column, "kp");
  EXPECT_EQ(a.kafka_offset_column, "ko");
  EXPECT_EQ(a.oversized_integers, parse::OversizedIntegerPolicy::kDouble);
  EXPECT_EQ(a.duplicates, parse::DuplicatePolicy::kKeepFirst);
  EXPECT_EQ(a.value_format, parse::ValueFormat::kEnvelope);
  EXPECT_EQ(a.table, "a_${field.kind}");
  EXPECT_EQ(a.explode, "rows");
  EXPECT_EQ(a.key_format, parse::KeyFormat::kJson);
  EXPECT_NO_THROW(parse::MappingPlan::compile(a));
  const parse::MappingConfig& b = topics[1].mapping;
  EXPECT_EQ(b.timestamp_field, "d,t");
  EXPECT_EQ(b.missing_timestamp, parse::MissingTimestampPolicy::kReject);
  {
    std::ofstream toml(path);
    toml << "[topics.a]\nduplicates = \"both\"\n";
  }
  EXPECT_THROW(load_mapping_file(path.string(), parse::MappingConfig{}), std::invalid_argument);
  fs::remove(path);
}

TEST(MappingOptions, Decimals) {
  const KilpOptions options = parse({"--topic", "t", "--decimals", "price:18:8,qty"});
  EXPECT_EQ(options.engine.mappings[0].decimals, (std::vector<std::string>{"price:18:8", "qty"}));
  // Checked at start-up, naming the entry.
  try {
    parse({"--topic", "t", "--decimals", "price:80:2"});
    ADD_FAILURE() << "accepted precision 80";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("price:80:2"), std::string::npos) << e.what();
  }
  const fs::path path =
      fs::temp_directory_path() / ("kilp_mapping_decimals_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[topics.a]\ndecimals = [\"px:10:2\", \"fee\"]\n";
  const std::vector<TopicMapping> topics = load_mapping_file(path.string(), parse::MappingConfig{});
  fs::remove(path);
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_EQ(topics[0].mapping.decimals, (std::vector<std::string>{"px:10:2", "fee"}));
}

// Issue 22: the connector's market-data transforms, in its mappings syntax.
TEST(MappingOptions, ObjectArrayFlags) {
  const KilpOptions options =
      parse({"--topic", "t", "--order-book-to-array", "buy_entries:bids:px,size",
             "--struct-array-explode", "vols:strikes,ivols:strike,ivol", "--order-book-to-array",
             "sell_entries:asks:px,size;x:y:z"});
  const auto& arrays = options.engine.mappings[0].object_arrays;
  ASSERT_EQ(arrays.size(), 4u);
  EXPECT_EQ(arrays[0],
            (parse::ObjectArrayMapping{
                parse::ObjectArrayShape::kMatrix, "buy_entries", {"bids"}, {"px", "size"}}));
  EXPECT_EQ(arrays[1].source, "sell_entries");
  EXPECT_EQ(arrays[2].source, "x");
  EXPECT_EQ(arrays[3], (parse::ObjectArrayMapping{parse::ObjectArrayShape::kArrayPerField,
                                                  "vols",
                                                  {"strikes", "ivols"},
                                                  {"strike", "ivol"}}));
  // The sink's protocol is checked once kilp knows it (kilp_main), not here.
  EXPECT_EQ(options.engine.mappings[0].protocol_version, 1);
}

TEST(MappingOptions, BadObjectArrayFlagsNameTheFlag) {
  auto error = [](std::vector<std::string> args) -> std::string {
    args.insert(args.begin(), {"--topic", "t"});
    try {
      parse(args);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error({"--order-book-to-array", "only_two_parts:target"})
                .find("--order-book-to-array: mapping 'only_two_parts:target'"),
            std::string::npos);
  EXPECT_NE(error({"--struct-array-explode", "v:a,b:x"}).find("--struct-array-explode"),
            std::string::npos);
  EXPECT_NE(error({"--order-book-to-array", "a:b:p", "--symbols", "b"})
                .find("target column 'b' replaces the field of that name"),
            std::string::npos);
}

TEST(MappingOptions, ObjectArrayTomlKeys) {
  const fs::path path = fs::temp_directory_path() /
                        ("kilp_object_array_options_" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream toml(path);
    toml << "order_book_to_array = \"bids:bids:price,amount\"\n"
            "[topics.book]\n"
            "order_book_to_array = [\"bids:bids:price,amount\", \"asks:asks:price,amount\"]\n"
            "[topics.levels]\n"
            "struct_array_explode = \"bids:bid_prices,bid_amounts:price,amount\"\n"
            "[topics.plain]\n"
            "order_book_to_array = []\n";
  }
  const std::vector<TopicMapping> topics = load_mapping_file(path.string(), parse::MappingConfig{});
  ASSERT_EQ(topics.size(), 3u);
  ASSERT_EQ(topics[0].mapping.object_arrays.size(), 2u);  // replaces the top-level one
  EXPECT_EQ(topics[0].mapping.object_arrays[1].targets, (std::vector<std::string>{"asks"}));
  ASSERT_EQ(topics[1].mapping.object_arrays.size(), 2u);  // the top-level one, and its own
  EXPECT_EQ(topics[1].mapping.object_arrays[0].shape, parse::ObjectArrayShape::kMatrix);
  EXPECT_EQ(topics[1].mapping.object_arrays[1].shape, parse::ObjectArrayShape::kArrayPerField);
  EXPECT_TRUE(topics[2].mapping.object_arrays.empty());
  {
    std::ofstream toml(path);
    toml << "[topics.a]\nstruct_array_explode = \"v:a:x,y\"\n";
  }
  try {
    load_mapping_file(path.string(), parse::MappingConfig{});
    ADD_FAILURE() << "loaded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("topics.a.struct_array_explode: mapping 'v:a:x,y'"),
              std::string::npos)
        << e.what();
  }
  fs::remove(path);
}

TEST(MappingOptions, DedupKeysFromTheFlagAndTheFile) {
  EXPECT_TRUE(parse({"--topic", "t"}).engine.mappings[0].dedup_keys.empty());
  const parse::MappingConfig flag =
      parse({"--topic", "t", "--dedup-keys", "kafka_partition,kafka_offset,venue:varchar"})
          .engine.mappings[0];
  EXPECT_EQ(flag.dedup_keys,
            (std::vector<std::string>{"kafka_partition", "kafka_offset", "venue:varchar"}));

  const fs::path path =
      fs::temp_directory_path() / ("kilp_dedup_keys_" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream toml(path);
    // A top-level default, comma-separated as on the command line.
    toml << "dedup_keys = \"kafka_partition,kafka_offset\"\n"
            "[topics.a]\n"
            "[topics.b]\n"
            "dedup_keys = [\"trade_id\", \"venue:symbol\"]\n";
  }
  const std::vector<TopicMapping> topics = load_mapping_file(path.string(), parse::MappingConfig{});
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].mapping.dedup_keys,
            (std::vector<std::string>{"kafka_partition", "kafka_offset"}));
  EXPECT_EQ(topics[1].mapping.dedup_keys, (std::vector<std::string>{"trade_id", "venue:symbol"}));
  {
    std::ofstream toml(path);
    toml << "[topics.a]\ndedup_keys = 3\n";
  }
  EXPECT_THROW(load_mapping_file(path.string(), parse::MappingConfig{}), std::invalid_argument);
  fs::remove(path);
}

TEST(MappingOptions, ATopicPatternIsARegularExpressionWithATablePerTopic) {
  const KilpOptions options = parse({"--topic", "^orders-[a-z]+$", "--topic", "plain"});
  ASSERT_EQ(options.engine.mappings.size(), 2u);
  EXPECT_TRUE(options.engine.mappings[0].topic_is_pattern);
  EXPECT_FALSE(options.engine.mappings[1].topic_is_pattern);
  try {
    parse({"--topic", "^orders-(eu"});
    FAIL() << "an unbalanced pattern was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("topic pattern '^orders-(eu'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kilp::tools
