#pragma once
// The sink is chosen by a QuestDB client configuration string, the same
// convention the official QuestDB clients use:
//
//   schema::key=value;key=value;
//
// - the trailing ';' is optional; inside a value ";;" stands for a literal ';'
// - in values, "${NAME}" is replaced by the environment variable NAME (an unset
//   variable is an error) and "$$" by a literal '$'; any other '$' is an error,
//   so a secret is never half-expanded by accident
// - an unknown schema or key is an error that lists the accepted ones
//
// TLS: "https::" and "tcps::" take tls_verify, tls_ca and tls_roots (see
// io/tls/tls_options.hpp). ILP/TCP authentication: username + token.
//
// Secrets (password, token) never appear in error messages or describe().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "io/env_expansion.hpp"
#include "io/tls/tls_options.hpp"

namespace kilp::io {

enum class SinkSchema { tcp, http, file };

// host:port as written by the user; IPv6 literals may be bracketed ("[::1]:9009").
struct SinkAddress {
  std::string host;
  std::uint16_t port = 0;

  std::string to_string() const;  // brackets IPv6 literals again
};

struct TcpSinkConfig {
  SinkAddress addr;          // default port 9009
  int protocol_version = 1;  // 1: text ILP; 2: binary doubles; 3: and decimals (encoder's business)
  std::chrono::milliseconds reconnect_max{5000};  // cap of the reconnect backoff
  std::optional<int> so_sndbuf;                   // kernel default when absent
  TlsOptions tls;                                 // tcps::
  // QuestDB's ILP/TCP authentication: the key id, and the ECDSA P-256 private key
  // (base64url d; secret). token_x/token_y, the public key, are checked if given.
  std::string username;
  std::string token;
  std::string token_x;
  std::string token_y;
};

enum class FileMode { append, truncate };

struct FileSinkConfig {
  std::string path;                  // "-" is stdout
  FileMode mode = FileMode::append;  // append: a restart never loses earlier output
  int protocol_version = 1;          // the ILP written: 2 binary doubles and arrays, 3 decimals
};

// Parsed and kept for the ILP/HTTP sink; defaults follow the QuestDB clients.
// A value of 0 for an auto_flush_* key means "off".
constexpr std::size_t kMaxHttpInFlight = 256;

struct HttpSinkConfig {
  SinkAddress addr;  // default port 9000
  std::string username;
  std::string password;  // secret
  std::string token;     // secret
  std::chrono::milliseconds request_timeout{10000};
  // How long one request may keep failing before kilp gives up and exits. Unlike
  // QuestDB's clients (10 s), kilp retries forever by default: a pipeline should
  // outlast a database restart, and its rows stay uncommitted meanwhile.
  std::chrono::milliseconds retry_timeout = std::chrono::milliseconds::max();
  std::uint64_t request_min_throughput = 100 * 1024;  // bytes/s
  std::uint64_t auto_flush_rows = 75000;
  std::uint64_t auto_flush_bytes = 0;
  std::chrono::milliseconds auto_flush_interval{1000};
  // Requests outstanding at once per shard, each on its own keep-alive
  // connection, so a long round trip does not idle the link; bounded by the
  // shard's output buffers (--buffers). 1 keeps every row in Kafka order.
  std::size_t max_in_flight = 4;
  int protocol_version = 0;  // 0: auto (ask GET /settings, as QuestDB's clients do), 1, 2 or 3
  // Request target of the writes. QuestDB ignores query parameters, so e.g.
  // "/write?db=NAME" also reaches InfluxDB 1.x.
  std::string path = "/write";
  TlsOptions tls;  // https::
};

struct SinkConfig {
  SinkSchema schema = SinkSchema::tcp;
  TcpSinkConfig tcp;    // meaningful when schema == tcp
  HttpSinkConfig http;  // meaningful when schema == http
  FileSinkConfig file;  // meaningful when schema == file

  // E.g. "tcp 127.0.0.1:9009", "file out.ilp". Never contains secrets.
  std::string describe() const;
};

// Throws std::invalid_argument naming the offending schema, key or variable.
SinkConfig parse_sink_config(std::string_view text, const EnvLookup& env = lookup_process_env);

}  // namespace kilp::io
