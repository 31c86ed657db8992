#include "core/shard.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <optional>
#include <thread>

#include "io/log_context.hpp"

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

Shard::Shard(int index, const ShardOptions& options, io::GroupConsumer& consumer,
             const std::vector<std::string>& topics, const std::vector<parse::MappingPlan>& plans,
             SinkFactory make_sink, DeadLetterFactory make_dead_letters, ShardCounters& counters,
             const std::atomic<bool>& hold)
    : index_(index),
      options_(options),
      plans_(plans),
      make_sink_(std::move(make_sink)),
      make_dead_letters_(std::move(make_dead_letters)),
      counters_(counters),
      consumer_(consumer),
      queue_(consumer.make_queue()),
      hold_(hold),
      encoder_(options.max_message_bytes),
      ring_(options.ring_buffers, options.buffer_bytes, options.max_offset_marks),
      batch_(options.batch_size),
      done_(options.ring_buffers),
      submitted_at_(options.ring_buffers) {
  slots_ = std::make_unique<PartitionSlots>(consumer.handle(), topics);
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

std::uint64_t Shard::send(ShardCommand command) {
  command.sequence = ++sent_;
  // 64 slots and the control thread waits for each acknowledgement: never full.
  if (!commands_.push(std::move(command))) throw std::logic_error("shard command queue full");
  queue_->wake();
  return sent_;
}

void Shard::run(std::promise<void>& started) {
  io::set_log_context(fmt::format("shard {}: ", index_));  // the sink's lines name it
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
    counters_.running.store(true, std::memory_order_release);
    started.set_value();
  } catch (...) {
    started.set_exception(std::current_exception());
    return;
  }
  try {
    consume_loop();
    shutdown();
    if (!failure_.empty()) counters_.failed.store(true, std::memory_order_release);
  } catch (const std::exception& e) {
    failure_ += fmt::format("{}shard {}: {}{}", failure_.empty() ? "" : "; ", index_, e.what(),
                            undelivered_report());
    counters_.failed.store(true, std::memory_order_release);
    // The sink is unusable: never flush through it again. Offsets stored so far
    // cover only accepted rows, so the control thread may still commit them.
    sink_failed_ = true;
  }
  counters_.publish(totals_);
  if (sink_) publish_sink_stats();
  counters_.running.store(false, std::memory_order_release);
}

void Shard::consume_loop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    run_commands();
    reap(std::chrono::milliseconds(0));
    if (ring_.fill_buffer() == nullptr) {
      reap(std::chrono::milliseconds(50));  // backpressure: no free buffer, stop polling
      continue;
    }
    const bool sink_busy = sink_->pending() > 0;
    std::size_t n = 0;
    if (!hold_.load(std::memory_order_relaxed)) {
      n = queue_->consume(
          batch_, sink_busy ? std::chrono::milliseconds(0) : std::chrono::milliseconds(100));
    } else if (!sink_busy) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    batch_epoch_ = commands_done_;
    for (std::size_t i = 0; i < n; ++i) {
      handle_message(batch_[i]);
      rd_kafka_message_destroy(batch_[i]);
    }
    // Send a partly filled buffer when the sink has nothing to do, or when it has
    // waited long enough: large writes under load, low latency when quiet. (With
    // several ILP/HTTP requests in flight, sealing whenever one is free measured
    // slower: many small requests, fewer bytes in flight over a long link.)
    OutputBuffer* fill = ring_.fill_buffer();
    if (fill != nullptr && !fill->empty() &&
        (sink_->pending() == 0 ||
         std::chrono::steady_clock::now() - fill->first_write() >= linger_)) {
      seal_fill_buffer();
    }
    if (n == 0 && sink_busy) reap(std::chrono::milliseconds(5));
    counters_.publish(totals_);
    counters_.buffers_in_flight.store(ring_.in_flight(), std::memory_order_relaxed);
    publish_sink_stats();
    counters_.partitions_at_end.store(slots_->at_end_count(), std::memory_order_relaxed);
  }
}

void Shard::run_commands() {
  while (std::optional<ShardCommand> command = commands_.pop()) {
    if (command->kind == ShardCommand::Kind::kTake) take(*command);
    if (command->kind == ShardCommand::Kind::kGiveBack) give_back(*command);
    counters_.publish(totals_);  // what the control thread reads next is current
    acknowledged_.store(command->sequence, std::memory_order_release);
  }
}

