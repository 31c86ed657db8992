#include "tests/integration/kafka_test_helpers.hpp"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

namespace kilp::testing {
namespace {

rd_kafka_t* make_consumer(const std::string& bootstrap, const std::string& group) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (rk == nullptr) throw std::runtime_error(error);
  return rk;
}

}  // namespace

std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions) {
  rd_kafka_t* rk = make_consumer(bootstrap, group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk, list, 10000);
  std::vector<std::int64_t> out;
  for (int p = 0; p < partitions; ++p) out.push_back(list->elems[p].offset);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(rd_kafka_err2str(err));
  return out;
}

namespace {

std::vector<std::int64_t> watermarks(const std::string& bootstrap, const std::string& topic,
                                     int partitions, bool low_side) {
  rd_kafka_t* rk = make_consumer(bootstrap, "kilp-test-watermarks");
  std::vector<std::int64_t> out;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_destroy(rk);
      throw std::runtime_error(rd_kafka_err2str(err));
    }
    out.push_back(low_side ? low : high);
  }
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace

std::vector<std::int64_t> end_offsets(const std::string& bootstrap, const std::string& topic,
                                      int partitions) {
  return watermarks(bootstrap, topic, partitions, false);
}

std::vector<std::int64_t> start_offsets(const std::string& bootstrap, const std::string& topic,
                                        int partitions) {
  return watermarks(bootstrap, topic, partitions, true);
}

}  // namespace kilp::testing
