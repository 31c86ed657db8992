#include "tools/mock_cluster.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <stdexcept>

namespace kilp::tools {
namespace {

void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
    throw std::runtime_error(fmt::format("mock cluster: {}: {}", key, error));
  }
}

// Each message carries a pointer to the failure counter of its produce() call.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    static_cast<std::atomic<std::uint64_t>*>(message->_private)->fetch_add(1);
  }
}

}  // namespace

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

MockCluster::MockCluster(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    set(conf, "test.mock.num.brokers", std::to_string(brokers));
    set(conf, "linger.ms", "20");
    set(conf, "batch.num.messages", "10000");
    set(conf, "batch.size", "1000000");
    set(conf, "queue.buffering.max.messages", "1000000");
    set(conf, "queue.buffering.max.kbytes", "1048576");
    set(conf, "enable.idempotence", "false");
    set(conf, "message.max.bytes", "16000000");  // lets tests produce oversized messages
    set(conf, "log_level", "3");
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char error[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer_ == nullptr) throw std::runtime_error(fmt::format("mock cluster: {}", error));
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(producer_);
  if (cluster == nullptr) throw std::runtime_error("mock cluster: librdkafka did not start one");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
}

MockCluster::~MockCluster() {
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
}

void MockCluster::create_topic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(rd_kafka_handle_mock_cluster(producer_),
                                                       name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(
        fmt::format("mock cluster: cannot create topic '{}': {}", name, rd_kafka_err2str(err)));
  }
}

void MockCluster::produce(const std::string& topic, int partitions, std::uint64_t count,
                          const MessageMaker& make) {
  produce(topic, partitions, count, make, nullptr);
}

void MockCluster::produce(const std::string& topic, int partitions, std::uint64_t count,
                          const MessageMaker& make, const MessageMaker& make_key) {
  std::atomic<std::uint64_t> failures{0};
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer_, topic.c_str(), nullptr);
  std::string buffer, key_buffer;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view value = make(i, buffer);
    const std::string_view key = make_key ? make_key(i, key_buffer) : std::string_view();
    const auto partition = static_cast<std::int32_t>(i % static_cast<std::uint64_t>(partitions));
    while (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                            value.size(), make_key ? key.data() : nullptr, key.size(),
                            &failures) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_topic_destroy(rkt);
        throw std::runtime_error(fmt::format("mock cluster: produce to '{}' failed: {}", topic,
                                             rd_kafka_err2str(rd_kafka_last_error())));
      }
      rd_kafka_poll(producer_, 10);
    }
    if ((i & 1023) == 0) rd_kafka_poll(producer_, 0);
  }
  rd_kafka_topic_destroy(rkt);
  if (rd_kafka_flush(producer_, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("mock cluster: timed out waiting for produced messages");
  }
  if (failures.load() != 0) {
    throw std::runtime_error(fmt::format("mock cluster: {} message(s) to '{}' were not delivered",
                                         failures.load(), topic));
  }
}

void MockCluster::fail_next_requests(std::int16_t api_key,
                                     std::initializer_list<rd_kafka_resp_err_t> errors) {
  rd_kafka_mock_push_request_errors_array(rd_kafka_handle_mock_cluster(producer_), api_key,
                                          errors.size(), errors.begin());
}

}  // namespace kilp::tools
