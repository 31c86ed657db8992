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

TEST(LibrdkafkaVersion, TextIsTheRunningLibrarys) {
  EXPECT_EQ(librdkafka_version_text(), rd_kafka_version_str());
}

}  // namespace
}  // namespace kilp::io
