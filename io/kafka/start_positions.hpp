#pragma once
// Where an assigned partition without a committed offset starts.
//
// librdkafka applies auto.offset.reset to every such partition (kilp: the end, unless
// --from-beginning). But a partition that appeared after the group began its topic (the
// topic grew, or a topic created later matches a subscribed pattern) holds only messages
// the group never saw, written before anyone could know of it: starting at its end
// would skip them. Such a partition starts at its beginning, as Flink's partition
// discovery does. A partition is new when it did not exist when this process started,
// or when its topic already had committed offsets in the group then: kilp commits the
// end a partition starts from at once, so every partition the group ever started has a
// committed offset.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace kilp::io {

class StartPositions {
 public:
  // At start-up, before subscribing: which partitions of `topics` (the subscribed names,
  // and those the patterns among them match now, from `metadata`) exist, and whether
  // the group has committed offsets on each topic.
  void snapshot(rd_kafka_t* consumer, const rd_kafka_metadata_t& metadata,
                const std::vector<std::string>& topics, std::chrono::milliseconds timeout);

  // For each partition of `assigned` still at RD_KAFKA_OFFSET_INVALID (the committed
  // offset) that has no committed offset: RD_KAFKA_OFFSET_BEGINNING when it is new,
  // else its end, resolved now so that it can be committed. On a failed request the
  // partitions stay as they are (librdkafka's auto.offset.reset), said on stderr.
  void resolve(rd_kafka_t* consumer, rd_kafka_topic_partition_list_t* assigned) const;

 private:
  struct TopicAtStart {
    int partitions = 0;
    bool committed = false;  // the group had a committed offset on one of them
  };
  bool is_new(const rd_kafka_topic_partition_t& partition) const;

  std::map<std::string, TopicAtStart> topics_;
};

}  // namespace kilp::io
