#include "perf/proxied_connection.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace kilp::perf {
namespace {

constexpr std::size_t kMaxCallBytes = 256 << 10;  // per read or write call
constexpr std::size_t kTurnBudget = 4 << 20;      // per direction per loop turn: fairness

int socket_error(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace

std::int64_t Link::due_ns(Direction direction, std::size_t n, std::int64_t now_ns) {
  if (bandwidth_ == 0) return now_ns + delay_ns_;
  std::int64_t& busy_until = busy_until_ns_[static_cast<int>(direction)];
  const auto serialise_ns =
      static_cast<std::int64_t>(static_cast<double>(n) * 1e9 / static_cast<double>(bandwidth_));
  busy_until = std::max(busy_until, now_ns) + serialise_ns;
  return busy_until + delay_ns_;
}

ProxiedConnection::ProxiedConnection(int client_fd, int upstream_fd, bool upstream_connecting,
                                     std::size_t window_bytes, Link& link)
    : link_(link),
      client_{this, client_fd, true, true},
      upstream_{this, upstream_fd, true, !upstream_connecting},
      upstream_connecting_(upstream_connecting),
      to_upstream_(window_bytes),
      to_client_(window_bytes) {}

ProxiedConnection::~ProxiedConnection() {
  if (!closed_) close_both(false);
}

void ProxiedConnection::on_event(Endpoint& endpoint, std::uint32_t events, std::int64_t now_ns) {
  if (closed_) return;
  const bool connecting = &endpoint == &upstream_ && upstream_connecting_;
  if ((events & EPOLLERR) || (connecting && (events & (EPOLLOUT | EPOLLHUP)))) {
    if (socket_error(endpoint.fd) != 0 || (connecting && (events & EPOLLHUP))) {
      failed(endpoint, now_ns);
      return;
    }
  }
  if (connecting && (events & EPOLLOUT)) upstream_connecting_ = false;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) endpoint.readable = true;
  if (events & (EPOLLOUT | EPOLLHUP)) endpoint.writable = true;
}

bool ProxiedConnection::pump(std::int64_t now_ns) {
  if (closed_) return false;
  bool busy = false;
  constexpr Direction both[] = {Direction::to_upstream, Direction::to_client};
  if (reset_by_ == nullptr) {
    // Write first (frees window room), read, then write what a zero delay made due.
    for (Direction d : both) busy |= write_due(d, now_ns);
    for (Direction d : both) busy |= read_from_source(d, now_ns);
    for (Direction d : both) {
      busy |= write_due(d, now_ns);
      forward_eof_if_due(d, now_ns);
    }
  }
  if (reset_by_ != nullptr) {
    finish_reset(now_ns);
    return false;
  }
  if (to_upstream_.eof_forwarded && to_client_.eof_forwarded) close_both(false);
  return busy;
}

std::int64_t ProxiedConnection::next_timer_ns() const {
  if (closed_) return INT64_MAX;
  if (reset_by_ != nullptr) {
    const Flow& toward_survivor = reset_by_ == &client_ ? to_upstream_ : to_client_;
    return std::min(reset_due_ns_, toward_survivor.bytes.next_due_ns());
  }
  std::int64_t next = INT64_MAX;
  for (const Flow* f : {&to_upstream_, &to_client_}) {
    next = std::min(next, f->bytes.next_due_ns());
    // An EOF behind held bytes waits for their writes (a socket event), not a timer.
    if (f->source_ended && !f->eof_forwarded && f->bytes.empty()) {
      next = std::min(next, f->eof_due_ns);
    }
  }
  return next;
}

void ProxiedConnection::abort() {
  if (!closed_) close_both(true);
}

bool ProxiedConnection::read_from_source(Direction d, std::int64_t now_ns) {
  Endpoint& from = source(d);
  Flow& f = flow(d);
  if (f.source_ended || (d == Direction::to_client && upstream_connecting_)) return false;
  std::size_t budget = kTurnBudget;
  while (from.readable && reset_by_ == nullptr) {
    if (budget == 0) return true;
    iovec room[2];
    const int parts = f.bytes.room(room, std::min(budget, kMaxCallBytes));
    if (parts == 0) return false;  // window full: TCP backpressure until deliveries
    const ssize_t n = ::readv(from.fd, room, parts);
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      f.bytes.commit(got, link_.due_ns(d, got, now_ns));
      budget -= got;
    } else if (n == 0) {
      f.source_ended = true;
      f.eof_due_ns = link_.due_ns(d, 0, now_ns);
      return false;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      from.readable = false;
    } else if (errno != EINTR) {
      failed(from, now_ns);
    }
  }
  return false;
}

bool ProxiedConnection::write_due(Direction d, std::int64_t now_ns) {
  Endpoint& to = destination(d);
  Flow& f = flow(d);
  if (d == Direction::to_upstream && upstream_connecting_) return false;
  if (&to == reset_by_) return false;  // it is gone: what was meant for it is dropped
  std::size_t budget = kTurnBudget;
  while (to.writable) {
    if (budget == 0) return true;
    iovec due[2];
    const int parts = f.bytes.due(due, now_ns, std::min(budget, kMaxCallBytes));
    if (parts == 0) return false;
    msghdr message{};
    message.msg_iov = due;
    message.msg_iovlen = static_cast<std::size_t>(parts);
    const ssize_t n = ::sendmsg(to.fd, &message, MSG_NOSIGNAL);
    if (n > 0) {
      const auto put = static_cast<std::size_t>(n);
      f.bytes.consume(put);
      link_.delivered[static_cast<int>(d)].fetch_add(put, std::memory_order_relaxed);
      budget -= put;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      to.writable = false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      failed(to, now_ns);
      return false;
    }
  }
  return false;
}

void ProxiedConnection::forward_eof_if_due(Direction d, std::int64_t now_ns) {
  Flow& f = flow(d);
  if (!f.source_ended || f.eof_forwarded || !f.bytes.empty() || now_ns < f.eof_due_ns) return;
  if (d == Direction::to_upstream && upstream_connecting_) return;
  Endpoint& to = destination(d);
  if (::shutdown(to.fd, SHUT_WR) != 0) {
    failed(to, now_ns);
    return;
  }
  f.eof_forwarded = true;
}

void ProxiedConnection::failed(Endpoint& endpoint, std::int64_t now_ns) {
  if (reset_by_ != nullptr) return;  // the first failure decides
  reset_by_ = &endpoint;
  reset_due_ns_ = now_ns + link_.delay_ns();
}

void ProxiedConnection::finish_reset(std::int64_t now_ns) {
  // Bytes sent before the failure still reach the other side, then the reset does.
  const Direction toward_survivor =
      reset_by_ == &client_ ? Direction::to_upstream : Direction::to_client;
  write_due(toward_survivor, now_ns);
  if (now_ns >= reset_due_ns_) close_both(true);
}

void ProxiedConnection::close_both(bool reset) {
  for (Endpoint* e : {&client_, &upstream_}) {
    if (e->fd < 0) continue;
    if (reset) {
      const linger abrupt{1, 0};
      ::setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &abrupt, sizeof abrupt);
    }
    ::close(e->fd);
    e->fd = -1;
  }
  closed_ = true;
}

}  // namespace kilp::perf
