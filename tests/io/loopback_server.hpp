#pragma once
// A stand-in for QuestDB's ILP/TCP endpoint on 127.0.0.1 (ephemeral port): one
// thread accepts connections one after another and records the bytes of each.
// It can drop a connection abruptly (RST), as QuestDB does on a bad line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kilp::io::testing {

struct LoopbackServerOptions {
  int receive_buffer_bytes = 0;  // 0: kernel default (autotuned)
  // Reset the first connection once it has delivered this many bytes.
  std::size_t reset_first_connection_after = std::numeric_limits<std::size_t>::max();
  bool keep_bytes = true;  // false: count and discard (benchmarks)
  std::uint16_t port = 0;  // 0: ephemeral
};

class LoopbackServer {
 public:
  using Options = LoopbackServerOptions;

  explicit LoopbackServer(Options options = {}) : options_(options) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (options_.receive_buffer_bytes > 0) {
      ::setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &options_.receive_buffer_bytes, sizeof(int));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(options_.port);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listener_, 8) != 0) {
      throw std::runtime_error("loopback server: bind/listen failed");
    }
    socklen_t length = sizeof(addr);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Resets (RST) the current connection; returns once the server has done it.
  void reset_current_connection() {
    reset_requested_ = true;
    while (reset_requested_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::vector<std::string> connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
  }

  std::size_t total_bytes() const {
    std::lock_guard lock(mutex_);
    return total_bytes_;
  }

  std::size_t accepted() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }

  bool wait_for_bytes(std::size_t bytes, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return total_bytes_ >= bytes; });
  }

 private:
  void run() {
    std::vector<char> chunk(1 << 20);
    int client = -1;
    while (!stop_) {
      if (reset_requested_) {
        if (client >= 0) client = reset(client);
        reset_requested_ = false;
      }
      pollfd pfd{client >= 0 ? client : listener_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      if (client < 0) {
        client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        std::lock_guard lock(mutex_);
        connections_.emplace_back();
        continue;
      }
      std::size_t want = chunk.size();
      const bool first = accepted() == 1;
      if (first) {
        const std::size_t have = total_bytes();
        if (have >= options_.reset_first_connection_after) {
          client = reset(client);
          continue;
        }
        want = std::min(want, options_.reset_first_connection_after - have);
      }
      const ssize_t n = ::read(client, chunk.data(), want);
      if (n <= 0) {
        ::close(client);
        client = -1;
        continue;
      }
      std::lock_guard lock(mutex_);
      if (options_.keep_bytes)
        connections_.back().append(chunk.data(), static_cast<std::size_t>(n));
      total_bytes_ += static_cast<std::size_t>(n);
      changed_.notify_all();
    }
    if (client >= 0) ::close(client);
  }

  // Closes with RST, dropping unread bytes, as a server that gives up would.
  static int reset(int client) {
    const linger abort_on_close{1, 0};
    ::setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
    ::close(client);
    return -1;
  }

  Options options_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reset_requested_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> connections_;
  std::size_t total_bytes_ = 0;
  std::thread thread_;
};

}  // namespace kilp::io::testing
