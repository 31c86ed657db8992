// kafka:: dead-letter configuration: librdkafka properties as keys (to override
// what the producer inherits from the consumer), ${VAR}, and secrets kept out of
// every error.
#include <gtest/gtest.h>

#include <stdexcept>

#include "io/dead_letter/dead_letter_kafka.hpp"

namespace kilp::io {
namespace {

std::optional<std::string> test_env(std::string_view name) {
  if (name == "DLQ_PASSWORD") return std::string("dlq-secret-pw");
  return std::nullopt;
}

TEST(DeadLetterKafkaConfig, DottedKeysAreProducerPropertiesInOrder) {
  const DeadLetterKafkaConfig config = parse_dead_letter_kafka_config(
      "kafka::topic=dlq;brokers=b:9093;sasl.username=dlq-writer;sasl.password=${DLQ_PASSWORD};"
      "security.protocol=SASL_SSL;",
      test_env);
  EXPECT_EQ(config.topic, "dlq");
  EXPECT_EQ(config.brokers, "b:9093");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"sasl.username", "dlq-writer"},
      {"sasl.password", "dlq-secret-pw"},
      {"security.protocol", "SASL_SSL"}};
  EXPECT_EQ(config.properties, expected);
}

TEST(DeadLetterKafkaConfig, InheritsOnlySecurityProperties) {
  EXPECT_TRUE(is_kafka_security_property("security.protocol"));
  EXPECT_TRUE(is_kafka_security_property("sasl.mechanisms"));
  EXPECT_TRUE(is_kafka_security_property("ssl.ca.location"));
  EXPECT_TRUE(is_kafka_security_property("enable.ssl.certificate.verification"));
  EXPECT_FALSE(is_kafka_security_property("fetch.wait.max.ms"));
  EXPECT_FALSE(is_kafka_security_property("group.id"));
}

TEST(DeadLetterKafkaConfig, UnknownPlainKeyIsAnError) {
  EXPECT_THROW(parse_dead_letter_kafka_config("kafka::topic=d;colour=red;", test_env),
               std::invalid_argument);
}

TEST(DeadLetterKafkaConfig, ProducerErrorsNeverShowSecretValues) {
  DeadLetterKafkaConfig config;
  config.topic = "dlq";
  config.brokers = "127.0.0.1:1";
  config.properties = {{"sasl.password", "visible-if-leaked"}, {"ssl.key.passwordz", "xyz-leak"}};
  try {
    DeadLetterKafka producer(config, 0);
    FAIL() << "an unknown property was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ssl.key.passwordz"), std::string::npos) << what;
    EXPECT_EQ(what.find("xyz-leak"), std::string::npos) << what;
    EXPECT_EQ(what.find("visible-if-leaked"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace kilp::io
