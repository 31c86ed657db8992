// kilp-mock: a librdkafka mock Kafka cluster on 127.0.0.1 for demos, tests and
// benchmarks. Prints `bootstrap.servers=HOST:PORT,...` as its first stdout line once
// the data is in, then serves until SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/signal_watch.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace {

struct TopicSpec {
  std::string name;
  int partitions = 1;
};

TopicSpec parse_topic(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return {text, 1};
  try {
    return {text.substr(0, colon), std::stoi(text.substr(colon + 1))};
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("--topic {}: expected NAME:PARTITIONS", text));
  }
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("--load {}: cannot open the file", path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kilp-mock: a librdkafka mock Kafka cluster on 127.0.0.1, optionally filled with "
               "generated trades or JSON lines from a file. Data goes to the first --topic."};
  int brokers = 1;
  std::vector<std::string> topic_texts{"trades:4"};
  std::uint64_t generate = 0;
  std::string load;
  app.add_option("--brokers", brokers, "Number of mock brokers")->capture_default_str();
  app.add_option("--topic", topic_texts, "Topic to create as NAME:PARTITIONS (repeatable)")
      ->capture_default_str();
  app.add_option("--generate", generate, "Produce COUNT generated trade messages");
  app.add_option("--load", load, "Produce each non-empty line of FILE as one message");
  CLI11_PARSE(app, argc, argv);

  try {
    kilp::core::SignalWatch signals;
    std::vector<TopicSpec> topics;
    for (const auto& text : topic_texts) topics.push_back(parse_topic(text));
    const TopicSpec& target = topics.front();

    std::vector<std::string> lines;
    if (!load.empty()) lines = read_lines(load);
    std::string sample;
    kilp::tools::format_trade_json(kilp::tools::make_trade(0), sample);
    std::size_t bytes = generate * (sample.size() + 2);
    for (const auto& line : lines) bytes += line.size();
    if (generate + lines.size() > 0) {
      kilp::tools::check_fits_in_mock(target.name, target.partitions, generate + lines.size(),
                                      bytes);
    }

    kilp::tools::MockCluster cluster(brokers);
    for (const auto& topic : topics) cluster.create_topic(topic.name, topic.partitions);
    if (generate > 0) {
      cluster.produce(target.name, target.partitions, generate,
                      [](std::uint64_t i, std::string& buffer) {
                        return kilp::tools::format_trade_json(kilp::tools::make_trade(i), buffer);
                      });
    }
    if (!lines.empty()) {
      cluster.produce(target.name, target.partitions, lines.size(),
                      [&lines](std::uint64_t i, std::string&) { return std::string_view(lines[i]); });
    }
    fmt::print("bootstrap.servers={}\n", cluster.bootstrap_servers());
    std::fflush(stdout);
    fmt::print(stderr, "kilp-mock: ready: {} message(s) in '{}'; stop with SIGTERM or Ctrl-C\n",
               generate + lines.size(), target.name);
    while (signals.wait(1000) == 0) {
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "kilp-mock: error: {}\n", e.what());
    return 1;
  }
}
