#pragma once
// A sink's connection: a socket whose bytes move through one io_uring, plain or
// TLS. The sinks see plaintext only: with TLS, start_send() encrypts (OpenSSL
// memory BIOs) and io_uring sends the ciphertext; a completion reports the
// plaintext bytes it covered once all their ciphertext is in the kernel. A
// receive completes with decrypted bytes. One operation in flight at a time, as
// with UringSendRing. The TLS handshake and ILP/TCP authentication happen at
// attach time with blocking calls; data transfer always goes through io_uring.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "io/ilp/uring_socket.hpp"
#include "io/tls/tls_client_context.hpp"
#include "io/tls/tls_session.hpp"

namespace kilp::io {

class UringStream {
 public:
  using Clock = std::chrono::steady_clock;

  // `tls` null: plain TCP.
  explicit UringStream(std::shared_ptr<const TlsClientContext> tls);
  ~UringStream();
  UringStream(const UringStream&) = delete;
  UringStream& operator=(const UringStream&) = delete;

  // Takes a connected, blocking socket; with TLS, does the handshake before
  // returning. Returns an empty string, or why the connection is unusable.
  std::string attach(UniqueFd socket, Clock::time_point deadline);
  bool connected() const { return socket_.valid(); }
  bool tls() const { return tls_context_ != nullptr; }

  // Ends an in-flight operation promptly (shutdown), without closing.
  void interrupt();
  // Interrupts, waits for the in-flight operation, drops the session and socket.
  void close();

  // Blocking, outside the hot path (authentication, GET /settings): 0 or errno.
  int send_all_blocking(std::string_view bytes, Clock::time_point deadline);
  // Blocking receive: bytes (> 0), 0 at end of stream, -errno (-ETIMEDOUT).
  int receive_blocking(std::span<char> into, Clock::time_point deadline);

  // As UringSendRing, in plaintext bytes; 0 or -errno.
  int start_send(std::span<const char> bytes);
  int start_recv(std::span<char> into);
  bool in_flight() const { return ring_.in_flight() || ready_.has_value(); }
  std::optional<int> take_completion();
  std::optional<int> wait_completion(std::chrono::nanoseconds timeout);
  // Readable (poll(2)) when a completion may be waiting: the ring's descriptor.
  int completion_fd() const { return ring_.fd(); }

 private:
  enum class Op { none, send, recv };

  std::optional<int> on_ring_result(int result);
  int submit_ciphertext();
  int fail_session();

  std::shared_ptr<const TlsClientContext> tls_context_;
  std::unique_ptr<TlsSession> session_;
  UringSendRing ring_;
  UniqueFd socket_;
  Op op_ = Op::none;
  std::size_t plaintext_in_send_ = 0;  // bytes the current TLS send covers
  std::span<char> recv_into_;          // where a TLS receive decrypts to
  std::optional<int> ready_;           // a result known without the kernel
};

}  // namespace kilp::io
