// The table of the encoder's kernels, from kilp_parse_kernels.inc, which CMake writes
// with one KILP_KERNEL(namespace, "name") line per kernel, fastest first.
#include <simdjson.h>

#include <string>

#include "parse/encoder_kernel.hpp"

#define KILP_KERNEL(ns, name)                                                 \
  namespace kilp::parse::ns {                                                 \
  std::unique_ptr<KernelEncoder> make_encoder(std::size_t max_message_bytes); \
  }
#include "kilp_parse_kernels.inc"
#undef KILP_KERNEL

namespace kilp::parse {

std::span<const EncoderKernel> built_in_encoder_kernels() {
  static constexpr EncoderKernel kKernels[] = {
#define KILP_KERNEL(ns, name) {name, &ns::make_encoder},
#include "kilp_parse_kernels.inc"
#undef KILP_KERNEL
  };
  return kKernels;
}

bool runs_here(const EncoderKernel& kernel) {
  const simdjson::implementation* implementation =
      simdjson::get_available_implementations()[std::string(kernel.name)];
  return implementation != nullptr && implementation->supported_by_runtime_system();
}

}  // namespace kilp::parse
