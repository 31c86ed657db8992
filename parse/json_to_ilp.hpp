#pragma once
// Parses one JSON message with simdjson on-demand and appends exactly one complete
// ILP line (ending in '\n') to the output. Allocation-free after construction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "parse/mapping_plan.hpp"
#include "parse/output_cursor.hpp"
#include "parse/reject_reason.hpp"

namespace kilp::parse {

enum class EncodeOutcome : std::uint8_t {
  kOk,        // one line appended
  kNoSpace,   // the row does not fit in the cursor's remaining space; nothing appended
  kRejected,  // the message cannot be a row; `reason` says why; nothing appended
};

struct EncodeResult {
  EncodeOutcome outcome = EncodeOutcome::kOk;
  RejectReason reason = RejectReason::kMalformedJson;  // meaningful only when kRejected
  // Lines appended when kOk: 1, or with --explode one per element (their ends in
  // the output are JsonToIlpEncoder::row_ends()).
  std::uint32_t rows = 1;
};

// What Kafka knows about the message besides its value; mappings may use it
// (key column, record timestamp, table templates, metadata columns).
struct MessageMeta {
  std::string_view topic;
  std::string_view key;  // empty when the record has no key
  std::int32_t partition = 0;
  std::int64_t timestamp_ms = -1;  // Kafka record timestamp, -1 when absent
  std::int64_t offset = -1;        // the record's offset, -1 when unknown
};

class KernelEncoder;

class JsonToIlpEncoder {
 public:
  // Preallocates a padded copy buffer for messages up to max_message_bytes and
  // any scratch space the encoder needs. Runs the fastest simdjson kernel this CPU
  // supports, or the one named (for tests and benchmarks; std::invalid_argument if
  // it is not built in or cannot run here).
  explicit JsonToIlpEncoder(std::size_t max_message_bytes, std::string_view kernel = {});
  ~JsonToIlpEncoder();
  JsonToIlpEncoder(JsonToIlpEncoder&&) noexcept;
  JsonToIlpEncoder& operator=(JsonToIlpEncoder&&) noexcept;

  std::size_t max_message_bytes() const { return max_message_bytes_; }

  // simdjson's name of the kernel this encoder runs ("icelake", "haswell", ...).
  std::string_view kernel() const { return kernel_name_; }

  // The built-in kernels this CPU can run, fastest first.
  static std::vector<std::string_view> kernels_running_here();

  // `json` need not be padded; it is copied into the padded scratch first (librdkafka
  // promises nothing readable after a payload: it can end its receive buffer).
  EncodeResult encode(const MappingPlan& plan, std::string_view json, const MessageMeta& meta,
                      OutputCursor& out);

  // After an encode() that wrote several rows (--explode): where each ends, as
  // OutputCursor sizes.
  std::span<const std::uint32_t> row_ends(const EncodeResult& result) const;

  // After an encode() that refused the message for one of its fields: that field's
  // path, flattened as in the mapping ("order_price"; for a name too long, its last
  // key); empty when the message as a whole was refused (not JSON, no timestamp,
  // ...). Valid until the next encode().
  std::string_view refused_field() const;

 private:
  std::size_t max_message_bytes_;
  std::string_view kernel_name_;
  std::unique_ptr<KernelEncoder> kernel_;  // simdjson parser and scratch buffers
};

}  // namespace kilp::parse
