#pragma once
// -F FILE / --kafka-config FILE: librdkafka properties from a file, in kcat's
// format, so credentials need not be on the command line (or in `ps`):
//
//   # comment
//   security.protocol=SASL_SSL
//   sasl.password=${KAFKA_PASSWORD}
//
// One key=value per line; blank lines and lines starting with '#' are skipped;
// blanks around the key and the value are dropped. ${VAR} is expanded
// from the environment and $$ is a literal '$', as in sink strings.
#include <string>
#include <utility>
#include <vector>

#include "io/env_expansion.hpp"

namespace kilp::tools {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// Throws std::invalid_argument naming FILE:LINE (never a secret value).
KafkaProperties load_kafka_config_file(const std::string& path,
                                       const io::EnvLookup& env = io::lookup_process_env);

}  // namespace kilp::tools
