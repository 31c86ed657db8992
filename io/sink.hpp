#pragma once
// Where ILP bytes go. A shard hands the sink whole output buffers, in order; the
// sink reports each buffer done once its bytes are accepted (TCP: fully sent;
// HTTP: 2xx; file: written). Only then may the shard store the Kafka offsets of
// the rows in it. Buffers are reported done in submission order, never skipped:
// transient failures (reconnects, retries) are the sink's business.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace kilp::io {

using BufferId = std::uint32_t;

// A failure that retrying cannot fix (authentication refused, endpoint is not ILP).
class SinkFatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Queues a filled buffer. `bytes` holds complete ILP lines and must stay valid
  // and unchanged until the buffer is reported done.
  virtual void submit(BufferId id, std::span<const char> bytes) = 0;

  // Makes progress on queued buffers and writes the ids of buffers completed
  // since the last call into `done` (in submission order), returning how many.
  // Waits up to `wait` when nothing has completed yet. Throws SinkFatalError.
  virtual std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) = 0;

  // Buffers submitted and not yet reported done.
  virtual std::size_t pending() const = 0;

  // For logs and the stats line, e.g. "tcp 127.0.0.1:9009". Never contains secrets.
  virtual std::string describe() const = 0;
};

}  // namespace kilp::io
