#pragma once
// Which ILP protocol version to write for an ILP/HTTP sink (protocol_version=auto
// asks the server once, at start-up).
#include "io/ilp/sink_config.hpp"

namespace kilp::io {

// The ILP protocol version to encode for `config`: its protocol_version when it
// is 1, 2 or 3; for 0 (auto), asks the server's GET /settings as QuestDB's clients
// do and picks the highest version both sides support, falling back to 1 when
// the server does not say (older QuestDB, InfluxDB). Start-up only (blocking).
// Throws std::runtime_error when the server cannot be reached, SinkFatalError
// when it refuses the credentials.
int negotiate_http_protocol_version(const HttpSinkConfig& config);

}  // namespace kilp::io
