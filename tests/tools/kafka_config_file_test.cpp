// -F / --kafka-config: kcat-format property files with ${VAR} expansion.
#include "tools/kafka_config_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace kilp::tools {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::optional<std::string> test_env(std::string_view name) {
  if (name == "KAFKA_PASSWORD") return std::string("pa$$word");
  return std::nullopt;
}

TEST(KafkaConfigFile, ReadsKeyValueLinesSkippingCommentsAndBlanks) {
  const std::string path = write_file("kilp-kcfg-ok.properties",
                                      "# SASL over TLS\n"
                                      "\n"
                                      "security.protocol=SASL_SSL\n"
                                      "  sasl.mechanisms = SCRAM-SHA-512\n"
                                      "sasl.username=alice\r\n"
                                      "sasl.password=${KAFKA_PASSWORD}\n"
                                      "ssl.ca.location=/etc/ssl/ca.pem\n"
                                      "client.id=a=b\n");
  const KafkaProperties got = load_kafka_config_file(path, test_env);
  const KafkaProperties expected = {{"security.protocol", "SASL_SSL"},
                                    {"sasl.mechanisms", "SCRAM-SHA-512"},
                                    {"sasl.username", "alice"},
                                    {"sasl.password", "pa$$word"},
                                    {"ssl.ca.location", "/etc/ssl/ca.pem"},
                                    {"client.id", "a=b"}};
  EXPECT_EQ(got, expected);
}

TEST(KafkaConfigFile, ErrorsNameFileAndLineButNeverTheSecret) {
  const std::string missing_eq = write_file("kilp-kcfg-bad1.properties", "# x\nno equals here\n");
  try {
    load_kafka_config_file(missing_eq, test_env);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("kilp-kcfg-bad1.properties:2"), std::string::npos)
        << e.what();
  }
  const std::string unset = write_file("kilp-kcfg-bad2.properties", "sasl.password=${NOPE}\n");
  EXPECT_THROW(load_kafka_config_file(unset, test_env), std::invalid_argument);
  const std::string bad_ref =
      write_file("kilp-kcfg-bad3.properties", "sasl.password=$ecret-value\n");
  try {
    load_kafka_config_file(bad_ref, test_env);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("ecret-value"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_kafka_config_file("/nonexistent/kilp.properties", test_env),
               std::invalid_argument);
}

}  // namespace
}  // namespace kilp::tools
