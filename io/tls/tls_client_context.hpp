#pragma once
// The OpenSSL client context of one sink: TLS 1.2 or 1.3, the trusted roots,
// and whether the server's certificate and host name are checked. Built once per
// sink at start-up; every session (connection, reconnect) of that sink uses it.
#include <string>

#include "io/tls/tls_options.hpp"

struct ssl_ctx_st;

namespace kilp::io {

class TlsClientContext {
 public:
  // `host` is the sink's addr host: sent as SNI (unless an IP literal) and
  // matched against the certificate. Throws std::runtime_error naming tls_roots
  // when the file cannot be loaded.
  TlsClientContext(const TlsOptions& options, std::string host);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  ssl_ctx_st* native() const { return context_; }
  const std::string& host() const { return host_; }
  bool verify() const { return verify_; }

 private:
  ssl_ctx_st* context_ = nullptr;
  std::string host_;
  bool verify_ = true;
};

// The oldest error on this thread's OpenSSL error queue as text (and clears the
// queue), or `fallback` when it is empty.
std::string take_openssl_error(const char* fallback);

}  // namespace kilp::io
