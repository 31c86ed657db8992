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
