// Issue 22: arrays of objects written as double arrays in the same row
// (--order-book-to-array, --struct-array-explode), on the ILP bytes: both shapes, the
// connector's edge cases, the dead letters and the field they name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/parse/mapping_test_fixture.hpp"
#include "tests/support/sql_row_text.hpp"

namespace kilp::parse {
namespace {

class ObjectArrays : public MappingFeaturesTest {
 protected:
  static MappingConfig book(std::string_view mappings,
                            ObjectArrayShape shape = ObjectArrayShape::kMatrix) {
    MappingConfig config = base();
    config.protocol_version = 2;
    config.object_arrays = parse_object_array_mappings("test", mappings, shape);
    return config;
  }
  static MappingConfig columns(std::string_view mappings) {
    return book(mappings, ObjectArrayShape::kArrayPerField);
  }
  // The row as SQL reads it back (see tests/support/sql_row_text.hpp).
  std::string sql(const MappingConfig& config, std::string_view json,
                  const std::vector<std::string>& names) {
    const std::string written = line(config, json);
    const testing::IlpParseResult parsed = testing::parse_ilp_line(written);
    if (!parsed.ok()) return "invalid ILP: " + parsed.error;
    return testing::sql_csv_row(*parsed.row, names);
  }
  // The reason and the refused field, as "reason field".
  std::string refusal(const MappingConfig& config, std::string_view json) {
    const RejectReason reason = rejection(config, json);
    return std::string(reject_reason_id(reason)) + " " + std::string(encoder_.refused_field());
  }
};

constexpr const char* kBook =
    R"({"symbol":"AAPL","buy_entries":[{"px":10.0,"size":1123.0},{"px":5.1,"size":92.0}],)"
    R"("sell_entries":[{"px":11.0,"size":500.0},{"px":12.5,"size":300.0}]})";

TEST_F(ObjectArrays, MatrixIsOneTwoDimensionalColumnWithARowPerField) {
  const MappingConfig config = book("buy_entries:bids:px,size");
  EXPECT_EQ(line(config, R"({"buy_entries":[{"px":10.0,"size":1123},{"px":5.1,"size":92}]})"),
            "events bids==" + array_header({2, 2}) + doubles({10.0, 5.1, 1123, 92}) + "\n");
}

TEST_F(ObjectArrays, PerFieldIsOneArrayColumnPerFieldInTheSameRow) {
  const MappingConfig config = columns("buy_entries:bid_prices,bid_sizes:px,size");
  EXPECT_EQ(line(config, R"({"buy_entries":[{"px":10.0,"size":1123},{"px":5.1,"size":92}],"a":1})"),
            "events bid_prices==" + array_header({2}) + doubles({10.0, 5.1}) +
                ",bid_sizes==" + array_header({2}) + doubles({1123, 92}) + ",a=1i\n");
}

TEST_F(ObjectArrays, SeveralMappingsPerMessage) {
  EXPECT_EQ(sql(book("buy_entries:bids:px,size;sell_entries:asks:px,size"), kBook,
                {"symbol", "bids", "asks", "buy_entries"}),
            R"("AAPL","[[10.0,5.1],[1123.0,92.0]]","[[11.0,12.5],[500.0,300.0]]",<absent>)");
  EXPECT_EQ(sql(columns("buy_entries:bid_prices,bid_sizes:px,size;"
                        "sell_entries:ask_prices,ask_sizes:px,size"),
                kBook, {"symbol", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes"}),
            R"("AAPL","[10.0,5.1]","[1123.0,92.0]","[11.0,12.5]","[500.0,300.0]")");
}

TEST_F(ObjectArrays, OtherElementFieldsAreSkippedWhateverTheyHold) {
  const std::string json =
      R"({"bids":[{"side":"BUY","amount":2.45,"price":45120.50,"x":{"y":[1,{"z":null}]},)"
      R"("id":"uuid-1"},{"price":"45119.00","amount":"5.12","side":"BUY","q":[]}]})";
  EXPECT_EQ(sql(book("bids:bids:price,amount"), json, {"bids"}),
            R"("[[45120.5,45119.0],[2.45,5.12]]")");
}

TEST_F(ObjectArrays, IntegersAndNumbersAsTextBecomeDoubles) {
  const MappingConfig config = book("e:data:p,s");
  EXPECT_EQ(sql(config, R"({"e":[{"p":10,"s":"100"},{"p":-0,"s":" 2e2 "},{"p":"+1.5","s":"3."}]})",
                {"data"}),
            R"("[[10.0,-0.0,1.5],[100.0,200.0,3.0]]")");
  // Java's Double.parseDouble, as the connector reads text: NaN, Infinity, type suffixes.
  EXPECT_EQ(sql(config, R"({"e":[{"p":"NaN","s":"-Infinity"},{"p":".5","s":"2.5d"}]})", {"data"}),
            R"("[[NaN,0.5],[-Infinity,2.5]]")");
  // Beyond 64 bits is still a double, as the connector's BigInteger.doubleValue().
  EXPECT_EQ(sql(config, R"({"e":[{"p":18446744073709551616,"s":1e300}]})", {"data"}),
            R"("[[1.8446744073709552E19],[1.0E300]]")");
  EXPECT_EQ(sql(config, R"({"e":[{"p":"1\u0030","s":1}]})", {"data"}), R"("[[10.0],[1.0]]")");
}

TEST_F(ObjectArrays, BothShapesInOneMessage) {
  MappingConfig config = book("buy_entries:bids:px,size");
  for (ObjectArrayMapping& m : parse_object_array_mappings(
           "test", "sell_entries:ask_px,ask_size:px,size", ObjectArrayShape::kArrayPerField)) {
    config.object_arrays.push_back(std::move(m));
  }
  EXPECT_EQ(sql(config, kBook, {"bids", "ask_px", "ask_size"}),
            R"("[[10.0,5.1],[1123.0,92.0]]","[11.0,12.5]","[500.0,300.0]")");
}

TEST_F(ObjectArrays, AbsentNullOrEmptySourceWritesNoColumn) {
  const MappingConfig config = book("buy_entries:bids:px,size;sell_entries:asks:px,size");
  EXPECT_EQ(line(config, R"({"symbol":"AAPL","buy_entries":[{"px":1,"size":2}]})"),
            "events symbol=\"AAPL\",bids==" + array_header({2, 1}) + doubles({1, 2}) + "\n");
  EXPECT_EQ(line(config, R"({"symbol":"AAPL","buy_entries":null,"sell_entries":[]})"),
            "events symbol=\"AAPL\"\n");
  EXPECT_EQ(rejection(config, R"({"buy_entries":[]})"), RejectReason::kEmptyRow);
}

TEST_F(ObjectArrays, TargetReplacesTheFieldOfItsNameWhereverItStands) {
  for (const MappingConfig& config :
       {book("buy_entries:bids:px,size"), columns("buy_entries:bids,sizes:px,size")}) {
    EXPECT_EQ(sql(config, R"({"bids":"old_value","buy_entries":[{"px":10,"size":100}]})", {"bids"}),
              config.object_arrays[0].shape == ObjectArrayShape::kMatrix ? R"("[[10.0],[100.0]]")"
                                                                         : R"("[10.0]")");
    EXPECT_EQ(sql(config, R"({"buy_entries":[{"px":10,"size":100}],"bids":{"a":1}})", {"bids"}),
              config.object_arrays[0].shape == ObjectArrayShape::kMatrix ? R"("[[10.0],[100.0]]")"
                                                                         : R"("[10.0]")");
    // Also when the source is empty or absent (StructArrayExplode drops it then too).
    EXPECT_EQ(line(config, R"({"s":1,"bids":"old","buy_entries":[]})"), "events s=1i\n");
    EXPECT_EQ(line(config, R"({"s":1,"bids":"old"})"), "events s=1i\n");
  }
}

TEST_F(ObjectArrays, TargetMayReplaceItsOwnSource) {
  EXPECT_EQ(
      sql(columns("entries:entries:px"), R"({"entries":[{"px":1.0},{"px":2.0}]})", {"entries"}),
      R"("[1.0,2.0]")");
  EXPECT_EQ(sql(book("bids:bids:price,amount"), R"({"bids":[{"price":1,"amount":2}]})", {"bids"}),
            R"("[[1.0],[2.0]]")");
}

TEST_F(ObjectArrays, ALevelThatCannotBeADoubleIsADeadLetterNamingIt) {
  const MappingConfig config = book("buy_entries:bids:price,size");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":1,"size":2},{"price":null,"size":100}]})"),
            "missing_field buy_entries[1].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":1}]})"),
            "missing_field buy_entries[0].size");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{}]})"), "missing_field buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":"not_a_number","size":1}]})"),
            "type_conflict buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":1,"size":true}]})"),
            "type_conflict buy_entries[0].size");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":[1],"size":1}]})"),
            "type_conflict buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":"0x1p3","size":1}]})"),
            "type_conflict buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":1e999,"size":1}]})"),
            "number_out_of_range buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":"1e999","size":1}]})"),
            "number_out_of_range buy_entries[0].price");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[{"price":1,"size":1},7]})"),
            "unsupported_value buy_entries[1]");
  EXPECT_EQ(refusal(config, R"({"buy_entries":[null]})"), "unsupported_value buy_entries[0]");
  EXPECT_EQ(refusal(config, R"({"buy_entries":{"price":1,"size":1}})"),
            "unsupported_value buy_entries");
  EXPECT_EQ(refusal(config, R"({"buy_entries":"[]"})"), "unsupported_value buy_entries");
  EXPECT_EQ(rejection(config, R"({"buy_entries":[{"price":1,"size":1},{"price":2)"),
            RejectReason::kMalformedJson);
}

