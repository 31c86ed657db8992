#pragma once
// Reading kilp's Prometheus endpoint from integration tests.
#include <cstdint>
#include <string>

namespace kilp::testing {

// The whole HTTP response (status line, headers, body) of GET `path` on
// 127.0.0.1:port; empty when nothing listens.
std::string http_get(int port, const std::string& path);

// Sum over every label set (or none) of the samples of metric `name` in Prometheus text.
std::uint64_t sum_metric(const std::string& text, const std::string& name);

// The port kilp announced for /metrics in its stderr log at `log_path`, waiting
// up to 10 s for the line; 0 if it never came.
int wait_for_metrics_port(const std::string& log_path);

}  // namespace kilp::testing
