#include "io/kafka/login_settings.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace kilp::io {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The last value given for any of `keys` (librdkafka keeps the last one set), lower case.
std::string last_value(std::span<const std::pair<std::string, std::string>> properties,
                       std::initializer_list<std::string_view> keys) {
  std::string value;
  for (const auto& [key, v] : properties) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) value = lower(v);
  }
  return value;
}

}  // namespace

std::string login_settings_to_check(
    std::span<const std::pair<std::string, std::string>> properties) {
  const std::string mechanism = last_value(properties, {"sasl.mechanisms", "sasl.mechanism"});
  if (mechanism == "oauthbearer") {
    if (last_value(properties, {"sasl.oauthbearer.method"}) == "oidc") {
      return "sasl.oauthbearer.token.endpoint.url, sasl.oauthbearer.client.id and "
             "sasl.oauthbearer.client.secret (and the token's scope and audience the brokers "
             "expect)";
    }
    return "sasl.oauthbearer.config (the unsecured token's principal) and the brokers' "
           "OAUTHBEARER settings";
  }
  if (mechanism == "gssapi") {
    return "sasl.kerberos.service.name, sasl.kerberos.principal and sasl.kerberos.keytab";
  }
  return "sasl.mechanisms, sasl.username and sasl.password";
}

}  // namespace kilp::io
