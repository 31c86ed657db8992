#pragma once
// A TCP proxy on 127.0.0.1 that delays every byte, as a long network link would:
// kilp in front of a QuestDB in another zone, in tests and perf runs.
//
// Each accepted connection gets its own connection to the upstream (loopback
// only). Bytes each way are held until they arrived + `delay`, then written in
// order; an EOF (half-close) or a reset is forwarded after the same delay, so
// the round trip is 2 × delay. A per-connection, per-direction window bounds the
// bytes read and not yet delivered: when full, the proxy stops reading and TCP
// backpressure reaches the sender (a link's bandwidth-delay limit). An optional
// bandwidth, shared by all connections per direction, spaces the bytes out as a
// slower link would. The TCP handshake itself is not delayed.
//
// One thread (epoll), started in the constructor; the destructor stops it and
// returns within about a second whatever the peers do.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kilp::perf {

struct DelayProxyOptions {
  std::string upstream;                // HOST:PORT, loopback only (127.0.0.0/8, localhost, [::1])
  std::chrono::milliseconds delay{0};  // one way; RTT = 2 × delay
  std::size_t window_bytes = 0;        // per connection and direction; 0 = unbounded
  std::uint64_t bandwidth_bytes_per_s = 0;  // per direction, all connections; 0 = none
  std::uint16_t listen_port = 0;            // on 127.0.0.1; 0 = ephemeral
};

class DelayProxy {
 public:
  using Options = DelayProxyOptions;
  // Throws std::invalid_argument for a non-loopback or malformed upstream and
  // std::system_error when it cannot listen.
  explicit DelayProxy(Options options);
  DelayProxy(std::string_view upstream, std::chrono::milliseconds delay);
  ~DelayProxy();
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  std::uint16_t port() const;
  std::string address() const;  // "127.0.0.1:PORT"

  // Fault hook: resets every current pair on both sides at once (RST, SO_LINGER
  // 0), held bytes discarded. Returns when done, with how many pairs it reset.
  std::size_t drop_connections();

  std::uint64_t connections_accepted() const;
  std::uint64_t open_connections() const;
  std::uint64_t bytes_to_upstream() const;  // delivered, client → upstream
  std::uint64_t bytes_to_client() const;    // delivered, upstream → client

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace kilp::perf
