#include "io/ilp/http_ilp_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "io/ilp/http_connection.hpp"
#include "io/ilp/sink_poll.hpp"

namespace kilp::io {
namespace {

// QuestDB's clients start retrying after ~10 ms and double up to about a second.
constexpr std::chrono::milliseconds kFirstRetryDelay{10};
constexpr std::chrono::milliseconds kMaxRetryDelay{1000};
constexpr std::size_t kReceiveBufferBytes = 16 * 1024;
// Retry log lines per failure episode; the rest are counted silently.
constexpr unsigned kLoggedRetries = 8;

bool is_retriable_status(int status) {
  switch (status) {
    case 500:
    case 503:
    case 504:
    case 507:
    case 509:
    case 523:
    case 524:
    case 529:
    case 599:
      return true;
    default:
      return false;
  }
}

// QuestDB 7.4 answers some values it cannot store (a cast error) with 500, not
// 400. A 500 whose body blames the data is retried this many times (it may be a
// passing fault), then its row is isolated as for a 400, so one bad row cannot
// block its partition. Outages (503, timeouts, other bodies) are retried forever.
constexpr unsigned kDataErrorRetries = 3;

bool blames_the_data(int status, const HttpErrorBody& body) {
  if (status != 500) return false;
  if (body.line > 0) return true;
  for (std::string_view clue : {"error in line", "failed to parse", "cannot be cast", "cast error",
                                "could not parse", "invalid value"}) {
    if (body.message.find(clue) != std::string::npos) return true;
  }
  return false;
}

std::string error_text(int error) {
  return std::strerror(error);
}

}  // namespace

UringHttpSink::UringHttpSink(const HttpSinkConfig& config, std::size_t max_pending_buffers)
    : config_(config),
      address_text_(config.addr.to_string()),
      connector_(resolve_tcp_endpoints(config.addr.host, config.addr.port, address_text_),
                 kHttpConnectTimeout),
      backoff_(kFirstRetryDelay, kMaxRetryDelay, std::random_device{}()),
      stream_(make_http_tls_context(config)),
      queue_(std::max<std::size_t>(max_pending_buffers, 1)),
      receive_buffer_(kReceiveBufferBytes) {
  head_prefix_ = fmt::format(
      "POST {} HTTP/1.1\r\n{}User-Agent: kilp\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "{}Content-Length: ",
      config_.path, http_host_header(config_), http_authorization_header(config_));
  request_head_.reserve(head_prefix_.size() + 32);
  pending_reason_.reserve(4096);
  open_http_stream_blocking(stream_, connector_.endpoints(), address_text_);
}

// The stream's destructor ends an in-flight operation now and waits for it.
UringHttpSink::~UringHttpSink() = default;

SinkLimits UringHttpSink::limits() const {
  SinkLimits limits;
  limits.needs_row_index = true;
  limits.max_rows = config_.auto_flush_rows;
  limits.max_bytes = config_.auto_flush_bytes;
  limits.max_linger = config_.auto_flush_interval;
  return limits;
}

void UringHttpSink::submit(BufferId id, std::span<const char> bytes) {
  submit_rows(id, bytes, {});
}

void UringHttpSink::submit_rows(BufferId id, std::span<const char> bytes,
                                std::span<const std::uint32_t> row_ends) {
  if (queued_ == queue_.size()) {
    throw std::logic_error(fmt::format("ILP/HTTP sink {}: submit() with {} buffers already pending",
                                       address_text_, queued_));
  }
  queued_at(queued_) = QueuedBuffer{id, bytes, row_ends};
  ++queued_;
  if (phase_ == Phase::idle && link_ == Link::connected) start_request();
}

void UringHttpSink::start_request() {
  if (phase_ != Phase::idle || link_ != Link::connected || completed_ >= queued_ ||
      Clock::now() < retry_at_) {
    return;
  }
  QueuedBuffer& buffer = current();
  if (!request_planned_) {
    row_begin_ = 0;
    row_end_ = row_count(buffer);
    pending_reject_.reset();
    request_planned_ = true;
  }
  body_bytes_ = row_stop(buffer, row_end_ - 1) - row_start(buffer, row_begin_);
  request_head_.assign(head_prefix_);
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body_bytes_);
  request_head_.append(digits, end);
  request_head_.append("\r\n\r\n");
  sent_ = 0;
  timed_out_ = false;
  const std::uint64_t throughput = std::max<std::uint64_t>(config_.request_min_throughput, 1);
  const auto transfer_allowance = config_.request_min_throughput == 0
                                      ? std::chrono::milliseconds(0)
                                      : std::chrono::milliseconds(body_bytes_ * 1000 / throughput);
  request_deadline_ = Clock::now() + config_.request_timeout + transfer_allowance;
  phase_ = Phase::sending;
  ++requests_;
  continue_io();
}

