// Which librdkafka versions get the SCRAM hint, and for which properties.
#include "io/kafka/librdkafka_version.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <vector>

namespace kilp::io {
namespace {

using Properties = std::vector<std::pair<std::string, std::string>>;
constexpr int kDebian12 = 0x020002ff;  // 2.0.2
constexpr int kLastUnfixed = 0x020600ff;  // 2.6.0

TEST(ScramLoginHint, NamesTheVersionAndWhatToInstallForScramOnAnOldLibrary) {
  const Properties properties{{"security.protocol", "SASL_SSL"}, {"sasl.mechanisms", "SCRAM-SHA-512"}};
  const auto hint = scram_login_hint(properties, kDebian12);
  ASSERT_TRUE(hint.has_value());
  EXPECT_NE(hint->find("librdkafka 2.0.2"), std::string::npos) << *hint;
  EXPECT_NE(hint->find("2.6.1"), std::string::npos) << *hint;
  EXPECT_NE(hint->find("tools/install-librdkafka.sh"), std::string::npos) << *hint;
  EXPECT_TRUE(scram_login_hint(Properties{{"sasl.mechanism", "scram-sha-256"}}, kLastUnfixed));
}

TEST(ScramLoginHint, SilentForOtherMechanismsAndForFixedLibraries) {
  EXPECT_FALSE(scram_login_hint(Properties{{"sasl.mechanisms", "PLAIN"}}, kDebian12));
  EXPECT_FALSE(scram_login_hint(Properties{{"sasl.username", "SCRAM"}}, kDebian12));
  EXPECT_FALSE(scram_login_hint(Properties{}, kDebian12));
  EXPECT_FALSE(scram_login_hint(Properties{{"sasl.mechanisms", "SCRAM-SHA-512"}}, 0x020601ff));
  EXPECT_FALSE(scram_login_hint(Properties{{"sasl.mechanisms", "SCRAM-SHA-512"}}, 0x020800ff));
}

std::string value_of(const Properties& properties, const std::string& key) {
  for (const auto& [k, v] : properties) {
    if (k == key) return v;
  }
  return "(unset)";
}

TEST(FetchQueueSettings, BeforeTwoTwoTheQueueIsTooLargeToStallOn) {
  const Properties settings = fetch_queue_settings(kDebian12);
  EXPECT_EQ(value_of(settings, "queued.min.messages"), "1000000");
  EXPECT_EQ(value_of(settings, "queued.max.messages.kbytes"), "262144");
  // 2.0.2 refuses a property it does not know.
  EXPECT_EQ(value_of(settings, "fetch.queue.backoff.ms"), "(unset)");
  EXPECT_EQ(value_of(fetch_queue_settings(0x020100ff), "fetch.queue.backoff.ms"), "(unset)");
}

TEST(FetchQueueSettings, FromTwoTwoASmallQueueRefilledAfterTenMilliseconds) {
  for (int version : {kFirstFetchQueueBackoffVersion, 0x020800ff}) {
    const Properties settings = fetch_queue_settings(version);
    EXPECT_EQ(value_of(settings, "queued.min.messages"), "100000") << std::hex << version;
    EXPECT_EQ(value_of(settings, "queued.max.messages.kbytes"), "65536") << std::hex << version;
    EXPECT_EQ(value_of(settings, "fetch.queue.backoff.ms"), "10") << std::hex << version;
  }
}

TEST(FetchQueueSettings, TheRunningLibraryAcceptsItsSettings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : fetch_queue_settings(rd_kafka_version())) {
    char error[256];
    EXPECT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error),
              RD_KAFKA_CONF_OK)
        << key << "=" << value << ": " << error;
  }
  rd_kafka_conf_destroy(conf);
}

TEST(LibrdkafkaVersion, TextIsTheRunningLibrarys) {
  EXPECT_EQ(librdkafka_version_text(), rd_kafka_version_str());
}

}  // namespace
}  // namespace kilp::io
