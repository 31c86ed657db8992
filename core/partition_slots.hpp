#pragma once
// A shard's table of the partitions it has ever owned. A slot's id stays fixed for
// the shard's lifetime, so output buffers can refer to partitions by a small
// integer; lookups from a message's topic handle cost a pointer compare.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/output_ring.hpp"
#include "io/kafka/topic_pattern.hpp"

namespace kilp::core {

struct PartitionSlot {
  std::uint32_t topic_index = 0;
  std::int32_t partition = 0;
  bool assigned = false;
  bool at_end = false;  // partition EOF seen and nothing consumed since
  std::int64_t delivered_next = -1;  // offset after the last one delivered; -1 = none yet
  std::uint64_t changed_at = 0;      // the shard's command count when last taken or given back
};

class PartitionSlots {
 public:
  // `topics` in the order of the engine's mapping plans, names or ^patterns; `handle` is
  // the owning consumer (topic handles for offset storage are created from it).
  PartitionSlots(rd_kafka_t* handle, const std::vector<std::string>& topics);
  ~PartitionSlots();
  PartitionSlots(const PartitionSlots&) = delete;
  PartitionSlots& operator=(const PartitionSlots&) = delete;

  // Slot for a topic name + partition, created when new (assignment time only). A topic
  // not named takes the plan of the first pattern that matches it.
  SlotId ensure(const std::string& topic, std::int32_t partition);

  // Hot path: slot of a consumed message, or nullptr for a topic/partition this
  // shard does not know (e.g. consumed just before a revoke).
  PartitionSlot* find(const rd_kafka_topic_t* topic, std::int32_t partition, SlotId* id);

  PartitionSlot& at(SlotId id) { return slots_[id]; }
  const PartitionSlot& at(SlotId id) const { return slots_[id]; }
  rd_kafka_topic_t* topic_handle(SlotId id) { return topics_[slots_[id].topic_index].handle; }
  const std::string& topic_name(std::uint32_t topic_index) const {
    return topics_[topic_index].name;
  }
  // Index of the mapping plan (the entry of `topics`) the slot's topic is consumed by.
  std::uint32_t plan_of(const PartitionSlot& slot) const { return topics_[slot.topic_index].plan; }
  std::size_t size() const { return slots_.size(); }

  int assigned_count() const;
  int at_end_count() const;

 private:
  struct Topic {
    std::string name;
    std::uint32_t plan = 0;                       // the entry of `topics` naming or matching it
    rd_kafka_topic_t* handle = nullptr;           // ours, for rd_kafka_offset_store
    const rd_kafka_topic_t* seen = nullptr;       // the handle messages carry
    std::vector<std::int32_t> slot_of_partition;  // -1 = none
  };
  int topic_index(const std::string& name);

  rd_kafka_t* consumer_;
  std::vector<Topic> topics_;  // named, then those patterns matched, as they come
  std::vector<std::pair<io::TopicPattern, std::uint32_t>> patterns_;  // with their plans
  std::vector<PartitionSlot> slots_;
};

}  // namespace kilp::core
