#include "tests/integration/kilp_kafka_options.hpp"

#include <stdlib.h>

#include <algorithm>
#include <fstream>

#include "io/secret_mask.hpp"

namespace kilp::testing {

std::vector<std::string> as_x_arguments(const tools::KafkaProperties& properties) {
  std::vector<std::string> args;
  for (const auto& [key, value] : properties) {
    if (key == "bootstrap.servers") continue;
    args.insert(args.end(), {"-X", key + "=" + value});
  }
  return args;
}

std::vector<std::string> as_config_file(const std::filesystem::path& path,
                                        const tools::KafkaProperties& properties) {
  std::ofstream file(path);
  file << "# librdkafka properties for kilp -F, secrets from the environment\n";
  for (const auto& [key, value] : properties) {
    if (key == "bootstrap.servers") continue;
    if (!io::is_secret_kafka_property(key)) {
      file << key << " = " << value << "\n";
      continue;
    }
    std::string variable = "KILP_IT_" + key;
    std::replace(variable.begin(), variable.end(), '.', '_');
    std::transform(variable.begin(), variable.end(), variable.begin(), ::toupper);
    ::setenv(variable.c_str(), value.c_str(), 1);
    file << key << "=${" << variable << "}\n";
  }
  return {"-F", path.string()};
}

}  // namespace kilp::testing