void UringHttpSink::continue_io() {
  if (stream_.in_flight() || !stream_.connected()) return;
  int rc = 0;
  if (phase_ == Phase::sending) {
    if (sent_ < request_head_.size()) {
      rc = stream_.start_send(std::span<const char>(request_head_).subspan(sent_));
    } else {
      const QueuedBuffer& buffer = current();
      const std::size_t body_offset =
          row_start(buffer, row_begin_) + (sent_ - request_head_.size());
      const std::size_t body_left = body_bytes_ - (sent_ - request_head_.size());
      rc = stream_.start_send(buffer.bytes.subspan(body_offset, body_left));
    }
  } else if (phase_ == Phase::receiving) {
    rc = stream_.start_recv(receive_buffer_);
  }
  if (rc == -EAGAIN || rc == -EBUSY || rc == -EINTR) return;  // retried by the next poll()
  if (rc < 0) {
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: io_uring submission failed: {}",
                                     address_text_, error_text(-rc)));
  }
}

void UringHttpSink::on_io_result(int result) {
  if (timed_out_ && result <= 0) return on_retriable_failure("request timed out", true);
  if (result == -EINTR || result == -EAGAIN) return continue_io();
  if (phase_ == Phase::sending) {
    if (result <= 0) {
      return on_retriable_failure(
          timed_out_ ? "request timed out"
                     : fmt::format("send failed: {}", error_text(result == 0 ? EPIPE : -result)),
          true);
    }
    sent_ += static_cast<std::size_t>(result);
    if (sent_ == request_head_.size() + body_bytes_) {
      phase_ = Phase::receiving;
      parser_.reset();
    }
    return continue_io();
  }
  if (phase_ != Phase::receiving) return;
  HttpParseState state = HttpParseState::need_more;
  if (result > 0) {
    std::size_t consumed = 0;
    state = parser_.feed(std::string_view(receive_buffer_.data(), static_cast<std::size_t>(result)),
                         consumed);
    if (state == HttpParseState::complete && consumed < static_cast<std::size_t>(result)) {
      return on_retriable_failure("unexpected bytes after the response", true);
    }
  } else if (result == 0) {
    state = parser_.finish_at_eof();
  } else {
    return on_retriable_failure(
        timed_out_ ? "request timed out" : fmt::format("receive failed: {}", error_text(-result)),
        true);
  }
  if (state == HttpParseState::error) {
    return on_retriable_failure(fmt::format("bad HTTP response: {}", parser_.error()), true);
  }
  if (state == HttpParseState::need_more) return continue_io();
  on_response();
}

