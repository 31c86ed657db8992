#include "parse/object_array_mapping.hpp"

#include <stdexcept>

namespace kilp::parse {

namespace {

// Java's String.trim(), as the connector applies it: every byte up to ' ' goes.
std::string_view trim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

const char* expected_form(ObjectArrayShape shape) {
  return shape == ObjectArrayShape::kMatrix ? "source:target:field1,field2"
                                            : "source:target1,target2:field1,field2";
}

}  // namespace

std::string_view object_array_flag(ObjectArrayShape shape) {
  return shape == ObjectArrayShape::kMatrix ? "--order-book-to-array" : "--struct-array-explode";
}

std::vector<ObjectArrayMapping> parse_object_array_mappings(std::string_view what,
                                                            std::string_view text,
                                                            ObjectArrayShape shape) {
  std::vector<ObjectArrayMapping> mappings;
  for (std::string_view entry : split(text, ';')) {
    entry = trim(entry);
    if (entry.empty()) continue;
    auto refuse = [&](const std::string& why) {
      throw std::invalid_argument(std::string(what) + ": mapping '" + std::string(entry) +
                                  "': " + why);
    };
    const std::vector<std::string_view> parts = split(entry, ':');
    if (parts.size() != 3) refuse(std::string("expected ") + expected_form(shape));
    ObjectArrayMapping mapping;
    mapping.shape = shape;
    mapping.source = trim(parts[0]);
    for (std::string_view target : split(parts[1], ',')) mapping.targets.emplace_back(trim(target));
    for (std::string_view field : split(parts[2], ',')) mapping.fields.emplace_back(trim(field));
    if (mapping.source.empty()) refuse("the source field is empty");
    for (const std::string& target : mapping.targets) {
      if (target.empty()) refuse("a target column name is empty");
    }
    for (const std::string& field : mapping.fields) {
      if (field.empty()) refuse("an element field name is empty");
    }
    if (shape == ObjectArrayShape::kMatrix && mapping.targets.size() != 1) {
      refuse("expected one target column (a DOUBLE[][] with a row per element field)");
    }
    if (shape == ObjectArrayShape::kArrayPerField &&
        mapping.targets.size() != mapping.fields.size()) {
      refuse(std::to_string(mapping.targets.size()) + " target columns for " +
             std::to_string(mapping.fields.size()) + " element fields (one DOUBLE[] per field)");
    }
    mappings.push_back(std::move(mapping));
  }
  if (mappings.empty()) {
    throw std::invalid_argument(std::string(what) + ": '" + std::string(text) +
                                "' holds no mapping (expected " + expected_form(shape) + ")");
  }
  return mappings;
}

}  // namespace kilp::parse
