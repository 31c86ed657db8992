#include "perf/delay_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "perf/loopback_address.hpp"
#include "perf/proxied_connection.hpp"

namespace kilp::perf {
namespace {

std::int64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void fail_system(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "delay proxy: " + what);
}

int listen_on_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_system("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    fail_system("cannot listen on 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in addr{};
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

void set_no_delay(int fd) {
  const int one = 1;  // the sender chose its write sizes; the proxy adds no Nagle wait
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void reset_and_close(int fd) {
  const linger abrupt{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abrupt, sizeof abrupt);
  ::close(fd);
}

}  // namespace

class DelayProxy::Loop {
 public:
  explicit Loop(Options options)
      : upstream_(parse_loopback_address(options.upstream)),
        window_bytes_(options.window_bytes),
        link_(std::chrono::nanoseconds(options.delay).count(), options.bandwidth_bytes_per_s) {
    if (options.delay.count() < 0) {
      throw std::invalid_argument("delay proxy: the delay must not be negative");
    }
    listener_ = listen_on_loopback(options.listen_port);
    port_ = local_port(listener_);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) {
      close_own_fds();
      fail_system("epoll/eventfd");
    }
    watch(listener_, EPOLLIN, &listener_);
    watch(wake_, EPOLLIN, &wake_);
    thread_ = std::thread([this] { run(); });
  }

  ~Loop() {
    stop_.store(true);
    wake();
    thread_.join();
    close_own_fds();
  }

  std::uint16_t port() const { return port_; }
  std::uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  std::uint64_t open() const { return open_.load(std::memory_order_relaxed); }
  std::uint64_t delivered(Direction d) const {
    return link_.delivered[static_cast<int>(d)].load(std::memory_order_relaxed);
  }

  std::size_t drop_connections() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = ++drops_requested_;
    wake();
    // The loop never blocks, so this is quick; bounded anyway.
    drop_done_.wait_for(lock, std::chrono::seconds(2), [&] { return drops_done_ >= ticket; });
    return last_dropped_;
  }

 private:
  void run() {
    epoll_event events[64];
    bool busy = false;
    while (!stop_.load()) {
      const int n = ::epoll_wait(epoll_, events, 64, busy ? 0 : timeout_ms(monotonic_ns()));
      const std::int64_t now = monotonic_ns();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &listener_) {
          accept_pending();
        } else if (tag == &wake_) {
          std::uint64_t count;
          while (::read(wake_, &count, sizeof count) > 0) {
          }
          serve_drop_requests();
        } else {
          auto* endpoint = static_cast<ProxiedConnection::Endpoint*>(tag);
          endpoint->owner->on_event(*endpoint, events[i].events, now);
        }
      }
      busy = false;
      for (auto& connection : connections_) busy |= connection->pump(now);
      std::erase_if(connections_, [](const auto& c) { return c->closed(); });
      open_.store(connections_.size(), std::memory_order_relaxed);
    }
    connections_.clear();  // closes every socket
    open_.store(0);
  }

  int timeout_ms(std::int64_t now) const {
    std::int64_t next = INT64_MAX;
    for (const auto& connection : connections_) next = std::min(next, connection->next_timer_ns());
    if (next == INT64_MAX) return 1000;
    if (next <= now) return 0;
    // Rounded up: a byte leaves no earlier than its due time.
    return static_cast<int>(std::min<std::int64_t>(1000, (next - now + 999999) / 1000000));
  }

  void accept_pending() {
    for (;;) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) return;  // EAGAIN, or out of descriptors: retried on the next event
      accepted_.fetch_add(1, std::memory_order_relaxed);
      const int upstream =
          ::socket(upstream_.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (upstream < 0) {
        reset_and_close(client);
        continue;
      }
      set_no_delay(client);
      set_no_delay(upstream);
      // A refused connect shows as EPOLLHUP on the upstream socket and is
      // forwarded to the client as a reset after the delay.
      const bool connecting =
          ::connect(upstream, reinterpret_cast<const sockaddr*>(&upstream_.storage),
                    upstream_.length) != 0;
      auto connection =
          std::make_unique<ProxiedConnection>(client, upstream, connecting, window_bytes_, link_);
      for (auto* endpoint : {&connection->client(), &connection->upstream()}) {
        watch(endpoint->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, endpoint);
      }
      connections_.push_back(std::move(connection));
    }
  }

  void serve_drop_requests() {
    std::lock_guard lock(mutex_);
    if (drops_done_ == drops_requested_) return;
    accept_pending();  // a client whose connect() already returned is a current pair too
    std::size_t dropped = 0;
    for (auto& connection : connections_) {
      if (connection->closed()) continue;
      connection->abort();
      ++dropped;
    }
    last_dropped_ = dropped;
    open_.store(0, std::memory_order_relaxed);
    drops_done_ = drops_requested_;
    drop_done_.notify_all();
  }

  void watch(int fd, std::uint32_t events, void* tag) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = tag;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) fail_system("epoll_ctl");
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
  }

  void close_own_fds() {
    for (int* fd : {&listener_, &epoll_, &wake_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  LoopbackAddress upstream_;
  std::size_t window_bytes_;
  Link link_;
  int listener_ = -1;
  int epoll_ = -1;
  int wake_ = -1;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<ProxiedConnection>> connections_;  // the loop thread's only
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> open_{0};
  std::mutex mutex_;
  std::condition_variable drop_done_;
  std::uint64_t drops_requested_ = 0;  // guarded by mutex_
  std::uint64_t drops_done_ = 0;
  std::size_t last_dropped_ = 0;
  std::thread thread_;
};

DelayProxy::DelayProxy(Options options) : loop_(std::make_unique<Loop>(std::move(options))) {}

DelayProxy::DelayProxy(std::string_view upstream, std::chrono::milliseconds delay)
    : DelayProxy(Options{.upstream = std::string(upstream), .delay = delay}) {}

DelayProxy::~DelayProxy() = default;

std::uint16_t DelayProxy::port() const {
  return loop_->port();
}
std::string DelayProxy::address() const {
  return "127.0.0.1:" + std::to_string(port());
}
std::size_t DelayProxy::drop_connections() {
  return loop_->drop_connections();
}
std::uint64_t DelayProxy::connections_accepted() const {
  return loop_->accepted();
}
std::uint64_t DelayProxy::open_connections() const {
  return loop_->open();
}
std::uint64_t DelayProxy::bytes_to_upstream() const {
  return loop_->delivered(Direction::to_upstream);
}
std::uint64_t DelayProxy::bytes_to_client() const {
  return loop_->delivered(Direction::to_client);
}

}  // namespace kilp::perf
