#include "io/tls/tls_session.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace kilp::io {
namespace {

// Room for one full encrypt(): 16 KiB records, each with at most a few hundred
// bytes of header, padding and tag; plus the handshake's messages.
constexpr std::size_t kCiphertextCapacity = TlsSession::kMaxPlaintextPerSend +
                                            (TlsSession::kMaxPlaintextPerSend / 16384 + 1) * 512 +
                                            16 * 1024;
// One maximal TLS record with its header, so a single recv can complete a record.
constexpr std::size_t kReceiveCapacity = 16 * 1024 + 2048;

bool is_ip_literal(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

std::string describe_verify_error(long result, const std::string& host) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the server's certificate has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the server's certificate is not valid yet (check the clocks)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return fmt::format("the server's certificate is not for '{}' (the host in addr)", host);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "the server's certificate is signed by an unknown CA (give the CA with "
             "tls_roots=FILE, or tls_verify=unsafe_off for testing only)";
    default:
      return fmt::format("the server's certificate was refused: {}",
                         X509_verify_cert_error_string(result));
  }
}

}  // namespace

TlsSession::TlsSession(const TlsClientContext& context)
    : context_(context), out_(kCiphertextCapacity), receive_(kReceiveCapacity) {
  ssl_ = SSL_new(context.native());
  network_in_ = BIO_new(BIO_s_mem());
  network_out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || network_in_ == nullptr || network_out_ == nullptr) {
    BIO_free(network_in_);
    BIO_free(network_out_);
    SSL_free(ssl_);
    throw std::runtime_error("TLS: " + take_openssl_error("cannot create a session"));
  }
  // An empty memory BIO means "no data yet", not end of stream.
  BIO_set_mem_eof_return(network_in_, -1);
  SSL_set_bio(ssl_, network_in_, network_out_);  // the session owns both now
  SSL_set_connect_state(ssl_);
  const std::string& host = context.host();
  const bool ip = is_ip_literal(host);
  if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (context.verify()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
}

void TlsSession::drain_output() {
  for (;;) {
    const std::size_t pending = BIO_ctrl_pending(network_out_);
    if (pending == 0) return;
    if (out_begin_ == out_end_) out_begin_ = out_end_ = 0;
    if (out_.size() - out_end_ < pending) {
      // Only when the caller left ciphertext unsent before encrypting more.
      std::memmove(out_.data(), out_.data() + out_begin_, out_end_ - out_begin_);
      out_end_ -= out_begin_;
      out_begin_ = 0;
      if (out_.size() - out_end_ < pending) out_.resize(out_end_ + pending);
    }
    const int n = BIO_read(network_out_, out_.data() + out_end_, static_cast<int>(pending));
    if (n <= 0) return;
    out_end_ += static_cast<std::size_t>(n);
  }
}

void TlsSession::consume_ciphertext(std::size_t bytes) {
  out_begin_ += std::min(bytes, out_end_ - out_begin_);
  if (out_begin_ == out_end_) out_begin_ = out_end_ = 0;
}

std::string TlsSession::describe_handshake_failure() {
  const long verify = SSL_get_verify_result(ssl_);
  if (context_.verify() && verify != X509_V_OK) {
    ERR_clear_error();
    return describe_verify_error(verify, context_.host());
  }
  const unsigned long code = ERR_peek_error();
  const int reason = ERR_GET_REASON(code);
  if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
      (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_UNKNOWN_PROTOCOL ||
       reason == SSL_R_PACKET_LENGTH_TOO_LONG)) {
    ERR_clear_error();
    return "the server does not speak TLS (a plain endpoint? then use tcp:: or http::)";
  }
  return "TLS handshake failed: " + take_openssl_error("unknown error");
}

TlsSession::Handshake TlsSession::handshake_step() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  drain_output();
  if (rc == 1) return Handshake::done;
  const int error = SSL_get_error(ssl_, rc);
  if (error == SSL_ERROR_WANT_READ) return Handshake::want_read;
  failure_ = describe_handshake_failure();
  return Handshake::failed;
}

std::size_t TlsSession::encrypt(std::span<const char> plain) {
  const std::size_t take = std::min(plain.size(), kMaxPlaintextPerSend);
  if (take == 0) return 0;
  ERR_clear_error();
  std::size_t written = 0;
  const int rc = SSL_write_ex(ssl_, plain.data(), take, &written);
  drain_output();
  if (rc != 1) {
    failure_ = "TLS: " + take_openssl_error("encryption failed");
    return 0;
  }
  return written;
}

void TlsSession::close_notify() {
  ERR_clear_error();
  SSL_shutdown(ssl_);  // 0: our close_notify is queued; the server's is not awaited
  ERR_clear_error();
  drain_output();
}

bool TlsSession::received(std::size_t bytes) {
  const int n = BIO_write(network_in_, receive_.data(), static_cast<int>(bytes));
  return n == static_cast<int>(bytes);
}

int TlsSession::decrypt(std::span<char> into) {
  ERR_clear_error();
  std::size_t read = 0;
  const int rc = SSL_read_ex(ssl_, into.data(), into.size(), &read);
  drain_output();  // TLS 1.3 may answer (key updates); sent with the next request
  if (rc == 1) return static_cast<int>(read);
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return 0;
    case SSL_ERROR_ZERO_RETURN:
      return -1;
    default:
      failure_ = "TLS: " + take_openssl_error("decryption failed");
      return -2;
  }
}

}  // namespace kilp::io
