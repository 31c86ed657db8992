#include "io/ilp/http_channel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "io/ilp/http_connection.hpp"
#include "io/ilp/sink.hpp"
#include "io/log_context.hpp"

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

HttpChannel::HttpChannel(const HttpChannelShared& shared, std::string name, std::uint64_t seed)
    : shared_(shared),
      name_(std::move(name)),
      connector_(shared.endpoints, kHttpConnectTimeout),
      backoff_(kFirstRetryDelay, kMaxRetryDelay, seed),
      stream_(shared.tls),
      receive_buffer_(kReceiveBufferBytes) {
  request_head_.reserve(shared_.head_prefix.size() + 32);
}

// The stream's destructor ends an in-flight operation now and waits for it.
HttpChannel::~HttpChannel() = default;

void HttpChannel::connect_blocking() {
  open_http_stream_blocking(stream_, shared_.endpoints, shared_.address_text);
  link_ = Link::connected;
  ++connects_;
}

void HttpChannel::start(std::span<const char> body) {
  busy_ = true;
  answer_ = Answer::none;
  body_ = body;
  failing_since_.reset();
  data_errors_ = 0;
  if (link_ == Link::unconnected) schedule_reconnect(std::chrono::milliseconds(0));
  start_request();
}

HttpChannel::Answer HttpChannel::take_answer() {
  const Answer answer = answer_;
  if (answer != Answer::none) {
    answer_ = Answer::none;
    busy_ = false;
  }
  return answer;
}

void HttpChannel::release_stalled_request() {
  if (!stalled()) return;
  busy_ = false;
  phase_ = Phase::idle;
}

void HttpChannel::start_request() {
  if (!busy_ || answer_ != Answer::none || phase_ != Phase::idle || link_ != Link::connected ||
      Clock::now() < retry_at_) {
    return;
  }
  request_head_.assign(shared_.head_prefix);
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body_.size());
  request_head_.append(digits, end);
  request_head_.append("\r\n\r\n");
  sent_ = 0;
  timed_out_ = false;
  const HttpSinkConfig& config = shared_.config;
  const std::uint64_t throughput = std::max<std::uint64_t>(config.request_min_throughput, 1);
  const auto transfer_allowance = config.request_min_throughput == 0
                                      ? std::chrono::milliseconds(0)
                                      : std::chrono::milliseconds(body_.size() * 1000 / throughput);
  request_deadline_ = Clock::now() + config.request_timeout + transfer_allowance;
  phase_ = Phase::sending;
  ++requests_;
  continue_io();
}

void HttpChannel::continue_io() {
  if (stream_.in_flight() || !stream_.connected()) return;
  int rc = 0;
  if (phase_ == Phase::sending) {
    if (sent_ < request_head_.size()) {
      rc = stream_.start_send(std::span<const char>(request_head_).subspan(sent_));
    } else {
      rc = stream_.start_send(body_.subspan(sent_ - request_head_.size()));
    }
  } else if (phase_ == Phase::receiving) {
    rc = stream_.start_recv(receive_buffer_);
  }
  if (rc == -EAGAIN || rc == -EBUSY || rc == -EINTR) return;  // retried by the next step()
  if (rc < 0) {
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: io_uring submission failed: {}",
                                     shared_.address_text, error_text(-rc)));
  }
}

bool HttpChannel::step() {
  if (stream_.in_flight()) return absorb_completion();
  switch (link_) {
    case Link::unconnected:
      return false;
    case Link::connected:
      if (!busy_ || answer_ != Answer::none) return false;
      if (phase_ == Phase::idle) {
        if (Clock::now() < retry_at_) return false;
        start_request();
        return phase_ != Phase::idle;
      }
      continue_io();  // a submission that had to wait
      return false;
    case Link::waiting_to_reconnect:
      if (Clock::now() < reconnect_at_) return false;
      link_ = Link::connecting;
      [[fallthrough]];
    case Link::connecting:
      return advance_connect();
  }
  return false;
}

bool HttpChannel::absorb_completion() {
  if (phase_ != Phase::idle && !timed_out_ && Clock::now() >= request_deadline_) {
    timed_out_ = true;  // the operation now ends with an error; retried as a timeout
    stream_.interrupt();
  }
  const std::optional<int> result = stream_.take_completion();
  if (!result) return false;
  on_io_result(*result);
  return true;
}

void HttpChannel::wait_for(pollfd& fd, Clock::time_point& until) const {
  fd = pollfd{-1, 0, 0};
  if (stream_.in_flight()) {
    fd = pollfd{stream_.completion_fd(), POLLIN, 0};
    if (!timed_out_) until = std::min(until, request_deadline_);
    return;
  }
  switch (link_) {
    case Link::connected:
      if (busy_ && answer_ == Answer::none && phase_ == Phase::idle) {
        until = std::min(until, retry_at_);
      }
      return;
    case Link::waiting_to_reconnect:
      until = std::min(until, reconnect_at_);
      return;
    case Link::connecting:
      fd = pollfd{connector_.pending_socket(), POLLOUT, 0};
      until = std::min(until, Clock::now() + std::chrono::milliseconds(100));  // its own timeout
      return;
    case Link::unconnected:
      return;
  }
}

