#pragma once
// The QuestDB Kafka connector's two market-data transforms as mapping options: an
// array of objects (an order book's levels) whose numeric fields become ILP protocol 2
// double arrays, in the connector's two shapes and written in its `mappings` syntax,
// so that a connector configuration carries over.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kilp::parse {

enum class ObjectArrayShape : std::uint8_t {
  // OrderBookToArray, "source:target:f1,f2": one DOUBLE[][] column whose row i holds
  // field i of every element (bids = [[price1,price2,..],[size1,size2,..]]).
  kMatrix,
  // StructArrayExplode, "source:t1,t2:f1,f2": one DOUBLE[] column per field, in the
  // same row (t1 = [f1 of every element], t2 = [f2 of every element]).
  kArrayPerField,
};

struct ObjectArrayMapping {
  ObjectArrayShape shape = ObjectArrayShape::kMatrix;
  std::string source;                // the array's field path, flattened as in the mapping
  std::vector<std::string> targets;  // column names: one (kMatrix) or one per field
  std::vector<std::string> fields;   // keys read from every element, in order

  bool operator==(const ObjectArrayMapping&) const = default;
};

// The kilp flag of a shape: "--order-book-to-array" or "--struct-array-explode".
std::string_view object_array_flag(ObjectArrayShape shape);

// The connector's `mappings` value, e.g. "buy_entries:bids:px,size;sell_entries:asks:px,size":
// entries split at ';' (empty ones skipped), each "source:targets:fields" with lists
// split at ',' and every name trimmed of blanks. An empty name, a wrong part count,
// or (kArrayPerField) as many targets as fields not matching is refused: throws
// std::invalid_argument naming `what` (the flag or file key) and the entry. Rules
// that span mappings are checked by MappingPlan::compile.
std::vector<ObjectArrayMapping> parse_object_array_mappings(std::string_view what,
                                                            std::string_view text,
                                                            ObjectArrayShape shape);

}  // namespace kilp::parse
