#pragma once
// librdkafka properties the way a kilp user passes them: `-X key=value` arguments, or a
// `-F` file whose secrets come from the environment (${VAR}).
#include <filesystem>
#include <string>
#include <vector>

#include "tools/kafka_producer.hpp"

namespace kilp::testing {

// "-X", "key=value", ... for every property except bootstrap.servers (kilp's --brokers).
std::vector<std::string> as_x_arguments(const tools::KafkaProperties& properties);

// Writes every property except bootstrap.servers to the -F file `path`; a secret value
// (sasl.password, ssl.key.password, ...) is written as ${KILP_IT_<KEY>} and set in this
// process's environment, which kilp inherits. Returns "-F", path.
std::vector<std::string> as_config_file(const std::filesystem::path& path,
                                        const tools::KafkaProperties& properties);

}  // namespace kilp::testing
