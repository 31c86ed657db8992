#pragma once
// The real kilp binary as a child process for integration tests, with /metrics on a
// free loopback port so a test can follow what it does (assignments, rows, lag).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/subprocess.hpp"

namespace kilp::testing {

class KilpProcess {
 public:
  // Starts kilp with `args` plus --metrics-addr 127.0.0.1:0; stderr goes to `log_path`.
  KilpProcess(const std::vector<std::string>& args, std::string log_path);

  // The port kilp announced for /metrics (waits for the line; 0 if it never came).
  int metrics_port();
  // The sum of metric `name` over its label sets now (0 when /metrics does not answer).
  std::uint64_t metric(const std::string& name);
  // The whole /metrics text now.
  std::string metrics_text();
  // Polls every `poll` until `done(sum of metric name)` holds; false if `limit` passed first.
  bool wait_for_metric(const std::string& name, const std::function<bool(std::uint64_t)>& done,
                       std::chrono::milliseconds limit,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20));

  void signal(int signo) { process_->signal(signo); }
  // Exit code (128 + signal when killed by one); -1 if it did not end in time.
  int wait(std::chrono::milliseconds timeout) { return process_->wait(timeout); }
  // SIGTERM, then waits up to 60 s; the exit code.
  int stop();
  std::string log() const { return read_file(log_path_); }
  const std::string& log_path() const { return log_path_; }

 private:
  std::string log_path_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

}  // namespace kilp::testing
