#include "tests/integration/ilp_http_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "tests/support/loopback_socket.hpp"
#include "tests/support/strict_ilp_parser.hpp"

namespace kilp::testing {

struct IlpHttpServer::Connection {
  int fd = -1;
  std::string input;
};

namespace {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

IlpHttpServer::IlpHttpServer(Options options) : options_(std::move(options)) {
  if (!open_listener()) throw std::runtime_error("test ILP/HTTP server: cannot listen on 127.0.0.1");
  thread_ = std::thread([this] { serve(); });
}

IlpHttpServer::~IlpHttpServer() {
  stop_ = true;
  thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool IlpHttpServer::open_listener() {
  try {
    listen_fd_ = listen_on_loopback(port_, 64);  // port_ 0 at first, then the same again
    return true;
  } catch (const std::runtime_error&) {
    listen_fd_ = -1;
    return false;
  }
}

void IlpHttpServer::restart(std::chrono::milliseconds downtime) {
  restart_downtime_ms_.store(downtime.count());
}

std::string IlpHttpServer::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

std::vector<std::string> IlpHttpServer::protocol_errors() const {
  std::lock_guard lock(mutex_);
  return protocol_errors_;
}

void IlpHttpServer::protocol_error(std::string what) {
  std::lock_guard lock(mutex_);
  protocol_errors_.push_back(std::move(what));
}

void IlpHttpServer::serve() {
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<char> buffer(1 << 20);
  auto close_all = [&] {
    for (auto& c : connections) ::close(c->fd);
    connections.clear();
  };
  while (!stop_) {
    if (const std::int64_t downtime = restart_downtime_ms_.exchange(-1); downtime >= 0) {
      close_all();
      ::close(listen_fd_);
      listen_fd_ = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(downtime));
      while (!stop_ && !open_listener()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ++restarts_done_;
      continue;
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (auto& c : connections) fds.push_back({c->fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        auto c = std::make_unique<Connection>();
        c->fd = client;
        connections.push_back(std::move(c));
        ++connections_;
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      Connection& c = *connections[i - 1];
      const ssize_t n = ::read(c.fd, buffer.data(), buffer.size());
      bool keep = n > 0;
      if (keep) {
        c.input.append(buffer.data(), static_cast<std::size_t>(n));
        keep = handle_requests(c);
      }
      if (!keep) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(connections, [](const auto& c) { return c->fd < 0; });
  }
  close_all();
}

bool IlpHttpServer::handle_requests(Connection& c) {
  for (;;) {
    const std::size_t head_end = c.input.find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    const std::string_view head(c.input.data(), head_end);
    const std::size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    std::size_t content_length = 0;
    bool has_length = false, has_host = false;
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t next = head.find("\r\n", pos);
      if (next == std::string_view::npos) next = head.size();
      const std::string_view header = head.substr(pos, next - pos);
      const std::size_t colon = header.find(':');
      if (colon == std::string_view::npos || header.find('\n') != std::string_view::npos) {
        protocol_error("malformed header line: " + std::string(header));
        return false;
      }
      const std::string name = lower(header.substr(0, colon));
      std::string_view value = header.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (name == "content-length") {
        content_length = std::stoul(std::string(value));
        has_length = true;
      } else if (name == "host") {
        has_host = true;
      } else if (name == "transfer-encoding") {
        protocol_error("kilp sent Transfer-Encoding");
        return false;
      }
      pos = next + 2;
    }
    if (!has_host) protocol_error("request without Host: " + std::string(request_line));
    if (request_line == "GET /settings HTTP/1.1") {
      c.input.erase(0, head_end + 4);
      if (options_.settings_v2) {
        const std::string body =
            R"({"config":{"line.proto.support.versions":[1,2],"cairo.max.file.name.length":127}})";
        write_all(c.fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
      } else {
        write_all(c.fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      }
      continue;
    }
    if (request_line.substr(0, 5) != "POST " || !request_line.ends_with(" HTTP/1.1") ||
        !has_length) {
      protocol_error("unexpected request: " + std::string(request_line));
      return false;
    }
    if (c.input.size() < head_end + 4 + content_length) return true;
    const bool is_write = request_line == "POST /write HTTP/1.1";
    const std::string body = c.input.substr(head_end + 4, content_length);
    c.input.erase(0, head_end + 4 + content_length);
    ++requests_;
    if (!is_write) {
      write_all(c.fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      continue;
    }
    if (!answer_write(c, body)) return false;
  }
}

bool IlpHttpServer::answer_write(Connection& c, std::string_view body) {
  if (options_.response_delay.count() > 0) std::this_thread::sleep_for(options_.response_delay);
  if (failing_.load()) {
    ++failed_;
    const std::string json = R"({"code":"internal error","message":"test server is failing"})";
    write_all(c.fd, "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Type: "
                    "application/json\r\nContent-Length: " +
                        std::to_string(json.size()) + "\r\n\r\n" + json);
    return false;
  }
  if (options_.fail_every != 0 && requests_.load() % options_.fail_every == 0) {
    ++failed_;  // a passing fault on a healthy connection: the client retries the same bytes
    const std::string json = R"({"code":"internal error","message":"test server: transient"})";
    write_all(c.fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                        std::to_string(json.size()) + "\r\n\r\n" + json);
    return true;
  }
  std::vector<std::string_view> lines;
  std::string error;
  if (!split_ilp_lines(body, lines, error)) {
    protocol_error("body is not whole ILP lines: " + error);
    return false;
  }
  std::size_t poison_line = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    IlpParseResult parsed = parse_ilp_line(lines[i]);
    if (!parsed.ok()) {
      protocol_error(parsed.error + " in line: " + std::string(lines[i]));
      return false;
    }
    for (const auto& [name, value] : parsed.row->symbols) {
      if (name == "symbol" && value == options_.poison_symbol && poison_line == 0) {
        poison_line = i + 1;
      }
    }
  }
  if (poison_line != 0) {
    ++refused_;
    const std::string message =
        "failed to parse line protocol:errors encountered on line(s):\nerror in line " +
        std::to_string(poison_line) + ": table: " + std::string(lines[poison_line - 1].substr(0, lines[poison_line - 1].find(','))) +
        ", column: symbol; poison value";
    std::string json = R"({"code":"invalid","message":")" + json_escape(message) + "\"";
    if (options_.name_bad_line) json += ",\"line\":" + std::to_string(poison_line);
    json += R"(,"errorId":"test-)" + std::to_string(refused_.load()) + "\"}";
    // Chunked, in two pieces, to exercise kilp's chunked-body reader.
    const std::size_t half = json.size() / 2;
    char sizes[64];
    std::snprintf(sizes, sizeof sizes, "%zx", half);
    std::string response =
        options_.poison_status == 400 ? "HTTP/1.1 400 Bad Request\r\n"
                                      : "HTTP/1.1 " + std::to_string(options_.poison_status) +
                                            " Internal Server Error\r\n";
    response += "Content-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n";
    response += sizes;
    response += "\r\n" + json.substr(0, half) + "\r\n";
    std::snprintf(sizes, sizeof sizes, "%zx", json.size() - half);
    response += sizes;
    response += "\r\n" + json.substr(half) + "\r\n0\r\n\r\n";
    return write_all(c.fd, response);
  }
  {
    std::lock_guard lock(mutex_);
    accepted_.append(body);
  }
  accepted_rows_ += lines.size();
  return write_all(c.fd, "HTTP/1.1 204 No Content\r\n\r\n");
}

}  // namespace kilp::testing
