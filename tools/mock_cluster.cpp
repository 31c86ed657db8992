#include "tools/mock_cluster.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

namespace kilp::tools {

void check_fits_in_mock(std::string_view topic, int partitions, std::size_t message_count,
                        std::size_t payload_bytes) {
  const std::size_t stored = payload_bytes + message_count * kMockRecordOverhead;
  const std::size_t needed = (stored + kMockPartitionBytes - 1) / kMockPartitionBytes;
  if (partitions <= 0 || static_cast<std::size_t>(partitions) < needed) {
    throw std::runtime_error(fmt::format(
        "{} messages ({:.1f} MB) do not fit in topic '{}' with {} partition(s): the mock cluster "
        "keeps at most 5 MiB per partition and silently drops older data; use at least {} "
        "partitions (--topic {}:{})",
        message_count, stored / 1e6, topic, partitions, needed, topic, needed));
  }
}

MockCluster::MockCluster(int brokers)
    : producer_({{"test.mock.num.brokers", std::to_string(brokers)}}) {
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(producer_.handle());
  if (cluster == nullptr) throw std::runtime_error("mock cluster: librdkafka did not start one");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
}

void MockCluster::create_topic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
      rd_kafka_handle_mock_cluster(producer_.handle()), name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(
        fmt::format("mock cluster: cannot create topic '{}': {}", name, rd_kafka_err2str(err)));
  }
}

void MockCluster::fail_next_requests(std::int16_t api_key,
                                     std::initializer_list<rd_kafka_resp_err_t> errors) {
  rd_kafka_mock_push_request_errors_array(rd_kafka_handle_mock_cluster(producer_.handle()), api_key,
                                          errors.size(), errors.begin());
}

void MockCluster::delay_next_request(std::int16_t api_key, std::chrono::milliseconds delay) {
  rd_kafka_mock_broker_push_request_error_rtts(rd_kafka_handle_mock_cluster(producer_.handle()), 1,
                                               api_key, 1, RD_KAFKA_RESP_ERR_NO_ERROR,
                                               static_cast<int>(delay.count()));
}

}  // namespace kilp::tools
