#pragma once
// Which settings a user should look at when Kafka refuses the login: they depend on
// the SASL mechanism (a password, an OAUTHBEARER token source, a Kerberos identity).
#include <span>
#include <string>
#include <utility>

namespace kilp::io {

// "sasl.mechanisms, sasl.username and sasl.password" for PLAIN and SCRAM (and when no
// mechanism is set); the token or Kerberos settings for OAUTHBEARER and GSSAPI.
std::string login_settings_to_check(
    std::span<const std::pair<std::string, std::string>> properties);

}  // namespace kilp::io
