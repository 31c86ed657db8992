#pragma once
// kilp's command line: flags in, an engine configuration out.
#include <optional>
#include <string>

#include "core/engine.hpp"

namespace kilp::tools {

struct DemoOptions {
  std::uint64_t messages = 1'000'000;
  int partitions = 32;
  std::string output = "kilp-demo.ilp";
};

struct KilpOptions {
  core::EngineConfig engine;
  std::string sink;  // QuestDB client configuration string
  std::string dead_letters;
  std::optional<DemoOptions> demo;  // --demo: embedded mock cluster + generated trades
};

// Parses argv. Returns std::nullopt after printing --help/--version (exit 0);
// throws std::invalid_argument with a message naming the bad flag.
std::optional<KilpOptions> parse_kilp_options(int argc, char** argv);

}  // namespace kilp::tools
