#include "tests/integration/kilp_topic_args.hpp"

namespace kilp::testing {

std::vector<std::string> kilp_topic_args(const TopicRun& run) {
  std::vector<std::string> args = {
      "--brokers", run.bootstrap, "--topic", run.topic, "--group",
      run.group,   "--sink",      run.sink,  "--dlq",   "file::path=" + run.dlq.string() + ";"};
  if (run.trades) {
    args.insert(args.end(),
                {"--symbols", "symbol,side", "--timestamp-field", "ts", "--timestamp-units", "us"});
  }
  if (run.shards > 0) args.insert(args.end(), {"--shards", std::to_string(run.shards)});
  if (run.from_beginning) args.push_back("--from-beginning");
  if (run.exit_at_end) args.push_back("--exit-at-end");
  args.insert(args.end(), {"--stats-interval", "1", "-X", "fetch.wait.max.ms=100"});
  if (run.short_session) args.insert(args.end(), {"-X", "session.timeout.ms=6000"});
  return args;
}

TopicRun long_running_member(const std::string& bootstrap, const std::string& topic,
                             const std::string& group, const std::string& sink,
                             const std::filesystem::path& dlq) {
  return {.bootstrap = bootstrap,
          .topic = topic,
          .group = group,
          .sink = sink,
          .dlq = dlq,
          .from_beginning = false,
          .exit_at_end = false,
          .short_session = false,
          .shards = 2};
}

}  // namespace kilp::testing
