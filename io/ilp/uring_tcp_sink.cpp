#include "io/ilp/uring_tcp_sink.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "io/ilp/sink_poll.hpp"
#include "io/log_context.hpp"

namespace kilp::io {
namespace {

constexpr std::chrono::milliseconds kFirstReconnectDelay{50};
// A connect that neither succeeds nor fails (a black-holed host) is abandoned
// after this and retried; the shard keeps polling meanwhile.
constexpr std::chrono::milliseconds kConnectTimeout{10000};
// At start-up, how long to watch for QuestDB refusing the authentication (it
// closes the connection and says nothing else).
constexpr std::chrono::milliseconds kAuthVerdictWait{500};

std::shared_ptr<const TlsClientContext> make_tls_context(const TcpSinkConfig& config) {
  if (!config.tls.enabled) return nullptr;
  return std::make_shared<const TlsClientContext>(config.tls, config.addr.host);
}

std::optional<IlpAuthRequest> make_auth(const TcpSinkConfig& config) {
  if (config.username.empty()) return std::nullopt;
  return IlpAuthRequest{config.username,
                        IlpAuthKey::from_token(config.token, config.token_x, config.token_y),
                        std::chrono::milliseconds(0)};
}

std::string error_text(int error) {
  return std::strerror(error);
}

}  // namespace

UringTcpSink::UringTcpSink(const TcpSinkConfig& config, std::size_t max_pending_buffers)
    : address_text_(config.addr.to_string()),
      connector_(resolve_tcp_endpoints(config.addr.host, config.addr.port, address_text_),
                 kConnectTimeout),
      socket_options_{config.so_sndbuf},
      backoff_(kFirstReconnectDelay, config.reconnect_max, std::random_device{}()),
      auth_(make_auth(config)),
      stream_(make_tls_context(config)),
      queue_(std::max<std::size_t>(max_pending_buffers, 1)) {
  connect_at_startup();
}

// The stream's destructor ends an in-flight send now rather than when the peer
// drains it, and waits for its completion.
UringTcpSink::~UringTcpSink() = default;

// The connected socket in connecting_ becomes the stream: TLS handshake, then
// authentication. Returns why it failed, or an empty string.
std::string UringTcpSink::open_connection(Clock::time_point deadline,
                                          std::chrono::milliseconds verdict_wait) {
  if (const int error = prepare_connected_socket(connecting_.get(), socket_options_); error != 0) {
    connecting_.reset();
    return error_text(error);
  }
  std::string failure = stream_.attach(std::move(connecting_), deadline);
  if (failure.empty() && auth_) {
    IlpAuthRequest request = *auth_;
    request.verdict_wait = verdict_wait;
    failure = authenticate_ilp_tcp(stream_, request, deadline);
  }
  if (!failure.empty()) stream_.close();
  return failure;
}

void UringTcpSink::connect_at_startup() {
  std::string last_failure = error_text(ECONNREFUSED);
  for (const SocketEndpoint& endpoint : connector_.endpoints()) {
    const Clock::time_point deadline = Clock::now() + kConnectTimeout;
    ConnectStatus status = start_connect(endpoint, connecting_);
    if (status.state == ConnectStatus::State::in_progress) {
      status = finish_connect(connecting_.get(), kConnectTimeout);
      if (status.state == ConnectStatus::State::in_progress)
        status = {ConnectStatus::State::failed, ETIMEDOUT};
    }
    if (status.state != ConnectStatus::State::connected) {
      last_failure = error_text(status.error);
      connecting_.reset();
      continue;
    }
    last_failure = open_connection(deadline, kAuthVerdictWait);
    if (last_failure.empty()) return;
    // TLS and authentication failures are the server's answer, not an address problem.
    break;
  }
  throw std::runtime_error(
      fmt::format("cannot connect to ILP/TCP sink {}: {}", address_text_, last_failure));
}

void UringTcpSink::submit(BufferId id, std::span<const char> bytes) {
  if (queued_ == queue_.size()) {
    throw std::logic_error(fmt::format("ILP/TCP sink {}: submit() with {} buffers already pending",
                                       address_text_, queued_));
  }
  queued_at(queued_) = QueuedBuffer{id, bytes};
  ++queued_;
  start_next_send();  // start at once: the kernel sends while the shard fills the next buffer
}

void UringTcpSink::start_next_send() {
  while (link_ == Link::connected && !stream_.in_flight() && fully_sent_ < queued_) {
    const QueuedBuffer& buffer = queued_at(fully_sent_);
    if (sent_bytes_ == buffer.bytes.size()) {  // an empty buffer has nothing to send
      ++fully_sent_;
      sent_bytes_ = 0;
      continue;
    }
    const int rc = stream_.start_send(buffer.bytes.subspan(sent_bytes_));
    if (rc == -EAGAIN || rc == -EBUSY || rc == -EINTR) return;  // retried by the next poll()
    if (rc < 0) {
      throw SinkFatalError(fmt::format("ILP/TCP sink {}: io_uring submission failed: {}",
                                       address_text_, error_text(-rc)));
    }
  }
}

void UringTcpSink::on_send_result(int result) {
  if (result > 0) {
    backoff_.reset();  // this connection carries bytes: it is healthy
    sent_bytes_ += static_cast<std::size_t>(result);
    if (sent_bytes_ == queued_at(fully_sent_).bytes.size()) {
      ++fully_sent_;
      sent_bytes_ = 0;
    }
  } else if (result == -EINTR || result == -EAGAIN) {
    // Nothing sent; resubmitted below.
  } else {
    on_connection_lost(result == 0 ? EPIPE : -result);
    return;
  }
  start_next_send();
}

void UringTcpSink::on_connection_lost(int error) {
  stream_.close();
  // QuestDB drops the partial line with the old connection; resend it whole.
  sent_bytes_ = 0;
  fmt::print(stderr, "kilp: {}ILP/TCP sink {}: send failed: {}\n", log_context(), address_text_,
             error_text(error));
  schedule_reconnect(error_text(error));
}

void UringTcpSink::schedule_reconnect(std::string_view why) {
  const std::chrono::milliseconds delay = backoff_.next_delay();
  fmt::print(stderr, "kilp: {}ILP/TCP sink {}: reconnect attempt {} in {} ms (last error: {})\n",
             log_context(), address_text_, backoff_.attempts(), delay.count(), why);
  link_ = Link::waiting_to_reconnect;
  reconnect_at_ = Clock::now() + delay;
}

void UringTcpSink::try_reconnect(std::chrono::milliseconds wait) {
  if (link_ == Link::waiting_to_reconnect) {
    if (Clock::now() < reconnect_at_) return;
    link_ = Link::connecting;
  }
  const ConnectStatus status = connector_.advance(wait);
  if (status.state == ConnectStatus::State::connected) return on_connected();
  if (status.state == ConnectStatus::State::failed) schedule_reconnect(error_text(status.error));
}

void UringTcpSink::on_connected() {
  connecting_ = connector_.take();
  const std::string failure =
      open_connection(Clock::now() + kConnectTimeout, std::chrono::milliseconds(0));
  if (!failure.empty()) return schedule_reconnect(failure);
  link_ = Link::connected;
  ++reconnects_;
  fmt::print(stderr, "kilp: {}ILP/TCP sink {}: reconnected; resending {} buffer(s)\n",
             log_context(), address_text_, queued_ - fully_sent_);
  start_next_send();
}

std::size_t UringTcpSink::report_sent(std::span<BufferId> done) {
  const std::size_t count = std::min(fully_sent_, done.size());
  for (std::size_t i = 0; i < count; ++i) done[i] = queued_at(i).id;
  head_ = (head_ + count) % queue_.size();
  queued_ -= count;
  fully_sent_ -= count;
  return count;
}

// One non-blocking pass: absorb completions and reconnect progress.
bool UringTcpSink::make_progress(std::chrono::milliseconds wait) {
  if (stream_.in_flight()) {
    const std::optional<int> result =
        wait.count() == 0 ? stream_.take_completion() : stream_.wait_completion(wait);
    if (result) on_send_result(*result);
    return result.has_value();
  }
  if (link_ == Link::connected) {
    start_next_send();
    if (!stream_.in_flight() && wait.count() > 0) std::this_thread::sleep_for(wait);
    return false;
  }
  if (link_ == Link::waiting_to_reconnect && !wait_for_reconnect(reconnect_at_, wait)) {
    return false;
  }
  try_reconnect(wait);
  return false;
}

std::size_t UringTcpSink::poll(std::chrono::milliseconds wait, std::span<BufferId> done) {
  return poll_sink(
      wait, done, [this](std::chrono::milliseconds w) { return make_progress(w); },
      [this](std::span<BufferId> out) { return report_sent(out); },
      [this] { return queued_ > fully_sent_; });
}

}  // namespace kilp::io
