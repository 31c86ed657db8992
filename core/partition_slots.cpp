#include "core/partition_slots.hpp"

#include <cstring>
#include <stdexcept>

namespace kilp::core {

PartitionSlots::PartitionSlots(rd_kafka_t* handle, const std::vector<std::string>& topics)
    : consumer_(handle) {
  for (std::uint32_t i = 0; i < topics.size(); ++i) {
    if (io::TopicPattern::is_pattern(topics[i])) {
      patterns_.emplace_back(io::TopicPattern(topics[i]), i);
    } else {
      topics_.push_back(Topic{topics[i], i, nullptr, nullptr, {}});
    }
  }
}

PartitionSlots::~PartitionSlots() {
  for (auto& topic : topics_) {
    if (topic.handle != nullptr) rd_kafka_topic_destroy(topic.handle);
  }
}

int PartitionSlots::topic_index(const std::string& name) {
  for (std::size_t i = 0; i < topics_.size(); ++i) {
    if (topics_[i].name == name) return static_cast<int>(i);
  }
  for (const auto& [pattern, plan] : patterns_) {
    if (pattern.matches(name.c_str())) {
      topics_.push_back(Topic{name, plan, nullptr, nullptr, {}});
      return static_cast<int>(topics_.size() - 1);
    }
  }
  return -1;
}

SlotId PartitionSlots::ensure(const std::string& topic, std::int32_t partition) {
  int index = topic_index(topic);
  if (index < 0) throw std::logic_error("assigned a partition of a topic kilp did not subscribe to");
  Topic& t = topics_[index];
  // Created only once the group assigned the topic: a topic handle asks the
  // brokers about its topic, and some brokers create topics they are asked about.
  if (t.handle == nullptr) t.handle = rd_kafka_topic_new(consumer_, topic.c_str(), nullptr);
  if (partition >= static_cast<std::int32_t>(t.slot_of_partition.size())) {
    t.slot_of_partition.resize(partition + 1, -1);
  }
  if (t.slot_of_partition[partition] < 0) {
    t.slot_of_partition[partition] = static_cast<std::int32_t>(slots_.size());
    slots_.push_back(PartitionSlot{static_cast<std::uint32_t>(index), partition, false, false});
  }
  return static_cast<SlotId>(t.slot_of_partition[partition]);
}

PartitionSlot* PartitionSlots::find(const rd_kafka_topic_t* topic, std::int32_t partition,
                                    SlotId* id) {
  for (auto& t : topics_) {
    if (t.seen != topic) {
      if (t.seen != nullptr || std::strcmp(rd_kafka_topic_name(topic), t.name.c_str()) != 0) {
        continue;
      }
      t.seen = topic;
    }
    if (partition < 0 || partition >= static_cast<std::int32_t>(t.slot_of_partition.size())) {
      return nullptr;
    }
    std::int32_t slot = t.slot_of_partition[partition];
    if (slot < 0) return nullptr;
    *id = static_cast<SlotId>(slot);
    return &slots_[slot];
  }
  return nullptr;
}

int PartitionSlots::assigned_count() const {
  int n = 0;
  for (const auto& s : slots_) n += s.assigned ? 1 : 0;
  return n;
}

int PartitionSlots::at_end_count() const {
  int n = 0;
  for (const auto& s : slots_) n += (s.assigned && s.at_end) ? 1 : 0;
  return n;
}

}  // namespace kilp::core
