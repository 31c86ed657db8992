#include "tests/support/strict_ilp_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

namespace kilp::testing {
namespace {

IlpRow parse_ok(std::string_view line) {
  IlpParseResult result = parse_ilp_line(line);
  EXPECT_TRUE(result.ok()) << result.error << " in: " << line;
  return result.ok() ? *result.row : IlpRow{};
}

TEST(StrictIlpParser, ReadsAllValueKinds) {
  const IlpRow row = parse_ok(
      "trades,symbol=BTC-USD,side=buy price=30123.45,n=-42i,ok=t,no=f,s=\"a b\" "
      "1700000000123456000\n");
  EXPECT_EQ(row.table, "trades");
  ASSERT_EQ(row.symbols.size(), 2u);
  EXPECT_EQ(row.symbols[0], (std::pair<std::string, std::string>("symbol", "BTC-USD")));
  ASSERT_EQ(row.columns.size(), 5u);
  EXPECT_EQ(std::get<double>(row.columns[0].second), 30123.45);
  EXPECT_EQ(std::get<std::int64_t>(row.columns[1].second), -42);
  EXPECT_EQ(std::get<bool>(row.columns[2].second), true);
  EXPECT_EQ(std::get<bool>(row.columns[3].second), false);
  EXPECT_EQ(std::get<std::string>(row.columns[4].second), "a b");
  EXPECT_EQ(row.timestamp_ns, 1700000000123456000);
}

TEST(StrictIlpParser, UnescapesNamesSymbolsAndStrings) {
  const IlpRow row =
      parse_ok("t\\ 1\\=2,n\\ a=v\\ 1\\,2\\=3\\\n4\\\r5\"6\\\\7 s=\"q\\\"b\\\\c\\\nd\\\re\"\n");
  EXPECT_EQ(row.table, "t 1=2");
  EXPECT_EQ(row.symbols[0].first, "n a");
  EXPECT_EQ(row.symbols[0].second, "v 1,2=3\n4\r5\"6\\7");
  EXPECT_EQ(std::get<std::string>(row.columns[0].second), "q\"b\\c\nd\re");
  EXPECT_FALSE(row.timestamp_ns);
}

TEST(StrictIlpParser, ReadsSymbolOnlyRowsWithAndWithoutTimestamp) {
  EXPECT_EQ(parse_ok("t,a=b\n").symbols.size(), 1u);
  EXPECT_EQ(parse_ok("t,a=b 123\n").timestamp_ns, 123);
}

TEST(StrictIlpParser, ReadsNonFiniteAndExponentDoubles) {
  const IlpRow row = parse_ok("t a=NaN,b=Infinity,c=-Infinity,d=1E+100,e=-1E-06\n");
  EXPECT_TRUE(std::isnan(std::get<double>(row.columns[0].second)));
  EXPECT_EQ(std::get<double>(row.columns[1].second), INFINITY);
  EXPECT_EQ(std::get<double>(row.columns[2].second), -INFINITY);
  EXPECT_EQ(std::get<double>(row.columns[3].second), 1e100);
  EXPECT_EQ(std::get<double>(row.columns[4].second), -1e-6);
}

// Protocol 3: '=' 23 scale length, the unscaled value big-endian in the fewest bytes.
TEST(StrictIlpParser, ReadsBinaryDecimalsAsText) {
  using namespace std::string_literals;
  const IlpRow row = parse_ok(
      "t a==\x17\x02\x02\x30\x39,b==\x17\x03\x01\xff,c==\x17\x00\x01\x00,"
      "d==\x17\x04\x02\x00\x80,x=1i\n"s);
  ASSERT_EQ(row.columns.size(), 5u);
  EXPECT_EQ(std::get<IlpDecimal>(row.columns[0].second).text, "123.45");
  EXPECT_EQ(std::get<IlpDecimal>(row.columns[1].second).text, "-0.001");
  EXPECT_EQ(std::get<IlpDecimal>(row.columns[2].second).text, "0");
  EXPECT_EQ(std::get<IlpDecimal>(row.columns[3].second).text, "0.0128");
  for (const std::string& bad : {"t a==\x17\x02\x02\x00\x01\n"s,  // not the fewest bytes
                                 "t a==\x17\x02\x02\xff\x80\n"s,  // nor for a negative
                                 "t a==\x17\x4d\x01\x01\n"s,      // scale 77
                                 "t a==\x17\x02\x00\n"s,          // no bytes
                                 "t a==\x17\x02\x21"s + std::string(33, '\x01') + "\n",
                                 "t a==\x17\x02\x05\x01\n"s}) {  // truncated
    EXPECT_FALSE(parse_ilp_line(bad).ok()) << bad;
  }
}

TEST(StrictIlpParser, ReadsBinaryDoubles) {
  std::string line = "t d==";
  line.push_back('\x10');
  const double value = 42.5;
  char bytes[8];
  std::memcpy(bytes, &value, 8);
  line.append(bytes, 8);
  line += ",x=1i\n";
  const IlpRow row = parse_ok(line);
  EXPECT_EQ(std::get<double>(row.columns[0].second), 42.5);
  EXPECT_EQ(std::get<std::int64_t>(row.columns[1].second), 1);
}

TEST(StrictIlpParser, RejectsMalformedLines) {
  const char* malformed[] = {
      "t\n",                                          // no symbol and no column
      "t a=1i",                                       // no line end
      "t a=\"abc\n",                                  // unterminated string
      "t a=\"a\nb\"\n",                               // raw newline in a string
      "t a=\"a\\xb\"\n",                              // unknown string escape
      "t a=1i trailing\n",                            // garbage instead of a timestamp
      "t a=1i 12x\n",                                 // bad timestamp
      "t a=1i,\n",                                    // missing field
      "t a=\n",                                       // missing value
      "t =1i\n",                                      // empty column name
      "t a=1.2.3\n",                                  // bad number
      "t a=12ii\n",                                   // bad long
      "t a=99999999999999999999i\n",                  // long out of range
      "t a=.5\n",                                     // no leading digit
      "t a=abc\n",                                    // not a value
      "t,s=a=b x=1i\n",                               // unescaped '=' in a symbol value
      "t,s=a\\qb x=1i\n",                             // unknown escape in a symbol
      "t x=1i,y=2i\nextra",                           // bytes after the line
      "t a.b=1i\n",                                   // '.' refused in column names
      "t a-b=1i\n",                                   // '-' refused in column names
      ".t a=1i\n",                                    // leading dot in table name
      "a..b a=1i\n",                                  // double dot in table name
      "t,s=1 s=2i\n",                                 // duplicate name
      "t a=1i,A=2i\n",                                // one column for QuestDB
      "t,Sym=1 sym=2i\n",                             // one column for QuestDB
      "t a==\x11\x01\x01\x01\x01\x01\x01\x01\x01\n",  // unknown binary type
      "t a==\x10\x01\x02\n",                          // truncated binary double
  };
  for (const char* line : malformed) {
    SCOPED_TRACE(line);
    EXPECT_FALSE(parse_ilp_line(line).ok());
  }
}

TEST(StrictIlpParser, SplitsStreamsOnlyAtRealLineEnds) {
  std::string stream = "t s=\"a\\\nb\" 1\nu,k=x\\\ny v=1i\nw d==";
  stream.push_back('\x10');
  const double with_newline_byte = 4.94065645841246544e-323;  // 0x0A in its low byte
  char bytes[8];
  std::memcpy(bytes, &with_newline_byte, 8);
  ASSERT_EQ(bytes[0], '\n');
  stream.append(bytes, 8);
  stream += "\n";
  std::vector<std::string_view> lines;
  std::string error;
  ASSERT_TRUE(split_ilp_lines(stream, lines, error)) << error;
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "t s=\"a\\\nb\" 1\n");
  EXPECT_EQ(lines[1], "u,k=x\\\ny v=1i\n");
}

TEST(StrictIlpParser, SplitRefusesATruncatedStream) {
  std::vector<std::string_view> lines;
  std::string error;
  EXPECT_FALSE(split_ilp_lines("t a=1i\nt b=2", lines, error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace kilp::testing
