#pragma once
// Where ILP bytes go. A shard hands the sink whole output buffers, in order; the
// sink reports each buffer done once its bytes are accepted (TCP: fully sent;
// HTTP: 2xx; file: written). Only then may the shard store the Kafka offsets of
// the rows in it. Buffers are reported done in submission order, never skipped:
// transient failures (reconnects, retries) are the sink's business.
//
// A sink that can refuse single rows (ILP/HTTP: QuestDB answers 400 naming the
// line) reports each refused message to a RowRejectionListener, on the shard
// thread, from inside poll(), before the buffer holding it is reported done; the
// rest of the buffer is still delivered. A message may span several rows
// (--explode): the listener says which, and they are refused together, so that no
// row of a dead-lettered message lands. Such a sink needs the buffer's row
// boundaries, passed with submit_rows().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kilp::io {

using BufferId = std::uint32_t;

// A failure that retrying cannot fix (authentication refused, endpoint is not ILP).
class SinkFatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Rows `first` to `last` (both included) of a buffer's row_ends.
struct RowRange {
  std::size_t first = 0;
  std::size_t last = 0;
};

// Told about rows the server refused for good (not transient failures).
class RowRejectionListener {
 public:
  // The rows written from the same message as `row` (one, unless --explode).
  virtual RowRange message_rows(BufferId buffer, std::size_t row) const = 0;

  // The server refused a row of the message in `rows`; none of them landed.
  // Rows index the row_ends given to submit_rows(); `reason` is the server's
  // text, valid only during the call.
  virtual void on_message_rejected(BufferId buffer, RowRange rows, std::string_view reason) = 0;

 protected:
  ~RowRejectionListener() = default;
};

// How hard delivering has been, for /metrics: failed attempts the sink retried
// (requests, sends) and connections it opened, start-up's included.
struct SinkStats {
  std::uint64_t retries = 0;
  std::uint64_t connects = 0;
};

// How the shard should cut buffers for this sink (the QuestDB auto_flush_* keys).
struct SinkLimits {
  bool needs_row_index = false;   // submit_rows() must carry row boundaries
  std::size_t max_rows = 0;       // seal a buffer at this many rows; 0: no limit
  std::size_t max_bytes = 0;      // seal a buffer once it holds this many bytes; 0: full
  std::chrono::milliseconds max_linger{0};  // upper bound for --linger-ms; 0: none
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Queues a filled buffer. `bytes` holds complete ILP lines and must stay valid
  // and unchanged until the buffer is reported done.
  virtual void submit(BufferId id, std::span<const char> bytes) = 0;

  // As submit(), with the end offset (exclusive) of every row in `bytes`, in
  // order; `row_ends` stays valid as long as `bytes`. Sinks that never refuse
  // single rows ignore it.
  virtual void submit_rows(BufferId id, std::span<const char> bytes,
                           std::span<const std::uint32_t> row_ends) {
    (void)row_ends;
    submit(id, bytes);
  }

  virtual SinkLimits limits() const { return {}; }

  // Where refused rows are reported; must outlive the sink. Sinks that never
  // refuse single rows ignore it.
  virtual void set_row_rejection_listener(RowRejectionListener* listener) { (void)listener; }

  // Makes progress on queued buffers and writes the ids of buffers completed
  // since the last call into `done` (in submission order), returning how many.
  // Waits up to `wait` when nothing has completed yet. Throws SinkFatalError.
  virtual std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) = 0;

  // Buffers submitted and not yet reported done.
  virtual std::size_t pending() const = 0;

  virtual SinkStats stats() const { return {}; }

  // For logs and the stats line, e.g. "tcp 127.0.0.1:9009". Never contains secrets.
  virtual std::string describe() const = 0;
};

}  // namespace kilp::io
