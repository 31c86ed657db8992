#pragma once
// The perf tools' command lines: flags, each flag's value, and librdkafka properties as
// -X key=value (kcat's convention). A missing value or a property without '=' calls the
// tool's usage(), which does not return.
#include <string>
#include <utility>

namespace kilp::perf {

class ToolArguments {
 public:
  ToolArguments(int argc, char** argv, void (*usage)()) : argc_(argc), argv_(argv), usage_(usage) {}

  // Steps to the next flag; false after the last.
  bool next() {
    if (++at_ >= argc_) return false;
    flag_ = argv_[at_];
    return true;
  }
  const std::string& flag() const { return flag_; }

  // The argument after the flag.
  std::string value() {
    if (at_ + 1 >= argc_) usage_();
    return argv_[++at_];
  }

  // The argument after the flag as a (key, value) property.
  std::pair<std::string, std::string> property() {
    const std::string text = value();
    const auto eq = text.find('=');
    if (eq == std::string::npos) usage_();
    return {text.substr(0, eq), text.substr(eq + 1)};
  }

 private:
  int argc_;
  char** argv_;
  void (*usage_)();
  int at_ = 0;
  std::string flag_;
};

}  // namespace kilp::perf
