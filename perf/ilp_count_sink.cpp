// ilp_count_sink: a loopback ILP/TCP server for the perf harness. It counts rows
// (newlines) over any number of connections and times the first and last byte
// itself, so a peer's "first message to last row" rate needs nothing from the peer.
//
// Prints `port=N` as its first stdout line once listening, then, when it stops
// (after --expect rows, SIGTERM/SIGINT, or --timeout-s), one machine-readable line:
//   rows=N bytes=N connections=N first_byte_ns=T last_byte_ns=T active_s=S
// Times are CLOCK_MONOTONIC. On a signal it first drains: it keeps reading until
// every open connection reaches EOF (or 2 s passed), so nothing sent is missed.
// With --tls-cert FILE --tls-key FILE it terminates TLS (OpenSSL, non-blocking
// on the same epoll loop) and counts the decrypted rows: the tcps peer.
// With --http it is QuestDB's ILP/HTTP endpoint instead (perf/http_request_stream.hpp):
// rows and bytes are those of the /write bodies, each answered 204, and the
// final line adds requests=N bad_requests=N.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "perf/http_request_stream.hpp"

namespace {

struct Options {
  std::uint16_t port = 0;         // 0 = ephemeral
  std::uint64_t expect_rows = 0;  // 0 = until a signal
  int timeout_s = 600;
  std::string tls_cert;  // PEM; with tls_key: TLS on every connection
  std::string tls_key;
  bool http = false;  // QuestDB's ILP/HTTP endpoint instead of ILP/TCP
};

struct Totals {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  std::uint64_t connections = 0;
  std::int64_t first_byte_ns = 0;
  std::int64_t last_byte_ns = 0;
  kilp::perf::HttpCounts http;  // --http only
};

// One --http connection: its request stream and the responses not yet sent.
struct HttpConnection {
  kilp::perf::HttpRequestStream requests;
  std::string unsent;
  bool close_when_sent = false;
};

// Above this many unsent response bytes a connection is not read (the client
// does not read its answers).
constexpr std::size_t kMaxUnsentBytes = 1 << 20;

std::int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ilp_count_sink: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ilp_count_sink: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(std::strtoul(value(), nullptr, 10));
    } else if (arg == "--expect") {
      options.expect_rows = std::strtoull(value(), nullptr, 10);
    } else if (arg == "--timeout-s") {
      options.timeout_s = std::atoi(value());
    } else if (arg == "--tls-cert") {
      options.tls_cert = value();
    } else if (arg == "--tls-key") {
      options.tls_key = value();
    } else if (arg == "--http") {
      options.http = true;
    } else {
      std::fprintf(stderr,
                   "usage: ilp_count_sink [--port N] [--expect ROWS] [--timeout-s S]\n"
                   "                      [--tls-cert PEM --tls-key PEM | --http]\n"
                   "Counts ILP rows received on 127.0.0.1; prints port=N, then totals.\n"
                   "--http: answers as QuestDB's ILP/HTTP endpoint (POST /write -> 204,\n"
                   "GET /settings, keep-alive) and counts the rows of the request bodies.\n");
      std::exit(2);
    }
  }
  if (options.http && !options.tls_cert.empty()) {
    std::fprintf(stderr, "ilp_count_sink: --http with --tls-cert is not supported\n");
    std::exit(2);
  }
  return options;
}

int listen_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (::listen(fd, 64) != 0) die("listen");
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  std::printf("port=%u\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  return fd;
}

