#include "io/kafka/group_consumer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "io/kafka/client_certificate_refusal.hpp"
#include "io/kafka/kafka_property.hpp"
#include "io/kafka/librdkafka_version.hpp"
#include "io/kafka/login_settings.hpp"
#include "io/kafka/topic_pattern.hpp"

namespace kilp::io {
namespace {

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                  const SecretMask& mask) {
  if (std::optional<std::string> error = set_kafka_property(conf, key, value, mask)) {
    rd_kafka_conf_destroy(conf);
    throw std::invalid_argument(fmt::format("Kafka property -X {}: {}", key, *error));
  }
}

// Routes librdkafka's own log lines through one prefix so users can tell them apart.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const auto* consumer = static_cast<const GroupConsumer*>(rd_kafka_opaque(rk));
  // -X debug=... asks for librdkafka's debug lines: show every level then.
  if (consumer != nullptr && (level <= 4 || consumer->settings_debug()) &&
      consumer->client_logs_shown()) {
    fmt::print(stderr, "kilp: kafka {}: {}\n", facility, consumer->secret_mask().mask(message));
  }
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  return out;
}

}  // namespace

GroupConsumer::GroupConsumer(const KafkaSettings& settings, RebalanceListener* rebalances,
                             CommitListener* commits)
    : settings_(settings), rebalances_(rebalances), commits_(commits) {
  mask_.add_properties(settings.properties);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_property(conf, "bootstrap.servers", settings.brokers, mask_);
  set_property(conf, "group.id", settings.group_id, mask_);
  set_property(conf, "client.id", settings.client_id, mask_);
  set_property(conf, "auto.offset.reset", settings.from_beginning ? "earliest" : "latest", mask_);
  set_property(conf, "enable.partition.eof", settings.exit_at_end ? "true" : "false", mask_);
  // Eager assignment (librdkafka's default range,roundrobin), not cooperative-sticky:
  // in librdkafka 2.0.2 a manual commit during a cooperative rebalance starts
  // another rebalance (librdkafka #4059), and kilp commits manually. The rebalance
  // callback handles both protocols, so -X can still choose cooperative-sticky.
  set_property(conf, "partition.assignment.strategy", "range,roundrobin", mask_);
  // kilp commits itself (every --commit-interval-ms, on revoke, at shutdown), only
  // offsets whose rows the sink accepted.
  set_property(conf, "enable.auto.commit", "false", mask_);
  // Partitions added to a topic, and topics created that a pattern matches, are found by
  // this metadata refresh (librdkafka's default: every 5 minutes).
  set_property(conf, "topic.metadata.refresh.interval.ms", "30000", mask_);
  // The prefetch queue: librdkafka before 2.2 stalls up to 1 s each time it fills.
  for (const auto& [key, value] : fetch_queue_settings(rd_kafka_version())) {
    set_property(conf, key, value, mask_);
  }
  for (const auto& [key, value] : settings.properties) {
    if (key == "debug") debug_ = true;
    if (key == "enable.auto.offset.store") {
      rd_kafka_conf_destroy(conf);
      throw std::invalid_argument(
          "Kafka property -X enable.auto.offset.store: kilp stores offsets itself, only "
          "after the sink accepted the rows; this property cannot be set");
    }
    set_property(conf, key, value, mask_);
  }
  // Offsets are stored by kilp once the rows are delivered, never on consume.
  set_property(conf, "enable.auto.offset.store", "false", mask_);
  rd_kafka_conf_set_log_cb(conf, log_line);
  rd_kafka_conf_set_error_cb(conf, error_trampoline);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_trampoline);
  rd_kafka_conf_set_offset_commit_cb(conf, commit_trampoline);
  rd_kafka_conf_set_opaque(conf, this);

  char error[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (rk_ == nullptr) {
    throw std::invalid_argument(fmt::format("cannot create Kafka consumer: {}", mask_.mask(error)));
  }
  rd_kafka_poll_set_consumer(rk_);
  queue_ = rd_kafka_queue_get_consumer(rk_);
}

