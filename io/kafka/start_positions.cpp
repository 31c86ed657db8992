#include "io/kafka/start_positions.hpp"

#include <fmt/format.h>

#include <memory>

#include "io/kafka/topic_pattern.hpp"

namespace kilp::io {
namespace {

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                      decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList new_list(int size) {
  return PartitionList(rd_kafka_topic_partition_list_new(size),
                       rd_kafka_topic_partition_list_destroy);
}

constexpr int kRequestTimeoutMs = 10000;

}  // namespace

void StartPositions::snapshot(rd_kafka_t* consumer, const rd_kafka_metadata_t& metadata,
                              const std::vector<std::string>& topics,
                              std::chrono::milliseconds timeout) {
  std::vector<TopicPattern> patterns;
  for (const std::string& topic : topics) {
    if (TopicPattern::is_pattern(topic)) patterns.emplace_back(topic);
  }
  PartitionList all = new_list(0);
  for (int i = 0; i < metadata.topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata.topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    bool subscribed = false;
    for (const std::string& topic : topics) subscribed = subscribed || topic == t.topic;
    for (const TopicPattern& pattern : patterns)
      subscribed = subscribed || pattern.matches(t.topic);
    if (!subscribed) continue;
    topics_[t.topic] = {t.partition_cnt, false};
    for (int p = 0; p < t.partition_cnt; ++p)
      rd_kafka_topic_partition_list_add(all.get(), t.topic, p);
  }
  if (all->cnt == 0) return;
  if (const rd_kafka_resp_err_t err =
          rd_kafka_committed(consumer, all.get(), static_cast<int>(timeout.count()))) {
    // Then only partitions created from now on count as new.
    fmt::print(stderr,
               "kilp: cannot read the group's committed offsets ({}): partitions added "
               "to the topics before this start are read from their end\n",
               rd_kafka_err2str(err));
    return;
  }
  for (int i = 0; i < all->cnt; ++i) {
    if (all->elems[i].offset >= 0) topics_[all->elems[i].topic].committed = true;
  }
}

bool StartPositions::is_new(const rd_kafka_topic_partition_t& partition) const {
  const auto it = topics_.find(partition.topic);
  if (it == topics_.end() || partition.partition >= it->second.partitions) return true;
  return it->second.committed;
}

void StartPositions::resolve(rd_kafka_t* consumer,
                             rd_kafka_topic_partition_list_t* assigned) const {
  PartitionList committed = new_list(assigned->cnt);
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = assigned->elems[i];
    if (tp.offset == RD_KAFKA_OFFSET_INVALID) {
      rd_kafka_topic_partition_list_add(committed.get(), tp.topic, tp.partition);
    }
  }
  if (committed->cnt == 0) return;
  if (const rd_kafka_resp_err_t err =
          rd_kafka_committed(consumer, committed.get(), kRequestTimeoutMs)) {
    fmt::print(stderr,
               "kilp: cannot read the committed offsets of {} assigned partition(s) ({}): "
               "those without one start at their end\n",
               committed->cnt, rd_kafka_err2str(err));
    return;
  }
  PartitionList ends = new_list(committed->cnt);
  for (int i = 0; i < committed->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = committed->elems[i];
    if (tp.offset >= 0) continue;
    rd_kafka_topic_partition_t* start =
        rd_kafka_topic_partition_list_find(assigned, tp.topic, tp.partition);
    if (is_new(tp)) {
      start->offset = RD_KAFKA_OFFSET_BEGINNING;
    } else {
      rd_kafka_topic_partition_list_add(ends.get(), tp.topic, tp.partition)->offset =
          RD_KAFKA_OFFSET_END;
    }
  }
  if (ends->cnt == 0) return;
  // A timestamp of -1 asks for each partition's end (ListOffsets' "latest").
  if (const rd_kafka_resp_err_t err =
          rd_kafka_offsets_for_times(consumer, ends.get(), kRequestTimeoutMs)) {
    fmt::print(stderr,
               "kilp: cannot read the end offsets of {} partition(s) ({}): they start at "
               "their end uncommitted\n",
               ends->cnt, rd_kafka_err2str(err));
    return;
  }
  for (int i = 0; i < ends->cnt; ++i) {
    const rd_kafka_topic_partition_t& end = ends->elems[i];
    if (end.err != RD_KAFKA_RESP_ERR_NO_ERROR || end.offset < 0) continue;
    rd_kafka_topic_partition_list_find(assigned, end.topic, end.partition)->offset = end.offset;
  }
}

}  // namespace kilp::io
