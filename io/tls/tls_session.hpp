#pragma once
// One TLS client session over memory BIOs: OpenSSL only encrypts and decrypts,
// the caller moves the ciphertext (through io_uring, or a blocking socket during
// the handshake). One session per connection; a reconnect starts a new one.
//
//   handshake_step() / encrypt()  ->  ciphertext() to send, then consume_ciphertext(n)
//   receive_buffer() <- bytes from the socket, then received(n); decrypt() -> plaintext
//
// The ciphertext and receive buffers are allocated once per session.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "io/tls/tls_client_context.hpp"

struct ssl_st;
struct bio_st;

namespace kilp::io {

class TlsSession {
 public:
  // Largest plaintext encrypt() takes at once (the caller sends the rest next).
  static constexpr std::size_t kMaxPlaintextPerSend = 256 * 1024;

  explicit TlsSession(const TlsClientContext& context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class Handshake { done, want_read, failed };
  // Advances the handshake. Send ciphertext() first in every case; on want_read
  // feed the server's answer. On failed, failure() says why in one sentence.
  Handshake handshake_step();
  const std::string& failure() const { return failure_; }

  // Encrypts up to kMaxPlaintextPerSend bytes of `plain` into ciphertext();
  // returns how many it took, or 0 (with failure() set) when the session broke.
  std::size_t encrypt(std::span<const char> plain);

  std::span<const char> ciphertext() const {
    return {out_.data() + out_begin_, out_end_ - out_begin_};
  }
  void consume_ciphertext(std::size_t bytes);

  std::span<char> receive_buffer() { return receive_; }
  // `bytes` of receive_buffer() came from the socket.
  bool received(std::size_t bytes);

  // Queues TLS close_notify in ciphertext(): an orderly end the server can tell
  // from a cut connection.
  void close_notify();

  // Plaintext into `into`: > 0 bytes, 0 when more ciphertext is needed, -1 when
  // the server closed the session, -2 on a TLS error (failure() says which).
  int decrypt(std::span<char> into);

 private:
  void drain_output();
  std::string describe_handshake_failure();

  const TlsClientContext& context_;
  ssl_st* ssl_ = nullptr;
  bio_st* network_in_ = nullptr;   // ciphertext from the server, read by OpenSSL
  bio_st* network_out_ = nullptr;  // ciphertext OpenSSL wrote for the server
  std::vector<char> out_;
  std::size_t out_begin_ = 0;
  std::size_t out_end_ = 0;
  std::vector<char> receive_;
  std::string failure_;
};

}  // namespace kilp::io
