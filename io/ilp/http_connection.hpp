#pragma once
// Reaching an ILP/HTTP server, shared by the sink and its start-up GET /settings:
// the request headers that carry the credentials, the TLS context of https::,
// and a blocking connect (with the TLS handshake) at start-up.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "io/ilp/sink_config.hpp"
#include "io/ilp/uring_socket.hpp"
#include "io/ilp/uring_stream.hpp"
#include "io/tls/tls_client_context.hpp"

namespace kilp::io {

constexpr std::chrono::milliseconds kHttpConnectTimeout{10000};

// "Authorization: Bearer ..." or "Basic ..." with CRLF; empty without credentials.
std::string http_authorization_header(const HttpSinkConfig& config);
std::string http_host_header(const HttpSinkConfig& config);

// The TLS context for https::, null for http::.
std::shared_ptr<const TlsClientContext> make_http_tls_context(const HttpSinkConfig& config);

// Connects `stream` to the first endpoint that answers, TLS handshake included;
// throws std::runtime_error "cannot connect to ILP/HTTP sink ADDR: why".
void open_http_stream_blocking(UringStream& stream, const std::vector<SocketEndpoint>& endpoints,
                               const std::string& address_text);

}  // namespace kilp::io
