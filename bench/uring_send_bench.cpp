// Throughput of 1 MiB ILP buffers over loopback TCP: the io_uring sink (with 1 and
// 8 buffers in flight from the shard's point of view) against a plain blocking
// send() loop, both into a server thread that reads and discards.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "io/ilp/uring_tcp_sink.hpp"

namespace {

using namespace std::chrono_literals;
constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::size_t kBuffersPerIteration = 64;

// Accepts connections on 127.0.0.1 one at a time and discards what they send.
class DiscardServer {
 public:
  DiscardServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listener_, 4);
    socklen_t length = sizeof(addr);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~DiscardServer() {
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void run() {
    std::vector<char> sink(kBufferBytes);
    for (;;) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      while (::read(client, sink.data(), sink.size()) > 0) {
      }
      ::close(client);
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::string make_ilp_buffer() {
  std::string buffer;
  buffer.reserve(kBufferBytes);
  const std::string line =
      "trades,symbol=BTC-USD,side=buy price=42000.5,amount=0.25 1700000000000000000\n";
  while (buffer.size() + line.size() <= kBufferBytes) buffer += line;
  buffer.resize(kBufferBytes, '\n');
  return buffer;
}

void BM_UringTcpSink(benchmark::State& state) {
  const std::size_t in_flight = static_cast<std::size_t>(state.range(0));
  DiscardServer server;
  kilp::io::TcpSinkConfig config;
  config.addr = {"127.0.0.1", server.port()};
  kilp::io::UringTcpSink sink(config, in_flight);
  const std::string buffer = make_ilp_buffer();
  std::array<kilp::io::BufferId, 16> done{};
  kilp::io::BufferId next_id = 0;
  for (auto _ : state) {
    std::size_t submitted = 0;
    std::size_t completed = 0;
    while (completed < kBuffersPerIteration) {
      while (submitted < kBuffersPerIteration && sink.pending() < in_flight) {
        sink.submit(next_id++, buffer);
        ++submitted;
      }
      completed += sink.poll(100ms, done);
    }
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kBuffersPerIteration * kBufferBytes));
}
BENCHMARK(BM_UringTcpSink)->Arg(1)->Arg(8)->UseRealTime();

void BM_BlockingSend(benchmark::State& state) {
  DiscardServer server;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    state.SkipWithError("connect failed");
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const std::string buffer = make_ilp_buffer();
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBuffersPerIteration; ++i) {
      std::size_t sent = 0;
      while (sent < buffer.size()) {
        const ssize_t n = ::send(fd, buffer.data() + sent, buffer.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          state.SkipWithError("send failed");
          break;
        }
        sent += static_cast<std::size_t>(n);
      }
    }
  }
  ::close(fd);
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kBuffersPerIteration * kBufferBytes));
}
BENCHMARK(BM_BlockingSend)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
