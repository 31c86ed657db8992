#include "tests/servers/kafka_broker.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

#include "tests/integration/subprocess.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kBrokerScript = KILP_SOURCE_DIR "/tests/servers/kafka/broker.sh";

// broker.env's keys, in the enums' order.
constexpr const char* kListenerKeys[] = {"bootstrap_plaintext", "bootstrap_sasl_plaintext",
                                         "bootstrap_ssl", "bootstrap_mtls", "bootstrap_sasl_ssl"};
constexpr const char* kUserKeyPrefixes[] = {"plain", "scram_sha_256", "scram_sha_512"};
constexpr const char* kMechanismNames[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

// librdkafka admin handles: a producer handle with the PLAINTEXT bootstrap.
using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

Handle admin_handle(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (rk == nullptr) throw std::runtime_error(fmt::format("Kafka admin client: {}", error));
  return Handle(rk, rd_kafka_destroy);
}

// Sends a topic admin request (CreateTopics, CreatePartitions) through `send`, waits
// for its result event and throws if the request or its topic failed.
template <typename Send, typename Results>
void topic_admin_request(rd_kafka_t* rk, const std::string& what, Send send, Results results) {
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
  char error[512];
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, error, sizeof error);
  rd_kafka_AdminOptions_set_request_timeout(options, 30000, error, sizeof error);
  send(options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  if (event == nullptr) throw std::runtime_error(what + ": no answer within 60 s");
  std::string failure;
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(event);
  } else {
    std::size_t count = 0;
    const rd_kafka_topic_result_t** topics = results(event, &count);
    for (std::size_t i = 0; i < count && failure.empty(); ++i) {
      if (rd_kafka_topic_result_error(topics[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure = rd_kafka_topic_result_error_string(topics[i]);
      }
    }
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) throw std::runtime_error(what + ": " + failure);
}

// Waits until the broker's metadata shows `partitions` partitions of `topic`, each with a leader.
void wait_for_leaders(rd_kafka_t* rk, const std::string& topic, int partitions) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  for (;;) {
    const rd_kafka_metadata_t* metadata = nullptr;
    bool ready = false;
    if (rd_kafka_metadata(rk, 0, rkt, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const rd_kafka_metadata_topic_t& t = metadata->topics[0];
      ready = metadata->topic_cnt == 1 && t.err == RD_KAFKA_RESP_ERR_NO_ERROR &&
              t.partition_cnt == partitions;
      for (int p = 0; ready && p < t.partition_cnt; ++p) ready = t.partitions[p].leader >= 0;
      rd_kafka_metadata_destroy(metadata);
    }
    if (ready) break;
    if (std::chrono::steady_clock::now() > deadline) {
      rd_kafka_topic_destroy(rkt);
      throw std::runtime_error(fmt::format(
          "topic '{}': {} partitions with leaders not seen within 30 s", topic, partitions));
    }
    std::this_thread::sleep_for(100ms);
  }
  rd_kafka_topic_destroy(rkt);
}

}  // namespace

const char* mechanism_name(SaslMechanism mechanism) {
  return kMechanismNames[static_cast<int>(mechanism)];
}

KafkaBroker& KafkaBroker::shared() {
  // KILP_KAFKA_BROKER_ENV points the tests at another broker (the compatibility matrix,
  // tests/kafka_compat_matrix.sh, runs them against each Kafka version).
  const char* other = std::getenv("KILP_KAFKA_BROKER_ENV");
  static KafkaBroker broker(other != nullptr && *other != '\0'
                                ? std::string(other)
                                : std::string(KILP_BINARY_DIR "/servers/kafka/broker.env"));
  return broker;
}

KafkaBroker::KafkaBroker(std::string env_file) : env_file_(std::move(env_file)) {
  load();
}

void KafkaBroker::load() {
  std::ifstream in(env_file_);
  if (!in) {
    throw std::runtime_error(fmt::format(
        "{} is missing: no Kafka broker was started for this test; run through ctest "
        "(fixture kafka_broker), e.g. `ctest -R <test>`, or start one with `{} start {}`",
        env_file_, kBrokerScript, fs::path(env_file_).parent_path().string()));
  }
  values_.clear();
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values_[line.substr(0, eq)] = line.substr(eq + 1);
  }
}

const std::string& KafkaBroker::value(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::runtime_error(fmt::format("{} has no '{}'", env_file_, key));
  return it->second;
}

int KafkaBroker::major_version() const {
  return std::stoi(version());
}

const std::string& KafkaBroker::bootstrap(KafkaListener listener) const {
  return value(kListenerKeys[static_cast<int>(listener)]);
}

SaslUser KafkaBroker::user(SaslMechanism mechanism) const {
  const std::string prefix = kUserKeyPrefixes[static_cast<int>(mechanism)];
  return {value(prefix + "_username"), value(prefix + "_password")};
}

