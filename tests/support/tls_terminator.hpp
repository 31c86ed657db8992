#pragma once
// A TLS-terminating front for a test's plain loopback server, as a proxy in
// front of QuestDB would be: it accepts TLS on 127.0.0.1 (ephemeral port) with a
// given certificate, opens a plain connection to 127.0.0.1:backend_port per
// client, and moves the decrypted bytes both ways. One thread per connection.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_pki.hpp"

#include "tests/support/loopback_socket.hpp"

struct ssl_ctx_st;

namespace kilp::testing {

class TlsTerminator {
 public:
  // `socket_buffer_bytes` > 0 caps its receive (client side) and send (backend
  // side) socket buffers, so little is in flight inside the terminator.
  TlsTerminator(const PemIdentity& identity, std::uint16_t backend_port,
                int socket_buffer_bytes = 0);
  ~TlsTerminator();
  TlsTerminator(const TlsTerminator&) = delete;
  TlsTerminator& operator=(const TlsTerminator&) = delete;

  std::uint16_t port() const { return port_; }
  std::size_t handshakes_completed() const { return completed_.load(); }
  std::size_t handshakes_failed() const { return failed_.load(); }
  // Connections the client ended with TLS close_notify (not just a TCP close).
  std::size_t clean_closes() const { return clean_closes_.load(); }
  // The SNI host name the last client sent ("" when none).
  std::string last_server_name() const {
    std::lock_guard lock(mutex_);
    return server_name_;
  }

 private:
  void accept_loop();
  void serve(int client);

  ssl_ctx_st* context_ = nullptr;
  std::uint16_t backend_port_;
  int socket_buffer_bytes_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> completed_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<std::size_t> clean_closes_{0};
  mutable std::mutex mutex_;
  std::string server_name_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace kilp::testing
