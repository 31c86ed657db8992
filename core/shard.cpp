#include "core/shard.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

namespace kilp::core {
namespace {

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Dead-letter and error lines are logged for the first few only; the stats line
// carries the counts from then on.
constexpr std::uint64_t kLoggedPerShard = 20;

}  // namespace

Shard::Shard(int index, const ShardOptions& options, const io::KafkaSettings& kafka,
             const std::vector<parse::MappingPlan>& plans, SinkFactory make_sink,
             DeadLetterFactory make_dead_letters, ShardCounters& counters)
    : index_(index),
      options_(options),
      plans_(plans),
      make_sink_(std::move(make_sink)),
      make_dead_letters_(std::move(make_dead_letters)),
      counters_(counters),
      encoder_(options.max_message_bytes),
      ring_(options.ring_buffers, options.buffer_bytes, options.max_offset_marks),
      batch_(options.batch_size),
      done_(options.ring_buffers) {
  io::KafkaSettings settings = kafka;
  settings.client_id = fmt::format("{}-{}", kafka.client_id, index);
  consumer_ = std::make_unique<io::KafkaConsumer>(settings, this);
  slots_ = std::make_unique<PartitionSlots>(consumer_->handle(), settings.topics);
}

Shard::~Shard() { join(); }

std::future<void> Shard::start() {
  auto started = std::make_shared<std::promise<void>>();
  std::future<void> result = started->get_future();
  thread_ = std::thread([this, started] { run(*started); });
  return result;
}

void Shard::join() {
  if (thread_.joinable()) thread_.join();
}

void Shard::run(std::promise<void>& started) {
  try {
    if (options_.cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(options_.cpu, &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    sink_ = make_sink_(ring_.size());
    dead_letters_ = make_dead_letters_(index_);
    apply_sink_limits();
    counters_.running.store(true);
    started.set_value();
  } catch (...) {
    arrive_at_shutdown_barrier();
    started.set_exception(std::current_exception());
    return;
  }
  try {
    consumer_->subscribe();
    consume_loop();
    shutdown();
  } catch (const std::exception& e) {
    failure_ = fmt::format("shard {}: {}", index_, e.what());
    counters_.failed.store(true);
    // The sink is unusable: leave the group without flushing through it. Offsets
    // stored so far cover only accepted rows, so committing them is still right.
    sink_failed_ = true;
    arrive_at_shutdown_barrier();
    try {
      consumer_->commit_stored();
      consumer_->close();
    } catch (const std::exception& close_error) {
      fmt::print(stderr, "kilp: shard {}: while leaving the group: {}\n", index_,
                 close_error.what());
    }
  }
  counters_.publish(totals_);
  counters_.running.store(false);
}

void Shard::consume_loop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    reap(std::chrono::milliseconds(0));
    if (ring_.fill_buffer() == nullptr) {
      reap(std::chrono::milliseconds(50));  // backpressure: no free buffer, stop polling
      continue;
    }
    const bool sink_busy = sink_->pending() > 0;
    std::size_t n = consumer_->consume(
        batch_, sink_busy ? std::chrono::milliseconds(0) : std::chrono::milliseconds(100));
    for (std::size_t i = 0; i < n; ++i) {
      handle_message(batch_[i]);
      rd_kafka_message_destroy(batch_[i]);
    }
    // Send a partly filled buffer when the sink has nothing to do, or when it has
    // waited long enough: large writes under load, low latency when quiet.
    OutputBuffer* fill = ring_.fill_buffer();
    if (fill != nullptr && !fill->empty() &&
        (sink_->pending() == 0 ||
         std::chrono::steady_clock::now() - fill->first_write() >= linger_)) {
      seal_fill_buffer();
    }
    if (n == 0 && sink_busy) reap(std::chrono::milliseconds(5));
    commit_periodically();
    counters_.publish(totals_);
    counters_.buffers_in_flight.store(ring_.in_flight(), std::memory_order_relaxed);
    counters_.partitions_at_end.store(slots_->at_end_count(), std::memory_order_relaxed);
  }
}

void Shard::commit_periodically() {
  if (offsets_stored_ == offsets_committed_) return;  // nothing new since the last commit
  const auto now = std::chrono::steady_clock::now();
  if (now - last_commit_ < options_.commit_interval) return;
  consumer_->commit_stored(/*async=*/true);
  last_commit_ = now;
  offsets_committed_ = offsets_stored_;
}

void Shard::handle_message(rd_kafka_message_t* message) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    handle_event(message);
    return;
  }
  SlotId id = 0;
  PartitionSlot* slot = slots_->find(message->rkt, message->partition, &id);
  // Not (or no longer) ours: the partition's new owner consumes it again.
  if (slot == nullptr || !slot->assigned) return;
  slot->at_end = false;
  if (totals_.messages++ == 0) counters_.first_message_ns.store(steady_now_ns());

  if (message->payload == nullptr) {  // tombstone: nothing to write, offset still moves
    ++totals_.tombstones;
    for (;;) {
      OutputBuffer& buffer = writable_buffer();
      if (buffer.can_mark(id)) {
        buffer.mark(id, message->offset, false);
        return;
      }
      seal_fill_buffer();
    }
  }

  const parse::MessageMeta meta{
      slots_->topic_name(slot->topic_index),
      std::string_view(static_cast<const char*>(message->key), message->key_len),
      message->partition, rd_kafka_message_timestamp(message, nullptr), message->offset};
  const std::string_view json(static_cast<const char*>(message->payload), message->len);
  const parse::MappingPlan& plan = plans_[slot->topic_index];
  for (;;) {
    OutputBuffer& buffer = writable_buffer();
    if (!buffer.can_mark(id) || (buffer.row_index_enabled() && buffer.row_index_full())) {
      seal_fill_buffer();
      continue;
    }
    const std::size_t start = buffer.cursor().size;
    parse::EncodeResult result = encoder_.encode(plan, json, meta, buffer.cursor());
    if (result.outcome == parse::EncodeOutcome::kOk) {
      // --explode writes several rows: each needs a row index entry, here or in a
      // fresh buffer; more than a buffer's index holds is too large.
      if (buffer.row_index_enabled() && buffer.row_index_room() < result.rows) {
        buffer.cursor().size = start;
        if (start > 0) {
          seal_fill_buffer();
          continue;
        }
        dead_letter(message, parse::RejectReason::kTooLarge);
        buffer.mark(id, message->offset, false);
        return;
      }
      for (std::uint32_t row = 0; row < result.rows; ++row) buffer.mark(id, message->offset, true);
      totals_.rows_encoded += result.rows;
      if (buffer.row_index_enabled()) {
        const std::size_t end = buffer.cursor().size;
        for (const std::uint32_t row_end : encoder_.row_ends(result)) {  // only when rows > 1
          buffer.cursor().size = row_end;
          buffer.record_row(id, message->offset);
        }
        buffer.cursor().size = end;
        if (result.rows == 1) buffer.record_row(id, message->offset);
        // The sink's auto_flush_rows / auto_flush_bytes end a request here.
        if (buffer.row_index_full() || (sink_limits_.max_bytes > 0 &&
                                        buffer.bytes().size() >= sink_limits_.max_bytes)) {
          seal_fill_buffer();
        }
      }
      return;
    }
    if (result.outcome == parse::EncodeOutcome::kNoSpace && buffer.cursor().size > 0) {
      seal_fill_buffer();  // retry in a fresh buffer
      continue;
    }
    dead_letter(message, result.outcome == parse::EncodeOutcome::kNoSpace
                             ? parse::RejectReason::kTooLarge
                             : result.reason);
    buffer.mark(id, message->offset, false);
    return;
  }
}

