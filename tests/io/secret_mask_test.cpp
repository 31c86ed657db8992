// SecretMask: the masking kilp applies to librdkafka's log lines and errors.
#include "io/secret_mask.hpp"

#include <gtest/gtest.h>

namespace kilp::io {
namespace {

TEST(SecretMask, MasksEveryOccurrenceOfEverySecretValue) {
  SecretMask mask;
  mask.add_secret("hunter2");
  mask.add_secret("s3cr3t-token");
  EXPECT_EQ(mask.mask("auth hunter2 failed for s3cr3t-token (hunter2)"),
            "auth *** failed for *** (***)");
  EXPECT_EQ(mask.mask("nothing to hide"), "nothing to hide");
}

TEST(SecretMask, LongerSecretsFirstSoNoneIsHalfMasked) {
  SecretMask mask;
  mask.add_secret("abc");
  mask.add_secret("abcdef");
  EXPECT_EQ(mask.mask("x abcdef y abc"), "x *** y ***");
}

TEST(SecretMask, MasksValuesAfterSecretPropertyNames) {
  const SecretMask mask;  // even with no known values
  EXPECT_EQ(mask.mask("Configuration: sasl.password=pw, ssl.key.password = kp;"),
            "Configuration: sasl.password=***, ssl.key.password = ***;");
  EXPECT_EQ(mask.mask("ssl.key.pem: -----BEGIN"), "ssl.key.pem: ***");
  EXPECT_EQ(mask.mask("sasl.username=alice"), "sasl.username=alice");
}

TEST(SecretMask, TakesTheSecretPropertiesOfAList) {
  SecretMask mask;
  mask.add_properties({{"sasl.username", "alice"},
                       {"sasl.password", "wonderland"},
                       {"ssl.keystore.password", "storepass"},
                       {"sasl.oauthbearer.client.secret", "oauth-secret"},
                       {"bootstrap.servers", "b:9092"}});
  EXPECT_EQ(mask.mask("alice wonderland storepass oauth-secret b:9092"),
            "alice *** *** *** b:9092");
}

TEST(SecretMask, IgnoresTooShortValuesButStillMasksByName) {
  SecretMask mask;
  mask.add_properties({{"sasl.password", "x"}});
  EXPECT_TRUE(mask.empty());
  EXPECT_EQ(mask.mask("x marks sasl.password=x"), "x marks sasl.password=***");
}

TEST(SecretMask, KnowsWhichPropertiesAreSecret) {
  EXPECT_TRUE(is_secret_kafka_property("sasl.password"));
  EXPECT_TRUE(is_secret_kafka_property("ssl.key.pem"));
  EXPECT_TRUE(is_secret_kafka_property("ssl.truststore.password"));
  EXPECT_FALSE(is_secret_kafka_property("sasl.username"));
  EXPECT_FALSE(is_secret_kafka_property("ssl.ca.location"));
}

}  // namespace
}  // namespace kilp::io
