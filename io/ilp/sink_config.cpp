#include "io/ilp/sink_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "io/ilp/ilp_tcp_auth.hpp"

namespace kilp::io {
namespace {

constexpr std::uint16_t kDefaultTcpPort = 9009;
constexpr std::uint16_t kDefaultHttpPort = 9000;

struct KeyValue {
  std::string key;
  std::string value;
};

[[noreturn]] void fail(std::string message) {
  throw std::invalid_argument(std::move(message));
}

bool is_secret_key(std::string_view key) {
  return key == "password" || key == "token";
}

// What a value looks like in an error message: secrets are never echoed.
std::string shown_value(std::string_view key, std::string_view value) {
  return is_secret_key(key) ? std::string("<redacted>") : fmt::format("'{}'", value);
}

// Splits "k=v;k=v;" honouring ";;" as a literal ';' inside values.
std::vector<KeyValue> split_pairs(std::string_view schema, std::string_view body) {
  std::vector<KeyValue> pairs;
  std::size_t i = 0;
  while (i < body.size()) {
    const std::size_t eq = body.find('=', i);
    const std::size_t semi = body.find(';', i);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      const std::string_view junk =
          body.substr(i, semi == std::string_view::npos ? body.npos : semi - i);
      fail(fmt::format("{}:: expected key=value, got '{}'", schema, junk));
    }
    KeyValue kv;
    kv.key = std::string(body.substr(i, eq - i));
    if (kv.key.empty()) fail(fmt::format("{}:: empty key before '=' at offset {}", schema, eq));
    i = eq + 1;
    while (i < body.size()) {
      if (body[i] == ';') {
        if (i + 1 < body.size() && body[i + 1] == ';') {
          kv.value += ';';
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      kv.value += body[i++];
    }
    pairs.push_back(std::move(kv));
  }
  return pairs;
}

std::string join_keys(std::span<const std::string_view> keys) {
  std::string out;
  for (const std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::uint64_t parse_unsigned(std::string_view schema, std::string_view key, std::string_view value,
                             std::uint64_t min, std::uint64_t max) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < min ||
      n > max) {
    fail(fmt::format("{}::{}: expected an integer in [{}, {}], got {}", schema, key, min, max,
                     shown_value(key, value)));
  }
  return n;
}

// auto_flush_* accept "off" as well as a number; 0 means off.
std::uint64_t parse_unsigned_or_off(std::string_view schema, std::string_view key,
                                    std::string_view value) {
  if (value == "off") return 0;
  return parse_unsigned(schema, key, value, 0, std::numeric_limits<std::int64_t>::max());
}

std::chrono::milliseconds parse_millis(std::string_view schema, std::string_view key,
                                       std::string_view value, std::uint64_t min) {
  constexpr std::uint64_t kOneDay = 24ull * 3600 * 1000;
  return std::chrono::milliseconds(parse_unsigned(schema, key, value, min, kOneDay));
}

int parse_protocol_version(std::string_view schema, std::string_view value) {
  if (value == "1") return 1;
  if (value == "2") return 2;
  if (value == "3") return 3;
  fail(fmt::format("{}::protocol_version: expected 1, 2 or 3, got '{}'", schema, value));
}

SinkAddress parse_address(std::string_view schema, std::string_view value,
                          std::uint16_t default_port) {
  SinkAddress addr;
  std::optional<std::string_view> port_text;
  if (!value.empty() && value.front() == '[') {  // "[v6]:port" or "[v6]"
    const std::size_t close = value.find(']');
    if (close == std::string_view::npos) {
      fail(fmt::format("{}::addr: missing ']' in '{}'", schema, value));
    }
    addr.host = std::string(value.substr(1, close - 1));
    const std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        fail(fmt::format("{}::addr: expected ':port' after ']' in '{}'", schema, value));
      }
      port_text = rest.substr(1);
    }
  } else if (std::count(value.begin(), value.end(), ':') > 1) {  // bare IPv6 literal, no port
    addr.host = std::string(value);
  } else {
    const std::size_t colon = value.find(':');
    addr.host = std::string(value.substr(0, colon));
    if (colon != std::string_view::npos) port_text = value.substr(colon + 1);
  }
  if (addr.host.empty()) fail(fmt::format("{}::addr: missing host in '{}'", schema, value));
  addr.port =
      port_text
          ? static_cast<std::uint16_t>(parse_unsigned(schema, "addr (port)", *port_text, 1, 65535))
          : default_port;
  return addr;
}

constexpr std::array<std::string_view, 11> kTcpKeys = {
    "addr",    "protocol_version", "reconnect_max_ms", "so_sndbuf", "username", "token",
    "token_x", "token_y",          "tls_verify",       "tls_ca",    "tls_roots"};
constexpr std::array<std::string_view, 3> kFileKeys = {"path", "mode", "protocol_version"};
constexpr std::array<std::string_view, 16> kHttpKeys = {"addr",
                                                        "username",
                                                        "password",
                                                        "token",
                                                        "request_timeout",
                                                        "retry_timeout",
                                                        "request_min_throughput",
                                                        "auto_flush_rows",
                                                        "auto_flush_bytes",
                                                        "auto_flush_interval",
                                                        "max_in_flight",
                                                        "protocol_version",
                                                        "path",
                                                        "tls_verify",
                                                        "tls_ca",
                                                        "tls_roots"};
constexpr std::array<std::string_view, 5> kSchemas = {"tcp", "http", "file", "tcps", "https"};

void check_known_keys(std::string_view schema, const std::vector<KeyValue>& pairs,
                      std::span<const std::string_view> accepted) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string& key = pairs[i].key;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      fail(fmt::format("{}:: unknown key '{}' (accepted: {})", schema, key, join_keys(accepted)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (pairs[j].key == key) fail(fmt::format("{}::{}: given more than once", schema, key));
    }
  }
}

