#pragma once
// What the delivery tests check at the sink: which generated trades arrived, how
// often, each one's bytes parsed strictly and compared with the trade itself.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/ilp_tcp_server.hpp"

namespace kilp::testing {

// A fresh, empty directory under the system's temp directory.
std::filesystem::path make_temp_dir(const std::string& name);

struct TradeCounts {
  std::vector<std::uint32_t> times;  // per trade index: how often it arrived
  std::uint64_t rows = 0;            // rows received in all
  std::uint64_t bad_rows = 0;        // rows that are not exactly one of the trades
  std::uint64_t missing() const;
  std::uint64_t repeated() const;    // rows beyond the first of each trade
};

// Rows of another table than the one counted: bad rows, or not counted at all (kilp
// writing several topics to several tables).
enum class OtherTables { bad, skipped };

// Counts the trades 0..expected-1 that `server` received (rows of table `table`).
TradeCounts count_trades(const IlpTcpServer& server, const std::string& table,
                         std::uint64_t expected, OtherTables others = OtherTables::bad);

}  // namespace kilp::testing
