#pragma once
// One librdkafka high-level consumer, owned by one shard thread. Every shard is a
// member of the same consumer group, so Kafka's own group protocol spreads the
// partitions over the shards: nothing is shared between shards, and rebalance
// callbacks run on the thread that owns the partitions they move.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kilp::io {

struct KafkaSettings {
  std::string brokers;
  std::string group_id = "kilp";
  std::vector<std::string> topics;
  bool from_beginning = false;  // auto.offset.reset=earliest when no committed offset
  bool exit_at_end = false;     // report partition EOF events
  // -X key=value pass-through; applied after kilp's defaults, so they win.
  std::vector<std::pair<std::string, std::string>> properties;
  std::string client_id = "kilp";
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
};

// Told about partition moves, on the consuming thread, from inside consume().
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  virtual void on_assigned(std::span<const TopicPartition> partitions) = 0;
  // Called before the partitions are taken away; `lost` means another member may
  // already own them, so offsets must not be committed.
  virtual void on_revoking(std::span<const TopicPartition> partitions, bool lost) = 0;
};

class KafkaConsumer {
 public:
  // Throws std::invalid_argument for a bad -X property (naming it).
  KafkaConsumer(const KafkaSettings& settings, RebalanceListener* listener);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Checks that the brokers answer and every topic exists; returns each topic's
  // partition count in order. Throws std::runtime_error with one clear sentence.
  std::vector<int> describe_topics(std::chrono::milliseconds timeout);

  void subscribe();

  // Fills `out` with up to out.size() messages (or error events such as partition
  // EOF); the caller destroys each with rd_kafka_message_destroy.
  std::size_t consume(std::span<rd_kafka_message_t*> out, std::chrono::milliseconds timeout);

  // Marks `offset` (the last message written) as done: offset + 1 will be committed.
  // Returns false if the partition is no longer assigned to this consumer.
  bool store_offset(rd_kafka_topic_t* topic, std::int32_t partition, std::int64_t offset);

  // Commits all stored offsets; "nothing to commit" is not an error. An async
  // commit's failure is retried implicitly by the next one.
  void commit_stored(bool async = false);

  // Leaves the group (runs the final revoke) and stops consuming.
  void close();

  rd_kafka_t* handle() { return rk_; }
  // librdkafka's own log lines stay quiet until the start-up check passed, so an
  // unreachable broker is reported as one clear error instead of a burst of retries.
  void show_client_logs() { show_logs_.store(true, std::memory_order_relaxed); }
  bool client_logs_shown() const { return show_logs_.load(std::memory_order_relaxed); }
  bool settings_debug() const { return debug_; }
  const KafkaSettings& settings() const { return settings_; }

 private:
  static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

  KafkaSettings settings_;
  RebalanceListener* listener_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  bool closed_ = false;
  std::atomic<bool> show_logs_{false};
  bool debug_ = false;  // -X debug=... given
};

}  // namespace kilp::io
