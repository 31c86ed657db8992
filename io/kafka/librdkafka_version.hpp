#pragma once
// What the librdkafka kilp runs on can do, read from rd_kafka_version() at run time
// (the shared library may be newer or older than the headers kilp was built with).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kilp::io {

// "2.8.0" for the running librdkafka.
std::string librdkafka_version_text();

// librdkafka < 2.6.1 sends the client nonce twice in the SCRAM client-final message;
// Kafka 4.x checks it exactly and refuses the login (librdkafka #4895).
constexpr int kFirstScramFixedVersion = 0x020601ff;

// librdkafka 2.2 added fetch.queue.backoff.ms: how long a partition whose prefetch queue
// is full waits before it fetches again. Before, it waited for the broker thread's next
// wake-up, up to 1 s (librdkafka #2879).
constexpr int kFirstFetchQueueBackoffVersion = 0x020200ff;

// The consumer's prefetch queue properties for the running librdkafka (`version`, as
// rd_kafka_version()), chosen by measurement (perf/RESULTS.md, "librdkafka 2.8's queue
// settings"): a small queue refilled after 10 ms where fetch.queue.backoff.ms exists, a
// queue too large to reach before it does not.
std::vector<std::pair<std::string, std::string>> fetch_queue_settings(int version);

// For a failed start-up: when `properties` choose a SCRAM mechanism and the running
// librdkafka (`version`, as rd_kafka_version()) predates the fix, a sentence saying
// why the login may fail and what to install; otherwise nothing.
std::optional<std::string> scram_login_hint(
    std::span<const std::pair<std::string, std::string>> properties, int version);

}  // namespace kilp::io