void UringHttpSink::on_response() {
  phase_ = Phase::idle;
  const int status = parser_.status();
  const bool keep_alive = parser_.keep_alive();
  if (status >= 200 && status < 300) {
    on_accepted();
  } else if (status == 400) {
    on_refused();
  } else if (is_retriable_status(status)) {
    parse_http_error_body(parser_.body(), error_body_);
    if (!blames_the_data(status, error_body_) || ++data_errors_ <= kDataErrorRetries) {
      on_retriable_failure(fmt::format("HTTP {}: {}", status, error_body_.message), !keep_alive);
      return;
    }
    fmt::print(stderr,
               "kilp: ILP/HTTP sink {}: HTTP {} blamed the data {} times in a row: isolating the "
               "row it names\n",
               address_text_, status, data_errors_);
    isolate_refused_rows(status);
  } else {
    parse_http_error_body(parser_.body(), error_body_);
    if (status == 401 || status == 403) {
      throw SinkFatalError(fmt::format(
          "ILP/HTTP sink {}: authentication refused (HTTP {}); check username/password or "
          "token: {}",
          address_text_, status, error_body_.message));
    }
    if (status == 404) {
      throw SinkFatalError(fmt::format(
          "ILP/HTTP sink {}: POST {} answered 404: not an ILP over HTTP endpoint (QuestDB "
          "serves it on its HTTP port, 9000 by default)",
          address_text_, config_.path));
    }
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: unexpected HTTP {} for POST {}: {}",
                                     address_text_, status, config_.path, error_body_.message));
  }
  if (!keep_alive) {
    close_connection();
    schedule_reconnect(std::chrono::milliseconds(0));  // a normal close, not a failure
  }
  start_request();
}

void UringHttpSink::on_accepted() {
  data_errors_ = 0;
  backoff_.reset();
  failing_since_.reset();
  row_begin_ = row_end_;
  if (pending_reject_ && *pending_reject_ == row_begin_) {
    reject_row(row_begin_, pending_reason_);
    ++row_begin_;
  }
  next_request_or_done();
}

void UringHttpSink::on_refused() {
  parse_http_error_body(parser_.body(), error_body_);
  isolate_refused_rows(400);
}

void UringHttpSink::isolate_refused_rows(int status) {
  data_errors_ = 0;
  QueuedBuffer& buffer = current();
  if (buffer.row_ends.empty()) {
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: the server refused the data (HTTP {}): {}",
                                     address_text_, status, error_body_.message));
  }
  // A refusal is an answer: the server is healthy.
  backoff_.reset();
  failing_since_.reset();
  const std::size_t rows = row_end_ - row_begin_;
  const std::int64_t line = error_body_.line;
  if (line >= 1 && static_cast<std::uint64_t>(line) <= rows) {
    const std::size_t bad = row_begin_ + static_cast<std::size_t>(line) - 1;
    if (bad == row_begin_) {
      reject_row(bad, error_body_.message);
      row_begin_ = bad + 1;
      return next_request_or_done();
    }
    // QuestDB committed nothing of the request: resend the rows before the bad
    // one on their own, then report it and go on after it.
    pending_reject_ = bad;
    pending_reason_.assign(error_body_.message);
    row_end_ = bad;
    return;
  }
  if (rows == 1) {
    reject_row(row_begin_, error_body_.message);
    ++row_begin_;
    return next_request_or_done();
  }
  // No usable line number (InfluxDB, or a line outside the request): halve.
  pending_reject_.reset();
  row_end_ = row_begin_ + rows / 2;
}

void UringHttpSink::reject_row(std::size_t row, std::string_view reason) {
  ++rows_rejected_;
  if (listener_ != nullptr) {
    listener_->on_row_rejected(current().id, row, reason);
  } else if (rows_rejected_ <= kLoggedRetries) {
    fmt::print(stderr, "kilp: ILP/HTTP sink {}: row refused: {}\n", address_text_, reason);
  }
}

void UringHttpSink::next_request_or_done() {
  if (row_begin_ >= row_count(current())) {
    ++completed_;
    request_planned_ = false;
    return;
  }
  row_end_ = row_count(current());
}