std::optional<std::string> KafkaBroker::scram_login_blocker() const {
  constexpr int kScramFixed = 0x020601ff;  // librdkafka 2.6.1
  if (major_version() < 4 || rd_kafka_version() >= kScramFixed) return std::nullopt;
  return fmt::format(
      "librdkafka {} cannot log in with SCRAM to Kafka {}: it needs librdkafka 2.6.1 or newer "
      "(librdkafka #4895; kilp's issue 23 installs 2.8)",
      rd_kafka_version_str(), version());
}

tools::KafkaProperties KafkaBroker::client_properties(KafkaListener listener,
                                                      SaslMechanism mechanism) const {
  tools::KafkaProperties properties = {{"bootstrap.servers", bootstrap(listener)}};
  const bool sasl =
      listener == KafkaListener::sasl_plaintext || listener == KafkaListener::sasl_ssl;
  const bool tls = listener == KafkaListener::ssl || listener == KafkaListener::mtls ||
                   listener == KafkaListener::sasl_ssl;
  properties.emplace_back("security.protocol", sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT")
                                                    : (tls ? "SSL" : "PLAINTEXT"));
  if (tls) properties.emplace_back("ssl.ca.location", ca_file());
  if (listener == KafkaListener::mtls) {
    properties.emplace_back("ssl.certificate.location", client_cert_file());
    properties.emplace_back("ssl.key.location", client_key_file());
    properties.emplace_back("ssl.key.password", client_key_password());
  }
  if (sasl) {
    const SaslUser u = user(mechanism);
    properties.emplace_back("sasl.mechanisms", mechanism_name(mechanism));
    properties.emplace_back("sasl.username", u.username);
    properties.emplace_back("sasl.password", u.password);
  }
  return properties;
}

void KafkaBroker::restart() {
  const fs::path state = fs::path(env_file_).parent_path();
  const std::string log = (state / "logs" / "restart.out").string();
  Subprocess script(kBrokerScript, {"restart", state.string()}, log, log + ".stdout");
  const int exit_code = script.wait(180s);
  if (exit_code != 0) {
    throw std::runtime_error(fmt::format("broker.sh restart {} exited {}: {}", state.string(),
                                         exit_code, read_file(log)));
  }
  load();
}

ToolResult KafkaBroker::run_tool(const std::string& name,
                                 const std::vector<std::string>& args) const {
  const fs::path state = fs::path(env_file_).parent_path();
  const std::string base = (fs::temp_directory_path() / unique_name("kilp-kafka-tool")).string();
  std::vector<std::string> script_args = {"tool", state.string(), name};
  script_args.insert(script_args.end(), args.begin(), args.end());
  ToolResult result;
  {
    Subprocess tool(kBrokerScript, script_args, base + ".err", base + ".out");
    result.exit_code = tool.wait(120s);
  }
  result.out = read_file(base + ".out");
  result.err = read_file(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return result;
}

void KafkaBroker::create_topic(const std::string& topic, int partitions) const {
  Handle rk = admin_handle(bootstrap());
  const std::string what = fmt::format("create topic '{}' ({} partitions)", topic, partitions);
  char error[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
  if (new_topic == nullptr) throw std::runtime_error(what + ": " + error);
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> owned(
      new_topic, rd_kafka_NewTopic_destroy);
  topic_admin_request(
      rk.get(), what,
      [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_CreateTopics(rk.get(), &new_topic, 1, options, queue);
      },
      [](rd_kafka_event_t* event, std::size_t* count) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event),
                                                   count);
      });
  wait_for_leaders(rk.get(), topic, partitions);
}

void KafkaBroker::add_partitions(const std::string& topic, int total) const {
  Handle rk = admin_handle(bootstrap());
  const std::string what = fmt::format("grow topic '{}' to {} partitions", topic, total);
  char error[512];
  rd_kafka_NewPartitions_t* grow = rd_kafka_NewPartitions_new(
      topic.c_str(), static_cast<std::size_t>(total), error, sizeof error);
  if (grow == nullptr) throw std::runtime_error(what + ": " + error);
  std::unique_ptr<rd_kafka_NewPartitions_t, decltype(&rd_kafka_NewPartitions_destroy)> owned(
      grow, rd_kafka_NewPartitions_destroy);
  topic_admin_request(
      rk.get(), what,
      [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_CreatePartitions(rk.get(), &grow, 1, options, queue);
      },
      [](rd_kafka_event_t* event, std::size_t* count) {
        return rd_kafka_CreatePartitions_result_topics(
            rd_kafka_event_CreatePartitions_result(event), count);
      });
  wait_for_leaders(rk.get(), topic, total);
}

void KafkaBroker::produce(const std::string& topic, int partitions, std::uint64_t count,
                          const tools::KafkaProducer::MessageMaker& make) const {
  tools::KafkaProducer producer(client_properties(KafkaListener::plaintext));
  producer.produce(topic, partitions, count, make);
}

std::string KafkaBroker::unique_name(std::string_view prefix) {
  static std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{}-{}-{:08x}", prefix, getpid(), static_cast<std::uint32_t>(random()));
}

}  // namespace kilp::testing
