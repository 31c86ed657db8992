// kilp run with every kind of secret a deployment sets: the ILP/TCP token (from
// ${VAR}), the HTTP password, SASL, SSL key and keystore passwords as -X
// properties and in a -F file (with ${VAR}), and a SASL password override for the
// Kafka dead-letter producer. Everything kilp prints (stderr, stdout), its
// /metrics and its dead-letter file are searched for each secret. librdkafka's
// mock cluster (2.0.2) speaks neither SASL nor SSL, so security.protocol stays
// plaintext: the secrets reach librdkafka but are not used on the wire.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/ilp_http_server.hpp"
#include "tests/integration/kafka_test_helpers.hpp"
#include "tests/integration/kilp_run.hpp"
#include "tests/integration/metrics_client.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/support/ilp_auth_server.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_terminator.hpp"
#include "tools/mock_cluster.hpp"
#include "tools/trade_generator.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::uint64_t kGood = 300;
constexpr std::uint64_t kBad = 3;  // dead letters

const std::vector<std::string> kKafkaSecrets = {"sasl-pw-X-4f1c9e", "ssl-key-pw-F-7a2b",
                                                "keystore-pw-F-9d3e", "dlq-sasl-pw-K-5c6d"};
constexpr const char* kHttpPassword = "http-basic-pw-2e8f";

struct Collected {
  int exit_code = -1;
  std::string stderr_text;
  std::string stdout_text;
  std::string metrics;
  std::string dead_letters;
};

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kilp-secrets-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    cluster_.create_topic("sec", 1);
    cluster_.create_topic("sec-dlq", 1);
    cluster_.produce("sec", 1, kGood + kBad, [](std::uint64_t i, std::string& buffer) {
      if (i >= kGood) return std::string_view("{\"truncated\": ");
      return tools::format_trade_json(tools::make_trade(i), buffer);
    });
    const std::string properties = (dir_ / "kafka.properties").string();
    std::ofstream(properties) << "# secrets kept off the command line\n"
                              << "ssl.key.password=" << kKafkaSecrets[1] << "\n"
                              << "ssl.keystore.password=${KILP_IT_KEYSTORE}\n";
    ::setenv("KILP_IT_KEYSTORE", kKafkaSecrets[2].c_str(), 1);
    common_args_ = {"--brokers",
                    cluster_.bootstrap_servers(),
                    "--topic",
                    "sec",
                    "--from-beginning",
                    "--shards",
                    "1",
                    "--symbols",
                    "symbol,side",
                    "--metrics-addr",
                    "127.0.0.1:0",
                    "-F",
                    properties,
                    "-X",
                    "sasl.username=kilp-user",
                    "-X",
                    "sasl.password=" + kKafkaSecrets[0],
                    "-X",
                    "fetch.wait.max.ms=100"};
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs kilp until every message is delivered or dead-lettered, reads /metrics, stops it.
  Collected run(const std::string& group, const std::string& sink, const std::string& dlq) {
    std::vector<std::string> args = common_args_;
    args.insert(args.end(), {"--group", group, "--sink", sink, "--dlq", dlq});
    const std::string err = (dir_ / (group + ".err")).string();
    const std::string out = (dir_ / (group + ".out")).string();
    Collected c;
    {
      Subprocess kilp(kKilpBinary, args, err, out);
      const int port = wait_for_metrics_port(err);
      EXPECT_NE(port, 0) << read_file(err);
      for (int i = 0; port != 0 && i < 300; ++i) {
        c.metrics = http_get(port, "/metrics");
        if (sum_metric(c.metrics, "kilp_rows_delivered_total") == kGood &&
            sum_metric(c.metrics, "kilp_dead_letters_total") == kBad) {
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
      kilp.signal(SIGTERM);
      c.exit_code = kilp.wait(60s);
    }
    c.stderr_text = read_file(err);
    c.stdout_text = read_file(out);
    c.dead_letters = read_file((dir_ / "dlq.jsonl").string());
    return c;
  }

  static void expect_no_secret(const Collected& c, const std::vector<std::string>& secrets) {
    EXPECT_EQ(c.exit_code, 0) << c.stderr_text;
    EXPECT_EQ(sum_metric(c.metrics, "kilp_rows_delivered_total"), kGood) << c.stderr_text;
    EXPECT_EQ(sum_metric(c.metrics, "kilp_dead_letters_total"), kBad) << c.metrics;
    for (const std::string& secret : secrets) {
      for (const auto& [where, text] :
           {std::pair{"stderr", &c.stderr_text}, std::pair{"stdout", &c.stdout_text},
            std::pair{"/metrics", &c.metrics}, std::pair{"dead letters", &c.dead_letters}}) {
        EXPECT_EQ(text->find(secret), std::string::npos)
            << "secret '" << secret << "' leaked to " << where << ":\n"
            << *text;
      }
    }
  }

  fs::path dir_;
  tools::MockCluster cluster_{1};
  std::vector<std::string> common_args_;
};

TEST_F(SecretsTest, AuthenticatedTcpSinkAndKafkaPropertiesStayHidden) {
  IlpAuthKeyPair key = generate_ilp_auth_key();
  IlpAuthServer server("kilp-writer", key.key);
  ::setenv("KILP_IT_TOKEN", key.token.c_str(), 1);
  const Collected c =
      run("sec-tcp",
          "tcp::addr=127.0.0.1:" + std::to_string(server.port()) +
              ";username=kilp-writer;token=${KILP_IT_TOKEN};token_x=" + key.token_x +
              ";token_y=" + key.token_y + ";",
          "kafka::topic=sec-dlq;sasl.password=" + kKafkaSecrets[3] + ";");
  std::vector<std::string> secrets = kKafkaSecrets;
  secrets.push_back(key.token);
  expect_no_secret(c, secrets);
  EXPECT_EQ(end_offsets(cluster_.bootstrap_servers(), "sec-dlq", 1),
            std::vector<std::int64_t>{static_cast<std::int64_t>(kBad)});
  EXPECT_GE(server.authenticated(), 1u);
  EXPECT_EQ(server.refused(), 0u);
  free_ilp_auth_key(key);
}

TEST_F(SecretsTest, HttpsPasswordAndDebugLoggingStayHidden) {
  IlpHttpServer backend;
  TestCertificateAuthority ca;
  TlsTerminator front(ca.issue({"127.0.0.1"}), backend.port());
  const std::string roots = write_temp_file("secrets-ca.pem", ca.certificate_pem());
  common_args_.insert(common_args_.end(), {"-X", "debug=conf,security,generic"});
  const Collected c =
      run("sec-https",
          "https::addr=127.0.0.1:" + std::to_string(front.port()) + ";tls_roots=" + roots +
              ";username=admin;password=" + kHttpPassword + ";protocol_version=1;",
          "file::path=" + (dir_ / "dlq.jsonl").string() + ";");
  std::vector<std::string> secrets = kKafkaSecrets;
  secrets.emplace_back(kHttpPassword);
  expect_no_secret(c, secrets);
  EXPECT_EQ(backend.accepted_rows(), kGood);
  EXPECT_NE(c.dead_letters.find("malformed_json"), std::string::npos) << c.dead_letters;
}

}  // namespace
}  // namespace kilp::testing
