#pragma once
// ILP over HTTP, as QuestDB's /write endpoint speaks it, through io_uring;
// https:: is the same over TLS (UringStream: OpenSSL encrypts, io_uring moves
// the ciphertext; each connection, reconnects included, does its own handshake).
//
// Each submitted buffer is the body of `POST /write` requests. Up to
// `max_in_flight` buffers are in flight at once, each on its own HTTP/1.1
// keep-alive connection (HttpChannel; QuestDB answers one request at a time per
// connection, so kilp never pipelines): over a long link the round trips of
// several buffers overlap instead of adding up. A buffer stays on its connection
// until every row in it was either acknowledged by a 2xx or refused for good by
// a 400 (and reported to the RowRejectionListener); buffers are reported done
// strictly in submission order (a later buffer's 2xx waits for the earlier
// ones), and the shard stores Kafka offsets only then: at-least-once.
//
// Rows of one partition can therefore reach the server out of Kafka order when
// they are in different buffers (a request may overtake an earlier one that is
// being retried). README.md ("ILP/HTTP over a long link") says why that is safe
// for QuestDB; max_in_flight=1 keeps the order exactly.
//
// Answers, as QuestDB's own clients treat them:
// - 2xx: the request's rows are accepted.
// - 400: QuestDB refused the data and names the line in its JSON error. That row's
//   message (all its rows, when --explode wrote several) is reported as rejected
//   with QuestDB's message; the rows before it are sent again as their own
//   request, the rows after it next (QuestDB commits nothing of a refused
//   request). A 400 that names no line (e.g. InfluxDB) is narrowed down by halving
//   the request, at message boundaries, until a single message is refused.
// - 401/403, 404, other unexpected statuses: SinkFatalError.
// - 500 and the other transient statuses, timeouts, resets: the connection
//   retries the same bytes on its own (HttpChannel), by default forever; with a
//   finite retry_timeout poll() throws SinkFatalError once one request has been
//   failing that long: its rows' offsets are not stored, so a restarted kilp
//   consumes them again.
//
// The hot path does not allocate: connections, request heads, receive buffers
// and response parsers are made at construction.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/ilp/http_channel.hpp"
#include "io/ilp/sink.hpp"
#include "io/ilp/sink_config.hpp"

namespace kilp::io {

class UringHttpSink final : public Sink {
 public:
  // Resolves and opens the first connection before returning (the others open
  // when there is work for them); throws std::runtime_error, e.g.
  // "cannot connect to ILP/HTTP sink 127.0.0.1:9000: Connection refused".
  // At most min(config.max_in_flight, max_pending_buffers) requests are in flight.
  UringHttpSink(const HttpSinkConfig& config, std::size_t max_pending_buffers);
  ~UringHttpSink() override;

  // Without row boundaries a 400 cannot be narrowed down and is fatal.
  void submit(BufferId id, std::span<const char> bytes) override;
  void submit_rows(BufferId id, std::span<const char> bytes,
                   std::span<const std::uint32_t> row_ends) override;
  std::size_t poll(std::chrono::milliseconds wait, std::span<BufferId> done) override;
  std::size_t pending() const override { return queued_; }
  std::string describe() const override {
    return (shared_.tls ? "https " : "http ") + shared_.address_text;
  }
  SinkLimits limits() const override;
  SinkStats stats() const override { return {retries(), connects()}; }
  void set_row_rejection_listener(RowRejectionListener* listener) override { listener_ = listener; }

  // For stats and tests.
  std::size_t max_in_flight() const { return channels_.size(); }
  std::uint64_t requests_sent() const;
  std::uint64_t retries() const;
  std::uint64_t connects() const;
  std::uint64_t rows_rejected() const { return rows_rejected_; }

 private:
  static constexpr int kNoChannel = -1;

  // A submitted buffer and how far its delivery got. The request in progress
  // carries rows [row_begin, row_end).
  struct Job {
    BufferId id = 0;
    std::span<const char> bytes;
    std::span<const std::uint32_t> row_ends;  // empty: the buffer is one unit
    bool finished = false;
    int channel = kNoChannel;
    std::size_t row_begin = 0;
    std::size_t row_end = 0;
    std::optional<RowRange> pending_reject;  // refused message starting at row_end
    std::string pending_reason;
  };

  Job& job_at(std::size_t position) { return jobs_[(head_ + position) % jobs_.size()]; }
  static std::size_t row_count(const Job& job) {
    return job.row_ends.empty() ? 1 : job.row_ends.size();
  }
  static std::size_t row_start(const Job& job, std::size_t row) {
    return row == 0 ? 0 : job.row_ends[row - 1];
  }
  static std::size_t row_stop(const Job& job, std::size_t row) {
    return job.row_ends.empty() ? job.bytes.size() : job.row_ends[row];
  }

  bool make_progress(std::chrono::milliseconds wait);
  bool step_channels();
  void wait_on_channels(std::chrono::milliseconds wait);
  void dispatch();
  void assign(Job& job, int channel);
  // A channel without a buffer, connected ones first; kNoChannel if none.
  int free_channel(bool connected_only) const;
  void send_rows(Job& job);
  void on_answer(Job& job, HttpChannel::Answer answer);
  // 400, or a 500 that keeps blaming the data: send the good rows, dead-letter the bad one.
  void isolate_refused_rows(Job& job, const HttpChannel& channel);
  // The rows of the message `row` belongs to, within the job.
  RowRange message_rows(const Job& job, std::size_t row) const;
  // Reports the message refused and moves row_begin past it.
  void reject_message(Job& job, RowRange rows, std::string_view reason);
  void next_request_or_finish(Job& job);
  std::size_t report_done(std::span<BufferId> done);

  HttpChannelShared shared_;
  RowRejectionListener* listener_ = nullptr;
  std::vector<std::unique_ptr<HttpChannel>> channels_;
  std::vector<Job*> job_of_channel_;
  std::vector<pollfd> poll_fds_;

  // Fixed-capacity FIFO of submitted buffers: [head_, head_ + queued_), of which
  // `unfinished_` are not finished yet (finished ones await reporting in order).
  std::vector<Job> jobs_;
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
  std::size_t unfinished_ = 0;

  std::uint64_t rows_rejected_ = 0;
};

}  // namespace kilp::io
