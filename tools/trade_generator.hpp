#pragma once
// Deterministic trade messages: message i always has the same content, so tests
// can recompute what every row must hold, and each has a unique timestamp.
//   {"symbol":"BTC-USD","side":"buy","price":30123.45,"amount":0.0123,"ts":1700000000123456}
#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::tools {

struct Trade {
  std::string_view symbol;
  std::string_view side;
  std::int64_t price_cents = 0;   // price = price_cents / 100
  std::int64_t amount_e4 = 0;     // amount = amount_e4 / 10000
  std::int64_t ts_us = 0;         // microseconds since the epoch
};

constexpr std::int64_t kFirstTradeMicros = 1700000000000000;

Trade make_trade(std::uint64_t index);

// Writes the JSON text of `trade` into `out` (replacing its content).
std::string_view format_trade_json(const Trade& trade, std::string& out);

// The price and amount as the JSON text states them (what a parser must read back).
double trade_price(const Trade& trade);
double trade_amount(const Trade& trade);

}  // namespace kilp::tools
