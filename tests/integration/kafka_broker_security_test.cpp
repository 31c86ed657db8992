// kilp's Kafka security settings against the real broker of the ctest run (fixture
// kafka_broker): SASL/PLAIN, SCRAM-SHA-256 and -512, TLS with the CA, mutual TLS and
// SASL_SSL, each given through -X and through a -F file (secrets from ${VAR}), each
// moving every row; a wrong password and a broker certificate from a CA kilp does not
// trust each stop kilp at start-up with one clear line. No password appears in any
// output.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "tests/integration/ilp_tcp_server.hpp"
#include "tests/integration/kilp_kafka_options.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/kilp_topic_args.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/integration/trade_rows.hpp"
#include "tests/servers/kafka_broker.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::uint64_t kMessages = 2000;

struct SecurityCase {
  const char* name;
  KafkaListener listener;
  std::optional<SaslMechanism> mechanism;  // SASL listeners only
};

// ctest names the cases by this (not by the struct's bytes).
void PrintTo(const SecurityCase& c, std::ostream* os) {
  *os << c.name;
}

// Every password of the broker's users and the client key: none may be printed.
std::vector<std::string> broker_secrets(const KafkaBroker& broker) {
  std::vector<std::string> secrets = {broker.client_key_password()};
  for (SaslMechanism m :
       {SaslMechanism::plain, SaslMechanism::scram_sha_256, SaslMechanism::scram_sha_512}) {
    secrets.push_back(broker.user(m).password);
  }
  return secrets;
}

void expect_no_secret(const std::string& where, const std::string& text,
                      const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "a secret leaked to " << where << ":\n"
                                                    << text;
  }
}

// A topic of kMessages trades over 2 partitions.
std::string trades_topic(const KafkaBroker& broker, const std::string& prefix) {
  const std::string topic = KafkaBroker::unique_name(prefix);
  broker.create_topic(topic, 2);
  broker.produce(topic, 2, kMessages, trades_from(0));
  return topic;
}

class KafkaSecurity : public ::testing::TestWithParam<SecurityCase> {};

