#include "io/tls/tls_client_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace kilp::io {

std::string take_openssl_error(const char* fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

TlsClientContext::TlsClientContext(const TlsOptions& options, std::string host)
    : host_(std::move(host)), verify_(options.verify) {
  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr) {
    throw std::runtime_error("TLS: " + take_openssl_error("cannot create an OpenSSL context"));
  }
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  // A send of a large buffer may be encrypted in parts; the sink tracks progress.
  SSL_CTX_set_mode(context_, SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (!verify_) {
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
    return;
  }
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  const bool loaded =
      options.roots == TlsRoots::pem_file
          ? SSL_CTX_load_verify_locations(context_, options.roots_file.c_str(), nullptr) == 1
          : SSL_CTX_set_default_verify_paths(context_) == 1;
  if (!loaded) {
    const std::string why = take_openssl_error("no certificates");
    SSL_CTX_free(context_);
    if (options.roots == TlsRoots::pem_file) {
      throw std::runtime_error(
          fmt::format("tls_roots={}: cannot load the PEM bundle: {}", options.roots_file, why));
    }
    throw std::runtime_error("tls_ca=os_roots: cannot load the system's CA store: " + why);
  }
}

TlsClientContext::~TlsClientContext() {
  SSL_CTX_free(context_);
}

}  // namespace kilp::io
