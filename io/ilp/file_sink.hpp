#pragma once
// ILP into a file (or stdout), for offline use and tests. A buffer is done once
// all its bytes were handed to write(); nothing is fsync'ed, so "done" means the
// kernel has the bytes, as for TCP.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "io/ilp/sink.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/uring_socket.hpp"

namespace kilp::io {

class FileSink final : public Sink {
 public:
  // Opens (creates) the file; throws std::runtime_error naming the path.
  FileSink(const FileSinkConfig& config, std::size_t max_pending_buffers);

  void submit(BufferId id, std::span<const char> bytes) override;
  // Writes the queued buffers; throws SinkFatalError if the file refuses them
  // (disk full, closed pipe): retrying would not help the shard.
  std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) override;
  std::size_t pending() const override { return queued_; }
  std::string describe() const override;

 private:
  struct QueuedBuffer {
    BufferId id = 0;
    std::span<const char> bytes;
  };

  void write_all(std::span<const char> bytes);

  std::string path_;
  UniqueFd owned_fd_;  // empty for stdout, which is not ours to close
  int fd_ = -1;
  std::vector<QueuedBuffer> queue_;  // fixed-capacity FIFO: [head_, head_ + queued_)
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
};

}  // namespace kilp::io
