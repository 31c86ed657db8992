// UringHttpSink against a scripted loopback HTTP server that makes the sink's
// I/O ragged: a tiny receive window read a few hundred bytes at a time (the
// sink's sends wait on a full window), and every 204 written one byte at a time
// with pauses (the sink's receives see partial responses). The shard's contract
// is checked the hard way: a buffer is overwritten with the next rows as soon as
// the sink reports it done, so a request sent twice, or carrying the bytes of a
// buffer already reported done, shows up in what the server recorded.
#include "io/ilp/http_ilp_sink.hpp"
#include "tests/io/http_test_requests.hpp"
#include "tests/support/loopback_socket.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kilp::io {
namespace {

using namespace std::chrono_literals;

class RaggedHttpServer {
 public:
  RaggedHttpServer() {
    // A 4 KiB window, inherited by accepted sockets: short sends on the client.
    listener_ = kilp::testing::listen_on_loopback(port_, 4, 4096);
    thread_ = std::thread([this] { run(); });
  }
  ~RaggedHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::size_t connections() const { return connections_.load(); }

 private:
  void run() {
    int fd = -1;
    std::string input;
    while (!stop_) {
      if (fd < 0) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) ++connections_;
        continue;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char chunk[509];  // small and odd: requests arrive in many ragged pieces
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        input.clear();
        continue;
      }
      input.append(chunk, static_cast<std::size_t>(n));
      std::string body;
      while (testing::take_request_body(input, body)) {
        {
          std::lock_guard lock(mutex_);
          bodies_.push_back(body);
        }
        const std::string response = "HTTP/1.1 204 No Content\r\n\r\n";
        for (char c : response) {  // one byte per segment, with pauses
          if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
          std::this_thread::sleep_for(100us);
        }
      }
    }
    if (fd >= 0) ::close(fd);
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

TEST(UringHttpSink, RaggedReadsAndBytewiseResponsesSendEveryBufferOnceEvenWhenReused) {
  RaggedHttpServer server;
  HttpSinkConfig config;
  config.addr.host = "127.0.0.1";
  config.addr.port = server.port();
  config.protocol_version = 1;
  config.max_in_flight = 1;  // the ragged server serves one connection at a time
  constexpr std::size_t kSlots = 3;
  constexpr std::size_t kBuffers = 40;
  UringHttpSink sink(config, kSlots);

  // The shard's ring: kSlots buffers, each refilled as soon as it is reported done.
  std::array<std::string, kSlots> bytes;
  std::array<std::vector<std::uint32_t>, kSlots> ends;
  std::array<std::size_t, kSlots> serial_in_slot{};
  std::vector<std::string> expected;
  std::size_t next_serial = 0, done_count = 0;
  std::vector<int> reported(kBuffers, 0);
  auto fill_and_submit = [&](std::size_t slot) {
    const std::size_t serial = next_serial++;
    // Tens of KiB, far more than the server's window; storage is reused in place.
    bytes[slot] = testing::numbered_rows(serial, 1500 + serial % 7, ends[slot]);
    serial_in_slot[slot] = serial;
    expected.push_back(bytes[slot]);
    sink.submit_rows(static_cast<BufferId>(slot), bytes[slot], ends[slot]);
  };
  for (std::size_t slot = 0; slot < kSlots; ++slot) fill_and_submit(slot);
  std::array<BufferId, kSlots> done{};
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (done_count < kBuffers && std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = sink.poll(20ms, done);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t slot = done[i];
      ++reported[serial_in_slot[slot]];
      ++done_count;
      // Overwrite the finished buffer at once, as the shard does.
      std::fill(bytes[slot].begin(), bytes[slot].end(), '#');
      if (next_serial < kBuffers) fill_and_submit(slot);
    }
  }
  ASSERT_EQ(done_count, kBuffers);
  for (std::size_t s = 0; s < kBuffers; ++s) EXPECT_EQ(reported[s], 1) << "buffer " << s;
  EXPECT_EQ(sink.pending(), 0u);
  EXPECT_EQ(sink.retries(), 0u);
  EXPECT_EQ(sink.requests_sent(), kBuffers);
  EXPECT_EQ(server.connections(), 1u);
  const std::vector<std::string> bodies = server.bodies();
  ASSERT_EQ(bodies.size(), expected.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_TRUE(bodies[i] == expected[i]) << "request " << i << " differs from buffer " << i;
  }
}

}  // namespace
}  // namespace kilp::io
