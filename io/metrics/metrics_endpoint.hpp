#pragma once
// A tiny HTTP endpoint for Prometheus scrapes, served from the control thread
// between its other duties: non-blocking, one short request at a time, GET only.
// It knows nothing of what it serves; the caller renders the text.
#include <functional>
#include <string>

namespace kilp::io {

class MetricsEndpoint {
 public:
  // `address` is HOST:PORT (e.g. 127.0.0.1:9464; port 0 picks a free one).
  // Throws std::runtime_error naming the address if it cannot listen.
  explicit MetricsEndpoint(const std::string& address);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }
  // Answers every connection already waiting; never blocks for long.
  void serve_pending(const std::function<std::string()>& render);

 private:
  void answer(int client, const std::function<std::string()>& render);

  int fd_ = -1;
  int port_ = 0;
};

}  // namespace kilp::io