// Messages of these partitions already consumed in the current batch become stale
// (changed_at), whether the partitions are now ours or no longer.
void Shard::set_ownership(const ShardCommand& command, bool owned) {
  ++commands_done_;
  for (const auto& tp : command.partitions) {
    PartitionSlot& slot = slots_->at(slots_->ensure(tp.topic, tp.partition));
    slot.changed_at = commands_done_;
    slot.assigned = owned;
    slot.at_end = false;
    if (owned) slot.delivered_next = -1;
  }
  publish_partition_counts();
}

void Shard::take(const ShardCommand& command) { set_ownership(command, true); }

void Shard::give_back(const ShardCommand& command) {
  // From here on, messages of these partitions still queued are not ours to write.
  set_ownership(command, false);
  // Rows already encoded for them are delivered and their offsets stored before the
  // control thread commits and releases them, so a clean hand-off repeats nothing.
  // Lost partitions may have a new owner already: nothing of theirs is committed, and
  // they do not wait for the sink.
  handed_back_.clear();
  if (sink_ == nullptr || sink_failed_) return;
  if (!command.lost) flush_and_drain(options_.drain_timeout);
  // Where delivery stopped (for lost ones, before what is still in flight), in case
  // the partitions come back to this process without a commit.
  for (const auto& tp : command.partitions) {
    const PartitionSlot& slot = slots_->at(slots_->ensure(tp.topic, tp.partition));
    if (slot.delivered_next >= 0) handed_back_.push_back({tp, slot.delivered_next});
  }
}

void Shard::publish_partition_counts() {
  counters_.partitions_assigned.store(slots_->assigned_count(), std::memory_order_relaxed);
  counters_.partitions_at_end.store(slots_->at_end_count(), std::memory_order_relaxed);
}

void Shard::handle_message(rd_kafka_message_t* message) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    handle_event(message);
    return;
  }
  if (abandoning_) return;
  SlotId id = 0;
  PartitionSlot* slot = slots_->find(message->rkt, message->partition, &id);
  // Not (or no longer) ours: the partition's new owner consumes it again.
  if (slot == nullptr || !still_ours(id)) return;
  slot->at_end = false;
  if (totals_.messages++ == 0) counters_.first_message_ns.store(steady_now_ns());

  if (message->payload == nullptr) {  // tombstone: nothing to write, offset still moves
    ++totals_.tombstones;
    for (;;) {
      OutputBuffer* writable = writable_buffer();
      if (writable == nullptr || !still_ours(id)) return;  // stopping, or given back meanwhile
      OutputBuffer& buffer = *writable;
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
  const parse::MappingPlan& plan = plans_[slots_->plan_of(*slot)];
  for (;;) {
    OutputBuffer* writable = writable_buffer();
    if (writable == nullptr || !still_ours(id)) return;  // stopping, or given back meanwhile
    OutputBuffer& buffer = *writable;
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
        if (options_.fail_on_error) return fail_fast(message, parse::RejectReason::kTooLarge);
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
    const parse::RejectReason reason = result.outcome == parse::EncodeOutcome::kNoSpace
                                           ? parse::RejectReason::kTooLarge
                                           : result.reason;
    if (options_.fail_on_error) return fail_fast(message, reason);
    dead_letter(message, reason);
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
               consumer_.secret_mask().mask(rd_kafka_message_errstr(message)));
  }
  if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(consumer_.handle(), reason, sizeof reason);
    throw std::runtime_error(fmt::format("fatal Kafka consumer error: {}", reason));
  }
}

// --on-error fail: the message is not marked, so neither its offset nor any later
// one of its partition is stored; what was delivered before it is committed.
void Shard::fail_fast(const rd_kafka_message_t* message, parse::RejectReason reason) {
  failure_ = fmt::format("--on-error fail: {} [{}] @{} cannot be a row: {}{}",
                         rd_kafka_topic_name(message->rkt), message->partition, message->offset,
                         parse::reject_reason_id(reason), refused_field_detail(" (", ")"));
  abandoning_ = true;
  stop_.store(true, std::memory_order_relaxed);
}

std::string_view Shard::refused_field_detail(std::string_view before, std::string_view after) {
  const std::string_view field = encoder_.refused_field();
  if (field.empty()) return {};
  refused_detail_.assign(before).append("field ").append(field).append(after);
  return refused_detail_;
}

