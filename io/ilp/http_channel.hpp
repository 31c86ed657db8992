#pragma once
// One keep-alive HTTP/1.1 connection of the ILP/HTTP sink, carrying one
// `POST /write` at a time until the server gives it a definitive answer:
// accepted (2xx) or refused (400, or a 500 that keeps blaming the data). Every
// transient failure is handled here, on this connection alone: the same bytes
// are sent again after a capped, jittered backoff, reconnecting first when the
// connection broke. Answers that retrying cannot fix throw SinkFatalError.
//
// The channel never blocks: step() absorbs what completed and starts what is
// due; wait_for() tells the sink which descriptor and which time to wait on, so
// one shard can wait on all its channels at once (poll(2) on their io_uring
// descriptors).
//
// Connecting is lazy: a channel connects when it gets its first request, except
// the sink's first, which connect_blocking() opens at start-up so a wrong
// address fails kilp at once.
#include <poll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/http/http_json.hpp"
#include "io/http/http_response_parser.hpp"
#include "io/ilp/backoff.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/socket_connector.hpp"
#include "io/ilp/uring_stream.hpp"
#include "io/tls/tls_client_context.hpp"

namespace kilp::io {

// What the sink's connections share: settings, the resolved endpoints, the TLS
// context and the request head up to "Content-Length: " (credentials inside).
struct HttpChannelShared {
  HttpSinkConfig config;
  std::string address_text;  // for messages; never contains secrets
  std::vector<SocketEndpoint> endpoints;
  std::shared_ptr<const TlsClientContext> tls;
  std::string head_prefix;
};

class HttpChannel {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Answer { none, accepted, refused };

  // `name` tells the connections apart in messages, e.g. "connection 2".
  HttpChannel(const HttpChannelShared& shared, std::string name, std::uint64_t seed);
  ~HttpChannel();
  HttpChannel(const HttpChannel&) = delete;
  HttpChannel& operator=(const HttpChannel&) = delete;

  // Start-up: connects now (TLS handshake included); throws std::runtime_error.
  void connect_blocking();

  // Starts a request with `body` (valid until its answer is taken). Requires !busy().
  void start(std::span<const char> body);
  bool busy() const { return busy_; }
  // Connected with nothing in progress: a request started now goes out at once.
  bool ready() const { return !busy_ && link_ == Link::connected && Clock::now() >= retry_at_; }

  // Busy, but waiting to (re)connect with none of the request in flight.
  bool stalled() const {
    return busy_ && answer_ == Answer::none && link_ != Link::connected && !stream_.in_flight();
  }
  // Drops a stalled request so a healthy connection can carry it (the same
  // bytes: a retry like any other); this one goes on reconnecting.
  void release_stalled_request();

  // Absorbs a completion and starts what is due, without waiting. True when
  // anything moved (the caller then calls it again before waiting).
  bool step();

  // After step(): the definitive answer of the request, once it has one. Taking
  // it ends the request (busy() turns false).
  Answer take_answer();
  int status() const { return parser_.status(); }
  const HttpErrorBody& error_body() const { return error_body_; }

  // What to wait on before the next step() can move: `fd` gets the descriptor
  // and events (fd -1 when there is none) and `until` is lowered to the next
  // time-based event (retry, reconnect, request timeout).
  void wait_for(pollfd& fd, Clock::time_point& until) const;

  std::uint64_t requests() const { return requests_; }
  std::uint64_t retries() const { return retries_; }
  std::uint64_t connects() const { return connects_; }

 private:
  enum class Link { unconnected, connected, waiting_to_reconnect, connecting };
  enum class Phase { idle, sending, receiving };

  void start_request();
  void continue_io();
  bool absorb_completion();
  void on_io_result(int result);
  void on_response();
  void on_retriable_failure(std::string_view what, bool connection_broken);
  void close_connection();
  void schedule_reconnect(std::chrono::milliseconds delay);
  bool advance_connect();
  void on_connected();
  [[noreturn]] void throw_fatal(int status);

  const HttpChannelShared& shared_;
  std::string name_;
  SocketConnector connector_;
  ReconnectBackoff backoff_;
  UringStream stream_;
  Link link_ = Link::unconnected;
  Clock::time_point reconnect_at_{};
  Clock::time_point retry_at_{};  // a retriable answer on a healthy connection waits until then

  bool busy_ = false;
  Answer answer_ = Answer::none;
  std::span<const char> body_;
  Phase phase_ = Phase::idle;
  std::string request_head_;  // head prefix + length + CRLFCRLF, rebuilt per request
  std::size_t sent_ = 0;      // bytes of request_head_ + body sent so far
  Clock::time_point request_deadline_{};
  bool timed_out_ = false;
  std::optional<Clock::time_point> failing_since_;
  unsigned data_errors_ = 0;  // consecutive 500s blaming the data for this request
  std::vector<char> receive_buffer_;
  HttpResponseParser parser_;
  HttpErrorBody error_body_;

  std::uint64_t requests_ = 0;
  std::uint64_t retries_ = 0;
  std::uint64_t connects_ = 0;
};

}  // namespace kilp::io