TEST_P(KafkaSecurity, EveryRowMovesWithPropertiesFromXAndFromAFile) {
  const SecurityCase& c = GetParam();
  KafkaBroker& broker = KafkaBroker::shared();
  const SaslMechanism mechanism = c.mechanism.value_or(SaslMechanism::plain);
  if (c.mechanism && mechanism != SaslMechanism::plain) {
    if (const std::optional<std::string> blocker = broker.scram_login_blocker()) FAIL() << *blocker;
  }
  const std::string topic = trades_topic(broker, std::string("sec-") + c.name);
  const fs::path dir = make_temp_dir(std::string("broker-security-") + c.name);
  const tools::KafkaProperties properties = broker.client_properties(c.listener, mechanism);

  // The same settings twice at once, in two groups: as -X arguments and as a -F file.
  IlpTcpServer x_server, f_server;
  auto one_shard = [&](const std::string& name, const IlpTcpServer& server) {
    return kilp_topic_args({.bootstrap = broker.bootstrap(c.listener),
                            .topic = topic,
                            .group = KafkaBroker::unique_name("it-sec-" + name),
                            .sink = "tcp::addr=" + server.address() + ";",
                            .dlq = dir / (name + "-dlq.jsonl"),
                            .shards = 1});
  };
  auto x_args = one_shard("x", x_server);
  auto f_args = one_shard("f", f_server);
  const auto x_options = as_x_arguments(properties);
  const auto f_options = as_config_file(dir / "kafka.properties", properties);
  x_args.insert(x_args.end(), x_options.begin(), x_options.end());
  f_args.insert(f_args.end(), f_options.begin(), f_options.end());
  Subprocess x_kilp(kKilpBinary, x_args, (dir / "x.err").string(), (dir / "x.out").string());
  Subprocess f_kilp(kKilpBinary, f_args, (dir / "f.err").string(), (dir / "f.out").string());
  const int x_exit = x_kilp.wait(120s);
  const int f_exit = f_kilp.wait(120s);

  const std::vector<std::string> secrets = broker_secrets(broker);
  for (const auto& [run, exit_code, server] :
       {std::tuple{"x", x_exit, &x_server}, std::tuple{"f", f_exit, &f_server}}) {
    const std::string err = read_file((dir / (std::string(run) + ".err")).string());
    const std::string out = read_file((dir / (std::string(run) + ".out")).string());
    SCOPED_TRACE(run == std::string("x") ? "-X properties" : "-F file");
    EXPECT_EQ(exit_code, 0) << err;
    const TradeCounts counts = count_trades(*server, topic, kMessages);
    EXPECT_EQ(counts.missing(), 0u) << err;
    EXPECT_EQ(counts.repeated(), 0u) << err;
    EXPECT_EQ(counts.bad_rows, 0u) << err;
    expect_no_secret("stderr", err, secrets);
    expect_no_secret("stdout", out, secrets);
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Listeners, KafkaSecurity,
    ::testing::Values(SecurityCase{"sasl_plain", KafkaListener::sasl_plaintext,
                                   SaslMechanism::plain},
                      SecurityCase{"sasl_scram_sha_256", KafkaListener::sasl_plaintext,
                                   SaslMechanism::scram_sha_256},
                      SecurityCase{"sasl_scram_sha_512", KafkaListener::sasl_plaintext,
                                   SaslMechanism::scram_sha_512},
                      SecurityCase{"ssl", KafkaListener::ssl, std::nullopt},
                      SecurityCase{"mutual_tls", KafkaListener::mtls, std::nullopt},
                      SecurityCase{"sasl_ssl_scram_sha_512", KafkaListener::sasl_ssl,
                                   SaslMechanism::scram_sha_512}),
    [](const ::testing::TestParamInfo<SecurityCase>& info) { return info.param.name; });

// kilp refused at start-up: exit 1 within --startup-timeout-ms, one error line naming
// `expected`, no secret anywhere.
void expect_refused_at_start(const std::vector<std::string>& args, const std::string& expected,
                             const std::vector<std::string>& secrets, const fs::path& dir) {
  constexpr auto kStartupTimeout = 10s;
  std::vector<std::string> all = args;
  all.insert(all.end(), {"--startup-timeout-ms", "10000"});
  const auto started = std::chrono::steady_clock::now();
  Subprocess kilp(kKilpBinary, all, (dir / "kilp.err").string(), (dir / "kilp.out").string());
  const int exit_code = kilp.wait(60s);
  const auto took = std::chrono::steady_clock::now() - started;
  const std::string err = read_file((dir / "kilp.err").string());
  const std::string out = read_file((dir / "kilp.out").string());
  EXPECT_EQ(exit_code, 1) << err;
  EXPECT_LT(took, kStartupTimeout) << err;
  std::printf("[ security ] refused after %.2f s: %s", std::chrono::duration<double>(took).count(),
              err.c_str());
  const auto error_at = err.find("kilp: error: ");
  ASSERT_NE(error_at, std::string::npos) << err;
  const std::string error_line = err.substr(error_at, err.find('\n', error_at) - error_at);
  EXPECT_NE(error_line.find(expected), std::string::npos) << err;
  EXPECT_EQ(err.find("kilp: error: ", error_at + 1), std::string::npos) << "more than one: " << err;
  EXPECT_LE(std::count(err.begin(), err.end(), '\n'), 2) << "not one clear line: " << err;
  expect_no_secret("stderr", err, secrets);
  expect_no_secret("stdout", out, secrets);
}

TEST(KafkaSecurityErrors, AWrongPasswordIsOneClearLineAtStartUp) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = trades_topic(broker, "sec-wrong-password");
  const fs::path dir = make_temp_dir("broker-wrong-password");
  std::vector<std::string> secrets = broker_secrets(broker);
  const std::string wrong = "wrong-" + KafkaBroker::unique_name("pw");
  secrets.push_back(wrong);
  for (const SaslMechanism mechanism : {SaslMechanism::plain, SaslMechanism::scram_sha_512}) {
    SCOPED_TRACE(mechanism_name(mechanism));
    tools::KafkaProperties properties =
        broker.client_properties(KafkaListener::sasl_plaintext, mechanism);
    for (auto& [key, value] : properties) {
      if (key == "sasl.password") value = wrong;
    }
    auto args =
        kilp_topic_args({broker.bootstrap(KafkaListener::sasl_plaintext), topic,
                         KafkaBroker::unique_name("it-wrong-password"),
                         "file::path=" + (dir / "out.ilp").string() + ";", dir / "dlq.jsonl"});
    // PLAIN's wrong password through -X, SCRAM's through a -F file.
    const auto options = mechanism == SaslMechanism::plain
                             ? as_x_arguments(properties)
                             : as_config_file(dir / "kafka.properties", properties);
    args.insert(args.end(), options.begin(), options.end());
    expect_refused_at_start(args, "refused the login", secrets, dir);
  }
  fs::remove_all(dir);
}

TEST(KafkaSecurityErrors, ABrokerCertificateFromAnUntrustedCaIsOneClearLineAtStartUp) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = trades_topic(broker, "sec-untrusted");
  const fs::path dir = make_temp_dir("broker-untrusted-ca");
  tools::KafkaProperties properties = broker.client_properties(KafkaListener::ssl);
  for (auto& [key, value] : properties) {
    if (key == "ssl.ca.location") value = broker.untrusted_ca_file();
  }
  auto args = kilp_topic_args(
      {broker.bootstrap(KafkaListener::ssl), topic, KafkaBroker::unique_name("it-untrusted"),
       "file::path=" + (dir / "out.ilp").string() + ";", dir / "dlq.jsonl"});
  const auto options = as_x_arguments(properties);
  args.insert(args.end(), options.begin(), options.end());
  expect_refused_at_start(args, "certificate verify failed", broker_secrets(broker), dir);
  fs::remove_all(dir);
}

TEST(KafkaSecurityErrors, AMutualTlsListenerWithoutAClientCertificateIsOneClearLineAtStartUp) {
  KafkaBroker& broker = KafkaBroker::shared();
  const std::string topic = trades_topic(broker, "sec-no-client-cert");
  const fs::path dir = make_temp_dir("broker-no-client-cert");
  // The SSL listener's settings (the CA only) against the listener that requires a certificate.
  const tools::KafkaProperties properties = broker.client_properties(KafkaListener::ssl);
  auto args = kilp_topic_args(
      {broker.bootstrap(KafkaListener::mtls), topic, KafkaBroker::unique_name("it-no-client-cert"),
       "file::path=" + (dir / "out.ilp").string() + ";", dir / "dlq.jsonl"});
  const auto options = as_x_arguments(properties);
  args.insert(args.end(), options.begin(), options.end());
  expect_refused_at_start(args, "require a client certificate and none is set",
                          broker_secrets(broker), dir);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kilp::testing
