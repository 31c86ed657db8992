#include "io/ilp/http_ilp_sink.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

#include "io/ilp/http_connection.hpp"
#include "io/ilp/sink_poll.hpp"
#include "io/log_context.hpp"

namespace kilp::io {
namespace {

// Refused rows logged when nobody listens (tests); a listener logs its own.
constexpr std::uint64_t kLoggedRejections = 8;
constexpr std::size_t kReasonCapacity = 4096;

std::string make_head_prefix(const HttpSinkConfig& config) {
  return fmt::format(
      "POST {} HTTP/1.1\r\n{}User-Agent: kilp\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "{}Content-Length: ",
      config.path, http_host_header(config), http_authorization_header(config));
}

}  // namespace

UringHttpSink::UringHttpSink(const HttpSinkConfig& config, std::size_t max_pending_buffers)
    : jobs_(std::max<std::size_t>(max_pending_buffers, 1)) {
  shared_.config = config;
  shared_.address_text = config.addr.to_string();
  shared_.endpoints =
      resolve_tcp_endpoints(config.addr.host, config.addr.port, shared_.address_text);
  shared_.tls = make_http_tls_context(config);
  shared_.head_prefix = make_head_prefix(config);

  const std::size_t connections = std::clamp<std::size_t>(config.max_in_flight, 1, jobs_.size());
  std::random_device seeds;
  for (std::size_t i = 0; i < connections; ++i) {
    channels_.push_back(
        std::make_unique<HttpChannel>(shared_, fmt::format("connection {}", i + 1), seeds()));
  }
  job_of_channel_.assign(connections, nullptr);
  poll_fds_.resize(connections);
  for (Job& job : jobs_) job.pending_reason.reserve(kReasonCapacity);
  channels_.front()->connect_blocking();
}

// Each channel's stream ends its in-flight operation and waits for it.
UringHttpSink::~UringHttpSink() = default;

SinkLimits UringHttpSink::limits() const {
  const HttpSinkConfig& config = shared_.config;
  SinkLimits limits;
  limits.needs_row_index = true;
  limits.max_rows = config.auto_flush_rows;
  limits.max_bytes = config.auto_flush_bytes;
  limits.max_linger = config.auto_flush_interval;
  return limits;
}

std::uint64_t UringHttpSink::requests_sent() const {
  std::uint64_t total = 0;
  for (const auto& channel : channels_) total += channel->requests();
  return total;
}

std::uint64_t UringHttpSink::retries() const {
  std::uint64_t total = 0;
  for (const auto& channel : channels_) total += channel->retries();
  return total;
}

std::uint64_t UringHttpSink::connects() const {
  std::uint64_t total = 0;
  for (const auto& channel : channels_) total += channel->connects();
  return total;
}

void UringHttpSink::submit(BufferId id, std::span<const char> bytes) {
  submit_rows(id, bytes, {});
}

void UringHttpSink::submit_rows(BufferId id, std::span<const char> bytes,
                                std::span<const std::uint32_t> row_ends) {
  if (queued_ == jobs_.size()) {
    throw std::logic_error(fmt::format("ILP/HTTP sink {}: submit() with {} buffers already pending",
                                       shared_.address_text, queued_));
  }
  Job& job = job_at(queued_);
  job.id = id;
  job.bytes = bytes;
  job.row_ends = row_ends;
  job.finished = false;
  job.channel = kNoChannel;
  job.row_begin = 0;
  job.row_end = row_count(job);
  job.pending_reject.reset();
  ++queued_;
  ++unfinished_;
  dispatch();
}

// Hands buffers that wait, oldest first, to free connections; a connected one
// is preferred, so a burst does not open connections it does not need. A buffer
// stuck on a connection that is reconnecting moves to a connected free one
// (e.g. when the server refuses more connections, or one connection broke).
void UringHttpSink::dispatch() {
  for (std::size_t position = 0; position < queued_ && unfinished_ > 0; ++position) {
    Job& job = job_at(position);
    if (job.finished) continue;
    if (job.channel != kNoChannel) {
      HttpChannel& current = *channels_[static_cast<std::size_t>(job.channel)];
      if (!current.stalled()) continue;
      const int healthy = free_channel(true);
      if (healthy == kNoChannel) continue;
      current.release_stalled_request();
      job_of_channel_[static_cast<std::size_t>(job.channel)] = nullptr;
      assign(job, healthy);
      continue;
    }
    const int channel = free_channel(false);
    if (channel == kNoChannel) return;
    assign(job, channel);
  }
}

void UringHttpSink::assign(Job& job, int channel) {
  job.channel = channel;
  job_of_channel_[static_cast<std::size_t>(channel)] = &job;
  send_rows(job);
}

int UringHttpSink::free_channel(bool connected_only) const {
  int idle = kNoChannel;
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    if (job_of_channel_[i] != nullptr) continue;
    if (channels_[i]->ready()) return static_cast<int>(i);
    if (idle == kNoChannel && !connected_only) idle = static_cast<int>(i);
  }
  return idle;
}

void UringHttpSink::send_rows(Job& job) {
  const std::size_t begin = row_start(job, job.row_begin);
  const std::size_t end = row_stop(job, job.row_end - 1);
  channels_[static_cast<std::size_t>(job.channel)]->start(job.bytes.subspan(begin, end - begin));
}

