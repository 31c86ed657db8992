// The delay proxy (perf/delay_proxy.hpp) against plain blocking loopback peers:
// bytes intact and in order both ways, not before the delay, EOF and resets
// forwarded, the window's backpressure, the fault hook, loopback only.
#include "perf/delay_proxy.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback_socket.hpp"

namespace kilp::perf {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using kilp::testing::send_all;

void set_timeouts(int fd) {  // a broken proxy fails the test instead of hanging it
  const timeval ten_seconds{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &ten_seconds, sizeof ten_seconds);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &ten_seconds, sizeof ten_seconds);
}

void set_buffer(int fd, int option, int bytes) {
  ::setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

// A blocking upstream server; `serve` runs on its own thread per connection.
class Upstream {
 public:
  using Serve = std::function<void(int fd)>;
  explicit Upstream(Serve serve, int receive_buffer = 0) : serve_(std::move(serve)) {
    listener_ = kilp::testing::listen_on_loopback(port_);
    if (receive_buffer > 0) set_buffer(listener_, SO_RCVBUF, receive_buffer);  // inherited
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        set_timeouts(fd);
        connections_.emplace_back([this, fd] {
          serve_(fd);
          ::close(fd);
        });
      }
    });
  }
  ~Upstream() {
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  Serve serve_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<std::thread> connections_;  // the acceptor's only, joined after it
  std::thread acceptor_;
};

int connect_to(std::uint16_t port, int send_buffer = 0) {
  const int fd = kilp::testing::connect_to_loopback(port);
  if (fd < 0) throw std::runtime_error("cannot connect to the proxy");
  if (send_buffer > 0) set_buffer(fd, SO_SNDBUF, send_buffer);
  set_timeouts(fd);
  return fd;
}

// Reads until EOF (or an error: then errno is kept in `error`).
std::string read_to_end(int fd, int* error = nullptr) {
  std::string out;
  char buffer[64 << 10];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (error != nullptr) *error = n < 0 ? errno : 0;
    return out;
  }
}

std::string pattern(std::size_t size, std::uint32_t seed) {
  std::string bytes(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : bytes) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return bytes;
}

void echo(int fd) {
  char buffer[64 << 10];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0 || !send_all(fd, buffer, static_cast<std::size_t>(n))) break;
  }
  ::shutdown(fd, SHUT_WR);
}

TEST(DelayProxy, LargeTransfersOnSeveralConnectionsArriveIntactAndInOrderBothWays) {
  Upstream upstream(echo);
  DelayProxy proxy(upstream.address(), 5ms);
  constexpr std::size_t kBytes = 24 << 20;
  constexpr int kConnections = 3;
  std::vector<std::string> echoed(kConnections);
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      const int fd = connect_to(proxy.port());
      const std::string sent = pattern(kBytes, static_cast<std::uint32_t>(c));
      std::thread writer([&] {
        send_all(fd, sent.data(), sent.size());
        ::shutdown(fd, SHUT_WR);
      });
      echoed[c] = read_to_end(fd);
      writer.join();
      ::close(fd);
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < kConnections; ++c) {
    ASSERT_EQ(echoed[c].size(), kBytes) << "connection " << c;
    EXPECT_TRUE(echoed[c] == pattern(kBytes, static_cast<std::uint32_t>(c))) << "connection " << c;
  }
  EXPECT_EQ(proxy.connections_accepted(), kConnections);
  EXPECT_EQ(proxy.bytes_to_upstream(), kConnections * kBytes);
  EXPECT_EQ(proxy.bytes_to_client(), kConnections * kBytes);
}

