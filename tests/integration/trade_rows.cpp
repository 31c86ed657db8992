#include "tests/integration/trade_rows.hpp"

#include <unistd.h>

#include "tests/support/strict_ilp_parser.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

bool is_exactly_trade(const IlpRow& row, const std::string& table, std::uint64_t index) {
  const tools::Trade trade = tools::make_trade(index);
  return row.table == table && row.timestamp_ns && *row.timestamp_ns == trade.ts_us * 1000 &&
         row.symbols.size() == 2 && row.symbols[0].second == trade.symbol &&
         row.symbols[1].second == trade.side && row.columns.size() == 2 &&
         row.columns[0].second == IlpValue(tools::trade_price(trade)) &&
         row.columns[1].second == IlpValue(tools::trade_amount(trade));
}

}  // namespace

std::filesystem::path make_temp_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kilp-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::uint64_t TradeCounts::missing() const {
  std::uint64_t n = 0;
  for (std::uint32_t t : times) n += t == 0;
  return n;
}

std::uint64_t TradeCounts::repeated() const {
  std::uint64_t n = 0;
  for (std::uint32_t t : times) n += t > 1 ? t - 1 : 0;
  return n;
}

TradeCounts count_trades(const IlpTcpServer& server, const std::string& table,
                         std::uint64_t expected, OtherTables others) {
  TradeCounts counts;
  counts.times.assign(expected, 0);
  for (const std::string& stream : server.streams()) {
    std::vector<std::string_view> lines;
    std::string error;
    // A stream cut by a killed process may end mid-line: count only whole lines.
    const std::string_view whole(stream.data(), stream.rfind('\n') + 1);
    split_ilp_lines(whole, lines, error);
    for (std::string_view line : lines) {
      IlpParseResult parsed = parse_ilp_line(line);
      if (others == OtherTables::skipped && parsed.ok() && parsed.row->table != table) continue;
      ++counts.rows;
      if (!parsed.ok() || !parsed.row->timestamp_ns) {
        ++counts.bad_rows;
        continue;
      }
      const std::int64_t index = *parsed.row->timestamp_ns / 1000 - tools::kFirstTradeMicros;
      if (index < 0 || index >= static_cast<std::int64_t>(expected) ||
          !is_exactly_trade(*parsed.row, table, static_cast<std::uint64_t>(index))) {
        ++counts.bad_rows;
        continue;
      }
      ++counts.times[index];
    }
  }
  return counts;
}

}  // namespace kilp::testing