void require_key(std::string_view schema, const std::vector<KeyValue>& pairs,
                 std::string_view key) {
  for (const KeyValue& kv : pairs) {
    if (kv.key == key) return;
  }
  fail(fmt::format("{}:: missing required key '{}'", schema, key));
}

bool is_tls_key(std::string_view key) {
  return key == "tls_verify" || key == "tls_ca" || key == "tls_roots";
}

// tls_verify, tls_ca, tls_roots as QuestDB's clients read them; only with tcps::/https::.
TlsOptions build_tls(std::string_view schema, bool enabled, const std::vector<KeyValue>& pairs) {
  TlsOptions tls;
  tls.enabled = enabled;
  bool ca_given = false;
  for (const auto& [key, value] : pairs) {
    if (!is_tls_key(key)) continue;
    if (!enabled) {
      fail(fmt::format("{}::{}: TLS settings need {}s:: (TLS)", schema, key, schema));
    }
    if (key == "tls_verify") {
      if (value != "on" && value != "unsafe_off") {
        fail(fmt::format("{}s::tls_verify: expected on or unsafe_off, got '{}'", schema, value));
      }
      tls.verify = value == "on";
    } else if (key == "tls_ca") {
      ca_given = true;
      if (value == "os_roots" || value == "webpki_roots" || value == "webpki_and_os_roots") {
        tls.roots = TlsRoots::os_roots;
      } else if (value == "pem_file") {
        tls.roots = TlsRoots::pem_file;
      } else {
        fail(fmt::format(
            "{}s::tls_ca: expected os_roots, webpki_roots, webpki_and_os_roots or pem_file, got "
            "'{}'",
            schema, value));
      }
    } else if (key == "tls_roots") {
      if (value.empty()) fail(fmt::format("{}s::tls_roots: must name a PEM file", schema));
      tls.roots_file = value;
    }
  }
  if (!tls.roots_file.empty() && !ca_given) tls.roots = TlsRoots::pem_file;
  if (tls.roots == TlsRoots::pem_file && tls.roots_file.empty()) {
    fail(fmt::format("{}s::tls_ca=pem_file: needs tls_roots=FILE", schema));
  }
  if (tls.roots == TlsRoots::os_roots && !tls.roots_file.empty()) {
    fail(fmt::format("{}s::tls_roots: given with tls_ca={}; use tls_ca=pem_file", schema,
                     "os_roots"));
  }
  return tls;
}

TcpSinkConfig build_tcp(const std::vector<KeyValue>& pairs, bool tls) {
  require_key("tcp", pairs, "addr");
  TcpSinkConfig c;
  c.tls = build_tls("tcp", tls, pairs);
  for (const auto& [key, value] : pairs) {
    if (key == "addr") {
      c.addr = parse_address("tcp", value, kDefaultTcpPort);
    } else if (key == "protocol_version") {
      c.protocol_version = parse_protocol_version("tcp", value);
    } else if (key == "reconnect_max_ms") {
      c.reconnect_max = parse_millis("tcp", key, value, 1);
    } else if (key == "so_sndbuf") {
      c.so_sndbuf =
          static_cast<int>(parse_unsigned("tcp", key, value, 1, std::numeric_limits<int>::max()));
    } else if (key == "username") {
      c.username = value;
    } else if (key == "token") {
      c.token = value;
    } else if (key == "token_x") {
      c.token_x = value;
    } else if (key == "token_y") {
      c.token_y = value;
    }
  }
  if (c.username.empty() != c.token.empty()) {
    fail("tcp:: authentication needs both username (the key id) and token (the private key)");
  }
  if (c.token.empty() && (!c.token_x.empty() || !c.token_y.empty())) {
    fail("tcp::token_x/token_y: given without username and token");
  }
  // A token that is not a P-256 key is a configuration error, found now.
  if (!c.token.empty()) IlpAuthKey::from_token(c.token, c.token_x, c.token_y);
  return c;
}

