// QuestDB's ILP/TCP authentication against a server that issues a challenge and
// verifies the ECDSA P-256 signature with the test's public key: rows arrive
// after a good signature (tcp:: and tcps::), a wrong key or key id is refused
// at start-up with a clear error, and a bad token is a configuration error that
// never echoes it.
#include "io/ilp/ilp_tcp_auth.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "io/ilp/sink_config.hpp"
#include "io/ilp/uring_tcp_sink.hpp"
#include "tests/io/sink_test_helpers.hpp"
#include "tests/support/ilp_auth_server.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_terminator.hpp"

namespace kilp::io {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using kilp::testing::IlpAuthKeyPair;
using kilp::testing::IlpAuthServer;

struct KeyHolder {
  IlpAuthKeyPair pair = kilp::testing::generate_ilp_auth_key();
  ~KeyHolder() { kilp::testing::free_ilp_auth_key(pair); }
};

std::string sink_text(const std::string& schema, std::uint16_t port, const std::string& user,
                      const IlpAuthKeyPair& key) {
  return schema + "::addr=127.0.0.1:" + std::to_string(port) + ";username=" + user +
         ";token=" + key.token + ";token_x=" + key.token_x + ";token_y=" + key.token_y + ";";
}

TEST(IlpTcpAuth, SignedChallengeLetsRowsThrough) {
  KeyHolder key;
  IlpAuthServer server("testUser1", key.pair.key);
  UringTcpSink sink(parse_sink_config(sink_text("tcp", server.port(), "testUser1", key.pair)).tcp,
                    4);
  const std::vector<std::string> buffers = make_buffers(50, 20);
  send_all(sink, buffers, 4);
  ASSERT_TRUE(server.wait_for_bytes(concat(buffers).size(), 10s));
  EXPECT_EQ(server.bytes(), concat(buffers));
  EXPECT_EQ(server.authenticated(), 1u);
}

TEST(IlpTcpAuth, WorksOverTls) {
  KeyHolder key;
  IlpAuthServer server("testUser1", key.pair.key);
  kilp::testing::TestCertificateAuthority ca;
  kilp::testing::TlsTerminator front(ca.issue({"127.0.0.1"}), server.port());
  const std::string roots = kilp::testing::write_temp_file("auth-ca.pem", ca.certificate_pem());
  UringTcpSink sink(parse_sink_config(sink_text("tcps", front.port(), "testUser1", key.pair) +
                                      "tls_roots=" + roots + ";")
                        .tcp,
                    4);
  const std::vector<std::string> buffers = make_buffers(50, 20);
  send_all(sink, buffers, 4);
  ASSERT_TRUE(server.wait_for_bytes(concat(buffers).size(), 10s));
  EXPECT_EQ(server.bytes(), concat(buffers));
}

TEST(IlpTcpAuth, WrongKeyIsRefusedAtStartUp) {
  KeyHolder expected;
  KeyHolder other;
  IlpAuthServer server("testUser1", expected.pair.key);
  const TcpSinkConfig config =
      parse_sink_config(sink_text("tcp", server.port(), "testUser1", other.pair)).tcp;
  try {
    UringTcpSink sink(config, 4);
    FAIL() << "a wrong key was accepted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("authentication refused"), std::string::npos) << what;
    EXPECT_EQ(what.find(other.pair.token), std::string::npos) << "the token leaked: " << what;
  }
  EXPECT_EQ(server.refused(), 1u);
}

TEST(IlpTcpAuth, UnknownKeyIdIsRefusedAtStartUp) {
  KeyHolder key;
  IlpAuthServer server("testUser1", key.pair.key);
  try {
    UringTcpSink sink(parse_sink_config(sink_text("tcp", server.port(), "intruder", key.pair)).tcp,
                      4);
    FAIL() << "an unknown key id was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("authentication refused"), std::string::npos) << e.what();
  }
}

TEST(IlpTcpAuth, BadTokensAreConfigurationErrorsThatNeverEchoThem) {
  const std::string secret_looking = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";  // 20 bytes, not 32
  for (const std::string& token :
       {secret_looking, std::string("not base64 at all!"), std::string(43, 'A') /* d = 0 */}) {
    try {
      parse_sink_config("tcp::addr=127.0.0.1:9009;username=u;token=" + token + ";");
      FAIL() << "accepted token " << token;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("tcp::token"), std::string::npos) << what;
      EXPECT_EQ(what.find(token), std::string::npos) << "the token leaked: " << what;
    }
  }
}

TEST(IlpTcpAuth, PublicKeyThatDoesNotMatchTheTokenIsAnError) {
  KeyHolder key;
  KeyHolder other;
  EXPECT_THROW(IlpAuthKey::from_token(key.pair.token, other.pair.token_x, key.pair.token_y),
               std::invalid_argument);
  EXPECT_NO_THROW(IlpAuthKey::from_token(key.pair.token, key.pair.token_x, key.pair.token_y));
}

TEST(IlpTcpAuth, UsernameWithoutTokenIsAnError) {
  EXPECT_THROW(parse_sink_config("tcp::addr=127.0.0.1:9009;username=u;"), std::invalid_argument);
}

TEST(IlpTcpAuth, Base64DecoderTakesBothAlphabetsWithOrWithoutPadding) {
  std::string out;
  ASSERT_TRUE(decode_base64_any("-_8", out));
  EXPECT_EQ(out, std::string("\xfb\xff", 2));
  ASSERT_TRUE(decode_base64_any("+/8=", out));
  EXPECT_EQ(out, std::string("\xfb\xff", 2));
  EXPECT_FALSE(decode_base64_any("a", out));
  EXPECT_FALSE(decode_base64_any("ab$d", out));
}

}  // namespace
}  // namespace kilp::io
