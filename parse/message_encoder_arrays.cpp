// Arrays: JSON arrays of numbers as ILP protocol 2 double arrays.
#include <utility>

#include "parse/message_encoder.hpp"

namespace kilp::parse::KILP_PARSE_KERNEL {

namespace {
// ILP v2 array of doubles: '=' then type, element type, dimension count and the
// little-endian uint32 length of each dimension, then the elements.
constexpr char kBinaryArrayType = 14;
constexpr char kArrayElementDouble = 10;
}  // namespace

// A one-dimensional array of numbers as an ILP v2 double array; anything else
// follows the mapping's array policy.
Rejection MessageEncoder::encode_array(const ColumnName& name, ondemand::value& value) {
  const Rejection refused = config_.array_policy == ArrayPolicy::kSkip
                                ? Rejection()
                                : Rejection(RejectReason::kUnsupportedValue);
  if (config_.protocol_version < 2) return refused;
  ondemand::array array;
  if (auto error = value.get_array().get(array)) return reason_for(error);
  char* const column_start = columns_.pos;
  if (Rejection rejection = begin_column(name, false)) return rejection;
  char* header = columns_.reserve(4 + sizeof(std::uint32_t));
  if (header == nullptr) return RejectReason::kTooLarge;
  header[0] = '=';
  header[1] = kBinaryArrayType;
  header[2] = kArrayElementDouble;
  header[3] = 1;  // dimensions
  columns_.pos += 4 + sizeof(std::uint32_t);
  std::uint32_t count = 0;
  for (auto element : array) {
    ondemand::value item;
    if (auto error = std::move(element).get(item)) return reason_for(error);
    ondemand::json_type type;
    if (auto error = item.type().get(type)) return reason_for(error);
    if (type != ondemand::json_type::number) {
      if (refused) return refused;
      columns_.pos = column_start;  // skip the whole column
      return std::nullopt;
    }
    double number = 0;
    if (auto error = item.get_double().get(number)) return number_failure(item, error);
    char* dst = columns_.reserve(sizeof number);
    if (dst == nullptr) return RejectReason::kTooLarge;
    std::memcpy(dst, &number, sizeof number);
    columns_.pos += sizeof number;
    ++count;
  }
  std::memcpy(header + 4, &count, sizeof count);  // little-endian host (ilp_values.hpp)
  if (!first_use(last_name_number_, last_name_)) return RejectReason::kDuplicateField;
  return std::nullopt;
}

}  // namespace kilp::parse::KILP_PARSE_KERNEL
