#pragma once
// One GET request to the QuestDB behind an ILP/HTTP sink, blocking, at start-up:
// GET /settings (protocol negotiation) and GET /exec (table set-up). Same address,
// credentials and TLS as the sink; one connection per request ("Connection: close").
#include <string>
#include <string_view>

#include "io/ilp/sink_config.hpp"

namespace kilp::io {

struct BlockingHttpAnswer {
  enum class Failure {
    kNone,
    kSendFailed,           // the request could not be sent (detail: why)
    kTimedOut,             // no whole answer within request_timeout
    kClosedWithoutAnswer,  // a plain connection closed before any byte: a TLS endpoint?
    kReceiveFailed,        // the connection failed while reading (detail: why)
    kMalformed,            // not an HTTP response (detail: the parser's reason)
  };
  Failure failure = Failure::kNone;
  std::string detail;
  int status = 0;
  std::string body;
};

// Throws std::runtime_error when no connection can be opened; every later failure is
// in the answer, for the caller to judge.
BlockingHttpAnswer blocking_http_get(const HttpSinkConfig& config, std::string_view target);

}  // namespace kilp::io
