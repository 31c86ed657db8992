#include "tests/integration/kilp_run.hpp"

#include "tests/integration/subprocess.hpp"

namespace kilp::testing {

const std::string kKilpBinary = KILP_BINARY_DIR "/tools/kilp";

KilpRun run_kilp(const std::vector<std::string>& args, const std::filesystem::path& dir,
                 std::chrono::seconds timeout) {
  const std::string log_path = (dir / "kilp.err").string();
  KilpRun run;
  {
    Subprocess kilp(kKilpBinary, args, log_path);
    run.exit_code = kilp.wait(timeout);
  }
  run.log = read_file(log_path);
  return run;
}

void produce_messages(tools::MockCluster& cluster, const std::string& topic, int partitions,
                      const std::vector<std::string>& messages) {
  cluster.create_topic(topic, partitions);
  cluster.produce(topic, partitions, messages.size(),
                  [&](std::uint64_t i, std::string&) { return std::string_view(messages[i]); });
}

}  // namespace kilp::testing
