#include "io/ilp/socket_connector.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace kilp::io {

SocketConnector::SocketConnector(std::vector<SocketEndpoint> endpoints,
                                 std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {}

ConnectStatus SocketConnector::advance(std::chrono::milliseconds wait) {
  const auto now = std::chrono::steady_clock::now();
  if (!socket_.valid()) {
    const SocketEndpoint& endpoint = endpoints_[next_++ % endpoints_.size()];
    const ConnectStatus status = start_connect(endpoint, socket_);
    if (status.state == ConnectStatus::State::failed) socket_.reset();
    if (status.state != ConnectStatus::State::in_progress) return status;
    deadline_ = now + timeout_;
    wait = std::chrono::milliseconds(0);  // just started: check, wait next time
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
  ConnectStatus status = finish_connect(socket_.get(), std::clamp(wait, {}, left));
  if (status.state == ConnectStatus::State::in_progress &&
      std::chrono::steady_clock::now() >= deadline_) {
    status = {ConnectStatus::State::failed, ETIMEDOUT};
  }
  if (status.state == ConnectStatus::State::failed) socket_.reset();
  return status;
}

}  // namespace kilp::io
