#include "tests/integration/questdb_crash.hpp"

#include <stdexcept>

namespace kilp::testing {

using namespace std::chrono_literals;

QuestDbCrash crash_questdb_mid_stream(QuestDbServer& questdb, Subprocess& kilp,
                                      const std::string& kilp_log, const std::string& table,
                                      std::int64_t rows_at_kill, std::int64_t messages) {
  QuestDbCrash crash;
  crash.rows_at_kill = questdb.wait_for_rows(table, rows_at_kill, 90s);
  if (crash.rows_at_kill < rows_at_kill) {
    throw std::runtime_error("table " + table + " has " + std::to_string(crash.rows_at_kill) +
                             " rows, not " + std::to_string(rows_at_kill) +
                             ", after 90 s; kilp's log:\n" + read_file(kilp_log));
  }
  if (crash.rows_at_kill >= messages) {
    throw std::runtime_error("the stream into " + table + " ended before QuestDB was killed");
  }
  questdb.restart(/*kill=*/true);
  crash.kilp.exit_code = kilp.wait(180s);
  crash.kilp.log = read_file(kilp_log);
  return crash;
}

}  // namespace kilp::testing
