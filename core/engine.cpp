#include "core/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <thread>

#include "core/group_member.hpp"
#include "core/prometheus_text.hpp"
#include "core/signal_watch.hpp"
#include "io/metrics/metrics_endpoint.hpp"

namespace kilp::core {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

struct ShardSet {
  std::vector<std::unique_ptr<ShardCounters>> counters;
  std::vector<std::unique_ptr<Shard>> shards;

  void request_stop() {
    for (auto& shard : shards) shard->request_stop();
  }
  void join() {
    for (auto& shard : shards) shard->join();
  }
  bool any_running() const {
    return std::any_of(counters.begin(), counters.end(),
                       [](const auto& c) { return c->running.load(); });
  }
  int sum(std::atomic<int> ShardCounters::*field) const {
    int total = 0;
    for (const auto& c : counters) total += ((*c).*field).load(std::memory_order_relaxed);
    return total;
  }
  std::size_t in_flight() const {
    std::size_t total = 0;
    for (const auto& c : counters) total += c->buffers_in_flight.load(std::memory_order_relaxed);
    return total;
  }
  std::string failure() const {
    for (const auto& shard : shards) {
      // `failed` is stored (release) after the text is written.
      if (shard->counters().failed.load(std::memory_order_acquire)) return shard->failure();
    }
    return {};
  }
};

GroupMetrics member_metrics(const GroupMember& member) {
  return GroupMetrics{member.rebalances(), member.commit_failures(), member.kafka_errors(),
                      member.lag()};
}

RunSummary collect(const ShardSet& set, const GroupMember& member, Clock::time_point started) {
  RunSummary s;
  s.totals.kafka_errors = member.kafka_errors();
  s.rebalances = member.rebalances();
  s.commit_failures = member.commit_failures();
  std::int64_t first = 0, last = 0;
  for (const auto& c : set.counters) {
    ShardTotals t = c->snapshot();
    s.totals.messages += t.messages;
    s.totals.rows_encoded += t.rows_encoded;
    s.totals.rows_delivered += t.rows_delivered;
    s.totals.bytes_delivered += t.bytes_delivered;
    s.totals.dead_letters += t.dead_letters;
    s.totals.tombstones += t.tombstones;
    s.totals.kafka_errors += t.kafka_errors;
    for (std::size_t r = 0; r < parse::kRejectReasonCount; ++r) {
      s.rejected_by_reason[r] += c->rejected_by_reason[r].load(std::memory_order_relaxed);
    }
    std::int64_t f = c->first_message_ns.load(), l = c->last_delivery_ns.load();
    if (f != 0 && (first == 0 || f < first)) first = f;
    last = std::max(last, l);
  }
  s.elapsed_s = seconds_between(started, Clock::now());
  s.active_s = (first != 0 && last > first) ? static_cast<double>(last - first) / 1e9 : 0.0;
  return s;
}

}  // namespace

Engine::Engine(EngineConfig config) : config_(std::move(config)) {}

