#include "io/kafka/topic_pattern.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace kilp::io {

TopicPattern::TopicPattern(const std::string& pattern) : text_(pattern) {
  regex_t regex;
  if (const int error = regcomp(&regex, pattern.c_str(), REG_EXTENDED | REG_NOSUB)) {
    char reason[256];
    regerror(error, &regex, reason, sizeof reason);
    throw std::invalid_argument(fmt::format(
        "topic pattern '{}': not a regular expression (POSIX extended, as librdkafka reads "
        "it): {}",
        pattern, reason));
  }
  compiled_ = std::make_shared<const Compiled>(regex);
}

bool TopicPattern::matches(const char* topic) const {
  return regexec(&compiled_->regex, topic, 0, nullptr, 0) == 0;
}

}  // namespace kilp::io