void HttpChannel::on_io_result(int result) {
  if (timed_out_ && result <= 0) return on_retriable_failure("request timed out", true);
  if (result == -EINTR || result == -EAGAIN) return continue_io();
  if (phase_ == Phase::sending) {
    if (result <= 0) {
      return on_retriable_failure(
          fmt::format("send failed: {}", error_text(result == 0 ? EPIPE : -result)), true);
    }
    sent_ += static_cast<std::size_t>(result);
    if (sent_ == request_head_.size() + body_.size()) {
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

void HttpChannel::on_response() {
  phase_ = Phase::idle;
  const int status = parser_.status();
  const bool keep_alive = parser_.keep_alive();
  if (status >= 200 && status < 300) {
    answer_ = Answer::accepted;
  } else {
    parse_http_error_body(parser_.body(), error_body_);
    if (status == 400) {
      answer_ = Answer::refused;
    } else if (!is_retriable_status(status)) {
      throw_fatal(status);
    } else if (!blames_the_data(status, error_body_) || ++data_errors_ <= kDataErrorRetries) {
      return on_retriable_failure(fmt::format("HTTP {}: {}", status, error_body_.message),
                                  !keep_alive);
    } else {
      fmt::print(stderr,
                 "kilp: {}ILP/HTTP sink {} ({}): HTTP {} blamed the data {} times in a row: "
                 "isolating the row it names\n",
                 log_context(), shared_.address_text, name_, status, data_errors_);
      answer_ = Answer::refused;
    }
  }
  // An answer, even a refusal, means the server is healthy.
  backoff_.reset();
  failing_since_.reset();
  if (!keep_alive) {
    close_connection();
    link_ = Link::unconnected;  // a normal close: the next request connects again
  }
}

void HttpChannel::throw_fatal(int status) {
  const std::string& address = shared_.address_text;
  if (status == 401 || status == 403) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: authentication refused (HTTP {}); check username/password or token: {}",
        address, status, error_body_.message));
  }
  if (status == 404) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: POST {} answered 404: not an ILP over HTTP endpoint (QuestDB serves it "
        "on its HTTP port, 9000 by default)",
        address, shared_.config.path));
  }
  throw SinkFatalError(fmt::format("ILP/HTTP sink {}: unexpected HTTP {} for POST {}: {}", address,
                                   status, shared_.config.path, error_body_.message));
}

void HttpChannel::on_retriable_failure(std::string_view what, bool connection_broken) {
  phase_ = Phase::idle;
  if (!busy_) {
    // Reconnecting after its request moved elsewhere: nothing waits for this
    // connection, so it stays closed until the next request needs it.
    close_connection();
    link_ = Link::unconnected;
    return;
  }
  const Clock::time_point now = Clock::now();
  const HttpSinkConfig& config = shared_.config;
  if (!failing_since_) failing_since_ = now;
  // max() means forever; comparing it with a nanosecond duration would overflow.
  if (config.retry_timeout != std::chrono::milliseconds::max() &&
      now - *failing_since_ >= config.retry_timeout) {
    throw SinkFatalError(fmt::format(
        "ILP/HTTP sink {}: giving up after retry_timeout={} ms: {} (the rows of this request "
        "stay uncommitted and are consumed again after a restart)",
        shared_.address_text, config.retry_timeout.count(), what));
  }
  ++retries_;
  const std::chrono::milliseconds delay = backoff_.next_delay();
  if (backoff_.attempts() <= kLoggedRetries) {
    fmt::print(stderr, "kilp: {}ILP/HTTP sink {} ({}): {}; retry {} in {} ms\n", log_context(),
               shared_.address_text, name_, what, backoff_.attempts(), delay.count());
  }
  if (connection_broken) {
    close_connection();
    schedule_reconnect(delay);
  } else {
    retry_at_ = now + delay;
  }
}

void HttpChannel::close_connection() {
  stream_.close();
  phase_ = Phase::idle;
}

void HttpChannel::schedule_reconnect(std::chrono::milliseconds delay) {
  link_ = Link::waiting_to_reconnect;
  reconnect_at_ = Clock::now() + delay;
}

bool HttpChannel::advance_connect() {
  const ConnectStatus status = connector_.advance(std::chrono::milliseconds(0));
  if (status.state == ConnectStatus::State::connected) {
    on_connected();
    return true;
  }
  if (status.state == ConnectStatus::State::failed) {
    on_retriable_failure(fmt::format("connect failed: {}", error_text(status.error)), true);
    return true;
  }
  return false;
}

void HttpChannel::on_connected() {
  UniqueFd socket = connector_.take();
  const int error = prepare_connected_socket(socket.get(), {});
  if (error != 0) {
    return on_retriable_failure(fmt::format("connect failed: {}", error_text(error)), true);
  }
  const std::string failure = stream_.attach(std::move(socket), Clock::now() + kHttpConnectTimeout);
  if (!failure.empty()) return on_retriable_failure(failure, true);
  link_ = Link::connected;
  ++connects_;
  start_request();
}

}  // namespace kilp::io
