// tcps:: and https:: sinks against a TLS-terminating front (certificates made
// at test time) for the plain loopback servers: rows arrive exactly, a reconnect
// does a new handshake, and each certificate problem a user meets is refused at
// start-up with its own sentence; tls_verify=unsafe_off accepts them all.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "io/ilp/http_ilp_sink.hpp"
#include "io/ilp/http_protocol_version.hpp"
#include "io/ilp/sink_config.hpp"
#include "io/ilp/uring_tcp_sink.hpp"
#include "tests/integration/ilp_http_server.hpp"
#include "tests/io/loopback_server.hpp"
#include "tests/io/sink_test_helpers.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_terminator.hpp"

namespace kilp::io {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using kilp::testing::PemIdentity;
using kilp::testing::TestCertificateAuthority;
using kilp::testing::TlsTerminator;

struct Pki {
  TestCertificateAuthority ca;
  std::string ca_file = kilp::testing::write_temp_file("ca.pem", ca.certificate_pem());
  PemIdentity server = ca.issue({"localhost", "127.0.0.1"});
};

Pki& pki() {
  static Pki shared;  // one CA per test binary run: key generation is not free
  return shared;
}

TcpSinkConfig tcps_config(std::uint16_t port, const std::string& extra = "") {
  SinkConfig config =
      parse_sink_config("tcps::addr=127.0.0.1:" + std::to_string(port) +
                        ";tls_roots=" + pki().ca_file + ";reconnect_max_ms=200;" + extra);
  return config.tcp;
}

std::string connect_error(const TcpSinkConfig& config) {
  try {
    UringTcpSink sink(config, 4);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "connected";
}

TEST(TlsSink, TcpsDeliversEveryRowExactlyOnce) {
  LoopbackServer backend;
  TlsTerminator front(pki().server, backend.port());
  auto sink_holder = std::make_unique<UringTcpSink>(tcps_config(front.port()), 8);
  UringTcpSink& sink = *sink_holder;
  EXPECT_EQ(sink.describe(), "tcps 127.0.0.1:" + std::to_string(front.port()));
  const std::vector<std::string> buffers = make_buffers(300, 200);
  send_all(sink, buffers, 8);
  const std::string expected = concat(buffers);
  ASSERT_TRUE(backend.wait_for_bytes(expected.size(), 20s));
  ASSERT_EQ(backend.connections().size(), 1u);
  EXPECT_EQ(backend.connections().at(0), expected);
  EXPECT_EQ(front.handshakes_completed(), 1u);
  EXPECT_EQ(front.last_server_name(), "");  // no SNI for an IP literal (RFC 6066)
  sink_holder.reset();                      // an orderly end: close_notify, not just a TCP close
  for (int i = 0; i < 500 && front.clean_closes() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(front.clean_closes(), 1u);
}

TEST(TlsSink, TcpsReconnectDoesANewHandshakeAndResends) {
  // Buffers of ~0.9 MB; the reset comes early in buffer 2, so even with every
  // socket buffer on the way full, all unread bytes belong to buffer 2.
  constexpr std::size_t kResetAfter = 1900 * 1024;
  LoopbackServer backend(
      {.receive_buffer_bytes = 32 * 1024, .reset_first_connection_after = kResetAfter});
  // Small socket buffers everywhere: what the reset destroys belongs to buffer 2,
  // which the sink must resend whole over a new TLS session.
  TlsTerminator front(pki().server, backend.port(), 32 * 1024);
  TcpSinkConfig config = tcps_config(front.port());
  config.so_sndbuf = 32 * 1024;
  UringTcpSink sink(config, 4);
  const std::vector<std::string> buffers = make_buffers(8, 14000);
  send_all(sink, buffers, 4);
  std::size_t tail_bytes = 0;
  for (std::size_t i = 2; i < buffers.size(); ++i) tail_bytes += buffers[i].size();
  ASSERT_TRUE(backend.wait_for_bytes(kResetAfter + tail_bytes, 20s))
      << backend.total_bytes() << " of " << kResetAfter + tail_bytes;
  EXPECT_GE(sink.reconnects(), 1u);
  EXPECT_GE(front.handshakes_completed(), 2u);
  expect_delivered_at_least_once(buffers, backend.connections());
}

TEST(TlsSink, HttpsDeliversEveryRowAndKeepsBasicAuth) {
  kilp::testing::IlpHttpServer backend;
  TlsTerminator front(pki().server, backend.port());
  const SinkConfig config =
      parse_sink_config("https::addr=localhost:" + std::to_string(front.port()) +
                        ";tls_ca=pem_file;tls_roots=" + pki().ca_file +
                        ";username=admin;password=quest;protocol_version=1;");
  UringHttpSink sink(config.http, 4);
  EXPECT_EQ(sink.describe(), "https localhost:" + std::to_string(front.port()));
  const std::vector<std::string> buffers = make_buffers(40, 100);
  send_all(sink, buffers, 4);
  EXPECT_EQ(sorted_lines(backend.accepted()), sorted_lines(concat(buffers)));
  EXPECT_TRUE(backend.protocol_errors().empty());
  EXPECT_EQ(front.last_server_name(), "localhost");  // SNI: the host in addr
}

TEST(TlsSink, HttpsReconnectsWithANewHandshakeAfterAServerRestart) {
  kilp::testing::IlpHttpServer backend;
  TlsTerminator front(pki().server, backend.port());
  const SinkConfig config =
      parse_sink_config("https::addr=127.0.0.1:" + std::to_string(front.port()) +
                        ";tls_roots=" + pki().ca_file + ";protocol_version=1;");
  UringHttpSink sink(config.http, 4);
  const std::vector<std::string> buffers = make_buffers(60, 100);
  send_range(sink, buffers, 0, 30, 4);
  backend.restart(200ms);  // every connection drops: the front closes the TLS side too
  send_range(sink, buffers, 30, 60, 4);
  // HTTP: acknowledged, so exactly once (in any order: several requests are in flight)
  EXPECT_EQ(sorted_lines(backend.accepted()), sorted_lines(concat(buffers)));
  EXPECT_GE(front.handshakes_completed(), 2u);
}

TEST(TlsSink, HttpsNegotiatesTheProtocolVersionOverTls) {
  kilp::testing::IlpHttpServer backend({.settings_v2 = true});
  TlsTerminator front(pki().server, backend.port());
  const SinkConfig config =
      parse_sink_config("https::addr=127.0.0.1:" + std::to_string(front.port()) +
                        ";tls_roots=" + pki().ca_file + ";");
  EXPECT_EQ(negotiate_http_protocol_version(config.http), 2);
}

TEST(TlsSink, UnknownCaIsRefusedAtStartUp) {
  LoopbackServer backend;
  TestCertificateAuthority stranger("someone else's CA");
  TlsTerminator front(stranger.issue({"127.0.0.1"}), backend.port());
  const std::string error = connect_error(tcps_config(front.port()));
  EXPECT_NE(error.find("signed by an unknown CA"), std::string::npos) << error;
  EXPECT_NE(error.find("tls_roots"), std::string::npos) << error;
}

TEST(TlsSink, HttpsRefusesAnUnknownCaAndAWrongHostAtStartUp) {
  kilp::testing::IlpHttpServer backend;
  TestCertificateAuthority stranger("someone else's CA");
  TlsTerminator unknown_ca(stranger.issue({"localhost"}), backend.port());
  TlsTerminator wrong_host(pki().ca.issue({"127.0.0.1"}), backend.port());
  auto error_for = [](std::uint16_t port) {
    const SinkConfig config = parse_sink_config("https::addr=localhost:" + std::to_string(port) +
                                                ";tls_roots=" + pki().ca_file + ";");
    try {
      UringHttpSink sink(config.http, 4);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("connected");
  };
  const std::string ca_error = error_for(unknown_ca.port());
  EXPECT_NE(ca_error.find("cannot connect to ILP/HTTP sink"), std::string::npos) << ca_error;
  EXPECT_NE(ca_error.find("unknown CA"), std::string::npos) << ca_error;
  const std::string host_error = error_for(wrong_host.port());
  EXPECT_NE(host_error.find("is not for 'localhost'"), std::string::npos) << host_error;
}

TEST(TlsSink, OsRootsDoNotTrustATestCa) {
  LoopbackServer backend;
  TlsTerminator front(pki().server, backend.port());
  const SinkConfig config =
      parse_sink_config("tcps::addr=127.0.0.1:" + std::to_string(front.port()) + ";");
  const std::string error = connect_error(config.tcp);
  EXPECT_NE(error.find("unknown CA"), std::string::npos) << error;
}

TEST(TlsSink, ExpiredCertificateIsRefusedAtStartUp) {
  LoopbackServer backend;
  TlsTerminator front(pki().ca.issue({"127.0.0.1"}, -7200, -60), backend.port());
  const std::string error = connect_error(tcps_config(front.port()));
  EXPECT_NE(error.find("certificate has expired"), std::string::npos) << error;
}

TEST(TlsSink, HostNameMismatchIsRefusedAtStartUp) {
  LoopbackServer backend;
  TlsTerminator front(pki().ca.issue({"questdb.example.com"}), backend.port());
  const std::string error = connect_error(tcps_config(front.port()));
  EXPECT_NE(error.find("is not for '127.0.0.1'"), std::string::npos) << error;
}

TEST(TlsSink, UnsafeOffAcceptsWhatVerificationRefuses) {
  LoopbackServer backend;
  TestCertificateAuthority stranger("someone else's CA");
  TlsTerminator front(stranger.issue({"elsewhere.example"}, -7200, -60), backend.port());
  const SinkConfig config = parse_sink_config(
      "tcps::addr=127.0.0.1:" + std::to_string(front.port()) + ";tls_verify=unsafe_off;");
  UringTcpSink sink(config.tcp, 4);
  const std::vector<std::string> buffers = make_buffers(10, 10);
  send_all(sink, buffers, 4);
  ASSERT_TRUE(backend.wait_for_bytes(concat(buffers).size(), 10s));
  EXPECT_EQ(backend.connections().at(0), concat(buffers));
}

// A plain HTTP server answers a ClientHello with an HTTP error and closes.
class PlainHttpAnswerer {
 public:
  PlainHttpAnswerer() : listener_(kilp::testing::listen_on_loopback(port_)) {
    thread_ = std::thread([this] {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      char scratch[4096];
      (void)::recv(client, scratch, sizeof scratch, 0);
      const std::string answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    });
  }
  ~PlainHttpAnswerer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  int listener_;
  std::thread thread_;
};

TEST(TlsSink, TlsToAPlainServerSaysSo) {
  PlainHttpAnswerer plain;
  const SinkConfig config = parse_sink_config(
      "https::addr=127.0.0.1:" + std::to_string(plain.port()) + ";protocol_version=1;");
  try {
    UringHttpSink sink(config.http, 4);
    FAIL() << "connected to a plain server over TLS";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not speak TLS"), std::string::npos) << e.what();
  }
}

TEST(TlsSink, PlainHttpToATlsServerSaysSo) {
  kilp::testing::IlpHttpServer backend;
  TlsTerminator front(pki().server, backend.port());
  const SinkConfig config =
      parse_sink_config("http::addr=127.0.0.1:" + std::to_string(front.port()) + ";");
  try {
    negotiate_http_protocol_version(config.http);
    FAIL() << "a TLS endpoint answered plain HTTP";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("use https::"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kilp::io
