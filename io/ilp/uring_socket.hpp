#pragma once
// The socket layer under the ILP/TCP sink: resolving the address once, connecting
// without blocking the shard for long, and sending through an io_uring that keeps
// exactly one send in flight (so the bytes of two buffers can never interleave).
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kilp::io {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

struct SocketEndpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
};

// Resolves numeric IPv4/IPv6 literals and host names (getaddrinfo). Done once at
// start-up: reconnects reuse the result, so no DNS lookup blocks a shard later.
// Throws std::runtime_error naming `host_and_port` when nothing resolves.
std::vector<SocketEndpoint> resolve_tcp_endpoints(const std::string& host, std::uint16_t port,
                                                  const std::string& host_and_port);

// Outcome of a connect step: connected, still in progress, or failed with errno.
struct ConnectStatus {
  enum class State { connected, in_progress, failed } state;
  int error = 0;  // errno when failed
};

// Starts a non-blocking connect; `socket_out` receives the new socket.
ConnectStatus start_connect(const SocketEndpoint& endpoint, UniqueFd& socket_out);

// Waits up to `wait` for a started connect to finish (0: just checks).
ConnectStatus finish_connect(int socket_fd, std::chrono::milliseconds wait);

struct TcpSocketOptions {
  std::optional<int> send_buffer_bytes;  // SO_SNDBUF; kernel default when absent
};

// Makes a connected socket ready for the sink: blocking mode (io_uring arms its
// own poll), TCP_NODELAY (ILP buffers are whole; Nagle would only add latency),
// optional SO_SNDBUF. Returns 0 or errno.
int prepare_connected_socket(int socket_fd, const TcpSocketOptions& options);

// One io_uring with at most one operation (send or receive) in flight. Created
// with SINGLE_ISSUER and COOP_TASKRUN when the kernel accepts them, falling back to
// plain flags. The ring starts disabled and is enabled by the first operation, so
// the thread that first uses it (the shard thread) becomes its only submitter,
// whichever thread built it.
class UringSendRing {
 public:
  UringSendRing();
  ~UringSendRing();
  UringSendRing(const UringSendRing&) = delete;
  UringSendRing& operator=(const UringSendRing&) = delete;

  // Starts sending `bytes` on `socket_fd` (MSG_NOSIGNAL). Requires !in_flight().
  // Returns 0, or -errno if the submission itself failed.
  int start_send(int socket_fd, std::span<const char> bytes);

  // Starts receiving into `into` (the ILP/HTTP sink reads responses through the
  // same one-operation ring). Requires !in_flight(). Returns 0 or -errno; the
  // completion is bytes received, 0 at end of stream, or -errno.
  int start_recv(int socket_fd, std::span<char> into);

  bool in_flight() const { return in_flight_; }

  // Result of the finished send (bytes sent or -errno), if it has finished. Enters
  // the kernel only when the kernel flags pending work for this ring.
  std::optional<int> take_completion();

  // As take_completion(), waiting up to `timeout`.
  std::optional<int> wait_completion(std::chrono::nanoseconds timeout);

  // The ring's descriptor: poll(2) reports it readable once a completion is
  // posted, so one thread can wait on several rings.
  int fd() const { return ring_.ring_fd; }

  // Which setup flags the kernel accepted, for the start-up log.
  std::string describe_setup() const;

 private:
  int consume(io_uring_cqe* cqe);
  io_uring_sqe* prepare(int& error);

  io_uring ring_{};
  unsigned setup_flags_ = 0;
  bool needs_enable_ = false;
  bool in_flight_ = false;
};

// Blocking helpers for start-up exchanges (TLS handshake, authentication) on a
// blocking socket, bounded by `deadline`. send_all: 0 or errno; receive: bytes,
// 0 at end of stream, or -errno (-ETIMEDOUT when the deadline passed).
int send_all_blocking(int socket_fd, std::span<const char> bytes,
                      std::chrono::steady_clock::time_point deadline);
int receive_blocking(int socket_fd, std::span<char> into,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace kilp::io
