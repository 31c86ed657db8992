#pragma once
// What integration tests ask Kafka: committed offsets of a group and end offsets.
#include <cstdint>
#include <string>
#include <vector>

namespace kilp::testing {

// Committed offset per partition (-1001 = none) of `group` for `topic`.
std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions);
// High watermark (end offset) per partition.
std::vector<std::int64_t> end_offsets(const std::string& bootstrap, const std::string& topic,
                                      int partitions);
// Low watermark per partition: above 0 when the mock dropped old batches (5 MiB cap).
std::vector<std::int64_t> start_offsets(const std::string& bootstrap, const std::string& topic,
                                        int partitions);

}  // namespace kilp::testing
