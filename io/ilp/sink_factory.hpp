#pragma once
// Builds the sink a configuration string asks for.
#include <cstddef>
#include <memory>

#include "io/ilp/sink.hpp"
#include "io/ilp/sink_config.hpp"

namespace kilp::io {

// `max_pending_buffers` bounds the sink's queue (the shard's output ring size).
// Throws std::runtime_error if the sink cannot be opened or connected, and for
// schemas not implemented yet.
std::unique_ptr<Sink> make_sink(const SinkConfig& config, std::size_t max_pending_buffers);

// The ILP protocol version the encoder must write for this sink. For ILP/HTTP with
// protocol_version=auto this asks the server (start-up, blocking) and fixes the
// answer in `config`, so every shard's sink uses the same version. Throws
// std::runtime_error when the server cannot be reached.
int resolve_protocol_version(SinkConfig& config);

}  // namespace kilp::io
