#include "io/dead_letter/dead_letter_kafka.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <stdexcept>

#include "io/ilp/sink.hpp"
#include "io/kafka/kafka_property.hpp"

namespace kilp::io {
namespace {

constexpr std::string_view kSchema = "kafka::";

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
         const SecretMask& mask) {
  if (std::optional<std::string> error = set_kafka_property(conf, key, value, mask)) {
    rd_kafka_conf_destroy(conf);
    const std::string shown = is_secret_kafka_property(key) ? "***" : value;
    throw std::invalid_argument(
        mask.mask(fmt::format("--dlq producer: {}={}: {}", key, shown, *error)));
  }
}

void add_header(rd_kafka_headers_t* headers, const char* name, std::string_view value) {
  rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
}

}  // namespace

bool is_kafka_dead_letter_config(std::string_view text) {
  return text.substr(0, kSchema.size()) == kSchema;
}

bool is_kafka_security_property(std::string_view name) {
  for (const std::string_view prefix : {"security.", "sasl.", "ssl.", "ssl_", "enable.ssl."}) {
    if (name.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

DeadLetterKafkaConfig parse_dead_letter_kafka_config(std::string_view text, const EnvLookup& env) {
  if (!is_kafka_dead_letter_config(text)) {
    throw std::invalid_argument(fmt::format("--dlq '{}': expected kafka::topic=NAME;", text));
  }
  DeadLetterKafkaConfig config;
  std::string_view rest = text.substr(kSchema.size());
  while (!rest.empty()) {
    const std::size_t semicolon = rest.find(';');
    const std::string_view item = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw std::invalid_argument(fmt::format("--dlq: '{}' is not key=value", item));
    }
    const std::string key(item.substr(0, eq));
    const std::string value =
        expand_env_references(fmt::format("--dlq kafka::{}", key), item.substr(eq + 1),
                              is_secret_kafka_property(key), env);
    if (key.find('.') != std::string::npos) {
      config.properties.emplace_back(key, value);  // a librdkafka producer property
    } else if (key == "topic") {
      config.topic = value;
    } else if (key == "brokers") {
      config.brokers = value;
    } else if (key == "flush_timeout_ms") {
      int ms = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc() || ptr != value.data() + value.size() || ms <= 0) {
        throw std::invalid_argument(fmt::format("--dlq: flush_timeout_ms '{}'", value));
      }
      config.flush_timeout = std::chrono::milliseconds(ms);
    } else {
      throw std::invalid_argument(
          fmt::format("--dlq: unknown key '{}' (kafka:: takes topic, brokers, flush_timeout_ms and "
                      "librdkafka properties such as sasl.username)",
                      key));
    }
  }
  if (config.topic.empty()) throw std::invalid_argument("--dlq kafka::: topic=NAME is required");
  return config;
}

DeadLetterKafka::DeadLetterKafka(const DeadLetterKafkaConfig& config, int shard) : config_(config) {
  mask_.add_properties(config.properties);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", config.brokers, mask_);
  set(conf, "client.id", fmt::format("kilp-dlq-{}", shard), mask_);
  set(conf, "acks", "all", mask_);
  set(conf, "linger.ms", "5", mask_);
  for (const auto& [key, value] : config.properties) set(conf, key, value, mask_);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, this);
  char error[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer_ == nullptr) {
    throw std::runtime_error(
        mask_.mask(fmt::format("dead-letter producer for '{}': {}", config.topic, error)));
  }
  topic_ = rd_kafka_topic_new(producer_, config.topic.c_str(), nullptr);
}

DeadLetterKafka::~DeadLetterKafka() {
  if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
}

void DeadLetterKafka::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<DeadLetterKafka*>(opaque);
  --self->unacknowledged_;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR && self->first_failure_.empty()) {
    self->first_failure_ = self->mask_.mask(rd_kafka_err2str(message->err));
  }
}

void DeadLetterKafka::on_log(const rd_kafka_t* rk, int level, const char* facility,
                             const char* message) {
  const auto* self = static_cast<const DeadLetterKafka*>(rd_kafka_opaque(rk));
  const std::string line = self != nullptr ? self->mask_.mask(message) : SecretMask().mask(message);
  fmt::print(stderr, "kilp: dead-letter producer: librdkafka {} [{}]: {}\n", level, facility, line);
}

void DeadLetterKafka::write(const DeadLetterRecord& record) {
  // As Kafka Connect does: the record's own headers, then the error context.
  rd_kafka_headers_t* headers =
      record.headers != nullptr ? rd_kafka_headers_copy(record.headers) : rd_kafka_headers_new(6);
  add_header(headers, "__connect.errors.topic", record.topic);
  add_header(headers, "__connect.errors.partition", std::to_string(record.partition));
  add_header(headers, "__connect.errors.offset", std::to_string(record.offset));
  add_header(headers, "__connect.errors.exception.message",
             record.detail.empty() ? std::string(record.reason)
                                   : fmt::format("{}: {}", record.reason, record.detail));
  add_header(headers, "kilp.errors.reason", record.reason);
  if (!record.ilp_line.empty()) add_header(headers, "kilp.errors.ilp_line", record.ilp_line);
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_RKT(topic_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(record.key.data()), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.payload.data()), record.payload.size()),
        RD_KAFKA_V_TIMESTAMP(record.timestamp_ms > 0 ? record.timestamp_ms : 0),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;  // the message owns the headers now
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_headers_destroy(headers);
      throw SinkFatalError(
          fmt::format("dead letter to Kafka topic '{}': {}", config_.topic, rd_kafka_err2str(err)));
    }
    rd_kafka_poll(producer_, 100);  // the local queue is full: let deliveries drain it
  }
  ++unacknowledged_;
  rd_kafka_poll(producer_, 0);  // serve delivery reports
}

void DeadLetterKafka::flush() {
  if (unacknowledged_ == 0 && first_failure_.empty()) return;
  const auto deadline = std::chrono::steady_clock::now() + config_.flush_timeout;
  while (unacknowledged_ > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_flush(producer_, 100);
  }
  if (unacknowledged_ > 0) {
    throw SinkFatalError(
        fmt::format("dead letters to Kafka topic '{}': {} not acknowledged within {} ms",
                    config_.topic, unacknowledged_, config_.flush_timeout.count()));
  }
  if (!first_failure_.empty()) {
    throw SinkFatalError(
        fmt::format("dead letter to Kafka topic '{}' failed: {}", config_.topic, first_failure_));
  }
}

}  // namespace kilp::io
