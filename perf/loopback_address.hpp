#pragma once
// A "host:port" that must name this machine: the delay proxy forwards to loopback
// only, so a test or perf run can never send anything off the machine.
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace kilp::perf {

struct LoopbackAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // as given, for messages
};

// Accepts an IPv4 address in 127.0.0.0/8, `localhost` (127.0.0.1) or `[::1]`, then
// `:PORT` (1-65535). Throws std::invalid_argument naming the input otherwise.
LoopbackAddress parse_loopback_address(std::string_view host_port);

}  // namespace kilp::perf
