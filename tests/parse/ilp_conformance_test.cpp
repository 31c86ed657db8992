// Runs QuestDB's ILP client interop vectors (read at run time from
// KILP_CONFORMANCE_DIR, see its README.md) against IlpLineBuilder.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <string>
#include <variant>
#include <vector>

#include "parse/ilp_line_builder.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::parse {
namespace {

constexpr std::array<const char*, 3> kVectorFiles = {
    "ilp-client-interop-test.json",
    "c-questdb-client_ilp-client-interop-test.json",
    "java-questdb-client_ilp-client-interop-test.json",
};

struct VectorColumn {
  std::string type;  // STRING, LONG, DOUBLE, BOOLEAN, DECIMAL
  std::string name;
  std::variant<std::string, std::int64_t, double, bool> value;
};

struct VectorCase {
  std::string file;
  std::size_t index = 0;
  std::string name;
  std::string table;
  std::vector<std::pair<std::string, std::string>> symbols;
  std::vector<VectorColumn> columns;
  bool success = false;
  int minimum_protocol = 1;
  std::vector<std::string> text_lines;  // `line` or `anyLines`, without "\n"
  std::string binary;                   // decoded binaryBase64 (ends in "\n")
  std::string java_binary;              // decoded base64Line (ends in a 0x00 placeholder)
  std::string load_error;
};

std::string decode_base64(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    const int v = value_of(c);
    if (v < 0) continue;  // '=' padding
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  return out;
}

std::string read_case(simdjson::dom::element element, VectorCase& c) {
  std::string_view text;
  if (element["testName"].get(text)) return "no testName";
  c.name = text;
  if (element["table"].get(text)) return "no table";
  c.table = text;
  for (simdjson::dom::element symbol : element["symbols"].get_array()) {
    c.symbols.emplace_back(std::string(symbol["name"].get_string().value()),
                           std::string(symbol["value"].get_string().value()));
  }
  for (simdjson::dom::element column : element["columns"].get_array()) {
    VectorColumn col;
    col.type = column["type"].get_string().value();
    col.name = column["name"].get_string().value();
    simdjson::dom::element value = column["value"];
    if (col.type == "STRING" || col.type == "DECIMAL") {
      col.value = std::string(value.get_string().value());
    } else if (col.type == "LONG") {
      col.value = value.get_int64().value();
    } else if (col.type == "DOUBLE") {
      col.value = value.get_double().value();
    } else if (col.type == "BOOLEAN") {
      col.value = value.get_bool().value();
    } else {
      return "unknown column type " + col.type;
    }
    c.columns.push_back(std::move(col));
  }
  std::int64_t min_version = 1;
  if (!element["minimumProtocolVersion"].get(min_version)) c.minimum_protocol = int(min_version);
  simdjson::dom::element result = element["result"];
  c.success = result["status"].get_string().value() == "SUCCESS";
  if (!result["line"].get(text)) c.text_lines.emplace_back(text);
  simdjson::dom::array any_lines;
  if (!result["anyLines"].get(any_lines)) {
    for (simdjson::dom::element line : any_lines) {
      c.text_lines.emplace_back(line.get_string().value());
    }
  }
  if (!result["binaryBase64"].get(text)) c.binary = decode_base64(text);
  if (!result["base64Line"].get(text)) c.java_binary = decode_base64(text);
  if (c.success && c.text_lines.empty() && c.binary.empty() && c.java_binary.empty()) {
    return "SUCCESS case without an expected line";
  }
  return {};
}

std::vector<VectorCase> load_file(const std::string& file) {
  std::vector<VectorCase> cases;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string path = std::string(KILP_CONFORMANCE_DIR) + "/" + file;
  if (auto error = parser.load(path).get(root)) {
    VectorCase broken;
    broken.file = file;
    broken.name = "unreadable";
    broken.load_error = path + ": " + simdjson::error_message(error);
    cases.push_back(std::move(broken));
    return cases;
  }
  std::size_t index = 0;
  for (simdjson::dom::element element : root.get_array()) {
    VectorCase c;
    c.file = file;
    c.index = index++;
    try {
      c.load_error = read_case(element, c);
    } catch (const simdjson::simdjson_error& e) {
      c.load_error = e.what();
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

const std::vector<VectorCase>& all_cases() {
  static const std::vector<VectorCase> cases = [] {
    std::vector<VectorCase> all;
    for (const char* file : kVectorFiles) {
      for (VectorCase& c : load_file(file)) all.push_back(std::move(c));
    }
    return all;
  }();
  return cases;
}

bool is_decimal_case(const VectorCase& c) {
  if (c.minimum_protocol >= 3) return true;
  for (const VectorColumn& col : c.columns) {
    if (col.type == "DECIMAL") return true;
  }
  return false;
}

struct Built {
  IlpRowError error;
  std::string bytes;
};

Built build_row(const VectorCase& c, int protocol_version) {
  std::string buffer(4096, '\0');
  OutputCursor out{buffer.data(), 0, buffer.size()};
  IlpLineBuilder row(out, protocol_version);
  row.table(c.table);
  for (const auto& [name, value] : c.symbols) row.symbol(name, value);
  for (const VectorColumn& col : c.columns) {
    if (col.type == "STRING") row.column_string(col.name, std::get<std::string>(col.value));
    if (col.type == "LONG") row.column_long(col.name, std::get<std::int64_t>(col.value));
    if (col.type == "DOUBLE") row.column_double(col.name, std::get<double>(col.value));
    if (col.type == "BOOLEAN") row.column_bool(col.name, std::get<bool>(col.value));
    if (col.type == "DECIMAL") row.column_decimal(col.name, std::get<std::string>(col.value));
  }
  const IlpRowError error = row.at_now();
  return {error, buffer.substr(0, out.size)};
}

std::string printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// A vector's decimal text as the strict parser reads the binary form back: zero has no
// sign ("-0.0" is "0.0").
testing::IlpDecimal decimal_read_back(const std::string& text) {
  const bool zero = text.find_first_not_of("-0.") == std::string::npos;
  return {zero && text.front() == '-' ? text.substr(1) : text};
}

// Our own output, read back by the independent strict parser, must hold the case's values.
void expect_reads_back(const VectorCase& c, const std::string& line) {
  const testing::IlpParseResult parsed = testing::parse_ilp_line(line);
  ASSERT_TRUE(parsed.ok()) << parsed.error << " in " << printable(line);
  EXPECT_EQ(parsed.row->table, c.table);
  EXPECT_EQ(parsed.row->symbols, c.symbols);
  ASSERT_EQ(parsed.row->columns.size(), c.columns.size());
  for (std::size_t i = 0; i < c.columns.size(); ++i) {
    const auto& [name, value] = parsed.row->columns[i];
    EXPECT_EQ(name, c.columns[i].name);
    if (c.columns[i].type == "DECIMAL") {
      ASSERT_TRUE(std::holds_alternative<testing::IlpDecimal>(value)) << "column " << name;
      EXPECT_EQ(std::get<testing::IlpDecimal>(value),
                decimal_read_back(std::get<std::string>(c.columns[i].value)))
          << "column " << name;
      continue;
    }
    std::visit(
        [&](const auto& expected) {
          using T = std::decay_t<decltype(expected)>;
          ASSERT_TRUE(std::holds_alternative<T>(value)) << "column " << name;
          EXPECT_EQ(std::get<T>(value), expected) << "column " << name;
        },
        c.columns[i].value);
  }
}

class IlpConformance : public ::testing::TestWithParam<std::size_t> {};

TEST_P(IlpConformance, Case) {
  const VectorCase& c = all_cases()[GetParam()];
  SCOPED_TRACE(c.file + " #" + std::to_string(c.index) + " '" + c.name + "'");
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  if (is_decimal_case(c)) {
    // The case's text `line` is the C client's text decimal ("1.0d"), which no QuestDB
    // reads before protocol 3: kilp writes decimals only in binary, under protocol 3.
    for (int protocol : {1, 2}) {
      const Built built = build_row(c, protocol);
      EXPECT_EQ(built.error, IlpRowError::kNeedsProtocol3) << "protocol " << protocol;
      EXPECT_TRUE(built.bytes.empty());
    }
    ASSERT_TRUE(c.success && !c.binary.empty()) << "a decimal case without binaryBase64";
    const Built built = build_row(c, 3);
    ASSERT_EQ(built.error, IlpRowError::kNone) << ilp_row_error_message(built.error);
    EXPECT_EQ(printable(built.bytes), printable(c.binary));
    expect_reads_back(c, built.bytes);
    return;
  }

  if (!c.success) {
    for (int protocol : {1, 2, 3}) {
      const Built built = build_row(c, protocol);
      EXPECT_NE(built.error, IlpRowError::kNone) << "accepted: " << printable(built.bytes);
      EXPECT_TRUE(built.bytes.empty());
    }
    return;
  }
  if (!c.text_lines.empty()) {
    const Built built = build_row(c, 1);
    ASSERT_EQ(built.error, IlpRowError::kNone) << ilp_row_error_message(built.error);
    bool matched = false;
    for (const std::string& line : c.text_lines) matched = matched || built.bytes == line + "\n";
    EXPECT_TRUE(matched) << "got " << printable(built.bytes) << ", expected "
                         << printable(c.text_lines.front());
    expect_reads_back(c, built.bytes);
  }
  if (!c.binary.empty()) {
    const Built built = build_row(c, 2);
    ASSERT_EQ(built.error, IlpRowError::kNone);
    EXPECT_EQ(printable(built.bytes), printable(c.binary));
    expect_reads_back(c, built.bytes);
    // Protocol 3 only adds decimals: everything else is written as under protocol 2.
    EXPECT_EQ(printable(build_row(c, 3).bytes), printable(built.bytes));
  }
  if (!c.java_binary.empty()) {
    // The Java vectors end in a 0x00 placeholder where the line end goes.
    const Built built = build_row(c, 2);
    ASSERT_EQ(built.error, IlpRowError::kNone);
    ASSERT_FALSE(built.bytes.empty());
    EXPECT_EQ(built.bytes.back(), '\n');
    EXPECT_EQ(printable(std::string_view(built.bytes).substr(0, built.bytes.size() - 1)),
              printable(std::string_view(c.java_binary).substr(0, c.java_binary.size() - 1)));
    expect_reads_back(c, built.bytes);
  }
}

std::vector<std::size_t> case_indexes() {
  std::vector<std::size_t> indexes(all_cases().size());
  for (std::size_t i = 0; i < indexes.size(); ++i) indexes[i] = i;
  return indexes;
}

std::string case_name(const ::testing::TestParamInfo<std::size_t>& info) {
  const VectorCase& c = all_cases()[info.param];
  std::string name = c.file.substr(0, c.file.find("ilp-client")) + std::to_string(c.index);
  if (name.front() == '0' || std::isdigit(static_cast<unsigned char>(name.front()))) {
    name = "questdb_client_test_" + name;
  }
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, IlpConformance, ::testing::ValuesIn(case_indexes()), case_name);

// Guards against the suite silently running nothing (a moved or emptied vector file).
TEST(IlpConformanceVectors, EveryFileHoldsManyCases) {
  for (const char* file : kVectorFiles) {
    std::size_t count = 0;
    for (const VectorCase& c : all_cases()) count += c.file == file && c.load_error.empty();
    EXPECT_GT(count, 50u) << file;
  }
  EXPECT_GT(all_cases().size(), 250u);
}

}  // namespace
}  // namespace kilp::parse
