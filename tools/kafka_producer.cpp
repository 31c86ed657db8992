#include "tools/kafka_producer.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace kilp::tools {
namespace {

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    throw std::runtime_error(fmt::format("producer: {}: {}", key, error));
  }
}

}  // namespace

KafkaProducer::KafkaProducer(const KafkaProperties& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    const KafkaProperties defaults = {
        {"linger.ms", "20"},
        {"batch.num.messages", "10000"},
        {"batch.size", "1000000"},
        {"queue.buffering.max.messages", "1000000"},
        {"queue.buffering.max.kbytes", "1048576"},
        {"enable.idempotence", "false"},
        {"message.max.bytes", "16000000"},  // lets tests produce oversized messages
        {"log_level", "3"},
    };
    for (const auto& [key, value] : defaults) set(conf, key, value);
    for (const auto& [key, value] : properties) set(conf, key, value);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, this);
  char error[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer_ == nullptr) throw std::runtime_error(fmt::format("producer: {}", error));
}

KafkaProducer::~KafkaProducer() {
  rd_kafka_flush(producer_, 5000);
  rd_kafka_destroy(producer_);
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    static_cast<KafkaProducer*>(opaque)->failed_.fetch_add(1);
  }
}

void KafkaProducer::send(const std::string& topic, std::int32_t partition, std::string_view key,
                         std::string_view value) {
  rd_kafka_resp_err_t err;
  while ((err = rd_kafka_producev(
              producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END)) ==
         RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    rd_kafka_poll(producer_, 10);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(fmt::format("producer: produce to '{}' [{}] failed: {}", topic,
                                         partition, rd_kafka_err2str(err)));
  }
  if ((++sent_ & 1023) == 0) rd_kafka_poll(producer_, 0);  // delivery reports
}

void KafkaProducer::flush(std::chrono::milliseconds timeout) {
  if (rd_kafka_flush(producer_, static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(
        fmt::format("producer: messages still unacknowledged after {} ms", timeout.count()));
  }
}

void KafkaProducer::produce(const std::string& topic, int partitions, std::uint64_t count,
                            const MessageMaker& make, const MessageMaker& make_key) {
  const std::uint64_t failed_before = failed();
  std::string buffer, key_buffer;
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto partition = static_cast<std::int32_t>(i % static_cast<std::uint64_t>(partitions));
    const std::string_view key = make_key ? make_key(i, key_buffer) : std::string_view();
    send(topic, partition, key, make(i, buffer));
  }
  flush(std::chrono::minutes(2));
  if (const std::uint64_t lost = failed() - failed_before; lost != 0) {
    throw std::runtime_error(
        fmt::format("producer: {} message(s) to '{}' were not delivered", lost, topic));
  }
}

}  // namespace kilp::tools
