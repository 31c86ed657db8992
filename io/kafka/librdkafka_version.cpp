#include "io/kafka/librdkafka_version.hpp"

#include <librdkafka/rdkafka.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kilp::io {
namespace {

bool names_scram(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return value.find("SCRAM") != std::string::npos;
}

std::string version_text(int version) {
  return fmt::format("{}.{}.{}", (version >> 24) & 0xff, (version >> 16) & 0xff,
                     (version >> 8) & 0xff);
}

}  // namespace

std::string librdkafka_version_text() { return rd_kafka_version_str(); }

std::optional<std::string> scram_login_hint(
    std::span<const std::pair<std::string, std::string>> properties, int version) {
  if (version >= kFirstScramFixedVersion) return std::nullopt;
  const bool scram = std::any_of(properties.begin(), properties.end(), [](const auto& property) {
    return (property.first == "sasl.mechanisms" || property.first == "sasl.mechanism") &&
           names_scram(property.second);
  });
  if (!scram) return std::nullopt;
  return fmt::format(
      "kilp runs on librdkafka {}, whose SASL/SCRAM login Kafka 4.x brokers refuse (fixed in "
      "librdkafka 2.6.1); install librdkafka >= 2.8 (tools/install-librdkafka.sh rebuilds "
      "Debian 13's package on Debian 12) or use SASL/PLAIN over SASL_SSL",
      version_text(version));
}

}  // namespace kilp::io