TEST(DelayProxy, NothingArrivesBeforeTheDelayInEitherDirection) {
  constexpr auto kDelay = 80ms;
  std::atomic<Clock::rep> upstream_received{0};
  std::atomic<Clock::rep> upstream_replied{0};
  Upstream upstream([&](int fd) {
    char byte;
    if (::recv(fd, &byte, 1, 0) != 1) return;
    upstream_received = Clock::now().time_since_epoch().count();
    upstream_replied = Clock::now().time_since_epoch().count();
    send_all(fd, "pong", 4);
    read_to_end(fd);
  });
  DelayProxy proxy(upstream.address(), kDelay);
  const int fd = connect_to(proxy.port());
  const auto sent_at = Clock::now();
  ASSERT_TRUE(send_all(fd, "p", 1));
  char reply[4];
  ASSERT_EQ(::recv(fd, reply, sizeof reply, MSG_WAITALL), 4);
  const auto replied_at = Clock::now();
  ::close(fd);

  const Clock::time_point received(Clock::duration(upstream_received.load()));
  const Clock::time_point replied(Clock::duration(upstream_replied.load()));
  EXPECT_GE(received - sent_at, kDelay);
  EXPECT_GE(replied_at - replied, kDelay);
  EXPECT_GE(replied_at - sent_at, 2 * kDelay);
}

TEST(DelayProxy, HalfCloseIsForwardedAndTheOtherDirectionStaysOpen) {
  std::promise<std::string> upstream_got;
  Upstream upstream([&](int fd) {
    upstream_got.set_value(read_to_end(fd));  // returns only at the forwarded EOF
    send_all(fd, "after your EOF", 14);
  });
  DelayProxy proxy(upstream.address(), 20ms);
  const int fd = connect_to(proxy.port());
  ASSERT_TRUE(send_all(fd, "request", 7));
  ::shutdown(fd, SHUT_WR);
  int error = -1;
  EXPECT_EQ(read_to_end(fd, &error), "after your EOF");
  EXPECT_EQ(error, 0) << "the upstream's close arrives as EOF, not a reset";
  ::close(fd);
  EXPECT_EQ(upstream_got.get_future().get(), "request");
}

TEST(DelayProxy, DropConnectionsResetsBothSides) {
  std::atomic<int> upstream_error{-1};
  Upstream upstream([&](int fd) {
    char byte;
    if (::recv(fd, &byte, 1, 0) != 1) return;
    send_all(fd, "x", 1);
    int error = 0;
    read_to_end(fd, &error);
    upstream_error = error;
  });
  DelayProxy proxy(upstream.address(), 10ms);
  const int fd = connect_to(proxy.port());
  ASSERT_TRUE(send_all(fd, "x", 1));
  char byte;
  ASSERT_EQ(::recv(fd, &byte, 1, 0), 1);  // the pair is up end to end

  EXPECT_EQ(proxy.drop_connections(), 1u);
  int error = 0;
  read_to_end(fd, &error);
  EXPECT_EQ(error, ECONNRESET);
  ::close(fd);
  for (int i = 0; i < 500 && upstream_error.load() < 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(upstream_error.load(), ECONNRESET);
  EXPECT_EQ(proxy.open_connections(), 0u);
  EXPECT_EQ(proxy.drop_connections(), 0u);
}

TEST(DelayProxy, AnUpstreamResetReachesTheClientAsAReset) {
  Upstream upstream([](int fd) {
    char byte;
    if (::recv(fd, &byte, 1, 0) != 1) return;
    const linger abrupt{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abrupt, sizeof abrupt);
  });  // closed with SO_LINGER 0 by Upstream: a reset
  DelayProxy proxy(upstream.address(), 10ms);
  const int fd = connect_to(proxy.port());
  ASSERT_TRUE(send_all(fd, "x", 1));
  int error = 0;
  read_to_end(fd, &error);
  EXPECT_EQ(error, ECONNRESET);
  ::close(fd);
}

TEST(DelayProxy, ARefusedUpstreamConnectionResetsTheClient) {
  std::string closed_port;
  {
    Upstream gone([](int) {});
    closed_port = gone.address();
  }
  DelayProxy proxy(closed_port, 5ms);
  const int fd = connect_to(proxy.port());
  int error = 0;
  read_to_end(fd, &error);
  EXPECT_EQ(error, ECONNRESET);
  ::close(fd);
}

// Writes until the connection takes nothing more for a while; returns the bytes taken.
std::size_t fill(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 1000) <= 0) break;
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  return sent;
}