TEST_F(ObjectArrays, ARepeatedKeyInAnElementFollowsTheDuplicatesPolicy) {
  MappingConfig config = book("e:data:p");
  EXPECT_EQ(refusal(config, R"({"e":[{"p":1,"p":2}]})"), "duplicate_field e[0].p");
  config.duplicates = DuplicatePolicy::kKeepFirst;
  EXPECT_EQ(sql(config, R"({"e":[{"p":1,"p":"x"}]})", {"data"}), R"("[[1.0]]")");
}

TEST_F(ObjectArrays, ATargetWrittenTwiceFollowsTheDuplicatesPolicy) {
  // Targets are column names as they stand; a value field "b" is the column v_b here.
  MappingConfig config = columns("e:v_a,v_b:x,y");
  config.value_prefix = "v";
  EXPECT_EQ(refusal(config, R"({"e":[{"x":1,"y":2}],"b":5})"), "duplicate_field b");
  EXPECT_EQ(refusal(config, R"({"b":5,"e":[{"x":1,"y":2}]})"), "duplicate_field e");
  config.duplicates = DuplicatePolicy::kKeepFirst;
  EXPECT_EQ(sql(config, R"({"b":5,"e":[{"x":1,"y":2}]})", {"v_a", "v_b"}), R"("[1.0]",5)");
  EXPECT_EQ(line(config, R"({"e":[{"x":1,"y":2}],"e":[{"x":3,"y":4}]})"),
            "events v_a==" + array_header({1}) + doubles({1}) + ",v_b==" + array_header({1}) +
                doubles({2}) + "\n");
}