void Shard::handle_event(const rd_kafka_message_t* message) {
  if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    SlotId id = 0;
    if (PartitionSlot* slot = slots_->find(message->rkt, message->partition, &id)) {
      slot->at_end = true;
    }
    return;
  }
  if (totals_.kafka_errors++ < kLoggedPerShard) {
    fmt::print(stderr, "kilp: shard {}: Kafka error{}: {}\n", index_,
               message->rkt ? fmt::format(" on {} [{}]", rd_kafka_topic_name(message->rkt),
                                          message->partition)
                            : std::string(),
               rd_kafka_message_errstr(message));
  }
  if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(consumer_->handle(), reason, sizeof reason);
    throw std::runtime_error(fmt::format("fatal Kafka consumer error: {}", reason));
  }
}

void Shard::dead_letter(const rd_kafka_message_t* message, parse::RejectReason reason) {
  const std::string_view reason_id = parse::reject_reason_id(reason);
  const std::string_view topic = rd_kafka_topic_name(message->rkt);
  counters_.rejected_by_reason[static_cast<std::size_t>(reason)].fetch_add(
      1, std::memory_order_relaxed);
  if (totals_.dead_letters++ < kLoggedPerShard) {
    fmt::print(stderr, "kilp: dead letter {} [{}] @{}: {}\n", topic, message->partition,
               message->offset, reason_id);
  }
  if (dead_letters_ == nullptr) return;
  dead_letters_->write(io::DeadLetterRecord{
      reason_id, {}, topic, message->partition, message->offset,
      rd_kafka_message_timestamp(message, nullptr),
      std::string_view(static_cast<const char*>(message->key), message->key_len),
      std::string_view(static_cast<const char*>(message->payload), message->len)});
}

OutputBuffer& Shard::writable_buffer() {
  for (;;) {
    if (OutputBuffer* buffer = ring_.fill_buffer()) return *buffer;
    reap(std::chrono::milliseconds(50));  // ring full: wait for the sink
  }
}

void Shard::seal_fill_buffer() {
  OutputBuffer* buffer = ring_.fill_buffer();
  if (buffer == nullptr || buffer->empty()) return;
  const std::uint32_t index = ring_.seal();
  if (buffer->bytes().empty()) {
    ring_.complete(index);  // only dead letters or tombstones: nothing to send
    release_delivered();
  } else {
    sink_->submit_rows(index, buffer->bytes(), buffer->row_ends());
  }
}

