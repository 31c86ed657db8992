#pragma once
// One shard: a pinned thread that owns a Kafka consumer (a member of the group),
// a JSON->ILP encoder, a ring of output buffers and one sink connection. It shares
// nothing mutable with other shards; the control thread only reads its counters
// and asks it to stop.
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/output_ring.hpp"
#include "core/partition_slots.hpp"
#include "core/shard_counters.hpp"
#include "io/dead_letter/dead_letter_sink.hpp"
#include "io/kafka_consumer.hpp"
#include "io/ilp/sink.hpp"
#include "parse/json_to_ilp.hpp"
#include "parse/mapping_plan.hpp"

namespace kilp::core {

struct ShardOptions {
  std::size_t ring_buffers = 8;
  std::size_t buffer_bytes = 1 << 20;
  std::size_t max_offset_marks = 4096;  // partition runs per buffer before it is sealed
  std::size_t batch_size = 4096;        // messages per consume call
  std::chrono::milliseconds linger{100};
  std::size_t max_message_bytes = 1 << 20;
  std::chrono::milliseconds drain_timeout{30000};  // on stop: wait this long for the sink
  std::chrono::milliseconds commit_interval{1000};  // async commit of stored offsets
  int cpu = -1;                                    // pin to this core; -1 = no pinning
};

using SinkFactory = std::function<std::unique_ptr<io::Sink>(std::size_t max_pending)>;
using DeadLetterFactory = std::function<std::unique_ptr<io::DeadLetterSink>(int shard)>;

class Shard final : public io::RebalanceListener, private io::RowRejectionListener {
 public:
  Shard(int index, const ShardOptions& options, const io::KafkaSettings& kafka,
        const std::vector<parse::MappingPlan>& plans, SinkFactory make_sink,
        DeadLetterFactory make_dead_letters, ShardCounters& counters);
  ~Shard() override;

  // Connects the sink on the shard's own thread (io_uring rings belong to the
  // thread that drives them) and starts consuming. The future fails with the
  // start-up error, e.g. the sink refused the connection.
  std::future<void> start();
  void request_stop() { stop_.store(true, std::memory_order_relaxed); }
  // Every shard commits, then waits here until all have, before leaving the group:
  // the first member to leave starts a rebalance, and a commit sent during a
  // rebalance can be refused, which would re-deliver rows after a restart.
  void set_shutdown_barrier(std::latch* barrier) { shutdown_barrier_ = barrier; }
  void join();

  io::KafkaConsumer& consumer() { return *consumer_; }
  // The error that ended the shard, empty if none.
  const std::string& failure() const { return failure_; }

 private:
  void run(std::promise<void>& started);
  void consume_loop();
  void handle_message(rd_kafka_message_t* message);
  void commit_periodically();
  void handle_event(const rd_kafka_message_t* message);
  void dead_letter(const rd_kafka_message_t* message, parse::RejectReason reason);
  OutputBuffer& writable_buffer();
  void seal_fill_buffer();
  void reap(std::chrono::milliseconds wait);
  void release_delivered();
  void flush_and_drain(std::chrono::milliseconds timeout);
  void shutdown();
  void arrive_at_shutdown_barrier();

  void apply_sink_limits();
  void on_row_rejected(io::BufferId buffer, std::size_t row, std::string_view reason) override;

  void on_assigned(std::span<const io::TopicPartition> partitions) override;
  void on_revoking(std::span<const io::TopicPartition> partitions, bool lost) override;

  const int index_;
  const ShardOptions options_;
  const std::vector<parse::MappingPlan>& plans_;
  SinkFactory make_sink_;
  DeadLetterFactory make_dead_letters_;
  ShardCounters& counters_;

  std::unique_ptr<io::KafkaConsumer> consumer_;
  std::unique_ptr<PartitionSlots> slots_;
  std::unique_ptr<io::Sink> sink_;
  std::unique_ptr<io::DeadLetterSink> dead_letters_;
  io::SinkLimits sink_limits_;
  std::chrono::milliseconds linger_{0};  // --linger-ms, bounded by the sink's auto_flush_interval
  parse::JsonToIlpEncoder encoder_;
  OutputRing ring_;
  std::vector<rd_kafka_message_t*> batch_;
  std::vector<io::BufferId> done_;
  ShardTotals totals_;
  std::chrono::steady_clock::time_point last_commit_{};
  std::uint64_t offsets_stored_ = 0;     // offset marks stored so far
  std::uint64_t offsets_committed_ = 0;  // offsets_stored_ at the last commit

  std::atomic<bool> stop_{false};
  std::latch* shutdown_barrier_ = nullptr;
  bool arrived_ = false;
  bool sink_failed_ = false;  // the sink threw: never flush through it again
  std::thread thread_;
  std::string failure_;
};

}  // namespace kilp::core
