#pragma once
// The real Apache Kafka broker of a ctest run, for tests: started once by the ctest
// fixture kafka_broker (tests/servers/kafka/broker.sh), described by the broker.env it
// wrote (listeners, TLS files, users). Tests share it, each with topics and groups of
// its own (unique_name()).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kafka_producer.hpp"

namespace kilp::testing {

// kafka_broker.cpp maps these to broker.env's keys by their order.
enum class KafkaListener { plaintext, sasl_plaintext, ssl, mtls, sasl_ssl };
enum class SaslMechanism { plain, scram_sha_256, scram_sha_512 };

// librdkafka's name of a mechanism ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").
const char* mechanism_name(SaslMechanism mechanism);

struct SaslUser {
  std::string username;
  std::string password;
};

struct ToolResult {
  int exit_code = -1;  // -1: the tool did not end in time
  std::string out;
  std::string err;
};

class KafkaBroker {
 public:
  // The broker of this ctest run ($KILP_BINARY_DIR/servers/kafka/broker.env). Throws
  // std::runtime_error naming the file when it is missing (the test did not run
  // through ctest's fixture kafka_broker).
  static KafkaBroker& shared();
  // Reads a broker.env written by broker.sh start.
  explicit KafkaBroker(std::string env_file);

  const std::string& version() const { return value("version"); }
  int major_version() const;
  const std::string& bootstrap(KafkaListener listener = KafkaListener::plaintext) const;
  const std::string& ca_file() const { return value("ca_file"); }
  // A CA the broker's certificate does not chain to.
  const std::string& untrusted_ca_file() const { return value("untrusted_ca_file"); }
  // The client certificate the MTLS listener requires; its key is encrypted.
  const std::string& client_cert_file() const { return value("client_cert_file"); }
  const std::string& client_key_file() const { return value("client_key_file"); }
  const std::string& client_key_password() const { return value("client_key_password"); }
  const std::string& log_file() const { return value("log_file"); }
  SaslUser user(SaslMechanism mechanism) const;
  // Why this process's librdkafka cannot log in with SCRAM to this broker, if it cannot:
  // before 2.6.1 it sends a client-final nonce that Kafka 4 refuses (librdkafka #4895).
  std::optional<std::string> scram_login_blocker() const;

  // librdkafka properties of a client of `listener`: bootstrap.servers,
  // security.protocol, the CA (TLS listeners), the client certificate (mtls), and the
  // user of `mechanism` (SASL listeners).
  tools::KafkaProperties client_properties(
      KafkaListener listener, SaslMechanism mechanism = SaslMechanism::scram_sha_512) const;

  // Stops the broker and starts it again on the same ports and data (broker.sh restart).
  void restart();
  // Runs a Kafka admin tool (kafka-topics, kafka-consumer-groups, kafka-configs, ...)
  // from the broker's own jars against its PLAINTEXT listener.
  ToolResult run_tool(const std::string& name, const std::vector<std::string>& args) const;

  // Creates a topic and waits until every partition has a leader; throws on failure.
  void create_topic(const std::string& topic, int partitions) const;
  // Grows a topic to `total` partitions and waits until each has a leader.
  void add_partitions(const std::string& topic, int total) const;
  // Produces `count` messages round-robin over `partitions` (PLAINTEXT listener) and
  // waits until the broker acknowledged every one; throws otherwise.
  void produce(const std::string& topic, int partitions, std::uint64_t count,
               const tools::KafkaProducer::MessageMaker& make) const;

  // "<prefix>-<random>": topic and group names no other test (or earlier run) uses.
  static std::string unique_name(std::string_view prefix);

 private:
  const std::string& value(const std::string& key) const;
  void load();

  std::string env_file_;
  std::map<std::string, std::string> values_;
};

}  // namespace kilp::testing
