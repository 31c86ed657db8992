#pragma once
// ILP over HTTP, as QuestDB's /write endpoint speaks it, through io_uring;
// https:: is the same over TLS (UringStream: OpenSSL encrypts, io_uring moves
// the ciphertext; each connection, reconnects included, does its own handshake).
//
// One HTTP/1.1 keep-alive connection per shard; each submitted buffer is the body
// of `POST /write` requests, one request in flight at a time, buffers in order.
// A buffer is reported done only when every row in it was either acknowledged by
// a 2xx or refused for good by a 400 (and reported to the RowRejectionListener):
// the shard stores Kafka offsets only then, so this sink is at-least-once.
//
// Answers, as QuestDB's own clients treat them:
// - 2xx: the request's rows are accepted.
// - 400: QuestDB refused the data and names the line in its JSON error. That row
//   is reported as rejected with QuestDB's message; the rows before it are sent
//   again as their own request, the rows after it next (QuestDB commits nothing
//   of a refused request). A 400 that names no line (e.g. InfluxDB) is narrowed
//   down by halving the request until a single row is refused.
// - 401/403: SinkFatalError (authentication); 404: SinkFatalError (the endpoint
//   does not speak ILP over HTTP); other unexpected statuses: SinkFatalError.
// - 500, 503, 504, 507, 509, 523, 524, 529, 599, a timeout (request_timeout plus
//   body size / request_min_throughput), a reset or a malformed response: the
//   same bytes are sent again after a capped, jittered exponential backoff, on a
//   new connection when the old one broke. By default forever; with a finite
//   retry_timeout, once one request has been failing that long poll() throws
//   SinkFatalError: its rows' offsets are not stored, so a restarted kilp
//   consumes them again.
// Nothing is skipped and nothing is reordered: a request repeats until it is
// answered, and later buffers wait behind it.
//
// The hot path does not allocate: request heads, the receive buffer and the
// response parser are sized at construction.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/http/http_json.hpp"
#include "io/http/http_response_parser.hpp"
#include "io/ilp/backoff.hpp"
#include "io/ilp/http_protocol_version.hpp"
#include "io/ilp/sink.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/socket_connector.hpp"
#include "io/ilp/uring_socket.hpp"
#include "io/ilp/uring_stream.hpp"

namespace kilp::io {

class UringHttpSink final : public Sink {
 public:
  // Resolves and connects before returning; throws std::runtime_error, e.g.
  // "cannot connect to ILP/HTTP sink 127.0.0.1:9000: Connection refused".
  UringHttpSink(const HttpSinkConfig& config, std::size_t max_pending_buffers);
  ~UringHttpSink() override;

  // Without row boundaries a 400 cannot be narrowed down and is fatal.
  void submit(BufferId id, std::span<const char> bytes) override;
  void submit_rows(BufferId id, std::span<const char> bytes,
                   std::span<const std::uint32_t> row_ends) override;
  std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) override;
  std::size_t pending() const override { return queued_; }
  std::string describe() const override {
    return (stream_.tls() ? "https " : "http ") + address_text_;
  }
  SinkLimits limits() const override;
  void set_row_rejection_listener(RowRejectionListener* listener) override { listener_ = listener; }

  // For stats and tests.
  std::uint64_t requests_sent() const { return requests_; }
  std::uint64_t retries() const { return retries_; }
  std::uint64_t rows_rejected() const { return rows_rejected_; }

 private:
  using Clock = std::chrono::steady_clock;

  struct QueuedBuffer {
    BufferId id = 0;
    std::span<const char> bytes;
    std::span<const std::uint32_t> row_ends;  // empty: the buffer is one unit
  };

  enum class Link { connected, waiting_to_reconnect, connecting };
  enum class Phase { idle, sending, receiving };

  QueuedBuffer& queued_at(std::size_t position) {
    return queue_[(head_ + position) % queue_.size()];
  }
  QueuedBuffer& current() { return queued_at(completed_); }
  static std::size_t row_count(const QueuedBuffer& b) {
    return b.row_ends.empty() ? 1 : b.row_ends.size();
  }
  static std::size_t row_start(const QueuedBuffer& b, std::size_t row) {
    return row == 0 ? 0 : b.row_ends[row - 1];
  }
  static std::size_t row_stop(const QueuedBuffer& b, std::size_t row) {
    return b.row_ends.empty() ? b.bytes.size() : b.row_ends[row];
  }

  void connect_at_startup();
  bool make_progress(std::chrono::milliseconds wait);
  void start_request();
  void continue_io();
  void on_io_result(int result);
  void on_response();
  void on_accepted();
  void on_refused();
  // 400, or a 500 that keeps blaming the data: send the good rows, dead-letter the bad one.
  void isolate_refused_rows(int status);
  void reject_row(std::size_t row, std::string_view reason);
  void next_request_or_done();
  void on_retriable_failure(std::string_view what, bool connection_broken);
  void close_connection();
  void schedule_reconnect(std::chrono::milliseconds delay);
  void try_reconnect(std::chrono::milliseconds wait);
  void on_connected();
  std::size_t report_done(std::span<BufferId> done);

  HttpSinkConfig config_;
  std::string address_text_;
  SocketConnector connector_;
  ReconnectBackoff backoff_;
  RowRejectionListener* listener_ = nullptr;

  UringStream stream_;
  Link link_ = Link::connected;
  Clock::time_point reconnect_at_{};
  Clock::time_point retry_at_{};  // a retriable answer on a healthy connection waits until then

  // Fixed-capacity FIFO of submitted buffers: [head_, head_ + queued_); the first
  // `completed_` are finished and await reporting, the next is being sent.
  std::vector<QueuedBuffer> queue_;
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
  std::size_t completed_ = 0;

  // The request in progress carries rows [row_begin_, row_end_) of current().
  bool request_planned_ = false;
  std::size_t row_begin_ = 0;
  std::size_t row_end_ = 0;
  std::optional<std::size_t> pending_reject_;  // refused row right after row_end_
  std::string pending_reason_;

  Phase phase_ = Phase::idle;
  std::string head_prefix_;   // request line and fixed headers, up to "Content-Length: "
  std::string request_head_;  // head_prefix_ + length + CRLFCRLF, rebuilt per request
  std::size_t body_bytes_ = 0;
  std::size_t sent_ = 0;  // bytes of request_head_ + body sent so far
  Clock::time_point request_deadline_{};
  bool timed_out_ = false;
  std::optional<Clock::time_point> failing_since_;
  std::vector<char> receive_buffer_;
  HttpResponseParser parser_;
  HttpErrorBody error_body_;

  std::uint64_t requests_ = 0;
  std::uint64_t retries_ = 0;
  std::uint64_t rows_rejected_ = 0;
  unsigned data_errors_ = 0;  // consecutive 500s blaming the data for this request
};

}  // namespace kilp::io