void UringHttpSink::on_retriable_failure(std::string_view what, bool connection_broken) {
  phase_ = Phase::idle;
  const Clock::time_point now = Clock::now();
  if (!failing_since_) failing_since_ = now;
  // max() means forever; comparing it with a nanosecond duration would overflow.
  if (config_.retry_timeout != std::chrono::milliseconds::max() &&
      now - *failing_since_ >= config_.retry_timeout) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: giving up after retry_timeout={} ms: {} (the rows of this request "
        "stay uncommitted and are consumed again after a restart)",
        address_text_, config_.retry_timeout.count(), what));
  }
  ++retries_;
  const std::chrono::milliseconds delay = backoff_.next_delay();
  if (backoff_.attempts() <= kLoggedRetries) {
    fmt::print(stderr, "kilp: ILP/HTTP sink {}: {}; retry {} in {} ms\n", address_text_, what,
               backoff_.attempts(), delay.count());
  }
  if (connection_broken) {
    close_connection();
    schedule_reconnect(delay);
  } else {
    retry_at_ = now + delay;
  }
}

void UringHttpSink::close_connection() {
  stream_.close();
  phase_ = Phase::idle;
}

void UringHttpSink::schedule_reconnect(std::chrono::milliseconds delay) {
  link_ = Link::waiting_to_reconnect;
  reconnect_at_ = Clock::now() + delay;
}

void UringHttpSink::try_reconnect(std::chrono::milliseconds wait) {
  if (link_ == Link::waiting_to_reconnect) {
    if (Clock::now() < reconnect_at_) return;
    link_ = Link::connecting;
  }
  const ConnectStatus status = connector_.advance(wait);
  if (status.state == ConnectStatus::State::connected) return on_connected();
  if (status.state == ConnectStatus::State::failed) {
    on_retriable_failure(fmt::format("connect failed: {}", error_text(status.error)), true);
  }
}

void UringHttpSink::on_connected() {
  UniqueFd socket = connector_.take();
  const int error = prepare_connected_socket(socket.get(), {});
  if (error != 0) {
    return on_retriable_failure(fmt::format("connect failed: {}", error_text(error)), true);
  }
  const std::string failure = stream_.attach(std::move(socket), Clock::now() + kHttpConnectTimeout);
  if (!failure.empty()) return on_retriable_failure(failure, true);
  link_ = Link::connected;
  start_request();
}

std::size_t UringHttpSink::report_done(std::span<BufferId> done) {
  const std::size_t count = std::min(completed_, done.size());
  for (std::size_t i = 0; i < count; ++i) done[i] = queued_at(i).id;
  head_ = (head_ + count) % queue_.size();
  queued_ -= count;
  completed_ -= count;
  return count;
}

bool UringHttpSink::make_progress(std::chrono::milliseconds wait) {
  const Clock::time_point now = Clock::now();
  if (stream_.in_flight()) {
    if (phase_ != Phase::idle && now >= request_deadline_ && !timed_out_) {
      timed_out_ = true;  // the operation now ends with an error; retried as a timeout
      stream_.interrupt();
    }
    if (phase_ != Phase::idle && !timed_out_) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(request_deadline_ - now));
    }
    const std::optional<int> result =
        wait.count() <= 0 ? stream_.take_completion() : stream_.wait_completion(wait);
    if (result) on_io_result(*result);
    return result.has_value();
  }
  if (link_ == Link::connected) {
    if (phase_ == Phase::idle && completed_ < queued_) {
      if (now < retry_at_) {
        if (wait.count() > 0) {
          std::this_thread::sleep_for(std::min<Clock::duration>(wait, retry_at_ - now));
        }
        return false;
      }
      start_request();
      return stream_.in_flight();
    }
    if (phase_ != Phase::idle) continue_io();  // a submission that had to wait
    return false;
  }
  if (link_ == Link::waiting_to_reconnect && !wait_for_reconnect(reconnect_at_, wait)) {
    return false;
  }
  try_reconnect(wait);
  return false;
}

std::size_t UringHttpSink::poll(std::chrono::milliseconds wait, std::span<BufferId> done) {
  return poll_sink(
      wait, done, [this](std::chrono::milliseconds w) { return make_progress(w); },
      [this](std::span<BufferId> out) { return report_done(out); },
      [this] { return queued_ > completed_; });
}

}  // namespace kilp::io