TEST(DelayProxy, AFullWindowStopsTheSenderAndLosesNothing) {
  constexpr std::size_t kBytes = 48 << 20;
  const std::string data = pattern(kBytes, 7);
  std::atomic<bool> start_reading{false};
  std::promise<std::string> upstream_got;
  Upstream upstream(
      [&](int fd) {
        while (!start_reading.load()) std::this_thread::sleep_for(5ms);
        upstream_got.set_value(read_to_end(fd));
      },
      64 << 10);
  DelayProxy proxy(
      DelayProxy::Options{.upstream = upstream.address(), .delay = 1ms, .window_bytes = 256 << 10});
  const int fd = connect_to(proxy.port(), 64 << 10);
  const std::size_t taken = fill(fd, data);
  // Kernel buffers (a few MiB at most here) + the window; without the window the
  // proxy would read all 48 MiB into memory.
  EXPECT_LT(taken, kBytes / 2);
  EXPECT_LE(proxy.bytes_to_upstream(), taken);
  start_reading = true;
  ASSERT_TRUE(send_all(fd, data.data() + taken, kBytes - taken));
  ::shutdown(fd, SHUT_WR);
  read_to_end(fd);
  ::close(fd);
  const std::string got = upstream_got.get_future().get();  // the upstream read to EOF
  ASSERT_EQ(got.size(), kBytes);
  EXPECT_TRUE(got == data);
}

TEST(DelayProxy, AnUnboundedWindowTakesEverythingTheUpstreamDoesNotRead) {
  constexpr std::size_t kBytes = 48 << 20;
  std::atomic<bool> release{false};
  Upstream upstream(
      [&](int) {
        while (!release.load()) std::this_thread::sleep_for(5ms);
      },
      64 << 10);
  DelayProxy proxy(upstream.address(), 1ms);
  const int fd = connect_to(proxy.port(), 64 << 10);
  EXPECT_EQ(fill(fd, pattern(kBytes, 3)), kBytes);  // the control for the test above
  release = true;
  ::close(fd);
}

TEST(DelayProxy, ABandwidthLimitSpacesTheBytesOut) {
  constexpr std::size_t kBytes = 1 << 20;
  constexpr std::uint64_t kBytesPerSecond = 4 << 20;  // 1 MiB takes at least 250 ms
  std::promise<std::string> upstream_got;
  Upstream upstream([&](int fd) { upstream_got.set_value(read_to_end(fd)); });
  DelayProxy proxy(DelayProxy::Options{
      .upstream = upstream.address(), .delay = 1ms, .bandwidth_bytes_per_s = kBytesPerSecond});
  const std::string data = pattern(kBytes, 11);
  const int fd = connect_to(proxy.port());
  const auto start = Clock::now();
  ASSERT_TRUE(send_all(fd, data.data(), data.size()));
  ::shutdown(fd, SHUT_WR);
  const std::string got = upstream_got.get_future().get();
  const auto elapsed = Clock::now() - start;
  ::close(fd);
  EXPECT_TRUE(got == data);
  EXPECT_GE(elapsed, 250ms);  // a lower bound only: the link cannot be faster
}

TEST(DelayProxy, RefusesUpstreamsOffThisMachine) {
  for (const char* upstream : {"10.0.0.1:9000", "192.168.1.2:9009", "example.com:80",
                               "[2001:db8::1]:9000", "0.0.0.0:9000"}) {
    try {
      DelayProxy proxy(upstream, 1ms);
      ADD_FAILURE() << upstream << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("loopback"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(upstream), std::string::npos) << e.what();
    }
  }
  for (const char* malformed : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x"}) {
    EXPECT_THROW(DelayProxy(malformed, 1ms), std::invalid_argument) << malformed;
  }
  for (const char* loopback : {"127.0.0.1:9", "127.1.2.3:9", "localhost:9", "[::1]:9"}) {
    EXPECT_NO_THROW(DelayProxy(loopback, 1ms)) << loopback;
  }
}

TEST(DelayProxy, StopsPromptlyWithPeersThatNeverClose) {
  Upstream upstream([](int fd) { read_to_end(fd); });
  auto proxy = std::make_unique<DelayProxy>(upstream.address(), 50ms);
  const int fd = connect_to(proxy->port());
  ASSERT_TRUE(send_all(fd, "held", 4));
  proxy.reset();  // joins its thread; the held bytes and both sockets are closed
  int error = -1;
  read_to_end(fd, &error);
  EXPECT_NE(error, EAGAIN) << "the proxy left the client's connection open";
  ::close(fd);
}

}  // namespace
}  // namespace kilp::perf
