#include "tools/kafka_config_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <string_view>

#include "io/secret_mask.hpp"

namespace kilp::tools {
namespace {

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

KafkaProperties load_kafka_config_file(const std::string& path, const io::EnvLookup& env) {
  std::ifstream file(path);
  if (!file) throw std::invalid_argument(fmt::format("--kafka-config {}: cannot open", path));
  KafkaProperties properties;
  std::string raw;
  for (int number = 1; std::getline(file, raw); ++number) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    const std::string where = fmt::format("--kafka-config {}:{}", path, number);
    if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
      throw std::invalid_argument(fmt::format("{}: expected key=value", where));
    }
    const std::string key(trim(line.substr(0, eq)));
    properties.emplace_back(key,
                            io::expand_env_references(where + " " + key, trim(line.substr(eq + 1)),
                                                      io::is_secret_kafka_property(key), env));
  }
  return properties;
}

}  // namespace kilp::tools