TEST_F(ObjectArrays, NestedSourceEscapedKeysAndValuePrefix) {
  MappingConfig config = book("book_bids:bids:p,s");
  config.value_prefix = "v";
  EXPECT_EQ(sql(config, R"({"book":{"bids":[{"\u0070":1,"s":2}],"n":3}})", {"bids", "v_book_n"}),
            R"("[[1.0],[2.0]]",3)");
  EXPECT_EQ(refusal(config, R"({"book":{"bids":[{"p":1}]}})"), "missing_field book_bids[0].s");
}

TEST_F(ObjectArrays, WithAnIncludeListTheTargetsAreWritten) {
  MappingConfig config = book("book_bids:bids:p");
  config.include = {"bids", "symbol"};
  EXPECT_EQ(sql(config, R"({"symbol":"X","book":{"bids":[{"p":1}]},"other":1})",
                {"symbol", "bids", "other"}),
            R"("X","[[1.0]]",<absent>)");
}

TEST_F(ObjectArrays, AfterTheEnvelopeAndWithExplodedRows) {
  MappingConfig config = book("bids:bids:p,s");
  config.value_format = ValueFormat::kEnvelope;
  EXPECT_EQ(sql(config, R"({"schema":"market_data","payload":{"m":"X","bids":[{"p":1,"s":2}]}})",
                {"m", "bids"}),
            R"("X","[[1.0],[2.0]]")");
  config.value_format = ValueFormat::kJson;
  config.explode = "books";
  const EncodeResult result =
      encode(config, R"({"m":"X","books":[{"bids":[{"p":1,"s":2}]},{"bids":[{"p":3,"s":4}]}]})");
  ASSERT_EQ(result.outcome, EncodeOutcome::kOk);
  ASSERT_EQ(result.rows, 2u);
  EXPECT_EQ(std::string(buffer_.data(), out_.size),
            "events m=\"X\",bids==" + array_header({2, 1}) + doubles({1, 2}) + "\n" +
                "events m=\"X\",bids==" + array_header({2, 1}) + doubles({3, 4}) + "\n");
}

