#include "io/questdb/questdb_exec.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "io/http/http_json.hpp"
#include "io/ilp/blocking_http_get.hpp"
#include "io/ilp/sink.hpp"

namespace kilp::io {

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' ||
                            byte == '.' || byte == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string questdb_exec(const HttpSinkConfig& config, std::string_view sql) {
  const std::string address_text = config.addr.to_string();
  const BlockingHttpAnswer answer = blocking_http_get(config, "/exec?query=" + url_encode(sql));
  if (answer.failure != BlockingHttpAnswer::Failure::kNone) {
    throw std::runtime_error(
        fmt::format("QuestDB {}: SQL over /exec failed: {} ({})", address_text, answer.detail, sql));
  }
  if (answer.status == 401 || answer.status == 403) {
    throw SinkFatalError(fmt::format(
        "QuestDB {}: /exec refused the credentials (HTTP {}); check username/password or token",
        address_text, answer.status));
  }
  if (answer.status != 200) {
    HttpErrorBody error;
    parse_http_error_body(answer.body, error);
    throw std::runtime_error(fmt::format("QuestDB {} refused '{}' (HTTP {}): {}", address_text,
                                         sql, answer.status, error.message));
  }
  return answer.body;
}

}  // namespace kilp::io
