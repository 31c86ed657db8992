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

std::vector<std::pair<std::string, std::string>> fetch_queue_settings(int version) {
  if (version >= kFirstFetchQueueBackoffVersion) {
    // librdkafka's own queue limits; a full queue fetches again 10 ms later instead of
    // its default 1 s: at the same or a higher rate, 0.44x the peak RSS with 1 shard.
    return {{"queued.min.messages", "100000"},
            {"queued.max.messages.kbytes", "65536"},
            {"fetch.queue.backoff.ms", "10"}};
  }
  // Older: never let the queue reach queued.min.messages (1 s stall); the prefetch is
  // bounded by queued.max.messages.kbytes instead.
  return {{"queued.min.messages", "1000000"}, {"queued.max.messages.kbytes", "262144"}};
}

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
