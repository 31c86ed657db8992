#pragma once
// Reconnecting a sink without blocking its shard: a non-blocking connect to the
// next of the sink's resolved endpoints (round robin), advanced a bounded wait at
// a time from the sink's poll(), and abandoned once it outlives the timeout (a
// black-holed host neither succeeds nor fails).
#include <chrono>
#include <cstddef>
#include <vector>

#include "io/ilp/uring_socket.hpp"

namespace kilp::io {

class SocketConnector {
 public:
  SocketConnector(std::vector<SocketEndpoint> endpoints, std::chrono::milliseconds timeout);

  const std::vector<SocketEndpoint>& endpoints() const { return endpoints_; }

  // Starts an attempt when none is under way, then waits up to `wait` for it
  // (a fresh attempt is only checked, not waited for). On connected, take() the
  // socket; on failed (error = errno, ETIMEDOUT past the timeout) the next call
  // starts a new attempt.
  ConnectStatus advance(std::chrono::milliseconds wait);
  UniqueFd take() { return std::move(socket_); }
  // The socket of the attempt under way (writable once it connected or failed); -1 if none.
  int pending_socket() const { return socket_.get(); }

 private:
  std::vector<SocketEndpoint> endpoints_;
  std::chrono::milliseconds timeout_;
  std::size_t next_ = 0;
  UniqueFd socket_;
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace kilp::io
