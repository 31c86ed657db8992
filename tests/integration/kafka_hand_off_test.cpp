// Hand-offs on the real Kafka broker: 2 and 3 kilp processes in one group under a live
// producer, eager (kilp's default) and cooperative-sticky assignment; the first process
// leaves (SIGTERM) or dies (SIGKILL) mid-stream. Nothing may be lost; a clean hand-off
// repeats at most 1% of the stream, a crash at most one commit interval plus what was in
// flight; except after librdkafka < 2.10 gave an assignment up (#4059, cooperative only),
// where 10% is allowed and the figures say so. Also the case the mock showed: a second
// process joining the moment the first receives its first assignment.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "tests/integration/hand_off_scenario.hpp"
#include "tests/servers/kafka_broker.hpp"

namespace kilp::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 12;  // two shards in each of up to three processes, twice over
constexpr int kRatePerSecond = 20000;

enum class Assignor { eager, cooperative_sticky };

// librdkafka 2.10.0 stopped dropping the assignment when a commit during a rebalance is
// answered ILLEGAL_GENERATION (librdkafka #4059, fixed by #4908).
constexpr int kLibrdkafkaKeepsAssignmentsOnCommitErrors = 0x020a0000;

struct Scenario {
  int processes;
  int stop_signal;
  Assignor assignor;
};

std::string describe(const Scenario& s) {
  return std::to_string(s.processes) + " processes, " +
         (s.assignor == Assignor::eager ? "eager" : "cooperative-sticky") + ", " +
         (s.stop_signal == SIGKILL ? "SIGKILL" : "SIGTERM");
}

HandOffPlan broker_plan(const std::string& name, std::uint64_t messages) {
  KafkaBroker& broker = KafkaBroker::shared();
  HandOffPlan plan;
  plan.name = name;
  plan.bootstrap = broker.bootstrap();
  plan.topic = KafkaBroker::unique_name(name);
  plan.group = plan.topic;
  plan.partitions = kPartitions;
  plan.rate_per_second = kRatePerSecond;
  plan.messages = messages;
  // Members learn of a rebalance at their next heartbeat (3 s by default): each round
  // settles within a second here.
  plan.extra_args = {"-X", "heartbeat.interval.ms=1000"};
  broker.create_topic(plan.topic, kPartitions);
  return plan;
}

class KafkaHandOff : public ::testing::TestWithParam<Scenario> {};

TEST_P(KafkaHandOff, LosesNothingAndRepeatsLittle) {
  const Scenario& s = GetParam();
  HandOffPlan plan = broker_plan("hand-off", kRatePerSecond * 6);
  plan.joins_at = {1s};
  if (s.processes == 3) plan.joins_at.push_back(2s);
  plan.first_stops_at = 3s;
  plan.settled_before_stop = 500ms;  // a hand-off from a settled group, mid-stream
  plan.stop_signal = s.stop_signal;
  if (s.assignor == Assignor::cooperative_sticky) {
    plan.extra_args.insert(plan.extra_args.end(),
                           {"-X", "partition.assignment.strategy=cooperative-sticky"});
  }
  const HandOffOutcome outcome = run_hand_off(plan);
  std::printf("[ hand-off ] group settled %lld ms after the first process started\n",
              static_cast<long long>(outcome.settled.count()));
  const std::uint64_t repeats = report_hand_off("broker, " + describe(s), plan, outcome);
  // A clean hand-off: 1% of the stream; a kill: one commit interval (50 ms: 1,000 rows
  // at this rate) and the buffers in flight.
  std::uint64_t bound = s.stop_signal == SIGTERM
                            ? plan.messages / 100
                            : 2 * static_cast<std::uint64_t>(kRatePerSecond) / 20;
  if (outcome.lost > 0 && rd_kafka_version() < kLibrdkafkaKeepsAssignmentsOnCommitErrors) {
    // librdkafka gave an assignment up when a commit crossed a JoinGroup (#4059): what
    // was delivered of the partitions that moved since their last accepted commit
    // repeats (kilp holds after 250 ms, and resumes partitions that come back to it).
    std::printf("[ hand-off ] assignment lost to librdkafka #4059 (librdkafka %s)\n",
                rd_kafka_version_str());
    bound = plan.messages / 10;
  }
  EXPECT_LE(repeats, bound) << outcome.logs;
}

INSTANTIATE_TEST_SUITE_P(Broker, KafkaHandOff,
                         ::testing::Values(Scenario{2, SIGTERM, Assignor::eager},
                                           Scenario{2, SIGKILL, Assignor::eager},
                                           Scenario{3, SIGTERM, Assignor::eager},
                                           Scenario{3, SIGKILL, Assignor::eager},
                                           Scenario{2, SIGTERM, Assignor::cooperative_sticky},
                                           Scenario{2, SIGKILL, Assignor::cooperative_sticky},
                                           Scenario{3, SIGTERM, Assignor::cooperative_sticky},
                                           Scenario{3, SIGKILL, Assignor::cooperative_sticky}),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           const Scenario& s = info.param;
                           return std::to_string(s.processes) + "Processes" +
                                  (s.assignor == Assignor::eager ? "Eager" : "CooperativeSticky") +
                                  (s.stop_signal == SIGKILL ? "Sigkill" : "Sigterm");
                         });

TEST(KafkaHandOff, SecondProcessJoinsAtTheFirstsFirstAssignment) {
  HandOffPlan plan = broker_plan("first-assignment", kRatePerSecond * 6);
  plan.joins_at = {0ms};  // the moment the first process received its partitions
  plan.first_stops_at = 4s;
  const HandOffOutcome outcome = run_hand_off(plan);
  std::printf("[ hand-off ] second process started %lld ms after the first\n",
              static_cast<long long>(outcome.second_started.count()));
  EXPECT_LE(report_hand_off("broker, join at the first assignment", plan, outcome),
            plan.messages / 100)
      << outcome.logs;
}

}  // namespace
}  // namespace kilp::testing