GroupConsumer::~GroupConsumer() {
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
  if (rk_ != nullptr) {
    if (!closed_) rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

std::vector<int> GroupConsumer::describe_topics(std::chrono::milliseconds timeout) {
  // Ask for all topics: a request naming one topic makes brokers that allow
  // auto-creation (the mock cluster among them) create it, hiding a typo. Asked in
  // slices so that a refused login or TLS handshake, which waiting will not cure,
  // stops the start at once and by name (librdkafka itself only retries).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    err = rd_kafka_metadata(rk_, 1, nullptr, &metadata,
                            static_cast<int>(std::clamp<std::int64_t>(left.count(), 1, 500)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (const std::optional<std::string> refusal = connection_refusal()) {
      throw std::runtime_error(*refusal);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      connection_refusal();  // serves the queued errors: the last transport failure's reason
      throw std::runtime_error(fmt::format(
          "cannot reach Kafka brokers {} within {} ms: {}{}", settings_.brokers, timeout.count(),
          rd_kafka_err2str(err),
          last_transport_error_.empty() ? "" : " (last: " + last_transport_error_ + ")"));
    }
  }
  std::vector<int> partition_counts;
  std::string missing;
  for (const auto& topic : settings_.topics) {
    // A pattern may match no topic yet: it takes topics as they are created.
    const bool pattern = TopicPattern::is_pattern(topic);
    const std::optional<TopicPattern> matcher =
        pattern ? std::optional<TopicPattern>(topic) : std::nullopt;
    int partitions = 0;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = metadata->topics[i];
      if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (pattern ? matcher->matches(t.topic) : topic == t.topic) partitions += t.partition_cnt;
    }
    if (partitions == 0 && !pattern) missing += (missing.empty() ? "'" : ", '") + topic + "'";
    partition_counts.push_back(partitions);
  }
  if (missing.empty() && !settings_.from_beginning) {
    start_positions_.snapshot(rk_, *metadata, settings_.topics, timeout);
  }
  rd_kafka_metadata_destroy(metadata);
  if (!missing.empty()) {
    throw std::runtime_error(
        fmt::format("Kafka topic {} does not exist on {}", missing, settings_.brokers));
  }
  return partition_counts;
}

void GroupConsumer::error_trampoline(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<GroupConsumer*>(opaque)->on_client_error(static_cast<rd_kafka_resp_err_t>(err),
                                                       reason);
}

// librdkafka's client-level errors (a broker down, a refused login, a fatal error),
// served on the thread that polls the main queue. Before the start-up check passed
// they are kept for it; then they are shown as librdkafka would log them.
void GroupConsumer::on_client_error(rd_kafka_resp_err_t err, const char* reason) {
  const std::string text = mask_.mask(reason);
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    refusal_ =
        fmt::format("Kafka brokers {} refused the login ({}): {}; check {}", settings_.brokers,
                    rd_kafka_err2name(err), text, login_settings_to_check(settings_.properties));
    // A correct SCRAM password fails too on Kafka 4.x with an old librdkafka: say so.
    if (std::optional<std::string> hint = scram_login_hint(settings_.properties, rd_kafka_version())) {
      *refusal_ += "; " + *hint;
    }
  } else if (err == RD_KAFKA_RESP_ERR__SSL) {
    refusal_ = fmt::format(
        "TLS with Kafka brokers {} failed ({}): {}; check ssl.ca.location (the CA that signed the "
        "brokers' certificates) and the client certificate settings",
        settings_.brokers, rd_kafka_err2name(err), text);
  }
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    last_transport_error_ = fmt::format("{}: {}", rd_kafka_err2name(err), text);
    if (std::optional<std::string> why = client_certificate_refusal(text, settings_.properties)) {
      refusal_ = fmt::format("TLS with Kafka brokers {} failed ({}): {}; {}", settings_.brokers,
                             rd_kafka_err2name(err), text, *why);
    }
  }
  if (err == RD_KAFKA_RESP_ERR__FATAL) fatal_ = true;
  if (client_logs_shown()) fmt::print(stderr, "kilp: kafka ERROR: {}\n", text);
}

std::optional<std::string> GroupConsumer::connection_refusal() {
  // Serves queued errors (on_client_error); nothing else is queued before subscribe().
  while (rd_kafka_message_t* event = rd_kafka_consumer_poll(rk_, 0)) {
    rd_kafka_message_destroy(event);
  }
  return refusal_;
}

void GroupConsumer::subscribe() {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(settings_.topics.size()));
  for (const auto& topic : settings_.topics) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(fmt::format("cannot subscribe: {}", rd_kafka_err2str(err)));
  }
}

std::size_t GroupConsumer::consume(std::span<rd_kafka_message_t*> out,
                                   std::chrono::milliseconds timeout) {
  ssize_t n = rd_kafka_consume_batch_queue(queue_, static_cast<int>(timeout.count()), out.data(),
                                           out.size());
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

bool GroupConsumer::store_offset(rd_kafka_topic_t* topic, std::int32_t partition,
                                 std::int64_t offset) {
  return rd_kafka_offset_store(topic, partition, offset) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

// A partition started at an explicit position (everything before it was delivered)
// has that position stored and committed now, not only after its next message:
// otherwise, when none follows, the group's committed offset stays behind it, and
// a restart delivers those rows again. (If this commit is refused, the stored
// position goes with the next one.)
void GroupConsumer::commit_start_positions(const rd_kafka_topic_partition_list_t* assigned) {
  rd_kafka_topic_partition_list_t* positions = rd_kafka_topic_partition_list_new(assigned->cnt);
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = assigned->elems[i];
    if (tp.offset >= 0) {
      rd_kafka_topic_partition_list_add(positions, tp.topic, tp.partition)->offset = tp.offset;
    }
  }
  if (positions->cnt > 0) {
    if (const rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_, positions)) {
      fmt::print(stderr, "kilp: storing the resume positions of {} partition(s) failed: {}\n",
                 positions->cnt, rd_kafka_err2str(err));
    } else {
      commit_async();
    }
  }
  rd_kafka_topic_partition_list_destroy(positions);
}

