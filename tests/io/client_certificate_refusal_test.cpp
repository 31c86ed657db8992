// A broker's refusal of the client certificate is told apart from other transport failures.
#include "io/kafka/client_certificate_refusal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace kilp::io {
namespace {

using Properties = std::vector<std::pair<std::string, std::string>>;

// What librdkafka 2.8 reported against the test broker's MTLS listener without a certificate.
constexpr const char* kNoCertificateSent =
    "ssl://127.0.0.1:25631/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert "
    "bad certificate: SSL alert number 42 (after 0ms in state APIVERSION_QUERY)";

TEST(ClientCertificateRefusal, NoCertificateSetAsksForOne) {
  const Properties properties = {{"security.protocol", "SSL"}, {"ssl.ca.location", "ca.pem"}};
  const auto why = client_certificate_refusal(kNoCertificateSent, properties);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("none is set"), std::string::npos) << *why;
  EXPECT_NE(why->find("ssl.certificate.location"), std::string::npos) << *why;
}

TEST(ClientCertificateRefusal, ACertificateTheBrokersDistrustIsNamedAsSuch) {
  const Properties properties = {{"ssl.certificate.location", "client.pem"},
                                 {"ssl.key.location", "client.key"}};
  const auto why = client_certificate_refusal(
      "ssl://b:9093/bootstrap: SSL handshake failed: error:0A000418:SSL routines::tlsv1 alert "
      "unknown ca",
      properties);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("refused the client certificate"), std::string::npos) << *why;
}

TEST(ClientCertificateRefusal, OtherTransportFailuresAreNotRefusals) {
  EXPECT_FALSE(client_certificate_refusal(
      "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused",
      Properties{}));
  EXPECT_FALSE(client_certificate_refusal(
      "ssl://b:9093/bootstrap: SSL handshake failed: certificate verify failed", Properties{}));
}

}  // namespace
}  // namespace kilp::io
