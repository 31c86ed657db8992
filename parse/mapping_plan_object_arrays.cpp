// The object array mappings of a plan (--order-book-to-array, --struct-array-explode):
// the columns each writes, the rules across mappings, and the fields their target
// names replace.
#include <algorithm>
#include <stdexcept>

#include "parse/ilp_names.hpp"
#include "parse/mapping_plan.hpp"

namespace kilp::parse {

namespace {

constexpr char kBinaryArrayType = 14;
constexpr char kArrayElementDouble = 10;

// ",name==" then the array type, the element type and the dimension count: what comes
// before the dimension lengths.
std::string array_column_header(const std::string& escaped_name, char dimensions) {
  return "," + escaped_name + "==" + kBinaryArrayType + kArrayElementDouble + dimensions;
}

// {"f1":0,"f2":0} and the comma after it.
std::size_t min_element_bytes(const std::vector<std::string>& fields) {
  std::size_t bytes = 2 + (fields.size() - 1) + 1;
  for (const std::string& field : fields) bytes += field.size() + 4;  // "f":0
  return bytes;
}

}  // namespace

void MappingPlan::plan_object_arrays(const std::string& table) {
  const std::vector<ObjectArrayMapping>& mappings = config_.object_arrays;
  std::vector<std::string> written_names;  // every target, and the names written besides
  if (config_.key_mode != KeyMode::kNone) written_names.push_back(config_.key_prefix);
  for (const std::string* name : {&config_.kafka_timestamp_column, &config_.kafka_partition_column,
                                  &config_.kafka_offset_column}) {
    if (!name->empty()) written_names.push_back(*name);
  }
  for (const auto& [from, to] : config_.rename) written_names.push_back(to);

  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const ObjectArrayMapping& mapping = mappings[i];
    const std::string flag(object_array_flag(mapping.shape));
    auto refuse = [&](const std::string& why) {
      throw std::invalid_argument(flag + " '" + mapping.source + "' (table '" + table +
                                  "'): " + why);
    };
    if (mapping.fields.empty() || mapping.fields.size() > kMaxElementFields) {
      refuse("an element gives 1 to 64 fields");
    }
    for (std::size_t f = 0; f < mapping.fields.size(); ++f) {
      if (std::find(mapping.fields.begin(), mapping.fields.begin() + static_cast<long>(f),
                    mapping.fields[f]) != mapping.fields.begin() + static_cast<long>(f)) {
        refuse("element field '" + mapping.fields[f] + "' is named twice");
      }
    }
    ObjectArrayColumns columns{
        mapping.shape, mapping.fields, {}, {}, min_element_bytes(mapping.fields)};
    const char dimensions = mapping.shape == ObjectArrayShape::kMatrix ? 2 : 1;
    for (const std::string& target : mapping.targets) {
      if (!is_valid_column_name(target)) {
        refuse("invalid target column name '" + target +
               "': it must be 1-127 bytes, without . - ? , ' \" \\ / : ( ) + * % ~ or control "
               "characters");
      }
      if (std::find(written_names.begin(), written_names.end(), target) != written_names.end()) {
        refuse("column '" + target +
               "' would be written twice (another target, a rename, the "
               "key or a Kafka metadata column)");
      }
      written_names.push_back(target);
      columns.escaped_names.push_back(escaped_ilp_name(target));
      columns.headers.push_back(array_column_header(columns.escaped_names.back(), dimensions));
      drop_field_replaced_by(target, i, flag, table);
    }
    object_arrays_.push_back(std::move(columns));
  }
}

// As in the connector, a target replaces the field of its name: the field is
// dropped, whether or not the source array is there (a target may also name its own
// source). Any other use of that name by the mapping is refused.
void MappingPlan::drop_field_replaced_by(const std::string& target, std::size_t mapping,
                                         const std::string& flag, const std::string& table) {
  // Dropping an object drops what lies below it, which the mapping may need.
  const std::string below = target + config_.separator;
  for (const PlannedField& field : fields_) {
    if (field.role != FieldRole::kExclude && field.json_name.rfind(below, 0) == 0) {
      throw std::invalid_argument(flag + " (table '" + table + "'): target column '" + target +
                                  "' replaces the field of that name, and with it '" +
                                  field.json_name + "', which the mapping uses");
    }
  }
  for (PlannedField& field : fields_) {
    if (field.json_name != target) continue;
    const bool own_source = field.role == FieldRole::kObjectArray && field.object_array == mapping;
    const bool included = field.role == FieldRole::kColumn && field.table_slot == kNoSlot &&
                          std::find(config_.include.begin(), config_.include.end(), target) !=
                              config_.include.end() &&
                          std::none_of(config_.rename.begin(), config_.rename.end(),
                                       [&](const auto& rename) { return rename.first == target; });
    if (field.role == FieldRole::kExclude && field.table_slot == kNoSlot) return;
    if (included) {  // the include list keeps the target column, not the field
      field.role = FieldRole::kExclude;
      field.escaped_name.clear();
      return;
    }
    if (own_source) return;
    throw std::invalid_argument(flag + " (table '" + table + "'): target column '" + target +
                                "' replaces the field of that name, which the mapping also "
                                "uses (as a symbol, hint, timestamp, rename, table placeholder "
                                "or another mapping's source)");
  }
  fields_.push_back({target, FieldRole::kExclude, {}});
}

}  // namespace kilp::parse
