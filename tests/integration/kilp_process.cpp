#include "tests/integration/kilp_process.hpp"

#include <signal.h>

#include <thread>

#include "tests/integration/kilp_run.hpp"
#include "tests/integration/metrics_client.hpp"

namespace kilp::testing {
namespace {

std::vector<std::string> with_metrics(std::vector<std::string> args) {
  args.insert(args.end(), {"--metrics-addr", "127.0.0.1:0"});
  return args;
}

}  // namespace

KilpProcess::KilpProcess(const std::vector<std::string>& args, std::string log_path)
    : log_path_(std::move(log_path)),
      process_(std::make_unique<Subprocess>(kKilpBinary, with_metrics(args), log_path_)) {}

int KilpProcess::metrics_port() {
  if (port_ == 0) port_ = wait_for_metrics_port(log_path_);
  return port_;
}

std::string KilpProcess::metrics_text() {
  const int port = metrics_port();
  return port == 0 ? std::string() : http_get(port, "/metrics");
}

std::uint64_t KilpProcess::metric(const std::string& name) {
  return sum_metric(metrics_text(), name);
}

bool KilpProcess::wait_for_metric(const std::string& name,
                                  const std::function<bool(std::uint64_t)>& done,
                                  std::chrono::milliseconds limit, std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done(metric(name))) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

int KilpProcess::stop() {
  process_->signal(SIGTERM);
  return process_->wait(std::chrono::seconds(60));
}

}  // namespace kilp::testing
