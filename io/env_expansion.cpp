#include "io/env_expansion.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

namespace kilp::io {
namespace {

bool is_env_name_char(char c, bool first) {
  const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return first ? alpha : alpha || (c >= '0' && c <= '9');
}

[[noreturn]] void fail(std::string message) {
  throw std::invalid_argument(std::move(message));
}

}  // namespace

std::optional<std::string> lookup_process_env(std::string_view name) {
  const std::string key(name);
  const char* value = std::getenv(key.c_str());  // NOLINT(concurrency-mt-unsafe): start-up only
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string expand_env_references(std::string_view where, std::string_view raw, bool secret,
                                  const EnvLookup& env) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '$') {
      out += raw[i];
      continue;
    }
    if (i + 1 < raw.size() && raw[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (i + 1 >= raw.size() || raw[i + 1] != '{') {
      fail(fmt::format("{}: a '$' must start '${{NAME}}' or be doubled as '$$'", where));
    }
    const std::size_t close = raw.find('}', i + 2);
    if (close == std::string_view::npos) {
      fail(fmt::format("{}: unterminated '${{' (missing '}}')", where));
    }
    const std::string_view name = raw.substr(i + 2, close - i - 2);
    bool valid = !name.empty();
    for (std::size_t k = 0; valid && k < name.size(); ++k)
      valid = is_env_name_char(name[k], k == 0);
    if (!valid) {
      fail(fmt::format("{}: '${{{}}}' is not a valid environment variable name", where,
                       secret ? "..." : std::string(name)));
    }
    const std::optional<std::string> value = env(name);
    if (!value) fail(fmt::format("{}: environment variable '{}' is not set", where, name));
    out += *value;
    i = close;
  }
  return out;
}

}  // namespace kilp::io