bool UringHttpSink::step_channels() {
  bool moved = false;
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    HttpChannel& channel = *channels_[i];
    while (channel.step()) moved = true;
    Job* job = job_of_channel_[i];
    if (job == nullptr) continue;
    const HttpChannel::Answer answer = channel.take_answer();
    if (answer == HttpChannel::Answer::none) continue;
    moved = true;
    on_answer(*job, answer);
  }
  if (moved) dispatch();
  return moved;
}

void UringHttpSink::on_answer(Job& job, HttpChannel::Answer answer) {
  if (answer == HttpChannel::Answer::accepted) {
    job.row_begin = job.row_end;
    if (job.pending_reject && job.pending_reject->first == job.row_begin) {
      reject_message(job, *job.pending_reject, job.pending_reason);
    }
    next_request_or_finish(job);
  } else {
    isolate_refused_rows(job, *channels_[static_cast<std::size_t>(job.channel)]);
  }
  if (!job.finished) return send_rows(job);
  job_of_channel_[static_cast<std::size_t>(job.channel)] = nullptr;
  job.channel = kNoChannel;
}

RowRange UringHttpSink::message_rows(const Job& job, std::size_t row) const {
  if (listener_ == nullptr) return {row, row};
  const RowRange rows = listener_->message_rows(job.id, row);
  // Requests start at a message's first row, so the range never reaches before row_begin.
  return {std::max(rows.first, job.row_begin), std::min(rows.last, row_count(job) - 1)};
}

void UringHttpSink::isolate_refused_rows(Job& job, const HttpChannel& channel) {
  const HttpErrorBody& error = channel.error_body();
  if (job.row_ends.empty()) {
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: the server refused the data (HTTP {}): {}",
                                     shared_.address_text, channel.status(), error.message));
  }
  const std::size_t rows = job.row_end - job.row_begin;
  const std::int64_t line = error.line;
  if (line >= 1 && static_cast<std::uint64_t>(line) <= rows) {
    const RowRange bad = message_rows(job, job.row_begin + static_cast<std::size_t>(line) - 1);
    if (bad.first == job.row_begin) {
      reject_message(job, bad, error.message);
      return next_request_or_finish(job);
    }
    // QuestDB committed nothing of the request: resend the rows before the bad
    // message on their own, then report it and go on after it.
    job.pending_reject = bad;
    job.pending_reason.assign(error.message);
    job.row_end = bad.first;
    return;
  }
  const RowRange first = message_rows(job, job.row_begin);
  if (first.last + 1 >= job.row_end) {  // one message left
    reject_message(job, first, error.message);
    return next_request_or_finish(job);
  }
  // No usable line number (InfluxDB, or a line outside the request): halve, at a
  // message's first row.
  job.pending_reject.reset();
  const std::size_t middle = message_rows(job, job.row_begin + rows / 2).first;
  job.row_end = middle > job.row_begin ? middle : first.last + 1;
}

void UringHttpSink::reject_message(Job& job, RowRange rows, std::string_view reason) {
  rows_rejected_ += rows.last - rows.first + 1;
  if (listener_ != nullptr) {
    listener_->on_message_rejected(job.id, rows, reason);
  } else if (rows_rejected_ <= kLoggedRejections) {
    fmt::print(stderr, "kilp: {}ILP/HTTP sink {}: row refused: {}\n", log_context(),
               shared_.address_text, reason);
  }
  job.row_begin = rows.last + 1;
}

void UringHttpSink::next_request_or_finish(Job& job) {
  if (job.row_begin >= row_count(job)) {
    job.finished = true;
    --unfinished_;
    return;
  }
  job.row_end = row_count(job);
}

std::size_t UringHttpSink::report_done(std::span<BufferId> done) {
  std::size_t count = 0;
  while (count < done.size() && queued_ > 0 && job_at(0).finished) {
    done[count++] = job_at(0).id;
    head_ = (head_ + 1) % jobs_.size();
    --queued_;
  }
  return count;
}

// Waits until one of the channels can move (a completion, a connect, a retry
// or reconnect time, a request deadline) or `wait` is over.
void UringHttpSink::wait_on_channels(std::chrono::milliseconds wait) {
  const HttpChannel::Clock::time_point now = HttpChannel::Clock::now();
  HttpChannel::Clock::time_point until = now + wait;
  std::size_t fds = 0;
  for (const auto& channel : channels_) {
    pollfd fd{};
    channel->wait_for(fd, until);
    if (fd.fd >= 0) poll_fds_[fds++] = fd;
  }
  if (until <= now) return;
  const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(until - now);
  const int rc = ::poll(poll_fds_.data(), fds, static_cast<int>(timeout.count()));
  if (rc < 0 && errno != EINTR) {
    throw SinkFatalError(fmt::format("ILP/HTTP sink {}: poll failed: {}", shared_.address_text,
                                     std::strerror(errno)));
  }
}

bool UringHttpSink::make_progress(std::chrono::milliseconds wait) {
  if (step_channels()) return true;
  if (wait.count() <= 0) return false;
  wait_on_channels(wait);
  return step_channels();
}

std::size_t UringHttpSink::poll(std::chrono::milliseconds wait, std::span<BufferId> done) {
  return poll_sink(
      wait, done, [this](std::chrono::milliseconds w) { return make_progress(w); },
      [this](std::span<BufferId> out) { return report_done(out); },
      [this] { return unfinished_ > 0; });
}

}  // namespace kilp::io
