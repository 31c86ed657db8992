// kilp-delay-proxy: the delay proxy as a program, for perf/run.sh and by hand.
// Prints `port=N` as its first stdout line once listening, runs until
// SIGTERM/SIGINT or --max-seconds, then prints one machine-readable line
// (after a signal it first drains: waits up to --drain-seconds for every pair to
// close, so bytes it holds still arrive; a second signal ends the wait):
//   connections=N bytes_to_upstream=N bytes_to_client=N
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "perf/delay_proxy.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kilp-delay-proxy --to 127.0.0.1:PORT --delay-ms N [--listen-port P]\n"
    "                        [--window-bytes B] [--bandwidth-bytes-per-s R] [--max-seconds S]\n"
    "                        [--drain-seconds S]\n"
    "\n"
    "Forwards TCP connections from 127.0.0.1:P (default: an ephemeral port) to the\n"
    "loopback address --to, holding every byte N ms in each direction (round trip\n"
    "2 x N ms); EOF and resets are forwarded after the same delay.\n"
    "  --window-bytes B   per connection and direction, at most B bytes read and not\n"
    "                     yet delivered; when full the proxy stops reading and TCP\n"
    "                     backpressure reaches the sender (0 = unbounded, default).\n"
    "                     Suffixes k, m, g: KiB, MiB, GiB.\n"
    "  --bandwidth-bytes-per-s R  per direction, shared by all connections (0 = none)\n"
    "  --max-seconds S    exits after S seconds (default 3600)\n"
    "  --drain-seconds S  on SIGTERM/SIGINT, waits up to S s (default 5) for open\n"
    "                     connections to close, so held bytes are delivered\n"
    "Prints port=N first, then at exit:\n"
    "  connections=N bytes_to_upstream=N bytes_to_client=N\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "kilp-delay-proxy: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

std::uint64_t parse_size(std::string_view flag, std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || rest == text.data()) {
    usage_error(std::string(flag) + " needs a number, not '" + std::string(text) + "'");
  }
  const std::string_view suffix(rest, static_cast<std::size_t>(end - rest));
  int shift = 0;
  if (suffix == "k" || suffix == "K") {
    shift = 10;
  } else if (suffix == "m" || suffix == "M") {
    shift = 20;
  } else if (suffix == "g" || suffix == "G") {
    shift = 30;
  } else if (!suffix.empty()) {
    usage_error(std::string(flag) + ": unknown suffix in '" + std::string(text) + "'");
  }
  return value << shift;
}

struct Options {
  kilp::perf::DelayProxyOptions proxy;
  long max_seconds = 3600;
  long drain_seconds = 5;
};

Options parse_options(int argc, char** argv) {
  Options options;
  bool delay_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value (or unknown flag)");
    const std::string_view value = argv[++i];
    if (arg == "--to") {
      options.proxy.upstream = std::string(value);
    } else if (arg == "--delay-ms") {
      options.proxy.delay = std::chrono::milliseconds(parse_size(arg, value));
      delay_given = true;
    } else if (arg == "--listen-port") {
      const std::uint64_t port = parse_size(arg, value);
      if (port > 65535) usage_error("--listen-port must be 0-65535");
      options.proxy.listen_port = static_cast<std::uint16_t>(port);
    } else if (arg == "--window-bytes") {
      options.proxy.window_bytes = parse_size(arg, value);
    } else if (arg == "--bandwidth-bytes-per-s") {
      options.proxy.bandwidth_bytes_per_s = parse_size(arg, value);
    } else if (arg == "--max-seconds") {
      options.max_seconds = static_cast<long>(parse_size(arg, value));
    } else if (arg == "--drain-seconds") {
      options.drain_seconds = static_cast<long>(parse_size(arg, value));
    } else {
      usage_error("unknown flag " + std::string(arg));
    }
  }
  if (options.proxy.upstream.empty()) usage_error("--to is required");
  if (!delay_given) usage_error("--delay-ms is required");
  return options;
}

// Waits for a stop signal or `seconds`; true if a signal came.
bool wait_for_signal(const sigset_t& signals, const timespec& limit) {
  for (;;) {
    if (::sigtimedwait(&signals, nullptr, &limit) >= 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

// After a stop signal: until every pair closed, `seconds` passed or another signal.
void drain(const kilp::perf::DelayProxy& proxy, const sigset_t& signals, long seconds) {
  const timespec tick{0, 10 * 1000 * 1000};
  for (long ticks = seconds * 100; ticks > 0 && proxy.open_connections() > 0; --ticks) {
    if (wait_for_signal(signals, tick)) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Blocked before the proxy's thread starts, so only sigtimedwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    kilp::perf::DelayProxy proxy(options.proxy);
    std::printf("port=%u\n", proxy.port());
    std::fflush(stdout);
    if (wait_for_signal(stop_signals, timespec{options.max_seconds, 0})) {
      drain(proxy, stop_signals, options.drain_seconds);
    }
    std::printf("connections=%llu bytes_to_upstream=%llu bytes_to_client=%llu\n",
                static_cast<unsigned long long>(proxy.connections_accepted()),
                static_cast<unsigned long long>(proxy.bytes_to_upstream()),
                static_cast<unsigned long long>(proxy.bytes_to_client()));
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kilp-delay-proxy: %s\n", e.what());
    return 1;
  }
  return 0;
}