class CountingServer {
 public:
  explicit CountingServer(const Options& options) : options_(options), buffer_(1 << 20) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal_fd_ = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (!options.tls_cert.empty()) {
      tls_ = SSL_CTX_new(TLS_server_method());
      if (tls_ == nullptr ||
          SSL_CTX_use_certificate_chain_file(tls_, options.tls_cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(tls_, options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
        std::fprintf(stderr, "ilp_count_sink: cannot load --tls-cert/--tls-key\n");
        std::exit(2);
      }
    }
    listen_fd_ = listen_loopback(options.port);
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    watch(listen_fd_);
    watch(signal_fd_);
  }

  Totals run() {
    const std::int64_t deadline = monotonic_ns() + std::int64_t{options_.timeout_s} * 1000000000;
    std::int64_t drain_deadline = 0;
    epoll_event events[64];
    for (;;) {
      if (reached_expected()) break;
      const std::int64_t now = monotonic_ns();
      if (now >= deadline) {
        std::fprintf(stderr, "ilp_count_sink: timeout after %d s\n", options_.timeout_s);
        break;
      }
      if (drain_deadline != 0 && (open_connections_ == 0 || now >= drain_deadline)) break;
      const int n = ::epoll_wait(epoll_fd_, events, 64, 100);
      if (n < 0 && errno != EINTR) die("epoll_wait");
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          accept_all();
        } else if (fd == signal_fd_) {
          signalfd_siginfo info;
          while (::read(signal_fd_, &info, sizeof info) > 0) {
          }
          if (drain_deadline == 0) drain_deadline = monotonic_ns() + 2000000000;
        } else {
          if ((events[i].events & EPOLLOUT) && !send_unsent(fd)) continue;  // closed
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_all(fd);
        }
      }
    }
    return totals_;
  }

 private:
  bool reached_expected() const {
    return options_.expect_rows != 0 && totals_.rows >= options_.expect_rows;
  }

  void watch(int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl");
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      int size = 4 << 20;
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
      if (tls_ != nullptr) {
        SSL* ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        SSL_set_accept_state(ssl);
        sessions_[fd] = ssl;
      }
      watch(fd);
      if (options_.http) http_[fd];
      ++totals_.connections;
      ++open_connections_;
    }
  }

  // Plaintext bytes read from `fd`: > 0, 0 at EOF, -1 with errno = EAGAIN when
  // nothing more is there for now, < 0 on an error.
  ssize_t receive(int fd) {
    if (tls_ == nullptr) return ::read(fd, buffer_.data(), buffer_.size());
    SSL* ssl = sessions_[fd];
    const int n = SSL_read(ssl, buffer_.data(), static_cast<int>(buffer_.size()));
    if (n > 0) return n;
    const int error = SSL_get_error(ssl, n);
    ERR_clear_error();
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
    errno = EPIPE;
    return error == SSL_ERROR_ZERO_RETURN ? 0 : -2;
  }

  void read_all(int fd) {
    for (;;) {
      const ssize_t n = receive(fd);
      if (n > 0 && options_.http) {
        if (!serve_http(fd, static_cast<std::size_t>(n))) return;
        continue;
      }
      if (n > 0) {
        count_bytes(static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(std::count(
                                                       buffer_.data(), buffer_.data() + n, '\n')));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      close_connection(fd);  // EOF or error: done with it
      return;
    }
  }

  void count_bytes(std::uint64_t bytes, std::uint64_t rows) {
    if (bytes == 0) return;
    const std::int64_t now = monotonic_ns();
    if (totals_.first_byte_ns == 0) totals_.first_byte_ns = now;
    totals_.last_byte_ns = now;
    totals_.bytes += bytes;
    totals_.rows += rows;
  }

  // Feeds `n` bytes just read; false when the connection is gone or not to be read now.
  bool serve_http(int fd, std::size_t n) {
    HttpConnection& c = http_[fd];
    if (c.close_when_sent) return true;  // after a refusal: ignored until EOF
    kilp::perf::HttpCounts& counts = totals_.http;
    const std::uint64_t rows = counts.rows, bytes = counts.body_bytes, bad = counts.bad_requests;
    const bool open = c.requests.feed(std::string_view(buffer_.data(), n), c.unsent, counts);
    count_bytes(counts.body_bytes - bytes, counts.rows - rows);
    if (counts.bad_requests != bad) {
      std::fprintf(stderr, "ilp_count_sink: HTTP request refused: %s\n",
                   c.requests.last_error().c_str());
    }
    c.close_when_sent = !open;
    if (!send_unsent(fd)) return false;
    return http_[fd].unsent.size() < kMaxUnsentBytes;
  }

  // Sends what it can of fd's unsent responses; false when the connection closed.
  bool send_unsent(int fd) {
    auto it = http_.find(fd);
    if (it == http_.end()) return false;
    HttpConnection& c = it->second;
    std::size_t sent = 0;
    while (sent < c.unsent.size()) {
      const ssize_t n = ::send(fd, c.unsent.data() + sent, c.unsent.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        break;
      } else {
        close_connection(fd);
        return false;
      }
    }
    c.unsent.erase(0, sent);
    if (c.unsent.empty() && c.close_when_sent) {
      close_connection(fd);
      return false;
    }
    epoll_event event{};
    event.events = (c.unsent.size() < kMaxUnsentBytes ? EPOLLIN : 0u) |
                   (c.unsent.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
    return true;
  }

  void close_connection(int fd) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    if (auto it = sessions_.find(fd); it != sessions_.end()) {
      SSL_free(it->second);
      sessions_.erase(it);
    }
    http_.erase(fd);
    ::close(fd);
    --open_connections_;
  }

  Options options_;
  std::vector<char> buffer_;
  int signal_fd_ = -1;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  std::uint64_t open_connections_ = 0;
  Totals totals_;
  SSL_CTX* tls_ = nullptr;
  std::unordered_map<int, SSL*> sessions_;
  std::unordered_map<int, HttpConnection> http_;  // --http: per connection
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  CountingServer server(options);
  const Totals t = server.run();
  const double active_s =
      t.last_byte_ns > t.first_byte_ns ? (t.last_byte_ns - t.first_byte_ns) / 1e9 : 0.0;
  std::printf(
      "rows=%llu bytes=%llu connections=%llu first_byte_ns=%lld last_byte_ns=%lld "
      "active_s=%.6f",
      static_cast<unsigned long long>(t.rows), static_cast<unsigned long long>(t.bytes),
      static_cast<unsigned long long>(t.connections), static_cast<long long>(t.first_byte_ns),
      static_cast<long long>(t.last_byte_ns), active_s);
  if (options.http) {
    std::printf(" requests=%llu bad_requests=%llu",
                static_cast<unsigned long long>(t.http.requests),
                static_cast<unsigned long long>(t.http.bad_requests));
  }
  std::printf("\n");
  std::fflush(stdout);
  return 0;
}
