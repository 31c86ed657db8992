// Property test: random JSON objects, full of characters ILP must escape, with
// nested objects, type-hinted fields and (protocol 2) arrays, encode to lines that
// the strict parser reads back to the same values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>

#include "parse/column_name_folding.hpp"
#include "parse/json_to_ilp.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {
namespace {

using Expected = testing::IlpValue;

class RandomJson {
 public:
  explicit RandomJson(std::uint32_t seed) : rng_(seed) {}

  // A code point from the interesting ranges: ILP specials, controls, ASCII, BMP, astral.
  std::string random_text(bool is_key) {
    static const char kSpecials[] = " ,=\n\r\\\"'\t.-";
    std::string text;
    const int length = pick(is_key ? 1 : 0, 12);
    for (int i = 0; i < length; ++i) {
      switch (pick(0, 5)) {
        case 0:
          text.push_back(kSpecials[pick(0, sizeof kSpecials - 2)]);
          break;
        case 1:
          text.push_back(static_cast<char>(pick(0x20, 0x7E)));
          break;
        case 2:
          if (!is_key) text.push_back(static_cast<char>(pick(1, 0x1F)));
          break;
        case 3:
          append_utf8(text, static_cast<char32_t>(pick(0x80, 0xD7FF)));
          break;
        case 4:
          append_utf8(text, static_cast<char32_t>(pick(0x10000, 0x10FFFF)));
          break;
        default:
          text.push_back(static_cast<char>(pick('a', 'z')));
          break;
      }
    }
    return text;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::mt19937& rng() { return rng_; }

 private:
  static void append_utf8(std::string& s, char32_t cp) {
    if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  std::mt19937 rng_;
};

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string json_double(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  std::string s = text;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";  // keep it a JSON float
  return s;
}

bool is_column_name(std::string_view name) {
  return testing::is_questdb_column_name(name);
}

// `name` as QuestDB compares it: names equal this way are one column, a duplicate.
std::string lowered(std::string_view name) {
  std::string out(folded_bytes_at_most(name.size()), '\0');
  out.resize(fold_column_name(name, out.data()));
  return out;
}

void run_round_trip(int protocol_version, std::uint32_t seed) {
  MappingConfig config;
  config.table = "round trip=table.x";
  config.symbols = {"sym1", "sym2"};
  config.doubles = {"hd"};
  config.integers = {"hi"};
  config.timestamp_field = "ts";
  config.timestamp_unit = TimestampUnit::kNanos;
  config.protocol_version = protocol_version;
  const MappingPlan plan = MappingPlan::compile(config);
  JsonToIlpEncoder encoder(1 << 16);
  std::string buffer(1 << 16, '\0');
  RandomJson random(seed);

  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::map<std::string, Expected> columns;
    std::map<std::string, std::string> symbols;
    // The names used so far and the mapping's own, as QuestDB compares them.
    std::set<std::string> taken = {"ts", "sym1", "sym2", "hd", "hi"};
    std::string json = "{";
    auto add_member = [&](const std::string& key, const std::string& value_json) {
      if (json.size() > 1) json += ",";
      json += json_string(key) + ":" + value_json;
    };
    for (const char* symbol : {"sym1", "sym2"}) {
      if (random.pick(0, 3) == 0) continue;
      std::string value = random.random_text(false);
      add_member(symbol, json_string(value));
      if (!value.empty()) symbols[symbol] = value;  // "" is omitted like null
    }
    const int field_count = random.pick(1, 8);
    for (int f = 0; f < field_count; ++f) {
      std::string key = random.random_text(true);
      if (!is_column_name(key) || taken.count(lowered(key))) continue;
      switch (random.pick(0, protocol_version >= 2 ? 5 : 4)) {
        case 0: {
          std::string value = random.random_text(false);
          add_member(key, json_string(value));
          columns[key] = value;
          taken.insert(lowered(key));
          break;
        }
        case 1: {
          const auto value =
              static_cast<std::int64_t>(random.rng()()) * (random.pick(0, 1) ? -1 : 1);
          add_member(key, std::to_string(value));
          columns[key] = value;
          taken.insert(lowered(key));
          break;
        }
        case 2: {
          double value;
          do {
            const std::uint64_t bits = (std::uint64_t(random.rng()()) << 32) | random.rng()();
            std::memcpy(&value, &bits, sizeof value);
          } while (!std::isfinite(value));
          add_member(key, json_double(value));
          columns[key] = value;
          taken.insert(lowered(key));
          break;
        }
        case 3: {
          const bool value = random.pick(0, 1) == 1;
          add_member(key, value ? "true" : "false");
          columns[key] = value;
          taken.insert(lowered(key));
          break;
        }
        case 4: {  // a nested object of scalars, flattened to key_child
          std::string object = "{";
          std::map<std::string, Expected> children;
          for (int c = random.pick(0, 3); c > 0; --c) {
            const std::string child = random.random_text(true);
            const std::string path = key + "_" + child;
            if (!is_column_name(path) || path.size() > 127 || taken.count(lowered(path)) ||
                std::any_of(children.begin(), children.end(), [&](const auto& other) {
                  return lowered(other.first) == lowered(path);
                })) {
              continue;
            }
            const auto value = static_cast<std::int64_t>(random.rng()()) - (1LL << 31);
            if (object.size() > 1) object += ",";
            object += json_string(child) + ":" + std::to_string(value);
            children[path] = value;
          }
          object += "}";
          bool clash = false;
          for (const auto& [path, value] : children) {
            for (const std::string& name : taken) {
              // Any name that is a flattened prefix of another could collide later.
              const std::string lowered_path = lowered(path);
              if (name.rfind(lowered_path, 0) == 0 || lowered_path.rfind(name, 0) == 0)
                clash = true;
            }
          }
          if (clash) break;
          add_member(key, object);
          columns.insert(children.begin(), children.end());
          for (const auto& [path, value] : children) taken.insert(lowered(path));
          break;
        }
        default: {  // protocol 2: an array of doubles
          std::vector<double> values;
          std::string array = "[";
          for (int e = random.pick(0, 5); e > 0; --e) {
            const double value =
                std::ldexp(static_cast<double>(random.rng()()), random.pick(-40, 40));
            if (array.size() > 1) array += ",";
            array += json_double(value);
            values.push_back(value);
          }
          add_member(key, array + "]");
          if (!values.empty()) columns[key] = values;  // [] writes no column
          taken.insert(lowered(key));
        }
      }
    }
    if (random.pick(0, 2) == 0) {  // --doubles: integers become doubles
      const auto value = static_cast<std::int64_t>(random.rng()() % 1000000) - 500000;
      add_member("hd", std::to_string(value));
      columns["hd"] = static_cast<double>(value);
    }
    if (random.pick(0, 2) == 0) {  // --integers: whole numbers written as 12.0
      const auto value = static_cast<std::int64_t>(random.rng()() % 1000000) - 500000;
      add_member("hi", std::to_string(value) + ".0");
      columns["hi"] = value;
    }
    const std::int64_t ts = static_cast<std::int64_t>(random.rng()());
    add_member("ts", std::to_string(ts));
    json += "}";

    SCOPED_TRACE(json);
    OutputCursor out{buffer.data(), 0, buffer.size()};
    const EncodeResult result = encoder.encode(plan, json, MessageMeta{}, out);
    if (symbols.empty() && columns.empty()) {
      EXPECT_EQ(result.reason, RejectReason::kEmptyRow);
      continue;
    }
    ASSERT_EQ(result.outcome, EncodeOutcome::kOk) << reject_reason_id(result.reason);
    const std::string_view line(buffer.data(), out.size);
    const testing::IlpParseResult parsed = testing::parse_ilp_line(line);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(parsed.row->table, config.table);
    EXPECT_EQ(parsed.row->timestamp_ns, ts);
    std::map<std::string, std::string> got_symbols(parsed.row->symbols.begin(),
                                                   parsed.row->symbols.end());
    EXPECT_EQ(got_symbols, symbols);
    ASSERT_EQ(parsed.row->columns.size(), columns.size());
    for (const auto& [name, value] : parsed.row->columns) {
      ASSERT_TRUE(columns.count(name)) << "unexpected column " << name;
      EXPECT_EQ(value, columns[name]) << "column " << name;  // doubles exactly equal
    }
  }
}

TEST(JsonToIlpRoundTrip, TextProtocol) {
  run_round_trip(1, 12345);
}
TEST(JsonToIlpRoundTrip, BinaryDoubles) {
  run_round_trip(2, 67890);
}

}  // namespace
}  // namespace kilp::parse
