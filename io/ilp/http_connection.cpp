#include "io/ilp/http_connection.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "io/dead_letter/dead_letter_file.hpp"

namespace kilp::io {
namespace {

// A blocking connect to the first endpoint that answers; throws naming `what`.
UniqueFd connect_blocking(const std::vector<SocketEndpoint>& endpoints,
                          const std::string& address_text) {
  int last_error = ECONNREFUSED;
  for (const SocketEndpoint& endpoint : endpoints) {
    UniqueFd socket;
    ConnectStatus status = start_connect(endpoint, socket);
    if (status.state == ConnectStatus::State::in_progress) {
      status = finish_connect(socket.get(), kHttpConnectTimeout);
      if (status.state == ConnectStatus::State::in_progress) {
        status = {ConnectStatus::State::failed, ETIMEDOUT};
      }
    }
    if (status.state == ConnectStatus::State::connected) {
      status.error = prepare_connected_socket(socket.get(), {});
      if (status.error == 0) return socket;
    }
    last_error = status.error;
  }
  throw std::runtime_error(fmt::format("cannot connect to ILP/HTTP sink {}: {}", address_text,
                                       std::strerror(last_error)));
}

}  // namespace

std::string http_authorization_header(const HttpSinkConfig& config) {
  if (!config.token.empty()) return "Authorization: Bearer " + config.token + "\r\n";
  if (config.username.empty() && config.password.empty()) return {};
  std::string encoded;
  append_base64(config.username + ":" + config.password, encoded);
  return "Authorization: Basic " + encoded + "\r\n";
}

std::string http_host_header(const HttpSinkConfig& config) {
  return "Host: " + config.addr.to_string() + "\r\n";
}

std::shared_ptr<const TlsClientContext> make_http_tls_context(const HttpSinkConfig& config) {
  if (!config.tls.enabled) return nullptr;
  return std::make_shared<const TlsClientContext>(config.tls, config.addr.host);
}

void open_http_stream_blocking(UringStream& stream, const std::vector<SocketEndpoint>& endpoints,
                               const std::string& address_text) {
  UniqueFd socket = connect_blocking(endpoints, address_text);
  const std::string failure =
      stream.attach(std::move(socket), std::chrono::steady_clock::now() + kHttpConnectTimeout);
  if (!failure.empty()) {
    throw std::runtime_error(
        fmt::format("cannot connect to ILP/HTTP sink {}: {}", address_text, failure));
  }
}

}  // namespace kilp::io
