#include "tests/integration/ilp_tcp_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "tests/support/loopback_socket.hpp"

namespace kilp::testing {

IlpTcpServer::IlpTcpServer() {
  listen_fd_ = listen_on_loopback(port_, 64);
  thread_ = std::thread([this] { serve(); });
}

IlpTcpServer::~IlpTcpServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<std::string> IlpTcpServer::streams() const {
  std::lock_guard lock(mutex_);
  return streams_;
}

void IlpTcpServer::serve() {
  std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
  std::map<int, std::size_t> stream_of;  // fd -> index in streams_
  std::vector<char> buffer(1 << 20);
  while (!stop_) {
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (fds[i].fd == listen_fd_) {
        int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) {
          fds.push_back({client, POLLIN, 0});
          std::lock_guard lock(mutex_);
          stream_of[client] = streams_.size();
          streams_.emplace_back();
          ++connections_;
        }
        continue;
      }
      ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        std::lock_guard lock(mutex_);
        streams_[stream_of[fds[i].fd]].append(buffer.data(), static_cast<std::size_t>(n));
        bytes_ += static_cast<std::size_t>(n);
        continue;
      }
      stream_of.erase(fds[i].fd);
      close(fds[i].fd);
      fds.erase(fds.begin() + static_cast<long>(i));
      --i;
    }
  }
  for (std::size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
}

}  // namespace kilp::testing
