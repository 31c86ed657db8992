#pragma once
// One client connection of the delay proxy and its own upstream connection:
// two DelayedBytes flows (client → upstream, upstream → client), the EOF and
// reset forwarding, and the non-blocking socket calls, driven by the proxy's
// epoll loop (edge-triggered: each endpoint remembers whether it may read or write).
#include <atomic>
#include <cstdint>

#include "perf/delayed_bytes.hpp"

namespace kilp::perf {

enum class Direction { to_upstream = 0, to_client = 1 };

// The simulated link, shared by every connection of one proxy.
class Link {
 public:
  Link(std::int64_t delay_ns, std::uint64_t bandwidth_bytes_per_s)
      : delay_ns_(delay_ns), bandwidth_(bandwidth_bytes_per_s) {}
  // When `n` bytes read at `now_ns` going `direction` may be delivered.
  std::int64_t due_ns(Direction direction, std::size_t n, std::int64_t now_ns);
  std::int64_t delay_ns() const { return delay_ns_; }

  std::atomic<std::uint64_t> delivered[2] = {0, 0};  // by Direction

 private:
  std::int64_t delay_ns_;
  std::uint64_t bandwidth_;
  std::int64_t busy_until_ns_[2] = {0, 0};  // the link is serialising bytes until then
};

class ProxiedConnection {
 public:
  struct Endpoint {
    ProxiedConnection* owner;
    int fd;
    bool readable = true;  // edge-triggered: until a read says EAGAIN
    bool writable = false;
  };

  // Takes both sockets (non-blocking); `upstream_connecting`: connect() said EINPROGRESS.
  ProxiedConnection(int client_fd, int upstream_fd, bool upstream_connecting,
                    std::size_t window_bytes, Link& link);
  ~ProxiedConnection();
  ProxiedConnection(const ProxiedConnection&) = delete;
  ProxiedConnection& operator=(const ProxiedConnection&) = delete;

  Endpoint& client() { return client_; }
  Endpoint& upstream() { return upstream_; }

  void on_event(Endpoint& endpoint, std::uint32_t epoll_events, std::int64_t now_ns);
  // Moves what is due; true when it stopped only because of its per-turn budget.
  bool pump(std::int64_t now_ns);
  // The next time pump() has something to do without a socket event; INT64_MAX if none.
  std::int64_t next_timer_ns() const;
  bool closed() const { return closed_; }
  // Both sockets reset at once (SO_LINGER 0), held bytes discarded.
  void abort();

 private:
  struct Flow {
    explicit Flow(std::size_t window) : bytes(window) {}
    DelayedBytes bytes;
    bool source_ended = false;  // the source sent its FIN
    std::int64_t eof_due_ns = INT64_MAX;
    bool eof_forwarded = false;
  };
  Flow& flow(Direction d) { return d == Direction::to_upstream ? to_upstream_ : to_client_; }
  Endpoint& source(Direction d) { return d == Direction::to_upstream ? client_ : upstream_; }
  Endpoint& destination(Direction d) { return d == Direction::to_upstream ? upstream_ : client_; }

  bool read_from_source(Direction d, std::int64_t now_ns);
  bool write_due(Direction d, std::int64_t now_ns);
  void forward_eof_if_due(Direction d, std::int64_t now_ns);
  void failed(Endpoint& endpoint, std::int64_t now_ns);
  void finish_reset(std::int64_t now_ns);
  void close_both(bool reset);

  Link& link_;
  Endpoint client_;
  Endpoint upstream_;
  bool upstream_connecting_;
  Flow to_upstream_;
  Flow to_client_;
  Endpoint* reset_by_ = nullptr;  // the endpoint that failed first
  std::int64_t reset_due_ns_ = INT64_MAX;
  bool closed_ = false;
};

}  // namespace kilp::perf
