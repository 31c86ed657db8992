#pragma once
// QuestDB (fixture questdb) killed and started again while kilp writes a stream into it.
#include <chrono>
#include <cstdint>
#include <string>

#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/servers/questdb_server.hpp"

namespace kilp::testing {

struct QuestDbCrash {
  std::int64_t rows_at_kill = 0;  // rows `table` showed when QuestDB was killed
  KilpRun kilp;                   // kilp's exit code and log once it ended
};

// Waits until `table` shows `rows_at_kill` rows, kills QuestDB (SIGKILL) and starts it
// again on the same data, then waits for `kilp` (writing `messages` rows into `table`,
// its stderr in `kilp_log`) to end. Throws when the rows do not come in time or all
// of them came before the kill (the crash would not be mid-stream).
QuestDbCrash crash_questdb_mid_stream(QuestDbServer& questdb, Subprocess& kilp,
                                      const std::string& kilp_log, const std::string& table,
                                      std::int64_t rows_at_kill, std::int64_t messages);

}  // namespace kilp::testing
