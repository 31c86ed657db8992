#include "io/ilp/uring_stream.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kilp::io {
namespace {

constexpr const char* kPlainHint = " (a plain endpoint? then use tcp:: or http::)";

}  // namespace

UringStream::UringStream(std::shared_ptr<const TlsClientContext> tls)
    : tls_context_(std::move(tls)) {}

UringStream::~UringStream() {
  if (ring_.in_flight()) {
    interrupt();  // the ring's destructor then waits for it
  } else if (session_ && socket_.valid()) {
    // An idle healthy session ends with close_notify; briefly, never blocking shutdown.
    session_->close_notify();
    io::send_all_blocking(socket_.get(), session_->ciphertext(),
                          Clock::now() + std::chrono::milliseconds(100));
  }
}

std::string UringStream::attach(UniqueFd socket, Clock::time_point deadline) {
  socket_ = std::move(socket);
  ready_.reset();
  op_ = Op::none;
  if (!tls_context_) return {};
  session_ = std::make_unique<TlsSession>(*tls_context_);
  auto give_up = [this](std::string why) {
    session_.reset();
    socket_.reset();
    return why;
  };
  for (;;) {
    const TlsSession::Handshake step = session_->handshake_step();
    // Sent in every case: on failure it carries OpenSSL's alert to the server.
    const int send_error = io::send_all_blocking(socket_.get(), session_->ciphertext(), deadline);
    session_->consume_ciphertext(session_->ciphertext().size());
    if (step == TlsSession::Handshake::failed) return give_up(session_->failure());
    if (send_error != 0) {
      return give_up(std::string("TLS handshake: send failed: ") + std::strerror(send_error));
    }
    if (step == TlsSession::Handshake::done) return {};
    const int n = io::receive_blocking(socket_.get(), session_->receive_buffer(), deadline);
    if (n == 0) {
      return give_up(std::string("the server closed the connection during the TLS handshake") +
                     kPlainHint);
    }
    if (n == -ETIMEDOUT) {
      return give_up(std::string("no TLS answer from the server in time") + kPlainHint);
    }
    if (n < 0) return give_up(std::string("TLS handshake: ") + std::strerror(-n));
    session_->received(static_cast<std::size_t>(n));
  }
}

void UringStream::interrupt() {
  if (socket_.valid()) ::shutdown(socket_.get(), SHUT_RDWR);
}

void UringStream::close() {
  if (ring_.in_flight()) {
    interrupt();
    ring_.wait_completion(std::chrono::seconds(1));
  }
  ready_.reset();
  op_ = Op::none;
  session_.reset();
  socket_.reset();
}

int UringStream::send_all_blocking(std::string_view bytes, Clock::time_point deadline) {
  std::span<const char> rest(bytes.data(), bytes.size());
  if (!session_) return io::send_all_blocking(socket_.get(), rest, deadline);
  while (!rest.empty()) {
    const std::size_t taken = session_->encrypt(rest);
    if (taken == 0) return EPROTO;
    const int error = io::send_all_blocking(socket_.get(), session_->ciphertext(), deadline);
    if (error != 0) return error;
    session_->consume_ciphertext(session_->ciphertext().size());
    rest = rest.subspan(taken);
  }
  return 0;
}

int UringStream::receive_blocking(std::span<char> into, Clock::time_point deadline) {
  if (!session_) return io::receive_blocking(socket_.get(), into, deadline);
  for (;;) {
    const int plain = session_->decrypt(into);
    if (plain > 0) return plain;
    if (plain == -1) return 0;
    if (plain < 0) return -EPROTO;
    const int n = io::receive_blocking(socket_.get(), session_->receive_buffer(), deadline);
    if (n <= 0) return n;
    session_->received(static_cast<std::size_t>(n));
  }
}

int UringStream::submit_ciphertext() {
  return ring_.start_send(socket_.get(), session_->ciphertext());
}

int UringStream::fail_session() {
  ready_ = -EPROTO;  // reported as a broken connection; a reconnect starts a new session
  return 0;
}

int UringStream::start_send(std::span<const char> bytes) {
  if (!session_) {
    op_ = Op::send;
    return ring_.start_send(socket_.get(), bytes);
  }
  if (session_->ciphertext().empty()) {
    plaintext_in_send_ = session_->encrypt(bytes);
    if (plaintext_in_send_ == 0) return fail_session();
  } else {
    plaintext_in_send_ = 0;  // ciphertext left over (e.g. a TLS 1.3 key update answer) first
  }
  op_ = Op::send;
  return submit_ciphertext();
}

int UringStream::start_recv(std::span<char> into) {
  op_ = Op::recv;
  if (!session_) return ring_.start_recv(socket_.get(), into);
  recv_into_ = into;
  const int plain = session_->decrypt(into);
  if (plain > 0) {
    ready_ = plain;
    return 0;
  }
  if (plain == -1) {
    ready_ = 0;
    return 0;
  }
  if (plain < 0) return fail_session();
  return ring_.start_recv(socket_.get(), session_->receive_buffer());
}

std::optional<int> UringStream::on_ring_result(int result) {
  if (!session_) return result;
  if (op_ == Op::send) {
    if (result <= 0) return result == 0 ? -EPIPE : result;
    session_->consume_ciphertext(static_cast<std::size_t>(result));
    if (!session_->ciphertext().empty()) {
      const int rc = submit_ciphertext();
      if (rc < 0) return rc;
      return std::nullopt;
    }
    if (plaintext_in_send_ == 0) return -EAGAIN;  // only leftover went out; caller resubmits
    return static_cast<int>(plaintext_in_send_);
  }
  if (result <= 0) return result;
  session_->received(static_cast<std::size_t>(result));
  const int plain = session_->decrypt(recv_into_);
  if (plain > 0) return plain;
  if (plain == -1) return 0;
  if (plain < 0) return -EPROTO;
  const int rc = ring_.start_recv(socket_.get(), session_->receive_buffer());
  if (rc < 0) return rc;
  return std::nullopt;  // a partial record: more ciphertext needed
}

std::optional<int> UringStream::take_completion() {
  if (ready_) return std::exchange(ready_, std::nullopt);
  while (ring_.in_flight()) {
    const std::optional<int> result = ring_.take_completion();
    if (!result) return std::nullopt;
    if (std::optional<int> done = on_ring_result(*result)) return done;
  }
  return std::nullopt;
}

std::optional<int> UringStream::wait_completion(std::chrono::nanoseconds timeout) {
  if (ready_) return std::exchange(ready_, std::nullopt);
  const Clock::time_point deadline = Clock::now() + timeout;
  while (ring_.in_flight()) {
    const std::optional<int> result = ring_.wait_completion(deadline - Clock::now());
    if (!result) return std::nullopt;
    if (std::optional<int> done = on_ring_result(*result)) return done;
    if (Clock::now() >= deadline) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace kilp::io
