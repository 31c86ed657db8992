#pragma once
// QuestDB's SQL over HTTP (GET /exec), on the ILP/HTTP sink's address, credentials
// and TLS. Start-up only (blocking): kilp uses it to set tables up (--dedup-keys).
#include <string>
#include <string_view>

#include "io/ilp/sink_config.hpp"

namespace kilp::io {

// Runs one SQL statement; returns QuestDB's JSON answer (for a query: "columns",
// "dataset", "count"; for DDL: {"ddl":"OK"}). Throws std::runtime_error naming the
// server and QuestDB's error text when the statement fails or the server cannot be
// reached, SinkFatalError when it refuses the credentials.
std::string questdb_exec(const HttpSinkConfig& config, std::string_view sql);

// `text` percent-encoded for a URL query value (RFC 3986 unreserved bytes kept).
std::string url_encode(std::string_view text);

}  // namespace kilp::io
