#include "tests/support/tls_terminator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace kilp::testing {
TlsTerminator::TlsTerminator(const PemIdentity& identity, std::uint16_t backend_port,
                             int socket_buffer_bytes)
    : backend_port_(backend_port), socket_buffer_bytes_(socket_buffer_bytes) {
  context_ = SSL_CTX_new(TLS_server_method());
  BIO* cert_bio =
      BIO_new_mem_buf(identity.certificate.data(), static_cast<int>(identity.certificate.size()));
  BIO* key_bio =
      BIO_new_mem_buf(identity.private_key.data(), static_cast<int>(identity.private_key.size()));
  X509* certificate = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  const bool loaded = certificate && key && SSL_CTX_use_certificate(context_, certificate) == 1 &&
                      SSL_CTX_use_PrivateKey(context_, key) == 1;
  X509_free(certificate);
  EVP_PKEY_free(key);
  if (!loaded) throw std::runtime_error("TLS terminator: cannot load the certificate");
  listener_ = listen_on_loopback(port_);
  if (socket_buffer_bytes_ > 0) {  // inherited by accepted sockets
    ::setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &socket_buffer_bytes_, sizeof(int));
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

TlsTerminator::~TlsTerminator() {
  stop_ = true;
  acceptor_.join();
  for (std::thread& connection : connections_) connection.join();
  ::close(listener_);
  SSL_CTX_free(context_);
}

void TlsTerminator::accept_loop() {
  while (!stop_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, 20) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, client] { serve(client); });
  }
}

void TlsTerminator::serve(int client) {
  // Short receive timeouts keep every blocking call responsive to stop_.
  const timeval tick{0, 50'000};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  SSL* ssl = SSL_new(context_);
  SSL_set_fd(ssl, client);
  int rc = 0;
  while (!stop_ && (rc = SSL_accept(ssl)) != 1) {
    if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ) break;
  }
  ERR_clear_error();
  if (rc != 1) {
    ++failed_;
    SSL_free(ssl);
    ::close(client);
    return;
  }
  {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard lock(mutex_);
    server_name_ = name != nullptr ? name : "";
  }
  ++completed_;
  const int backend = connect_to_loopback(backend_port_);
  if (backend >= 0 && socket_buffer_bytes_ > 0) {
    ::setsockopt(backend, SOL_SOCKET, SO_SNDBUF, &socket_buffer_bytes_, sizeof(int));
  }
  std::vector<char> chunk(64 * 1024);
  while (!stop_ && backend >= 0) {
    pollfd fds[2] = {{client, POLLIN, 0}, {backend, POLLIN, 0}};
    if (SSL_pending(ssl) == 0 && ::poll(fds, 2, 50) <= 0) continue;
    if (SSL_pending(ssl) > 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const int n = SSL_read(ssl, chunk.data(), static_cast<int>(chunk.size()));
      if (n <= 0) {
        const int error = SSL_get_error(ssl, n);
        if (error == SSL_ERROR_WANT_READ) continue;
        if (error == SSL_ERROR_ZERO_RETURN) ++clean_closes_;
        break;
      }
      if (!send_all(backend, chunk.data(), static_cast<std::size_t>(n))) break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(backend, chunk.data(), chunk.size(), 0);
      if (n <= 0 || SSL_write(ssl, chunk.data(), static_cast<int>(n)) <= 0) break;
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
  ::close(client);
  if (backend >= 0) ::close(backend);
}

}  // namespace kilp::testing
