// Arrays: rectangular JSON arrays of numbers as ILP protocol 2 double arrays.
#include <utility>

#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

namespace {
// ILP v2 array of doubles: '=' then type, element type, dimension count and the
// little-endian uint32 length of each dimension, then the elements.
constexpr char kBinaryArrayType = 14;
constexpr char kArrayElementDouble = 10;
}  // namespace

// A rectangular array of numbers (any depth up to 32) as an ILP v2 double array
// with its shape; an empty one writes nothing, whatever its name (the connector
// checks a name only when it writes a value under it); anything else follows the
// mapping's array policy.
Rejection MessageEncoder::encode_array(const ColumnName& name, ondemand::value& value,
                                       bool float32) {
  const Rejection refused = config_.array_policy == ArrayPolicy::kSkip
                                ? Rejection()
                                : Rejection(RejectReason::kUnsupportedValue);
  ondemand::array array;
  if (auto error = value.get_array().get(array)) return reason_for(error);
  if (config_.protocol_version < 2) {
    bool empty = false;
    if (auto error = array.is_empty().get(empty)) return reason_for(error);
    return empty ? Rejection() : refused;
  }
  char* const column_start = columns_.pos;
  // Under a name QuestDB refuses, the elements are still read (to tell an array
  // with no element) but no name is written before them.
  if (name.valid) {
    if (Rejection rejection = begin_column(name, false)) return rejection;
  }
  char* header = columns_.reserve(4);
  if (header == nullptr) return RejectReason::kTooLarge;
  header[0] = '=';
  header[1] = kBinaryArrayType;
  header[2] = kArrayElementDouble;
  columns_.pos += 4;
  DoubleArrayShape shape;
  char* lengths = nullptr;
  if (Rejection rejection = encode_array_elements(array, 0, shape, lengths, float32)) {
    if (rejection != RejectReason::kUnsupportedValue) return rejection;
    if (refused) return refused;
    columns_.pos = column_start;  // skip the whole column
    return std::nullopt;
  }
  const std::size_t dimensions = shape.dimensions();
  if (dimensions == 0 || !name.valid) {  // no element at all: no column
    columns_.pos = column_start;
    return dimensions == 0 ? Rejection() : Rejection(RejectReason::kInvalidName);
  }
  header[3] = static_cast<char>(dimensions);
  for (std::size_t d = 0; d < dimensions; ++d) {
    const std::uint32_t length = shape.length(d);
    std::memcpy(lengths + d * sizeof length, &length, sizeof length);  // little-endian
  }
  if (!first_use(name.number, written_name(column_start, name))) {
    if (config_.duplicates == DuplicatePolicy::kReject) return RejectReason::kDuplicateField;
    columns_.pos = column_start;
  }
  return std::nullopt;
}

// The elements of one level of a nested array, row-major. kUnsupportedValue:
// not a rectangular array of numbers.
Rejection MessageEncoder::encode_array_elements(ondemand::array& array, std::size_t depth,
                                                DoubleArrayShape& shape, char*& lengths,
                                                bool float32) {
  std::uint32_t count = 0;
  for (auto element : array) {
    if (element.error()) return reason_for(element.error());
    ondemand::value& item = element.value_unsafe();  // in place: see encode_object
    ondemand::json_type type;
    if (auto error = item.type().get(type)) return reason_for(error);
    const bool is_array = type == ondemand::json_type::array;
    if (!is_array && type != ondemand::json_type::number) return RejectReason::kUnsupportedValue;
    if (!shape.element(depth, is_array)) return RejectReason::kUnsupportedValue;
    if (is_array) {
      ondemand::array inner;
      if (auto error = item.get_array().get(inner)) return reason_for(error);
      if (Rejection rejection = encode_array_elements(inner, depth + 1, shape, lengths, float32)) {
        return rejection;
      }
    } else {
      if (lengths == nullptr) {  // the first number: the dimension count is known
        const std::size_t bytes = shape.dimensions() * sizeof(std::uint32_t);
        lengths = columns_.reserve(bytes);
        if (lengths == nullptr) return RejectReason::kTooLarge;
        columns_.pos += bytes;
      }
      double number = 0;
      if (auto error = item.get_double().get(number)) return number_failure(item, error);
      if (float32 && !round_to_float32(number)) return RejectReason::kNumberOutOfRange;
      char* dst = columns_.reserve(sizeof number);
      if (dst == nullptr) return RejectReason::kTooLarge;
      std::memcpy(dst, &number, sizeof number);
      columns_.pos += sizeof number;
    }
    ++count;
  }
  if (!shape.end_array(depth, count)) return RejectReason::kUnsupportedValue;
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
