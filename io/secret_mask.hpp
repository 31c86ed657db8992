#pragma once
// Keeps secrets out of log lines kilp did not write itself (librdkafka's log
// callback, its error strings): every known secret value, and whatever follows
// a secret property's name ("sasl.password=..."), becomes "***".
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kilp::io {

// librdkafka properties whose values are secrets (passwords, private keys,
// OAuth client secrets, SASL/JAAS configs that embed them).
bool is_secret_kafka_property(std::string_view name);

class SecretMask {
 public:
  // Values shorter than this are not masked by value (a 1-character "secret"
  // would blank every line); they are still masked after their property name.
  static constexpr std::size_t kMinMaskedLength = 3;

  void add_secret(std::string_view value);
  // Adds the values of the secret properties among `properties`.
  void add_properties(const std::vector<std::pair<std::string, std::string>>& properties);
  bool empty() const { return secrets_.empty(); }

  // `line` with every secret replaced by "***".
  std::string mask(std::string_view line) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so no secret is half-masked
};

}  // namespace kilp::io
