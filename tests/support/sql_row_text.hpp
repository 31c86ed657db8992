#pragma once
// An ILP row as QuestDB reads it back: one line of its CSV export (/exp) for
// `select c1, c2, .. from t`, the form the QuestDB Kafka connector's tests compare
// against ("\"AAPL\",\"[[10.0,5.1],[1123.0,92.0]]\""). Lets tests port those
// expectations onto the ILP kilp writes, before a real QuestDB reads it.
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::testing {

// Symbols and strings quoted, longs and doubles as QuestDB prints them (1, 10.0, 5.1),
// double arrays by their shape ("[[1.0,2.0],[3.0,4.0]]", quoted), timestamps in
// microseconds ("2026-01-13T22:00:00.014000Z", quoted); `timestamp_column` names the
// designated timestamp. A column the row lacks reads "<absent>".
std::string sql_csv_row(const IlpRow& row, const std::vector<std::string>& columns,
                        std::string_view timestamp_column = {});

// A double as Java's Double.toString prints it: the shortest text that reads back the
// same, ".0" on whole numbers, scientific below 1e-3 and from 1e7 ("1.0E7").
std::string sql_double_text(double value);

}  // namespace kilp::testing
