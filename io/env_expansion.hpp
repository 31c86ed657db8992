#pragma once
// "${NAME}" in configuration values (sink strings, --kafka-config files) is the
// environment variable NAME; "$$" is a literal '$'; any other '$' is an error, so
// a secret is never half-expanded by accident.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kilp::io {

// Looks a variable up; std::nullopt when it is not set. Injected so tests need
// not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// getenv()-backed lookup.
std::optional<std::string> lookup_process_env(std::string_view name);

// Expands `raw`. Throws std::invalid_argument starting with `where` (e.g.
// "tcp::token"); a bad reference inside a `secret` value is not echoed.
std::string expand_env_references(std::string_view where, std::string_view raw, bool secret,
                                  const EnvLookup& env);

}  // namespace kilp::io
