#pragma once
// The process's one librdkafka high-level consumer: its membership of the consumer
// group. The control thread owns it and serves its main queue (rebalance events,
// errors, commit results); each assigned partition's messages are forwarded to the
// queue of the shard that owns the partition (PartitionQueue), which only that shard
// consumes. One member per process means a rebalance happens only when processes
// come and go, never between one process's own shards.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "io/kafka/start_positions.hpp"
#include "io/secret_mask.hpp"

namespace kilp::io {

struct KafkaSettings {
  std::string brokers;
  std::string group_id = "kilp";
  std::vector<std::string> topics;  // names, or ^patterns (librdkafka's regular expressions)
  bool from_beginning = false;  // auto.offset.reset=earliest when no committed offset
  bool exit_at_end = false;     // report partition EOF events
  // -X key=value pass-through; applied after kilp's defaults, so they win.
  std::vector<std::pair<std::string, std::string>> properties;
  std::string client_id = "kilp";
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// Told about partition moves, on the thread that serves the main queue, before
// librdkafka applies them: on_assigned runs before the partitions start fetching,
// on_revoking before they are taken away.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // `start_offsets` (one per partition, RD_KAFKA_OFFSET_INVALID = the committed
  // offset) may be set to start a partition elsewhere; that position is then
  // committed at once.
  virtual void on_assigned(std::span<const TopicPartition> partitions,
                           std::span<std::int64_t> start_offsets) = 0;
  // `lost` means another member may already own them, so offsets must not be committed.
  virtual void on_revoking(std::span<const TopicPartition> partitions, bool lost) = 0;
};

struct CommittedOffset {
  TopicPartition partition;
  std::int64_t offset = -1;  // the next offset to consume
};

// Results of offset commits (asynchronous and synchronous), on the thread that
// serves the main queue.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  // `error` is the request's error (NO_ERROR when it succeeded); `committed` lists
  // the partitions whose offsets were committed.
  virtual void on_commit(rd_kafka_resp_err_t error, std::span<const CommittedOffset> committed) = 0;
};

// A queue that receives the messages of the partitions forwarded to it.
class PartitionQueue {
 public:
  explicit PartitionQueue(rd_kafka_t* handle) : queue_(rd_kafka_queue_new(handle)) {}
  ~PartitionQueue() { rd_kafka_queue_destroy(queue_); }
  PartitionQueue(const PartitionQueue&) = delete;
  PartitionQueue& operator=(const PartitionQueue&) = delete;

  // Fills `out` with up to out.size() messages (or per-partition events such as EOF);
  // the caller destroys each with rd_kafka_message_destroy. Only one thread may call it.
  std::size_t consume(std::span<rd_kafka_message_t*> out, std::chrono::milliseconds timeout) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue_, static_cast<int>(timeout.count()),
                                                   out.data(), out.size());
    return n < 0 ? 0 : static_cast<std::size_t>(n);
  }
  // Makes a consume() waiting on this queue return now (a command is waiting).
  void wake() { rd_kafka_queue_yield(queue_); }
  rd_kafka_queue_t* get() { return queue_; }

 private:
  rd_kafka_queue_t* queue_;
};

class GroupConsumer {
 public:
  // Throws std::invalid_argument for a bad -X property (naming it).
  GroupConsumer(const KafkaSettings& settings, RebalanceListener* rebalances,
                CommitListener* commits = nullptr);
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Checks that the brokers answer and every topic named exists; returns each topic's
  // partition count in order (a ^pattern's: those of the topics it matches now, maybe
  // none). Throws std::runtime_error with one clear sentence.
  std::vector<int> describe_topics(std::chrono::milliseconds timeout);

  void subscribe();

  // Serves the main queue for up to `timeout`: rebalance callbacks, commit results,
  // consumer errors (logged and counted). Throws std::runtime_error on a fatal error.
  void poll_events(std::chrono::milliseconds timeout);
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

  // Consumes messages from the main queue (only while no partition is forwarded:
  // the perf harness's raw ceiling uses it).
  std::size_t consume(std::span<rd_kafka_message_t*> out, std::chrono::milliseconds timeout);

  std::unique_ptr<PartitionQueue> make_queue() { return std::make_unique<PartitionQueue>(rk_); }
  // From now on the partition's messages go to `queue`. Call before it is assigned.
  void forward(const TopicPartition& partition, PartitionQueue& queue);

  // Marks `offset` (the last message written) as done: offset + 1 will be committed.
  // Safe from any thread; false if the partition is not assigned to this member.
  bool store_offset(rd_kafka_topic_t* topic, std::int32_t partition, std::int64_t offset);

  // Commits all stored offsets asynchronously; the result reaches the CommitListener.
  void commit_async();
  // Commits all stored offsets and waits; "nothing to commit" is success.
  rd_kafka_resp_err_t commit_sync();

  // High watermark of a partition as last seen in a fetch response (no request); -1
  // if not known yet.
  std::int64_t cached_high_watermark(const TopicPartition& partition) const;

  // Leaves the group (runs the final revoke) and stops consuming.
  void close();

  rd_kafka_t* handle() { return rk_; }
  // librdkafka's own log lines stay quiet until the start-up check passed, so an
  // unreachable broker is reported as one clear error instead of a burst of retries.
  void show_client_logs() { show_logs_.store(true, std::memory_order_relaxed); }
  bool client_logs_shown() const { return show_logs_.load(std::memory_order_relaxed); }
  bool settings_debug() const { return debug_; }
  const KafkaSettings& settings() const { return settings_; }
  bool cooperative() const;
  // Secret values (-X sasl.password=..., ssl.key.password=..) for masking log lines.
  const SecretMask& secret_mask() const { return mask_; }

 private:
  static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void commit_start_positions(const rd_kafka_topic_partition_list_t* assigned);
  static void error_trampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void on_client_error(rd_kafka_resp_err_t err, const char* reason);
  // Serves the errors of a start-up that has not reached the brokers yet; returns one
  // sentence if they refused the login or the TLS handshake failed.
  std::optional<std::string> connection_refusal();
  static void commit_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* offsets, void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void handle_event(rd_kafka_message_t* event);

  KafkaSettings settings_;
  RebalanceListener* rebalances_;
  CommitListener* commits_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  bool closed_ = false;
  std::atomic<bool> show_logs_{false};
  std::atomic<std::uint64_t> errors_{0};
  bool debug_ = false;                  // -X debug=... given
  std::optional<std::string> refusal_;  // a refused login or TLS handshake, for the start-up
  std::string last_transport_error_;    // why the last connection failed, for the start-up
  bool fatal_ = false;                  // librdkafka raised a fatal error
  SecretMask mask_;
  StartPositions start_positions_;  // of partitions without a committed offset
};

}  // namespace kilp::io
