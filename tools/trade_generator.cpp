#include "tools/trade_generator.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <iterator>

namespace kilp::tools {
namespace {

constexpr std::array<std::string_view, 8> kSymbols = {"BTC-USD", "ETH-USD", "SOL-USD", "ADA-USD",
                                                      "XRP-USD", "DOT-USD", "BTC-EUR", "ETH-EUR"};

// splitmix64: a cheap, well-mixed hash so values look random but are reproducible.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Trade make_trade(std::uint64_t index) {
  const std::uint64_t h = mix(index);
  Trade t;
  t.symbol = kSymbols[h % kSymbols.size()];
  t.side = ((h >> 8) & 1) ? "sell" : "buy";
  t.price_cents = 100 + static_cast<std::int64_t>((h >> 16) % 5000000);
  t.amount_e4 = 1 + static_cast<std::int64_t>((h >> 40) % 100000);
  t.ts_us = kFirstTradeMicros + static_cast<std::int64_t>(index);
  return t;
}

std::string_view format_trade_json(const Trade& t, std::string& out) {
  out.clear();
  fmt::format_to(std::back_inserter(out),
                 R"({{"symbol":"{}","side":"{}","price":{}.{:02},"amount":{}.{:04},"ts":{}}})",
                 t.symbol, t.side, t.price_cents / 100, t.price_cents % 100, t.amount_e4 / 10000,
                 t.amount_e4 % 10000, t.ts_us);
  return out;
}

double trade_price(const Trade& t) {
  return std::strtod(fmt::format("{}.{:02}", t.price_cents / 100, t.price_cents % 100).c_str(),
                     nullptr);
}

double trade_amount(const Trade& t) {
  return std::strtod(fmt::format("{}.{:04}", t.amount_e4 / 10000, t.amount_e4 % 10000).c_str(),
                     nullptr);
}

}  // namespace kilp::tools