void Shard::dead_letter(const rd_kafka_message_t* message, parse::RejectReason reason) {
  const std::string_view reason_id = parse::reject_reason_id(reason);
  const std::string_view topic = rd_kafka_topic_name(message->rkt);
  counters_.rejected_by_reason[static_cast<std::size_t>(reason)].fetch_add(
      1, std::memory_order_relaxed);
  if (totals_.dead_letters++ < kLoggedPerShard) {
    fmt::print(stderr, "kilp: dead letter {} [{}] @{}: {}{}\n", topic, message->partition,
               message->offset, reason_id, refused_field_detail(" (", ")"));
  }
  if (dead_letters_ == nullptr) return;
  rd_kafka_headers_t* headers = nullptr;
  // None, or headers librdkafka could not parse (it promises nothing of the pointer then).
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
  dead_letters_->write(io::DeadLetterRecord{
      reason_id, refused_field_detail("", ""), topic, message->partition, message->offset,
      rd_kafka_message_timestamp(message, nullptr),
      std::string_view(static_cast<const char*>(message->key), message->key_len),
      std::string_view(static_cast<const char*>(message->payload), message->len), {}, headers});
}

OutputBuffer* Shard::writable_buffer() {
  for (;;) {
    if (OutputBuffer* buffer = ring_.fill_buffer()) return buffer;
    // Stopping with the ring full (the sink accepts nothing): give up this message
    // and every later one of the batch, so no later offset is stored past it.
    if (stop_.load(std::memory_order_relaxed)) {
      abandoning_ = true;
      return nullptr;
    }
    reap(std::chrono::milliseconds(50));  // ring full: wait for the sink
    // A give-back must not wait for a sink that may stay full: the caller checks
    // that the partition is still its own after this returns.
    run_commands();
  }
}

bool Shard::still_ours(SlotId id) const {
  const PartitionSlot& slot = slots_->at(id);
  // A partition taken or given back since this batch was consumed: the batch's
  // messages of it are stale (librdkafka fetches it again from its new start).
  return slot.assigned && slot.changed_at <= batch_epoch_;
}

