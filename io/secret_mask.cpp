#include "io/secret_mask.hpp"

#include <algorithm>
#include <array>

namespace kilp::io {
namespace {

constexpr std::string_view kMasked = "***";

// Exact names, and name fragments that mark a secret wherever they appear.
constexpr std::array<std::string_view, 6> kSecretProperties = {"sasl.password",
                                                               "ssl.key.password",
                                                               "ssl.key.pem",
                                                               "ssl.keystore.password",
                                                               "sasl.oauthbearer.client.secret",
                                                               "sasl.oauthbearer.config"};
constexpr std::array<std::string_view, 3> kSecretFragments = {"password", "secret", "jaas"};

bool ends_value(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ',' || c == ';' || c == '"' || c == '\'' ||
         c == ')' || c == ']' || c == '}';
}

// Masks what follows "name=" / "name: " / "name = " for each secret property name.
void mask_after_names(std::string& line) {
  for (const std::string_view name : kSecretProperties) {
    for (std::size_t at = line.find(name); at != std::string::npos;
         at = line.find(name, at + name.size())) {
      std::size_t i = at + name.size();
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size() || (line[i] != '=' && line[i] != ':')) continue;
      ++i;
      while (i < line.size() && line[i] == ' ') ++i;
      std::size_t end = i;
      while (end < line.size() && !ends_value(line[end])) ++end;
      if (end == i || line.compare(i, end - i, kMasked) == 0) continue;
      line.replace(i, end - i, kMasked);
    }
  }
}

}  // namespace

bool is_secret_kafka_property(std::string_view name) {
  if (std::find(kSecretProperties.begin(), kSecretProperties.end(), name) !=
      kSecretProperties.end()) {
    return true;
  }
  return std::any_of(kSecretFragments.begin(), kSecretFragments.end(),
                     [&](std::string_view f) { return name.find(f) != std::string_view::npos; });
}

void SecretMask::add_secret(std::string_view value) {
  if (value.size() < kMinMaskedLength) return;
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
  secrets_.emplace_back(value);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void SecretMask::add_properties(
    const std::vector<std::pair<std::string, std::string>>& properties) {
  for (const auto& [name, value] : properties) {
    if (is_secret_kafka_property(name)) add_secret(value);
  }
}

std::string SecretMask::mask(std::string_view line) const {
  std::string out(line);
  for (const std::string& secret : secrets_) {
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kMasked.size())) {
      out.replace(at, secret.size(), kMasked);
    }
  }
  mask_after_names(out);
  return out;
}

}  // namespace kilp::io