void Shard::apply_sink_limits() {
  sink_limits_ = sink_->limits();
  linger_ = options_.linger;
  if (sink_limits_.max_linger.count() > 0) linger_ = std::min(linger_, sink_limits_.max_linger);
  if (!sink_limits_.needs_row_index) return;
  // One index entry per row costs 16 bytes; bounding it by buffer_bytes / 32
  // keeps the index at most half the buffer (rows under 32 bytes seal earlier).
  std::size_t rows = std::max<std::size_t>(options_.buffer_bytes / 32, 1);
  if (sink_limits_.max_rows > 0) rows = std::min(rows, sink_limits_.max_rows);
  ring_.enable_row_index(rows);
  sink_->set_row_rejection_listener(this);
}

// The sink refused one row for good (ILP/HTTP 400): it becomes a dead letter
// before the buffer's offsets are stored, so it is never silently lost.
void Shard::on_row_rejected(io::BufferId buffer_id, std::size_t row, std::string_view reason) {
  OutputBuffer& buffer = ring_.at(buffer_id);
  buffer.drop_refused_row();
  const SlotId id = buffer.row_slot(row);
  const PartitionSlot& slot = slots_->at(id);
  const std::string_view topic = slots_->topic_name(slot.topic_index);
  const std::span<const char> line = buffer.row_bytes(row);
  constexpr std::string_view kReason = "server_rejected";
  if (totals_.dead_letters++ < kLoggedPerShard) {
    fmt::print(stderr, "kilp: dead letter {} [{}] @{}: {}: {}\n", topic, slot.partition,
               buffer.row_offset(row), kReason, reason);
  }
  if (dead_letters_ == nullptr) return;
  dead_letters_->write(io::DeadLetterRecord{kReason, reason, topic, slot.partition,
                                            buffer.row_offset(row), -1, {},
                                            std::string_view(line.data(), line.size())});
}

void Shard::reap(std::chrono::milliseconds wait) {
  if (ring_.in_flight() == 0) return;
  std::size_t n = sink_->poll(wait, done_);
  for (std::size_t i = 0; i < n; ++i) ring_.complete(done_[i]);
  if (n > 0) release_delivered();
}

void Shard::release_delivered() {
  // A dead letter must be durable before the offset that skips it is stored; a
  // Kafka dead-letter topic acknowledges asynchronously (flush() is free when idle).
  if (dead_letters_) dead_letters_->flush();
  ring_.release_completed([this](OutputBuffer& buffer) {
    for (const OffsetMark& mark : buffer.marks()) {
      consumer_->store_offset(slots_->topic_handle(mark.slot), slots_->at(mark.slot).partition,
                              mark.offset);
    }
    offsets_stored_ += buffer.marks().size();
    totals_.rows_delivered += buffer.rows();
    totals_.bytes_delivered += buffer.bytes().size();
    if (!buffer.bytes().empty()) counters_.last_delivery_ns.store(steady_now_ns());
  });
}

void Shard::flush_and_drain(std::chrono::milliseconds timeout) {
  seal_fill_buffer();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ring_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    reap(std::chrono::milliseconds(50));
  }
  if (ring_.in_flight() > 0) {
    fmt::print(stderr,
               "kilp: shard {}: the sink did not accept {} buffer(s) within {} ms; their offsets "
               "stay uncommitted and will be consumed again\n",
               index_, ring_.in_flight(), timeout.count());
  }
}

void Shard::shutdown() {
  flush_and_drain(options_.drain_timeout);
  if (dead_letters_) dead_letters_->flush();
  consumer_->commit_stored();
  arrive_at_shutdown_barrier();
  consumer_->close();  // leaves the group; the final revoke commits again
}

void Shard::arrive_at_shutdown_barrier() {
  if (arrived_ || shutdown_barrier_ == nullptr) return;
  arrived_ = true;
  shutdown_barrier_->arrive_and_wait();
}

void Shard::on_assigned(std::span<const io::TopicPartition> partitions) {
  for (const auto& tp : partitions) {
    PartitionSlot& slot = slots_->at(slots_->ensure(tp.topic, tp.partition));
    slot.assigned = true;
    slot.at_end = false;
  }
  counters_.partitions_assigned.store(slots_->assigned_count());
  counters_.partitions_at_end.store(slots_->at_end_count());
}

void Shard::on_revoking(std::span<const io::TopicPartition> partitions, bool lost) {
  // Rows already encoded for these partitions are delivered and committed before
  // the next owner starts, so a clean rebalance produces no duplicates.
  if (!lost && sink_ != nullptr && !sink_failed_) {
    flush_and_drain(options_.drain_timeout);
    consumer_->commit_stored();
  }
  for (const auto& tp : partitions) {
    PartitionSlot& slot = slots_->at(slots_->ensure(tp.topic, tp.partition));
    slot.assigned = false;
    slot.at_end = false;
  }
  counters_.partitions_assigned.store(slots_->assigned_count());
  counters_.partitions_at_end.store(slots_->at_end_count());
}

}  // namespace kilp::core