TEST_F(ObjectArrays, ManyLevelsAndTheShortestElements) {
  // The lanes hold as many elements as the message can: the shortest elements there are.
  MappingConfig config = book("e:m:p,q");
  std::string json = R"({"e":[)";
  std::vector<double> prices, sizes;
  for (int i = 0; i < 3000; ++i) {
    if (i > 0) json += ',';
    json += R"({"p":)" + std::to_string(i % 10) + R"(,"q":)" + std::to_string(9 - i % 10) + "}";
    prices.push_back(i % 10);
    sizes.push_back(9 - i % 10);
  }
  json += "]}";
  std::string expected = "events m==" + array_header({2, 3000});
  for (double p : prices) expected += doubles({p});
  for (double s : sizes) expected += doubles({s});
  EXPECT_EQ(line(config, json), expected + "\n");
  // "events a==" 14 10 1, the length, the doubles; ",b==" the same; the line end.
  EXPECT_EQ(line(columns("e:a,b:p,q"), json).size(),
            7 + (3 + 3 + 4 + 24000) + (4 + 3 + 4 + 24000) + 1);
}

TEST_F(ObjectArrays, ARowBeyondTheOutputIsTooLargeNotWrongBytes) {
  const MappingConfig config = book("e:m:p");
  std::string json = R"({"e":[)";
  for (int i = 0; i < 3000; ++i) json += i > 0 ? R"(,{"p":1})" : R"({"p":1})";
  json += "]}";
  out_ = OutputCursor{buffer_.data(), 0, 1000};
  const EncodeResult result = encoder_.encode(MappingPlan::compile(config), json, {}, out_);
  EXPECT_EQ(result.outcome, EncodeOutcome::kNoSpace);
  EXPECT_EQ(out_.size, 0u);
}

TEST_F(ObjectArrays, ProtocolOneIsRefusedAtCompile) {
  MappingConfig config = book("bids:bids:p");
  config.protocol_version = 1;
  try {
    MappingPlan::compile(config);
    ADD_FAILURE() << "compiled";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--order-book-to-array writes double arrays, which need "
                                         "ILP protocol 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kilp::parse
