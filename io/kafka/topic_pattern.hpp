#pragma once
// A subscribed topic given as a pattern: librdkafka's convention, a name starting with
// '^' is a POSIX extended regular expression, matched against every topic of the
// cluster (also topics created later). Matched here with the same regcomp flags
// librdkafka uses, so kilp and librdkafka agree on which topics it names.
#include <regex.h>

#include <memory>
#include <string>
#include <string_view>

namespace kilp::io {

class TopicPattern {
 public:
  static bool is_pattern(std::string_view topic) { return !topic.empty() && topic[0] == '^'; }

  // Throws std::invalid_argument naming the pattern when it does not compile.
  explicit TopicPattern(const std::string& pattern);
  bool matches(const char* topic) const;
  const std::string& text() const { return text_; }

 private:
  struct Compiled {
    explicit Compiled(const regex_t& compiled) : regex(compiled) {}
    ~Compiled() { regfree(&regex); }
    Compiled(const Compiled&) = delete;
    Compiled& operator=(const Compiled&) = delete;
    regex_t regex;
  };
  std::string text_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace kilp::io
