#pragma once
// ILP over TCP (tcp::) or TLS (tcps::), sent through io_uring; optionally with
// QuestDB's ILP/TCP authentication (username + token) on every connection.
//
// What this sink guarantees, and what TCP cannot:
// - A buffer is reported done when the kernel has accepted all of its bytes into
//   the socket's send buffer. That is NOT an acknowledgement from QuestDB: ILP over
//   TCP has none. Bytes reported done are lost if the connection breaks before
//   QuestDB reads them, and if QuestDB rejects a line it closes the connection
//   without saying which line (the rest of what was in flight is dropped). So the
//   Kafka offsets stored after "done" can cover rows that never arrived; this
//   window is inherent to ILP/TCP. Use the HTTP sink when every row must be
//   acknowledged before its offset is committed.
// - Bytes of two buffers never interleave: exactly one send is in flight per
//   connection, and a short send is resubmitted for its remainder.
// - On a send error (peer closed, reset, ...) the sink closes the socket,
//   reconnects with capped exponential backoff and jitter, and resends the
//   interrupted buffer from its first byte, then the rest of the queue: no buffer
//   is skipped or reordered. A line cut in half by the failure is discarded by
//   QuestDB with the old connection, and sent whole again on the new one; rows
//   it contained may thus arrive twice (use DEDUP UPSERT KEYS to absorb that).
// - Buffers are reported done in submission order.
//
// - tcps:: encrypts with OpenSSL and sends the ciphertext through the same
//   io_uring (UringStream); every connection, reconnects included, does its own
//   TLS handshake and authentication (blocking, bounded by the connect timeout).
//
// Threading: one shard thread uses the sink. The io_uring is enabled by the
// first submit(), which ties it to that thread (IORING_SETUP_SINGLE_ISSUER).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/ilp/backoff.hpp"
#include "io/ilp/ilp_tcp_auth.hpp"
#include "io/ilp/sink.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/socket_connector.hpp"
#include "io/ilp/uring_socket.hpp"
#include "io/ilp/uring_stream.hpp"

namespace kilp::io {

class UringTcpSink final : public Sink {
 public:
  // Resolves and connects (TLS handshake, authentication) before returning.
  // Throws std::runtime_error, e.g. "cannot connect to ILP/TCP sink
  // 127.0.0.1:9009: Connection refused", or naming the TLS or authentication failure.
  // `max_pending_buffers` is the capacity of the submission queue (the shard's
  // ring size); submitting more than that is a programming error.
  UringTcpSink(const TcpSinkConfig& config, std::size_t max_pending_buffers);
  ~UringTcpSink() override;

  // Starts sending at once if the connection is idle (one io_uring_submit).
  void submit(BufferId id, std::span<const char> bytes) override;
  // With wait == 0 this costs a look at the completion ring and no syscall unless
  // the kernel flagged pending work. Returns at once when nothing is pending.
  // While disconnected, reconnect attempts happen inside poll(), never blocking
  // longer than `wait`.
  std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) override;
  std::size_t pending() const override { return queued_; }
  // A reconnect resends the interrupted buffer: it counts as the retry and as a connection.
  SinkStats stats() const override { return {reconnects_, reconnects_ + 1}; }
  std::string describe() const override {
    return (stream_.tls() ? "tcps " : "tcp ") + address_text_;
  }

  // Successful reconnects since construction; for stats and tests.
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  using Clock = std::chrono::steady_clock;

  struct QueuedBuffer {
    BufferId id = 0;
    std::span<const char> bytes;
  };

  enum class Link { connected, waiting_to_reconnect, connecting };

  QueuedBuffer& queued_at(std::size_t position) {
    return queue_[(head_ + position) % queue_.size()];
  }

  void connect_at_startup();
  bool make_progress(std::chrono::milliseconds wait);
  void start_next_send();
  void on_send_result(int result);
  std::string open_connection(Clock::time_point deadline, std::chrono::milliseconds verdict_wait);
  void on_connection_lost(int error);
  void schedule_reconnect(std::string_view why);
  void try_reconnect(std::chrono::milliseconds wait);
  void on_connected();
  std::size_t report_sent(std::span<BufferId> done);

  std::string address_text_;
  SocketConnector connector_;
  TcpSocketOptions socket_options_;
  ReconnectBackoff backoff_;

  std::optional<IlpAuthRequest> auth_;
  UringStream stream_;
  UniqueFd connecting_;  // a connected socket not yet attached to the stream
  Link link_ = Link::connected;
  Clock::time_point reconnect_at_{};
  std::uint64_t reconnects_ = 0;

  // Fixed-capacity FIFO of submitted buffers: [head_, head_ + queued_).
  // The first `fully_sent_` of them were sent and await reporting; the next one
  // has `sent_bytes_` of its bytes accepted by the kernel on this connection.
  std::vector<QueuedBuffer> queue_;
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
  std::size_t fully_sent_ = 0;
  std::size_t sent_bytes_ = 0;
};

}  // namespace kilp::io
