#pragma once
// Plain loopback sockets for test servers and clients: every test peer listens on
// 127.0.0.1 only.
#include <cstddef>
#include <cstdint>

namespace kilp::testing {

// A listening socket on 127.0.0.1 (port 0: ephemeral); returns the fd and sets
// `port`. `receive_buffer_bytes` > 0 sets SO_RCVBUF before listening, so accepted
// sockets inherit a small window. Throws std::runtime_error on failure.
int listen_on_loopback(std::uint16_t& port, int backlog = 16, int receive_buffer_bytes = 0);

// A blocking connection to 127.0.0.1:port, or -1.
int connect_to_loopback(std::uint16_t port);

// Sends every byte (MSG_NOSIGNAL); false once the peer is gone.
bool send_all(int fd, const char* data, std::size_t size);

}  // namespace kilp::testing
