#pragma once
// simdjson On Demand runs on the one kernel (instruction set) it was compiled for; it
// has no run-time dispatch of its own. So the encoder's On Demand code is compiled
// once per kernel (parse/CMakeLists.txt: KILP_PARSE_KERNELS), each copy in its own
// namespace kilp::parse::KILP_PARSE_KERNEL, and JsonToIlpEncoder runs the fastest one
// the CPU it runs on supports, as simdjson's DOM parser does.
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "parse/json_to_ilp.hpp"

namespace kilp::parse {

class KernelEncoder {
 public:
  virtual ~KernelEncoder() = default;
  virtual EncodeResult encode(const MappingPlan& plan, std::string_view json,
                              const MessageMeta& meta, OutputCursor& out) = 0;
  // See JsonToIlpEncoder::row_ends().
  virtual std::span<const std::uint32_t> row_ends(const EncodeResult& result) const = 0;
  // See JsonToIlpEncoder::refused_field().
  virtual std::string_view refused_field() const = 0;
};

struct EncoderKernel {
  std::string_view name;  // simdjson's name for it: "icelake", "haswell", "westmere", ...
  std::unique_ptr<KernelEncoder> (*make)(std::size_t max_message_bytes);
};

// The kernels this build holds, fastest first.
std::span<const EncoderKernel> built_in_encoder_kernels();

// Whether this CPU can run `kernel` (simdjson's own detection).
bool runs_here(const EncoderKernel& kernel);

}  // namespace kilp::parse
