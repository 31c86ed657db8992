#include "io/ilp/uring_socket.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace kilp::io {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() {
  return std::exchange(fd_, -1);
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::vector<SocketEndpoint> resolve_tcp_endpoints(const std::string& host, std::uint16_t port,
                                                  const std::string& host_and_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
    // AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6; retry without it.
    hints.ai_flags = AI_NUMERICSERV;
    rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  }
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("cannot resolve ILP/TCP sink {}: {}", host_and_port, ::gai_strerror(rc)));
  }
  std::vector<SocketEndpoint> endpoints;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    SocketEndpoint endpoint;
    std::memcpy(&endpoint.address, ai->ai_addr, ai->ai_addrlen);
    endpoint.length = ai->ai_addrlen;
    endpoints.push_back(endpoint);
  }
  ::freeaddrinfo(found);
  if (endpoints.empty()) {
    throw std::runtime_error(
        fmt::format("cannot resolve ILP/TCP sink {}: no usable address", host_and_port));
  }
  return endpoints;
}

ConnectStatus start_connect(const SocketEndpoint& endpoint, UniqueFd& socket_out) {
  UniqueFd sock(::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         IPPROTO_TCP));
  if (!sock.valid()) return {ConnectStatus::State::failed, errno};
  const int rc =
      ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length);
  const int error = rc == 0 ? 0 : errno;
  socket_out = std::move(sock);
  if (rc == 0) return {ConnectStatus::State::connected, 0};
  if (error == EINPROGRESS) return {ConnectStatus::State::in_progress, 0};
  return {ConnectStatus::State::failed, error};
}

ConnectStatus finish_connect(int socket_fd, std::chrono::milliseconds wait) {
  pollfd pfd{socket_fd, POLLOUT, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(wait.count()));
  if (ready < 0) {
    if (errno == EINTR) return {ConnectStatus::State::in_progress, 0};
    return {ConnectStatus::State::failed, errno};
  }
  if (ready == 0) return {ConnectStatus::State::in_progress, 0};
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(socket_fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    return {ConnectStatus::State::failed, errno};
  }
  if (error != 0) return {ConnectStatus::State::failed, error};
  return {ConnectStatus::State::connected, 0};
}

int prepare_connected_socket(int socket_fd, const TcpSocketOptions& options) {
  const int flags = ::fcntl(socket_fd, F_GETFL);
  if (flags < 0 || ::fcntl(socket_fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return errno;
  const int one = 1;
  if (::setsockopt(socket_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) return errno;
  if (options.send_buffer_bytes) {
    const int bytes = *options.send_buffer_bytes;
    if (::setsockopt(socket_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0) return errno;
  }
  return 0;
}

namespace {

// One send at a time needs one entry; the rest is room for liburing's internal
// timeout SQE on kernels without IORING_FEAT_EXT_ARG.
constexpr unsigned kRingEntries = 4;

// Best first; each fallback drops what an older kernel may refuse.
constexpr unsigned kSetupFlagChoices[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED | IORING_SETUP_COOP_TASKRUN |
        IORING_SETUP_TASKRUN_FLAG,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
    0,
};

}  // namespace

UringSendRing::UringSendRing() {
  int rc = -EINVAL;
  for (const unsigned flags : kSetupFlagChoices) {
    io_uring_params params{};
    params.flags = flags;
    rc = io_uring_queue_init_params(kRingEntries, &ring_, &params);
    if (rc == 0) {
      setup_flags_ = flags;
      needs_enable_ = (flags & IORING_SETUP_R_DISABLED) != 0;
      return;
    }
    if (rc != -EINVAL) break;
  }
  throw std::runtime_error(fmt::format("cannot set up io_uring: {}", std::strerror(-rc)));
}

UringSendRing::~UringSendRing() {
  // The owner shuts the socket down first, so an in-flight send ends promptly;
  // wait for it so the kernel no longer reads the caller's buffer.
  if (in_flight_) wait_completion(std::chrono::seconds(1));
  io_uring_queue_exit(&ring_);
}

io_uring_sqe* UringSendRing::prepare(int& error) {
  if (needs_enable_) {
    // liburing 2.3 declares io_uring_enable_rings() but does not export it.
    if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr,
                  0) != 0) {
      error = -errno;
      return nullptr;
    }
    needs_enable_ = false;
  }
  error = -EBUSY;  // cannot happen with one operation in flight
  return io_uring_get_sqe(&ring_);
}

int UringSendRing::start_send(int socket_fd, std::span<const char> bytes) {
  int error = 0;
  io_uring_sqe* sqe = prepare(error);
  if (sqe == nullptr) return error;
  io_uring_prep_send(sqe, socket_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  const int rc = io_uring_submit(&ring_);
  if (rc < 0) return rc;
  in_flight_ = true;
  return 0;
}

int UringSendRing::start_recv(int socket_fd, std::span<char> into) {
  int error = 0;
  io_uring_sqe* sqe = prepare(error);
  if (sqe == nullptr) return error;
  io_uring_prep_recv(sqe, socket_fd, into.data(), into.size(), 0);
  const int rc = io_uring_submit(&ring_);
  if (rc < 0) return rc;
  in_flight_ = true;
  return 0;
}

int UringSendRing::consume(io_uring_cqe* cqe) {
  const int result = cqe->res;
  io_uring_cqe_seen(&ring_, cqe);
  in_flight_ = false;
  return result;
}

std::optional<int> UringSendRing::take_completion() {
  if (!in_flight_) return std::nullopt;
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&ring_, &cqe) != 0 || cqe == nullptr) return std::nullopt;
  return consume(cqe);
}

std::optional<int> UringSendRing::wait_completion(std::chrono::nanoseconds timeout) {
  if (!in_flight_) return std::nullopt;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  __kernel_timespec ts{};
  ts.tv_sec = seconds.count();
  ts.tv_nsec = (timeout - seconds).count();
  io_uring_cqe* cqe = nullptr;
  if (io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) != 0 || cqe == nullptr) return std::nullopt;
  return consume(cqe);
}

std::string UringSendRing::describe_setup() const {
  std::string out;
  if (setup_flags_ & IORING_SETUP_SINGLE_ISSUER) out += "single_issuer ";
  if (setup_flags_ & IORING_SETUP_COOP_TASKRUN) out += "coop_taskrun ";
  if (out.empty()) return "default";
  out.pop_back();
  return out;
}

namespace {

int wait_ready(int socket_fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd pfd{socket_fd, events, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready > 0) return 0;
    if (ready < 0 && errno != EINTR) return errno;
  }
}

}  // namespace

int send_all_blocking(int socket_fd, std::span<const char> bytes,
                      std::chrono::steady_clock::time_point deadline) {
  while (!bytes.empty()) {
    if (const int error = wait_ready(socket_fd, POLLOUT, deadline); error != 0) return error;
    const ssize_t n = ::send(socket_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return errno;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return 0;
}

int receive_blocking(int socket_fd, std::span<char> into,
                     std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (const int error = wait_ready(socket_fd, POLLIN, deadline); error != 0) return -error;
    const ssize_t n = ::recv(socket_fd, into.data(), into.size(), MSG_DONTWAIT);
    if (n >= 0) return static_cast<int>(n);
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

}  // namespace kilp::io
