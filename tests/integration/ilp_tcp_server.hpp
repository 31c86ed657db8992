#pragma once
// A loopback ILP/TCP server owned by a test: accepts any number of connections on
// 127.0.0.1 and keeps the bytes each one delivered. It parses nothing itself;
// tests split and parse the streams strictly afterwards.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kilp::testing {

class IlpTcpServer {
 public:
  IlpTcpServer();  // listens on 127.0.0.1 with an ephemeral port
  ~IlpTcpServer();

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The bytes of every connection so far, in accept order.
  std::vector<std::string> streams() const;
  std::size_t bytes_received() const { return bytes_.load(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  void serve();

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> streams_;
  std::thread thread_;
};

}  // namespace kilp::testing