void Shard::seal_fill_buffer() {
  OutputBuffer* buffer = ring_.fill_buffer();
  if (buffer == nullptr || buffer->empty()) return;
  const std::uint32_t index = ring_.seal();
  if (buffer->bytes().empty()) {
    ring_.complete(index);  // only dead letters or tombstones: nothing to send
    release_delivered();
  } else {
    submitted_at_[index] = std::chrono::steady_clock::now();
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

// The rows of one message lie next to each other and carry its partition and offset.
io::RowRange Shard::message_rows(io::BufferId buffer_id, std::size_t row) const {
  const OutputBuffer& buffer = ring_.at(buffer_id);
  auto same_message = [&](std::size_t other) {
    return buffer.row_slot(other) == buffer.row_slot(row) &&
           buffer.row_offset(other) == buffer.row_offset(row);
  };
  io::RowRange rows{row, row};
  while (rows.first > 0 && same_message(rows.first - 1)) --rows.first;
  while (rows.last + 1 < buffer.row_ends().size() && same_message(rows.last + 1)) ++rows.last;
  return rows;
}

// The sink refused a message's row for good (ILP/HTTP 400), and with it the
// message's other rows: it becomes one dead letter before the buffer's offsets are
// stored, so it is never silently lost.
void Shard::on_message_rejected(io::BufferId buffer_id, io::RowRange rows,
                                std::string_view reason) {
  OutputBuffer& buffer = ring_.at(buffer_id);
  for (std::size_t row = rows.first; row <= rows.last; ++row) buffer.drop_refused_row();
  const std::size_t row = rows.first;
  const SlotId id = buffer.row_slot(row);
  const PartitionSlot& slot = slots_->at(id);
  const std::string_view topic = slots_->topic_name(slot.topic_index);
  // Every row of the message goes along: they are contiguous in the buffer.
  const std::span<const char> first_line = buffer.row_bytes(rows.first);
  const std::span<const char> last_line = buffer.row_bytes(rows.last);
  const std::span<const char> line(
      first_line.data(),
      static_cast<std::size_t>(last_line.data() + last_line.size() - first_line.data()));
  constexpr std::string_view kReason = "server_rejected";
  if (options_.fail_on_error) {
    // This buffer's offsets (and every later one's) are never stored: a restart
    // sends the refused row again, as Kafka Connect does with errors.tolerance=none.
    if (failure_.empty()) {
      failure_ = fmt::format("--on-error fail: {} [{}] @{} refused by the sink: {}", topic,
                             slot.partition, buffer.row_offset(row), reason);
    }
    store_offsets_ = false;
    abandoning_ = true;
    stop_.store(true, std::memory_order_relaxed);
    return;
  }
  if (totals_.dead_letters++ < kLoggedPerShard) {
    fmt::print(stderr, "kilp: dead letter {} [{}] @{}: {}: {}\n", topic, slot.partition,
               buffer.row_offset(row), kReason, reason);
  }
  if (dead_letters_ == nullptr) return;
  const std::string_view ilp_line(line.data(), line.size());
  // Like every other dead letter, it carries the original record: read back from
  // Kafka (the hot path keeps no copy of the messages); the ILP line goes along.
  if (reader_ == nullptr) reader_ = std::make_unique<io::RecordReader>(consumer_.settings());
  const std::optional<io::FetchedRecord> original = reader_->read(
      std::string(topic), slot.partition, buffer.row_offset(row), std::chrono::seconds(5));
  if (!original) {
    dead_letters_->write(io::DeadLetterRecord{kReason, reason, topic, slot.partition,
                                              buffer.row_offset(row), -1, {}, ilp_line, ilp_line});
    return;
  }
  dead_letters_->write(io::DeadLetterRecord{
      kReason, reason, topic, slot.partition, buffer.row_offset(row), original->timestamp_ms,
      original->has_key ? std::string_view(original->key) : std::string_view(),
      original->value, ilp_line, original->headers.get()});
}

void Shard::reap(std::chrono::milliseconds wait) {
  if (ring_.in_flight() == 0) return;
  std::size_t n = sink_->poll(wait, done_);
  for (std::size_t i = 0; i < n; ++i) {
    observe_sink_latency(done_[i]);
    ring_.complete(done_[i]);
  }
  if (n > 0) release_delivered();
}

void Shard::release_delivered() {
  // A dead letter must be durable before the offset that skips it is stored; a
  // Kafka dead-letter topic acknowledges asynchronously (flush() is free when idle).
  if (dead_letters_) dead_letters_->flush();
  ring_.release_completed([this](OutputBuffer& buffer) {
    for (const OffsetMark& mark : buffer.marks()) {
      if (!store_offsets_) break;
      PartitionSlot& slot = slots_->at(mark.slot);
      consumer_.store_offset(slots_->topic_handle(mark.slot), slot.partition, mark.offset);
      slot.delivered_next = mark.offset + 1;
    }
    if (!buffer.marks().empty()) counters_.offsets_stored.fetch_add(1, std::memory_order_relaxed);
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
  // Rows consumed but not accepted by the sink: the run did not do its job, even
  // though their offsets stay uncommitted and a restart consumes them again.
  if (ring_.in_flight() > 0) {
    failure_ += fmt::format("{}shard {}: the sink did not accept every row before the drain timeout{}",
                            failure_.empty() ? "" : "; ", index_, undelivered_report());
  }
  // Commands sent while stopping (a last revoke) are acknowledged when the thread
  // ends: the control thread sees running() false.
}

std::string Shard::undelivered_report() const {
  const std::uint64_t undelivered = totals_.rows_encoded - totals_.rows_delivered;
  if (undelivered == 0 && ring_.in_flight() == 0) return {};
  // The first offset not delivered of each partition with rows still held.
  std::string partitions;
  std::vector<bool> listed(slots_->size(), false);
  ring_.for_each_unreleased([&](const OutputBuffer& buffer) {
    for (const OffsetMark& mark : buffer.marks()) {
      if (listed[mark.slot]) continue;
      listed[mark.slot] = true;
      const PartitionSlot& slot = slots_->at(mark.slot);
      partitions += fmt::format("{}{} [{}] from offset {}", partitions.empty() ? "" : ", ",
                                slots_->topic_name(slot.topic_index), slot.partition,
                                slot.delivered_next >= 0 ? std::to_string(slot.delivered_next)
                                                         : std::string("its committed offset"));
    }
  });
  return fmt::format("; {} row(s) consumed but not delivered; uncommitted: {}", undelivered,
                     partitions.empty() ? "none" : partitions);
}

void Shard::publish_sink_stats() {
  const io::SinkStats stats = sink_->stats();
  counters_.sink_retries.store(stats.retries, std::memory_order_relaxed);
  counters_.sink_connects.store(stats.connects, std::memory_order_relaxed);
}

void Shard::observe_sink_latency(io::BufferId buffer) {
  const auto elapsed = std::chrono::steady_clock::now() - submitted_at_[buffer];
  counters_.sink_latency.observe(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

}  // namespace kilp::core