void GroupConsumer::commit_async() {
  // Errors (also "nothing to commit") arrive at the commit callback.
  rd_kafka_commit(rk_, nullptr, 1);
}

rd_kafka_resp_err_t GroupConsumer::commit_sync() {
  const rd_kafka_resp_err_t err = rd_kafka_commit(rk_, nullptr, 0);
  return err == RD_KAFKA_RESP_ERR__NO_OFFSET ? RD_KAFKA_RESP_ERR_NO_ERROR : err;
}

std::int64_t GroupConsumer::cached_high_watermark(const TopicPartition& partition) const {
  std::int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(rk_, partition.topic.c_str(), partition.partition, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return high;
}

void GroupConsumer::forward(const TopicPartition& partition, PartitionQueue& queue) {
  rd_kafka_queue_t* source =
      rd_kafka_queue_get_partition(rk_, partition.topic.c_str(), partition.partition);
  if (source == nullptr) {
    throw std::runtime_error(fmt::format("no queue for {} [{}]", partition.topic,
                                         partition.partition));
  }
  rd_kafka_queue_forward(source, queue.get());
  rd_kafka_queue_destroy(source);
}

bool GroupConsumer::cooperative() const {
  return std::string_view(rd_kafka_rebalance_protocol(rk_)) == "COOPERATIVE";
}

void GroupConsumer::poll_events(std::chrono::milliseconds timeout) {
  // Partition messages never come here (they are forwarded to the shards' queues):
  // this serves rebalance and commit callbacks and returns consumer errors.
  rd_kafka_message_t* event = rd_kafka_consumer_poll(rk_, static_cast<int>(timeout.count()));
  while (event != nullptr) {
    handle_event(event);
    event = rd_kafka_consumer_poll(rk_, 0);
  }
  if (fatal_) {
    char reason[512];
    rd_kafka_fatal_error(rk_, reason, sizeof reason);
    throw std::runtime_error(fmt::format("fatal Kafka consumer error: {}", mask_.mask(reason)));
  }
}

void GroupConsumer::handle_event(rd_kafka_message_t* event) {
  const rd_kafka_resp_err_t err = event->err;
  std::string text = rd_kafka_message_errstr(event);
  const bool is_message = err == RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_message_destroy(event);
  if (is_message) {
    // Every partition is forwarded before it is assigned; a message here would be
    // consumed by nobody, so stop rather than let a later offset skip it.
    throw std::logic_error("a Kafka message reached the group's main queue");
  }
  if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
  if (errors_.fetch_add(1, std::memory_order_relaxed) < 20) {
    fmt::print(stderr, "kilp: Kafka error: {}\n", mask_.mask(text));
  }
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(rk_, reason, sizeof reason);
    throw std::runtime_error(fmt::format("fatal Kafka consumer error: {}", reason));
  }
}

void GroupConsumer::close() {
  if (closed_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_);
}

void GroupConsumer::rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                                         rd_kafka_topic_partition_list_t* partitions,
                                         void* opaque) {
  static_cast<GroupConsumer*>(opaque)->rebalance(err, partitions);
}

void GroupConsumer::commit_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                                      rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  if (self->commits_ == nullptr) return;
  std::vector<CommittedOffset> committed;
  if (offsets != nullptr) {
    for (int i = 0; i < offsets->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = offsets->elems[i];
      if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0) {
        committed.push_back({{tp.topic, tp.partition}, tp.offset});
      }
    }
  }
  self->commits_->on_commit(err == RD_KAFKA_RESP_ERR__NO_OFFSET ? RD_KAFKA_RESP_ERR_NO_ERROR : err,
                            committed);
}

void GroupConsumer::rebalance(rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* partitions) {
  const bool incremental = cooperative();
  std::vector<TopicPartition> moved = to_vector(partitions);
  rd_kafka_error_t* error = nullptr;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::vector<std::int64_t> start(moved.size(), RD_KAFKA_OFFSET_INVALID);
    if (rebalances_ != nullptr) rebalances_->on_assigned(moved, start);
    for (std::size_t i = 0; i < moved.size(); ++i) partitions->elems[i].offset = start[i];
    // (With --from-beginning, auto.offset.reset starts every such partition at its start.)
    if (!settings_.from_beginning) start_positions_.resolve(rk_, partitions);
    if (incremental) {
      error = rd_kafka_incremental_assign(rk_, partitions);
    } else {
      rd_kafka_assign(rk_, partitions);
    }
    if (error == nullptr) commit_start_positions(partitions);
  } else {
    // Revoke: the listener hands the partitions off (delivers, stores, commits)
    // before they are given up.
    if (rebalances_ != nullptr) rebalances_->on_revoking(moved, rd_kafka_assignment_lost(rk_) != 0);
    if (incremental) {
      error = rd_kafka_incremental_unassign(rk_, partitions);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  }
  if (error != nullptr) {
    fmt::print(stderr, "kilp: partition (un)assign failed: {}\n", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

}  // namespace kilp::io
