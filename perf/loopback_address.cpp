#include "perf/loopback_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace kilp::perf {
namespace {

[[noreturn]] void refuse(std::string_view input, std::string_view why) {
  throw std::invalid_argument("delay proxy: upstream '" + std::string(input) + "' " +
                              std::string(why));
}

std::uint16_t parse_port(std::string_view input, std::string_view digits) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      value == 0 || value > 65535) {
    refuse(input, "has no valid port (HOST:PORT, PORT 1-65535)");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

LoopbackAddress parse_loopback_address(std::string_view host_port) {
  LoopbackAddress address;
  address.text = std::string(host_port);
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) refuse(host_port, "is not HOST:PORT");
  std::string host(host_port.substr(0, colon));
  const std::uint16_t port = parse_port(host_port, host_port.substr(colon + 1));
  if (host == "localhost") host = "127.0.0.1";

  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    const std::string inner = host.substr(1, host.size() - 2);
    if (::inet_pton(AF_INET6, inner.c_str(), &v6.sin6_addr) != 1) {
      refuse(host_port, "has an invalid IPv6 address");
    }
    if (!IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr)) {
      refuse(host_port, "is not a loopback address: the proxy forwards to 127.0.0.0/8 or ::1 only");
    }
    std::memcpy(&address.storage, &v6, sizeof v6);
    address.length = sizeof v6;
    return address;
  }
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) != 1) {
    refuse(host_port,
           "is not a loopback address: the proxy forwards to 127.0.0.0/8, localhost or [::1] "
           "only (no name lookups)");
  }
  if ((ntohl(v4.sin_addr.s_addr) >> 24) != 127) {
    refuse(host_port, "is not a loopback address: the proxy forwards to 127.0.0.0/8 or ::1 only");
  }
  std::memcpy(&address.storage, &v4, sizeof v4);
  address.length = sizeof v4;
  return address;
}

}  // namespace kilp::perf
