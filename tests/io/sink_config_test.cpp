#include "io/ilp/sink_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace kilp::io {
namespace {

using namespace std::chrono_literals;

EnvLookup fake_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kNoEnv = fake_env({});

// The message of the std::invalid_argument that parsing `text` throws.
std::string parse_error(std::string_view text, const EnvLookup& env = kNoEnv) {
  try {
    parse_sink_config(text, env);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(SinkConfig, TcpWithAllKeys) {
  const SinkConfig c = parse_sink_config(
      "tcp::addr=db.example:9010;protocol_version=2;reconnect_max_ms=750;so_sndbuf=65536;", kNoEnv);
  EXPECT_EQ(c.schema, SinkSchema::tcp);
  EXPECT_EQ(c.tcp.addr.host, "db.example");
  EXPECT_EQ(c.tcp.addr.port, 9010);
  EXPECT_EQ(c.tcp.protocol_version, 2);
  EXPECT_EQ(c.tcp.reconnect_max, 750ms);
  EXPECT_EQ(c.tcp.so_sndbuf, 65536);
  EXPECT_EQ(c.describe(), "tcp db.example:9010");
}

TEST(SinkConfig, TcpDefaultsAndOptionalTrailingSemicolon) {
  const SinkConfig c = parse_sink_config("tcp::addr=127.0.0.1", kNoEnv);
  EXPECT_EQ(c.tcp.addr.port, 9009);
  EXPECT_EQ(c.tcp.protocol_version, 1);
  EXPECT_EQ(c.tcp.reconnect_max, 5000ms);
  EXPECT_FALSE(c.tcp.so_sndbuf.has_value());
}

TEST(SinkConfig, Ipv6Addresses) {
  EXPECT_EQ(parse_sink_config("tcp::addr=[::1]:9100;", kNoEnv).tcp.addr.port, 9100);
  EXPECT_EQ(parse_sink_config("tcp::addr=[::1]:9100;", kNoEnv).tcp.addr.host, "::1");
  EXPECT_EQ(parse_sink_config("tcp::addr=[::1];", kNoEnv).tcp.addr.port, 9009);
  const SinkConfig bare = parse_sink_config("tcp::addr=fe80::1;", kNoEnv);
  EXPECT_EQ(bare.tcp.addr.host, "fe80::1");
  EXPECT_EQ(bare.describe(), "tcp [fe80::1]:9009");
}

TEST(SinkConfig, BadValuesNameTheKey) {
  EXPECT_TRUE(contains(parse_error("tcp::addr=h:0;"), "addr"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h:70000;"), "addr"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h:x;"), "addr"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=:9009;"), "addr"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;protocol_version=4;"), "protocol_version"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;reconnect_max_ms=-5;"), "reconnect_max_ms"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;so_sndbuf=lots;"), "so_sndbuf"));
  EXPECT_TRUE(contains(parse_error("tcp::protocol_version=1;"), "addr"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;addr=g;"), "addr"));
  EXPECT_TRUE(contains(parse_error("file::path=x;mode=rewrite;"), "mode"));
}

TEST(SinkConfig, UnknownKeyListsAcceptedKeys) {
  const std::string message = parse_error("tcp::addr=h;colour=blue;");
  EXPECT_TRUE(contains(message, "colour"));
  EXPECT_TRUE(contains(message, "addr, protocol_version, reconnect_max_ms, so_sndbuf"));
}

TEST(SinkConfig, UnknownSchemaListsAcceptedSchemas) {
  const std::string message = parse_error("udp::addr=h;");
  EXPECT_TRUE(contains(message, "udp"));
  EXPECT_TRUE(contains(message, "tcp, http, file, tcps, https"));
  EXPECT_TRUE(contains(parse_error("addr=h"), "schema::key=value"));
}

TEST(SinkConfig, TlsSchemasVerifyWithOsRootsByDefault) {
  const SinkConfig tcps = parse_sink_config("tcps::addr=db.example:9009;", kNoEnv);
  EXPECT_EQ(tcps.schema, SinkSchema::tcp);
  EXPECT_TRUE(tcps.tcp.tls.enabled);
  EXPECT_TRUE(tcps.tcp.tls.verify);
  EXPECT_EQ(tcps.tcp.tls.roots, TlsRoots::os_roots);
  EXPECT_EQ(tcps.describe(), "tcps db.example:9009");
  const SinkConfig https = parse_sink_config("https::addr=db.example;", kNoEnv);
  EXPECT_EQ(https.schema, SinkSchema::http);
  EXPECT_TRUE(https.http.tls.enabled);
  EXPECT_EQ(https.http.addr.port, 9000);
  EXPECT_EQ(https.describe(), "https db.example:9000");
  EXPECT_FALSE(parse_sink_config("http::addr=h;", kNoEnv).http.tls.enabled);
}

TEST(SinkConfig, TlsKeysFollowQuestDbClients) {
  const SinkConfig roots =
      parse_sink_config("https::addr=h;tls_roots=/etc/ca.pem;tls_verify=on;", kNoEnv);
  EXPECT_EQ(roots.http.tls.roots, TlsRoots::pem_file);  // tls_roots implies pem_file
  EXPECT_EQ(roots.http.tls.roots_file, "/etc/ca.pem");
  const SinkConfig off = parse_sink_config("tcps::addr=h;tls_verify=unsafe_off;", kNoEnv);
  EXPECT_FALSE(off.tcp.tls.verify);
  EXPECT_EQ(parse_sink_config("tcps::addr=h;tls_ca=webpki_and_os_roots;", kNoEnv).tcp.tls.roots,
            TlsRoots::os_roots);
  EXPECT_TRUE(contains(parse_error("tcps::addr=h;tls_ca=pem_file;"), "needs tls_roots"));
  EXPECT_TRUE(contains(parse_error("tcps::addr=h;tls_verify=off;"), "on or unsafe_off"));
  EXPECT_TRUE(contains(parse_error("tcps::addr=h;tls_ca=mine;"), "pem_file"));
  EXPECT_TRUE(
      contains(parse_error("tcps::addr=h;tls_ca=os_roots;tls_roots=x.pem;"), "tls_ca=pem_file"));
  // TLS settings without TLS are a mistake worth stopping for.
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;tls_verify=unsafe_off;"), "need tcps::"));
  EXPECT_TRUE(contains(parse_error("http::addr=h;tls_roots=x.pem;"), "need https::"));
}

TEST(SinkConfig, DoubledSemicolonIsLiteral) {
  const SinkConfig c = parse_sink_config("file::path=a;;b;;;mode=truncate;", kNoEnv);
  EXPECT_EQ(c.file.path, "a;b;");
  EXPECT_EQ(c.file.mode, FileMode::truncate);
}

TEST(SinkConfig, FileDefaultsToAppendAndDashIsStdout) {
  const SinkConfig c = parse_sink_config("file::path=-;", kNoEnv);
  EXPECT_EQ(c.schema, SinkSchema::file);
  EXPECT_EQ(c.file.path, "-");
  EXPECT_EQ(c.file.mode, FileMode::append);
  EXPECT_EQ(c.describe(), "file <stdout>");
  EXPECT_EQ(c.file.protocol_version, 1);
  EXPECT_TRUE(contains(parse_error("file::mode=append;"), "path"));
}

TEST(SinkConfig, FileWritesTheProtocolVersionAskedFor) {
  // Double arrays (protocol 2) can be written to a file for offline use and tests.
  EXPECT_EQ(parse_sink_config("file::path=x;protocol_version=2;", kNoEnv).file.protocol_version, 2);
  // Protocol 3 (decimals, QuestDB 9.2+) over every sink.
  EXPECT_EQ(parse_sink_config("file::path=x;protocol_version=3;", kNoEnv).file.protocol_version, 3);
  EXPECT_EQ(parse_sink_config("tcp::addr=h;protocol_version=3;", kNoEnv).tcp.protocol_version, 3);
  EXPECT_EQ(parse_sink_config("http::addr=h;protocol_version=3;", kNoEnv).http.protocol_version, 3);
  EXPECT_TRUE(contains(parse_error("file::path=x;protocol_version=4;"), "file::protocol_version"));
  EXPECT_TRUE(
      contains(parse_error("http::addr=h;protocol_version=0;"), "expected 1, 2, 3 or auto"));
}

TEST(SinkConfig, EnvironmentExpansion) {
  const EnvLookup env = fake_env({{"DIR", "/data"}, {"PORT", "9011"}});
  EXPECT_EQ(parse_sink_config("file::path=${DIR}/out.ilp;", env).file.path, "/data/out.ilp");
  EXPECT_EQ(parse_sink_config("tcp::addr=h:${PORT};", env).tcp.addr.port, 9011);
  EXPECT_EQ(parse_sink_config("file::path=cost$$5;", env).file.path, "cost$5");
  EXPECT_EQ(parse_sink_config("file::path=$${DIR};", env).file.path, "${DIR}");
}

TEST(SinkConfig, EnvironmentErrorsNameTheVariable) {
  EXPECT_TRUE(contains(parse_error("file::path=${MISSING_VAR}/x;"), "MISSING_VAR"));
  EXPECT_TRUE(contains(parse_error("file::path=${UNCLOSED;"), "path"));
  EXPECT_TRUE(contains(parse_error("file::path=a$b;"), "$$"));
  EXPECT_TRUE(contains(parse_error("file::path=${1X};"), "path"));
}

TEST(SinkConfig, ProcessEnvironmentIsTheDefault) {
  ::setenv("KILP_SINK_CONFIG_TEST_PATH", "from-env.ilp", 1);
  EXPECT_EQ(parse_sink_config("file::path=${KILP_SINK_CONFIG_TEST_PATH};").file.path,
            "from-env.ilp");
  ::unsetenv("KILP_SINK_CONFIG_TEST_PATH");
}

TEST(SinkConfig, HttpKeysAreKept) {
  const SinkConfig c = parse_sink_config(
      "http::addr=localhost;username=admin;password=quest;request_timeout=2500;"
      "retry_timeout=0;request_min_throughput=2048;auto_flush_rows=off;"
      "auto_flush_bytes=1048576;auto_flush_interval=250;protocol_version=2;",
      kNoEnv);
  EXPECT_EQ(c.schema, SinkSchema::http);
  EXPECT_EQ(c.http.addr.port, 9000);
  EXPECT_EQ(c.http.username, "admin");
  EXPECT_EQ(c.http.password, "quest");
  EXPECT_EQ(c.http.request_timeout, 2500ms);
  EXPECT_EQ(c.http.retry_timeout, 0ms);
  EXPECT_EQ(parse_sink_config("http::addr=h;").http.retry_timeout, std::chrono::milliseconds::max())
      << "kilp retries forever unless told otherwise";
  EXPECT_EQ(parse_sink_config("http::addr=h;retry_timeout=off;").http.retry_timeout,
            std::chrono::milliseconds::max());
  EXPECT_EQ(c.http.request_min_throughput, 2048u);
  EXPECT_EQ(c.http.auto_flush_rows, 0u);
  EXPECT_EQ(c.http.auto_flush_bytes, 1048576u);
  EXPECT_EQ(c.http.auto_flush_interval, 250ms);
  EXPECT_EQ(c.http.protocol_version, 2);
  EXPECT_EQ(c.describe(), "http localhost:9000");
  EXPECT_EQ(parse_sink_config("http::addr=h;token=abc;", kNoEnv).http.token, "abc");
}

TEST(SinkConfig, HttpMaxInFlightDefaultsToFourAndIsBounded) {
  EXPECT_EQ(parse_sink_config("http::addr=h;", kNoEnv).http.max_in_flight, 4u);
  EXPECT_EQ(parse_sink_config("http::addr=h;max_in_flight=1;", kNoEnv).http.max_in_flight, 1u);
  EXPECT_EQ(parse_sink_config("https::addr=h;max_in_flight=16;", kNoEnv).http.max_in_flight, 16u);
  EXPECT_TRUE(contains(parse_error("http::addr=h;max_in_flight=0;"), "max_in_flight"));
  EXPECT_TRUE(contains(parse_error("http::addr=h;max_in_flight=257;"), "max_in_flight"));
  EXPECT_TRUE(contains(parse_error("http::addr=h;max_in_flight=many;"), "max_in_flight"));
  EXPECT_TRUE(contains(parse_error("tcp::addr=h;max_in_flight=2;"), "max_in_flight"));
}

TEST(SinkConfig, SecretsNeverAppearInMessagesOrDescribe) {
  const std::string secret = "s3cr3t-Value";
  const EnvLookup env = fake_env({{"QDB_PASSWORD", secret}, {"QDB_TOKEN", secret}});
  const SinkConfig from_env =
      parse_sink_config("http::addr=h;username=u;password=${QDB_PASSWORD};", env);
  EXPECT_EQ(from_env.http.password, secret);
  EXPECT_FALSE(contains(from_env.describe(), secret));
  const SinkConfig token = parse_sink_config("http::addr=h;token=" + secret + ";", kNoEnv);
  EXPECT_FALSE(contains(token.describe(), secret));

  for (const std::string& text : {
           "http::addr=h;password=" + secret + "$oops;",
           "http::addr=h;token=" + secret + "${;",
           "http::addr=h;token=${" + secret + "};",
           "http::addr=h;token=" + secret + ";username=u;password=" + secret + ";",
           "http::addr=h;password=" + secret + ";bogus=1;",
       }) {
    const std::string message = parse_error(text, env);
    EXPECT_FALSE(contains(message, secret)) << message;
    EXPECT_FALSE(message.empty());
  }
}

}  // namespace
}  // namespace kilp::io
