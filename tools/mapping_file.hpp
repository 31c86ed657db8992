#pragma once
// Topic -> table mappings: the words flags and the TOML file share, and the TOML
// file itself (`kilp --config FILE`):
//
//   separator = "_"                 # top-level keys: defaults for every topic
//   [topics.trades]
//   symbols = ["symbol", "side"]
//   timestamp_field = "ts"
//   timestamp_units = "us"
//   [topics.sensors]
//   table = "sensors_${partition}"
//   key = "symbol"
//   rename = { temp = "temperature" }
//   [topics.books]
//   order_book_to_array = "bids:bids:price,amount;asks:asks:price,amount"
//
// Keys are the mapping flags without the leading dashes, '-' written '_'.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse/mapping_plan.hpp"

namespace kilp::tools {

// Each throws std::invalid_argument naming `what` (the flag or file key) and the value.
parse::TimestampUnit parse_timestamp_units(std::string_view what, std::string_view text);
parse::KeyMode parse_key_mode(std::string_view what, std::string_view text);
parse::ArrayPolicy parse_array_policy(std::string_view what, std::string_view text);
parse::MissingTimestampPolicy parse_missing_timestamp(std::string_view what, std::string_view text);
parse::OversizedIntegerPolicy parse_oversized_integers(std::string_view what,
                                                       std::string_view text);
parse::DuplicatePolicy parse_duplicates(std::string_view what, std::string_view text);
parse::ValueFormat parse_value_format(std::string_view what, std::string_view text);
parse::UnsupportedTypePolicy parse_unsupported_types(std::string_view what,
                                                     std::string_view text);
parse::KeyFormat parse_key_format(std::string_view what, std::string_view text);
// "a=b,c=d"
std::vector<std::pair<std::string, std::string>> parse_renames(std::string_view what,
                                                               std::string_view text);

// The connector's OrderBookToArray / StructArrayExplode `mappings` string, added to
// `mapping`.
void append_object_array_mappings(std::string_view what, std::string_view text,
                                  parse::ObjectArrayShape shape, parse::MappingConfig& mapping);

struct TopicMapping {
  std::string topic;
  parse::MappingConfig mapping;
};

// Reads `path`; every topic starts from `defaults`, then the file's top-level keys,
// then its own [topics.NAME] keys. Throws std::invalid_argument naming the file,
// the key and the problem.
std::vector<TopicMapping> load_mapping_file(const std::string& path,
                                            const parse::MappingConfig& defaults);

}  // namespace kilp::tools
