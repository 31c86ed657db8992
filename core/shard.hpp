#pragma once
// One shard: a pinned thread that owns the queue its partitions' messages are
// forwarded to, a JSON->ILP encoder, a ring of output buffers and one sink
// connection. It shares nothing mutable with other shards; the control thread hands
// it partitions and takes them back through a lock-free command queue, reads its
// counters and asks it to stop.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/output_ring.hpp"
#include "core/partition_slots.hpp"
#include "core/shard_command.hpp"
#include "core/shard_counters.hpp"
#include "core/spsc_queue.hpp"
#include "io/dead_letter/dead_letter_sink.hpp"
#include "io/ilp/sink.hpp"
#include "io/kafka/group_consumer.hpp"
#include "io/kafka/record_reader.hpp"
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
  std::chrono::milliseconds drain_timeout{
      30000};                  // on stop or give-back: wait this long for the sink
  int cpu = -1;                // pin to this core; -1 = no pinning
  bool fail_on_error = false;  // --on-error fail: stop at the first message that cannot be a row
};

using SinkFactory = std::function<std::unique_ptr<io::Sink>(std::size_t max_pending)>;
using DeadLetterFactory = std::function<std::unique_ptr<io::DeadLetterSink>(int shard)>;

class Shard final : private io::RowRejectionListener {
 public:
  // `topics` in the order of `plans`; `hold` set by the control thread makes every
  // shard stop taking messages (offsets cannot be committed right now).
  Shard(int index, const ShardOptions& options, io::GroupConsumer& consumer,
        const std::vector<std::string>& topics, const std::vector<parse::MappingPlan>& plans,
        SinkFactory make_sink, DeadLetterFactory make_dead_letters, ShardCounters& counters,
        const std::atomic<bool>& hold);
  ~Shard();

  // Connects the sink on the shard's own thread (io_uring rings belong to the
  // thread that drives them) and starts consuming. The future fails with the
  // start-up error, e.g. the sink refused the connection.
  std::future<void> start();
  // On stop the shard stops taking messages, delivers what it holds (bounded by
  // drain_timeout) and stores its offsets; the control thread then commits.
  void request_stop() {
    stop_.store(true, std::memory_order_relaxed);
    queue_->wake();
  }
  void join();

  // Control thread only. Returns the sequence number that acknowledged() reaches
  // once the shard carried the command out.
  std::uint64_t send(ShardCommand command);
  std::uint64_t acknowledged() const { return acknowledged_.load(std::memory_order_acquire); }
  // False once the shard's thread ended (it acknowledges nothing more).
  bool running() const { return counters_.running.load(std::memory_order_acquire); }
  io::PartitionQueue& queue() { return *queue_; }
  const ShardCounters& counters() const { return counters_; }
  // After a give-back was acknowledged: the next offset to deliver of each partition
  // it gave back (those it delivered anything of).
  const std::vector<io::CommittedOffset>& handed_back() const { return handed_back_; }
  int index() const { return index_; }
  // The error that ended the shard, empty if none. Safe to read from another
  // thread once counters().failed is true (or after join()).
  const std::string& failure() const { return failure_; }

 private:
  void run(std::promise<void>& started);
  void consume_loop();
  void handle_message(rd_kafka_message_t* message);
  void run_commands();
  void take(const ShardCommand& command);
  void give_back(const ShardCommand& command);
  void set_ownership(const ShardCommand& command, bool owned);
  void publish_partition_counts();
  void handle_event(const rd_kafka_message_t* message);
  void dead_letter(const rd_kafka_message_t* message, parse::RejectReason reason);
  // "field PATH" framed by `before` and `after` when the encoder refused the last
  // message for one of its fields, else empty; valid until the next call.
  std::string_view refused_field_detail(std::string_view before, std::string_view after);
  void fail_fast(const rd_kafka_message_t* message, parse::RejectReason reason);
  // The buffer to write into, waiting for the sink while the ring is full; nullptr
  // when the shard is stopping meanwhile.
  OutputBuffer* writable_buffer();
  bool still_ours(SlotId id) const;
  void seal_fill_buffer();
  void reap(std::chrono::milliseconds wait);
  void release_delivered();
  void flush_and_drain(std::chrono::milliseconds timeout);
  void shutdown();
  void publish_sink_stats();
  void observe_sink_latency(io::BufferId buffer);
  // "; N row(s) consumed but not delivered; uncommitted: t [p] from offset o, .."
  std::string undelivered_report() const;

  void apply_sink_limits();
  io::RowRange message_rows(io::BufferId buffer, std::size_t row) const override;
  void on_message_rejected(io::BufferId buffer, io::RowRange rows,
                           std::string_view reason) override;

  const int index_;
  const ShardOptions options_;
  const std::vector<parse::MappingPlan>& plans_;
  SinkFactory make_sink_;
  DeadLetterFactory make_dead_letters_;
  ShardCounters& counters_;

  io::GroupConsumer& consumer_;
  std::unique_ptr<io::PartitionQueue> queue_;
  SpscQueue<ShardCommand, 64> commands_;
  std::uint64_t sent_ = 0;  // control thread: sequence of the last command sent
  std::atomic<std::uint64_t> acknowledged_{0};
  const std::atomic<bool>& hold_;
  std::vector<io::CommittedOffset> handed_back_;  // written before the acknowledgement
  std::uint64_t commands_done_ = 0;  // take/give-back commands carried out
  std::uint64_t batch_epoch_ = 0;    // commands_done_ when the current batch was consumed
  bool abandoning_ = false;          // stopping: the rest of the batch is not written
  bool store_offsets_ = true;        // false once --on-error fail met a refused row
  std::unique_ptr<PartitionSlots> slots_;
  std::unique_ptr<io::Sink> sink_;
  std::unique_ptr<io::DeadLetterSink> dead_letters_;
  std::unique_ptr<io::RecordReader> reader_;  // created at the first refused row
  io::SinkLimits sink_limits_;
  std::chrono::milliseconds linger_{0};  // --linger-ms, bounded by the sink's auto_flush_interval
  parse::JsonToIlpEncoder encoder_;
  OutputRing ring_;
  std::vector<rd_kafka_message_t*> batch_;
  std::vector<io::BufferId> done_;
  ShardTotals totals_;
  std::vector<std::chrono::steady_clock::time_point> submitted_at_;  // per ring buffer

  std::atomic<bool> stop_{false};
  bool sink_failed_ = false;  // the sink threw: never flush through it again
  std::thread thread_;
  std::string failure_;
  std::string refused_detail_;  // see refused_field_detail()
};

}  // namespace kilp::core
