// The start-up errors a user meets with TLS and ILP/TCP authentication, as the
// kilp binary reports them: one "kilp: error:" line naming the cause and a
// non-zero exit before any row is written (1 for what the server said, 2 for a
// bad sink string).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/kilp_run.hpp"
#include "tests/integration/subprocess.hpp"
#include "tests/integration/trade_messages.hpp"
#include "tests/io/loopback_server.hpp"
#include "tests/support/ilp_auth_server.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_terminator.hpp"
#include "tools/mock_cluster.hpp"

namespace kilp::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TlsStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kilp-tls-startup-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    cluster_.create_topic("t", 1);
    cluster_.produce("t", 1, 10, trades_from(0));
    ca_file_ = write_temp_file("startup-ca.pem", ca_.certificate_pem());
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Outcome {
    int exit_code;
    std::string log;
    std::vector<std::string> error_lines;
  };

  Outcome run(const std::string& sink) {
    const std::string err = (dir_ / ("run" + std::to_string(++runs_) + ".err")).string();
    Subprocess kilp(
        kKilpBinary,
        {"--brokers", cluster_.bootstrap_servers(), "--topic", "t", "--group",
         "startup" + std::to_string(runs_), "--shards", "1", "--from-beginning", "--exit-at-end",
         "--sink", sink, "--dlq", "file::path=" + (dir_ / "dlq.jsonl").string() + ";"},
        err);
    Outcome o{kilp.wait(60s), "", {}};
    o.log = read_file(err);
    std::size_t at = 0;
    while ((at = o.log.find("kilp: error:", at)) != std::string::npos) {
      const std::size_t end = o.log.find('\n', at);
      o.error_lines.push_back(o.log.substr(at, end - at));
      at = end;
    }
    return o;
  }

  void expect_one_error(const Outcome& o, int exit_code, const std::string& phrase) {
    EXPECT_EQ(o.exit_code, exit_code) << o.log;
    ASSERT_EQ(o.error_lines.size(), 1u) << o.log;
    EXPECT_NE(o.error_lines[0].find(phrase), std::string::npos) << o.error_lines[0];
  }

  std::string tcps(std::uint16_t port) const {
    return "tcps::addr=127.0.0.1:" + std::to_string(port) + ";tls_roots=" + ca_file_ + ";";
  }

  fs::path dir_;
  tools::MockCluster cluster_{1};
  TestCertificateAuthority ca_;
  std::string ca_file_;
  int runs_ = 0;
};

TEST_F(TlsStartupTest, CertificateProblemsEachHaveTheirOwnLine) {
  io::testing::LoopbackServer backend;
  TestCertificateAuthority stranger("someone else's CA");
  TlsTerminator unknown_ca(stranger.issue({"127.0.0.1"}), backend.port());
  expect_one_error(run(tcps(unknown_ca.port())), 1, "signed by an unknown CA");
  TlsTerminator expired(ca_.issue({"127.0.0.1"}, -7200, -60), backend.port());
  expect_one_error(run(tcps(expired.port())), 1, "certificate has expired");
  TlsTerminator elsewhere(ca_.issue({"questdb.example.com"}), backend.port());
  expect_one_error(run(tcps(elsewhere.port())), 1, "is not for '127.0.0.1'");
  EXPECT_TRUE(backend.connections().empty()) << "no row may pass a refused certificate";
}

TEST_F(TlsStartupTest, UnsafeOffRunsToTheEnd) {
  io::testing::LoopbackServer backend;
  TestCertificateAuthority stranger("someone else's CA");
  TlsTerminator front(stranger.issue({"elsewhere.example"}, -7200, -60), backend.port());
  const Outcome o =
      run("tcps::addr=127.0.0.1:" + std::to_string(front.port()) + ";tls_verify=unsafe_off;");
  EXPECT_EQ(o.exit_code, 0) << o.log;
  EXPECT_TRUE(backend.wait_for_bytes(10, 10s));
}

TEST_F(TlsStartupTest, AuthenticationProblems) {
  IlpAuthKeyPair right = generate_ilp_auth_key();
  IlpAuthKeyPair wrong = generate_ilp_auth_key();
  IlpAuthServer server("writer", right.key);
  const std::string addr = "tcp::addr=127.0.0.1:" + std::to_string(server.port()) + ";";
  const Outcome refused = run(addr + "username=writer;token=" + wrong.token + ";");
  expect_one_error(refused, 1, "authentication refused");
  EXPECT_EQ(refused.log.find(wrong.token), std::string::npos) << refused.log;
  const Outcome malformed = run(addr + "username=writer;token=not-a-key;");
  expect_one_error(malformed, 2, "tcp::token");
  EXPECT_EQ(malformed.log.find("not-a-key"), std::string::npos) << malformed.log;
  const Outcome ok = run(addr + "username=writer;token=" + right.token + ";");
  EXPECT_EQ(ok.exit_code, 0) << ok.log;
  free_ilp_auth_key(right);
  free_ilp_auth_key(wrong);
}

}  // namespace
}  // namespace kilp::testing
