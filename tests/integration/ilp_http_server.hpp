#pragma once
// A loopback stand-in for QuestDB's ILP/HTTP endpoint, owned by a test: HTTP/1.1
// keep-alive on 127.0.0.1 (ephemeral port), `POST /write` answered as QuestDB
// answers it:
// - 204 when every line parses (strictly) and none is poison; the body is kept;
// - 400 with QuestDB's JSON error naming the first poison line (a row whose
//   symbol `symbol` has the poison value), sent with a chunked body; nothing of
//   that request is kept, as QuestDB commits nothing of a refused request;
// - 500 (and close) while failing is switched on, and 500 (keep-alive) to every
//   n-th request with fail_every;
// and `GET /settings` with 404 or, if asked, QuestDB's protocol-version list.
// restart() drops every connection and the listener for a while, as a QuestDB
// restart does. Anything kilp sends that a strict server would refuse is
// recorded in protocol_errors().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kilp::testing {

struct IlpHttpServerOptions {
  std::string poison_symbol = "POISON";
  bool name_bad_line = true;         // false: 400 without "line", like InfluxDB
  int poison_status = 400;           // 500: as QuestDB 7.4 answers a value it cannot cast
  bool settings_v2 = false;          // GET /settings lists [1,2] (else 404)
  std::chrono::milliseconds response_delay{0};  // before answering each /write
  std::size_t fail_every = 0;  // every n-th /write is answered 500 (keep-alive); 0: none
};

class IlpHttpServer {
 public:
  using Options = IlpHttpServerOptions;
  explicit IlpHttpServer(Options options = {});
  ~IlpHttpServer();

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Closes the listener and every connection, and listens again after `downtime`.
  // Returns at once; the server thread does it.
  void restart(std::chrono::milliseconds downtime);
  void set_failing(bool failing) { failing_.store(failing); }

  std::string accepted() const;  // bodies of the 2xx requests, in order
  std::size_t accepted_rows() const { return accepted_rows_.load(); }
  std::size_t requests() const { return requests_.load(); }
  std::size_t refused() const { return refused_.load(); }
  std::size_t failed() const { return failed_.load(); }
  std::size_t restarts() const { return restarts_done_.load(); }
  std::size_t connections() const { return connections_.load(); }
  std::vector<std::string> protocol_errors() const;

 private:
  struct Connection;
  void serve();
  bool open_listener();
  // Handles complete requests in `c`; false when the connection must close.
  bool handle_requests(Connection& c);
  bool answer_write(Connection& c, std::string_view body);
  void protocol_error(std::string what);

  Options options_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failing_{false};
  std::atomic<std::int64_t> restart_downtime_ms_{-1};
  std::atomic<std::size_t> accepted_rows_{0};
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> refused_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<std::size_t> restarts_done_{0};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::string accepted_;
  std::vector<std::string> protocol_errors_;
  std::thread thread_;
};

}  // namespace kilp::testing
