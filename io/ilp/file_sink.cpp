#include "io/ilp/file_sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kilp::io {

FileSink::FileSink(const FileSinkConfig& config, std::size_t max_pending_buffers)
    : path_(config.path), queue_(std::max<std::size_t>(max_pending_buffers, 1)) {
  if (path_ == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  const int mode_flag = config.mode == FileMode::append ? O_APPEND : O_TRUNC;
  owned_fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode_flag, 0644));
  if (!owned_fd_.valid()) {
    throw std::runtime_error(
        fmt::format("cannot open file sink '{}': {}", path_, std::strerror(errno)));
  }
  fd_ = owned_fd_.get();
}

std::string FileSink::describe() const {
  return path_ == "-" ? std::string("file <stdout>") : "file " + path_;
}

void FileSink::submit(BufferId id, std::span<const char> bytes) {
  if (queued_ == queue_.size()) {
    throw std::logic_error(
        fmt::format("file sink '{}': submit() with {} buffers already pending", path_, queued_));
  }
  queue_[(head_ + queued_) % queue_.size()] = QueuedBuffer{id, bytes};
  ++queued_;
}

void FileSink::write_all(std::span<const char> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(written));
    } else if (written < 0 && errno == EINTR) {
      continue;
    } else if (written < 0 && errno == EAGAIN) {
      pollfd pfd{fd_, POLLOUT, 0};  // stdout may be a non-blocking pipe
      ::poll(&pfd, 1, -1);
    } else {
      const int error = written == 0 ? EIO : errno;
      throw SinkFatalError(
          fmt::format("file sink '{}': write failed: {}", path_, std::strerror(error)));
    }
  }
}

std::size_t FileSink::poll(std::chrono::milliseconds /*wait*/, std::span<BufferId> done) {
  // Writes finish synchronously, so there is never anything to wait for.
  const std::size_t count = std::min(queued_, done.size());
  for (std::size_t i = 0; i < count; ++i) {
    const QueuedBuffer& buffer = queue_[head_];
    write_all(buffer.bytes);
    done[i] = buffer.id;
    head_ = (head_ + 1) % queue_.size();
    --queued_;
  }
  return count;
}

}  // namespace kilp::io
