#include "io/kafka/client_certificate_refusal.hpp"

#include <algorithm>
#include <array>

namespace kilp::io {
namespace {

// OpenSSL's names of the alerts a server sends about the client's certificate:
// 42 bad_certificate (TLS 1.2: none sent), 116 certificate_required (TLS 1.3),
// 48 unknown_ca and 46 certificate_unknown (sent, not trusted).
constexpr std::array<std::string_view, 4> kCertificateAlerts = {
    "alert bad certificate", "alert certificate required", "alert unknown ca",
    "alert certificate unknown"};

bool has_property(std::span<const std::pair<std::string, std::string>> properties,
                  std::initializer_list<std::string_view> keys) {
  return std::any_of(properties.begin(), properties.end(), [&](const auto& property) {
    return !property.second.empty() &&
           std::find(keys.begin(), keys.end(), property.first) != keys.end();
  });
}

}  // namespace

std::optional<std::string> client_certificate_refusal(
    std::string_view reason, std::span<const std::pair<std::string, std::string>> properties) {
  const bool certificate_alert =
      std::any_of(kCertificateAlerts.begin(), kCertificateAlerts.end(),
                  [&](std::string_view alert) { return reason.find(alert) != reason.npos; });
  if (!certificate_alert) return std::nullopt;
  if (!has_property(properties,
                    {"ssl.certificate.location", "ssl.certificate.pem", "ssl.keystore.location"})) {
    return std::string(
        "the brokers require a client certificate and none is set: set ssl.certificate.location "
        "and ssl.key.location (or ssl.keystore.location)");
  }
  return std::string(
      "the brokers refused the client certificate: check that a CA they trust signed "
      "ssl.certificate.location and that ssl.key.location is its key");
}

}  // namespace kilp::io
