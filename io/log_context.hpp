#pragma once
// Which shard a log line comes from: each shard thread names itself once, and the
// sinks it drives put that name in their lines ("kilp: shard 1: ILP/HTTP sink ...").
#include <string>

namespace kilp::io {

// "shard N: " on a shard thread, empty on any other.
const std::string& log_context();
void set_log_context(std::string context);

}  // namespace kilp::io