FileSinkConfig build_file(const std::vector<KeyValue>& pairs) {
  require_key("file", pairs, "path");
  FileSinkConfig c;
  for (const auto& [key, value] : pairs) {
    if (key == "path") {
      if (value.empty()) fail("file::path: must not be empty (use '-' for stdout)");
      c.path = value;
    } else if (key == "mode") {
      if (value == "append") {
        c.mode = FileMode::append;
      } else if (value == "truncate") {
        c.mode = FileMode::truncate;
      } else {
        fail(fmt::format("file::mode: expected append or truncate, got '{}'", value));
      }
    } else if (key == "protocol_version") {
      c.protocol_version = parse_protocol_version("file", value);
    }
  }
  return c;
}

HttpSinkConfig build_http(const std::vector<KeyValue>& pairs, bool tls) {
  require_key("http", pairs, "addr");
  HttpSinkConfig c;
  c.tls = build_tls("http", tls, pairs);
  for (const auto& [key, value] : pairs) {
    if (key == "addr") {
      c.addr = parse_address("http", value, kDefaultHttpPort);
    } else if (key == "username") {
      c.username = value;
    } else if (key == "password") {
      c.password = value;
    } else if (key == "token") {
      c.token = value;
    } else if (key == "request_timeout") {
      c.request_timeout = parse_millis("http", key, value, 1);
    } else if (key == "retry_timeout") {
      // "off": retry for as long as it takes (kilp's default; see sink_config.hpp).
      c.retry_timeout =
          value == "off" ? std::chrono::milliseconds::max() : parse_millis("http", key, value, 0);
    } else if (key == "request_min_throughput") {
      c.request_min_throughput =
          parse_unsigned("http", key, value, 0, std::numeric_limits<std::int64_t>::max());
    } else if (key == "auto_flush_rows") {
      c.auto_flush_rows = parse_unsigned_or_off("http", key, value);
    } else if (key == "auto_flush_bytes") {
      c.auto_flush_bytes = parse_unsigned_or_off("http", key, value);
    } else if (key == "auto_flush_interval") {
      c.auto_flush_interval = std::chrono::milliseconds(parse_unsigned_or_off("http", key, value));
    } else if (key == "max_in_flight") {
      c.max_in_flight = parse_unsigned("http", key, value, 1, kMaxHttpInFlight);
    } else if (key == "protocol_version") {
      if (value != "auto" && value != "1" && value != "2" && value != "3") {
        fail(fmt::format("http::protocol_version: expected 1, 2, 3 or auto, got '{}'", value));
      }
      c.protocol_version = value == "auto" ? 0 : parse_protocol_version("http", value);
    } else if (key == "path") {
      if (value.empty() || value.front() != '/') {
        fail(fmt::format("http::path: must start with '/', got '{}'", value));
      }
      for (const char ch : value) {
        if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) {
          fail("http::path: must not contain spaces or control characters");
        }
      }
      c.path = value;
    }
  }
  if (!c.token.empty() && (!c.username.empty() || !c.password.empty())) {
    fail("http:: give either token or username/password, not both");
  }
  return c;
}

}  // namespace

std::string SinkAddress::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string SinkConfig::describe() const {
  switch (schema) {
    case SinkSchema::tcp:
      return (tcp.tls.enabled ? "tcps " : "tcp ") + tcp.addr.to_string();
    case SinkSchema::http:
      return (http.tls.enabled ? "https " : "http ") + http.addr.to_string();
    case SinkSchema::file:
      return "file " + (file.path == "-" ? std::string("<stdout>") : file.path);
  }
  return "unknown sink";
}

SinkConfig parse_sink_config(std::string_view text, const EnvLookup& env) {
  const std::size_t sep = text.find("::");
  if (sep == std::string_view::npos) {
    fail(fmt::format("sink configuration must look like 'schema::key=value;' (schemas: {})",
                     join_keys(kSchemas)));
  }
  const std::string_view written = text.substr(0, sep);
  if (std::find(kSchemas.begin(), kSchemas.end(), written) == kSchemas.end()) {
    fail(fmt::format("unknown sink schema '{}' (accepted: {})", written, join_keys(kSchemas)));
  }
  // tcps:: and https:: are tcp:: and http:: over TLS; messages name the base schema.
  const bool tls = written == "tcps" || written == "https";
  const std::string_view schema = tls ? written.substr(0, written.size() - 1) : written;

  std::vector<KeyValue> pairs = split_pairs(schema, text.substr(sep + 2));
  const std::span<const std::string_view> accepted =
      schema == "tcp"    ? std::span<const std::string_view>(kTcpKeys)
      : schema == "file" ? std::span<const std::string_view>(kFileKeys)
                         : std::span<const std::string_view>(kHttpKeys);
  check_known_keys(schema, pairs, accepted);
  for (KeyValue& kv : pairs) {
    kv.value = expand_env_references(fmt::format("{}::{}", schema, kv.key), kv.value,
                                     is_secret_key(kv.key), env);
  }

  SinkConfig config;
  if (schema == "tcp") {
    config.schema = SinkSchema::tcp;
    config.tcp = build_tcp(pairs, tls);
  } else if (schema == "file") {
    config.schema = SinkSchema::file;
    config.file = build_file(pairs);
  } else {
    config.schema = SinkSchema::http;
    config.http = build_http(pairs, tls);
  }
  return config;
}

}  // namespace kilp::io