RunSummary Engine::run(SignalWatch& signals) {
  const Clock::time_point started = Clock::now();
  if (config_.mappings.size() != config_.kafka.topics.size()) {
    throw std::invalid_argument("one mapping per topic is required");
  }
  std::vector<parse::MappingPlan> plans;
  for (const auto& mapping : config_.mappings) plans.push_back(parse::MappingPlan::compile(mapping));

  config_.kafka.exit_at_end = config_.exit_at_end;
  GroupMemberOptions member_options;
  member_options.shards = config_.shards;
  member_options.commit_interval = config_.commit_interval;
  member_options.handoff_timeout = config_.shard.drain_timeout + std::chrono::seconds(5);
  GroupMember member(config_.kafka, member_options);
  // One metadata round trip up front turns "broker down" and "no such topic" into
  // one clear sentence instead of endless retries.
  std::vector<int> partition_counts = member.consumer().describe_topics(config_.startup_timeout);
  member.consumer().show_client_logs();
  int total_partitions = 0;
  for (int n : partition_counts) total_partitions += n;

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  ShardSet set;
  std::vector<Shard*> shard_views;
  for (int i = 0; i < config_.shards; ++i) {
    ShardOptions options = config_.shard;
    options.cpu = config_.pin_shards ? static_cast<int>(i % cores) : -1;
    set.counters.push_back(std::make_unique<ShardCounters>());
    set.shards.push_back(std::make_unique<Shard>(i, options, member.consumer(),
                                                 config_.kafka.topics, plans, config_.make_sink,
                                                 config_.make_dead_letters,
                                                 *set.counters.back(), member.hold()));
    shard_views.push_back(set.shards.back().get());
  }
  member.set_shards(shard_views);

  std::unique_ptr<io::MetricsEndpoint> metrics;
  std::vector<const ShardCounters*> counter_views;
  for (const auto& c : set.counters) counter_views.push_back(c.get());
  if (!config_.metrics_address.empty()) {
    metrics = std::make_unique<io::MetricsEndpoint>(config_.metrics_address);
    fmt::print(stderr, "kilp: metrics on http://{}:{}/metrics\n",
               config_.metrics_address.substr(0, config_.metrics_address.rfind(':')),
               metrics->port());
  }

  std::vector<std::future<void>> starts;
  for (auto& shard : set.shards) starts.push_back(shard->start());
  try {
    for (auto& start : starts) start.get();
  } catch (...) {
    set.request_stop();
    set.join();
    throw;
  }
  member.subscribe();

  bool stopping = false;
  int end_ticks = 0;
  RunSummary previous = collect(set, member, started);
  Clock::time_point last_stats = Clock::now();
  while (set.any_running()) {
    if (int signal = signals.wait(stopping ? 0 : 5); signal != 0) {
      if (stopping) {
        fmt::print(stderr, "kilp: second signal, exiting at once (offsets not committed)\n");
        std::_Exit(128 + signal);
      }
      fmt::print(stderr, "kilp: signal {}: stopping, flushing and committing\n", signal);
      stopping = true;
      set.request_stop();
    }
    // Rebalance and commit callbacks run in here, on this thread.
    member.tick(std::chrono::milliseconds(stopping ? 5 : 0));
    if (!stopping && !set.failure().empty()) {
      stopping = true;
      set.request_stop();
    }
    if (!stopping && config_.exit_at_end) {
      const int assigned = set.sum(&ShardCounters::partitions_assigned);
      const int at_end = set.sum(&ShardCounters::partitions_at_end);
      // Twice in a row, so a rebalance between two counter reads cannot fool it.
      end_ticks = (assigned == total_partitions && at_end == assigned) ? end_ticks + 1 : 0;
      if (end_ticks >= 2) {
        stopping = true;
        set.request_stop();
      }
    }
    if (metrics) {
      metrics->serve_pending([&] { return render_prometheus(counter_views, member_metrics(member)); });
    }
    if (Clock::now() - last_stats >= config_.stats_interval) {
      RunSummary now = collect(set, member, started);
      fmt::print(stderr, "{}\n",
                 format_stats_line(now, previous, seconds_between(last_stats, Clock::now()),
                                   set.sum(&ShardCounters::partitions_assigned),
                                   set.sum(&ShardCounters::partitions_at_end), set.in_flight()));
      previous = now;
      last_stats = Clock::now();
    }
  }
  set.join();
  // The shards delivered what they could and stored its offsets: commit them while
  // still a member, then leave (the final revoke has nothing left to hand off).
  // A refused final commit (the group is rebalancing) loses nothing: every row was
  // delivered, and the next owner repeats those since the last commit.
  if (!member.commit_now()) {
    fmt::print(stderr, "kilp: warning: the final offset commit was refused; rows delivered since "
                       "the last commit will be delivered again\n");
  }
  member.close();
  RunSummary summary = collect(set, member, started);
  summary.failure = set.failure();
  summary.exit_code = summary.failure.empty() ? 0 : 1;
  return summary;
}

std::string format_stats_line(const RunSummary& now, const RunSummary& previous, double interval_s,
                              int partitions_assigned, int partitions_at_end,
                              std::size_t buffers_in_flight) {
  const double rows_per_s =
      interval_s > 0 ? (now.totals.rows_delivered - previous.totals.rows_delivered) / interval_s : 0;
  const double mb_per_s =
      interval_s > 0
          ? (now.totals.bytes_delivered - previous.totals.bytes_delivered) / interval_s / 1e6
          : 0;
  return fmt::format(
      "kilp: {:.0f}s | rows {} ({}/s) | {:.1f} MB/s | consumed {} | dead letters {} | "
      "kafka errors {} | partitions {} ({} at end) | buffers in flight {}",
      now.elapsed_s, with_commas(now.totals.rows_delivered),
      with_commas(static_cast<std::uint64_t>(rows_per_s)), mb_per_s,
      with_commas(now.totals.messages), with_commas(now.totals.dead_letters),
      with_commas(now.totals.kafka_errors), partitions_assigned,
      partitions_at_end, buffers_in_flight);
}

std::string format_summary(const RunSummary& s) {
  std::string reasons;
  for (std::size_t r = 0; r < parse::kRejectReasonCount; ++r) {
    if (s.rejected_by_reason[r] == 0) continue;
    reasons += fmt::format("{}{}={}", reasons.empty() ? " (" : ", ",
                           parse::reject_reason_id(static_cast<parse::RejectReason>(r)),
                           s.rejected_by_reason[r]);
  }
  if (!reasons.empty()) reasons += ")";
  const double overall = s.elapsed_s > 0 ? s.totals.rows_delivered / s.elapsed_s : 0;
  const double active = s.active_s > 0 ? s.totals.rows_delivered / s.active_s : 0;
  return fmt::format(
      "kilp: summary: {} rows delivered ({:.1f} MB) from {} messages in {:.2f} s | {} rows/s "
      "overall, {} rows/s first message to last row ({:.3f} s) | dead letters {}{} | "
      "tombstones {} | kafka errors {}",
      with_commas(s.totals.rows_delivered), s.totals.bytes_delivered / 1e6,
      with_commas(s.totals.messages), s.elapsed_s, with_commas(static_cast<std::uint64_t>(overall)),
      with_commas(static_cast<std::uint64_t>(active)), s.active_s,
      with_commas(s.totals.dead_letters), reasons, with_commas(s.totals.tombstones),
      with_commas(s.totals.kafka_errors));
}

}  // namespace kilp::core
