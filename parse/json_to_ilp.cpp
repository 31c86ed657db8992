#include "parse/json_to_ilp.hpp"

#include <stdexcept>
#include <string>

#include "parse/encoder_kernel.hpp"

namespace kilp::parse {

namespace {
const EncoderKernel& choose_kernel(std::string_view name) {
  for (const EncoderKernel& kernel : built_in_encoder_kernels()) {
    if (name.empty() ? runs_here(kernel) : kernel.name == name) {
      if (!runs_here(kernel)) {
        throw std::invalid_argument("encoder kernel '" + std::string(name) +
                                    "' cannot run on this CPU");
      }
      return kernel;
    }
  }
  throw std::invalid_argument(name.empty() ? std::string("no encoder kernel runs on this CPU")
                                           : "no encoder kernel '" + std::string(name) + "'");
}
}  // namespace

JsonToIlpEncoder::JsonToIlpEncoder(std::size_t max_message_bytes, std::string_view kernel)
    : max_message_bytes_(max_message_bytes) {
  const EncoderKernel& chosen = choose_kernel(kernel);
  kernel_name_ = chosen.name;
  kernel_ = chosen.make(max_message_bytes);
}

JsonToIlpEncoder::~JsonToIlpEncoder() = default;
JsonToIlpEncoder::JsonToIlpEncoder(JsonToIlpEncoder&&) noexcept = default;
JsonToIlpEncoder& JsonToIlpEncoder::operator=(JsonToIlpEncoder&&) noexcept = default;

std::vector<std::string_view> JsonToIlpEncoder::kernels_running_here() {
  std::vector<std::string_view> names;
  for (const EncoderKernel& kernel : built_in_encoder_kernels()) {
    if (runs_here(kernel)) names.push_back(kernel.name);
  }
  return names;
}

EncodeResult JsonToIlpEncoder::encode(const MappingPlan& plan, std::string_view json,
                                      const MessageMeta& meta, OutputCursor& out) {
  return kernel_->encode(plan, json, meta, out);
}

std::span<const std::uint32_t> JsonToIlpEncoder::row_ends(const EncodeResult& result) const {
  return kernel_->row_ends(result);
}

std::string_view JsonToIlpEncoder::refused_field() const { return kernel_->refused_field(); }

}  // namespace kilp::parse
