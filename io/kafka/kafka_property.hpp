#pragma once
// Sets one librdkafka property. librdkafka's error text quotes the value, which may
// be a secret: the text returned is masked. Each caller decides what a refused
// property means (a start-up error, or a logged one).
#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>

#include "io/secret_mask.hpp"

namespace kilp::io {

// Empty when librdkafka accepted the property, else its (masked) reason.
inline std::optional<std::string> set_kafka_property(rd_kafka_conf_t* conf, const std::string& key,
                                                     const std::string& value,
                                                     const SecretMask& mask) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) == RD_KAFKA_CONF_OK) {
    return std::nullopt;
  }
  return mask.mask(error);
}

}  // namespace kilp::io
