// The settings named when Kafka refuses a login follow the SASL mechanism.
#include "io/kafka/login_settings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace kilp::io {
namespace {

using Properties = std::vector<std::pair<std::string, std::string>>;

TEST(LoginSettings, PasswordMechanismsNameTheUserAndPassword) {
  for (const char* mechanism : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
    const Properties properties = {{"sasl.mechanisms", mechanism}};
    EXPECT_EQ(login_settings_to_check(properties),
              "sasl.mechanisms, sasl.username and sasl.password")
        << mechanism;
  }
  EXPECT_EQ(login_settings_to_check(Properties{}),
            "sasl.mechanisms, sasl.username and sasl.password");
}

TEST(LoginSettings, OauthbearerNamesTheTokenSourceNotAPassword) {
  const Properties oidc = {{"sasl.mechanism", "OAUTHBEARER"}, {"sasl.oauthbearer.method", "OIDC"}};
  const std::string oidc_text = login_settings_to_check(oidc);
  EXPECT_NE(oidc_text.find("sasl.oauthbearer.token.endpoint.url"), std::string::npos);
  EXPECT_NE(oidc_text.find("sasl.oauthbearer.client.secret"), std::string::npos);
  EXPECT_EQ(oidc_text.find("sasl.password"), std::string::npos);

  const Properties unsecured = {{"sasl.mechanisms", "oauthbearer"}};
  const std::string unsecured_text = login_settings_to_check(unsecured);
  EXPECT_NE(unsecured_text.find("sasl.oauthbearer.config"), std::string::npos);
  EXPECT_EQ(unsecured_text.find("sasl.password"), std::string::npos);
}

TEST(LoginSettings, KerberosNamesTheKeytab) {
  const Properties properties = {{"sasl.mechanisms", "GSSAPI"}};
  EXPECT_NE(login_settings_to_check(properties).find("sasl.kerberos.keytab"), std::string::npos);
}

TEST(LoginSettings, TheLastMechanismSetWins) {
  const Properties properties = {{"sasl.mechanisms", "OAUTHBEARER"}, {"sasl.mechanism", "PLAIN"}};
  EXPECT_EQ(login_settings_to_check(properties),
            "sasl.mechanisms, sasl.username and sasl.password");
}

}  // namespace
}  // namespace kilp::io
