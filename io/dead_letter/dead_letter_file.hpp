#pragma once
// Dead letters as JSON lines in a local file, one object per record:
//
//   {"reason":"malformed_json","detail":"...","topic":"t","partition":0,"offset":42,
//    "timestamp_ms":1700000000000,"key":null,"payload":"..."}
//
// Payload and key are JSON strings when they are valid UTF-8, otherwise they are
// written as "payload_base64" / "key_base64" so the exact bytes can be recovered.
// "key" is null when the message had none, "timestamp_ms" null when unknown (< 0).
// A payload longer than the configured bound is cut (at a character boundary)
// and marked with "payload_truncated":true and its original "payload_bytes".
//
// Every record is one write() on an O_APPEND descriptor, so several shards, each
// with its own DeadLetterFile on the same path, can share the file without locks:
// the kernel appends each record whole. (Only a short write, e.g. on a full disk,
// could split a record; the remainder is then written at once.)
#include <cstddef>
#include <string>
#include <string_view>

#include "io/dead_letter/dead_letter_sink.hpp"
#include "io/ilp/uring_socket.hpp"

namespace kilp::io {

class DeadLetterFile final : public DeadLetterSink {
 public:
  static constexpr std::size_t kDefaultMaxPayloadBytes = 1 << 20;

  // Opens `path` for appending (creating it); throws std::runtime_error naming it.
  explicit DeadLetterFile(std::string path,
                          std::size_t max_payload_bytes = kDefaultMaxPayloadBytes);

  // Appends the record; throws SinkFatalError if the file refuses it, since a
  // dead letter must not be lost silently.
  void write(const DeadLetterRecord& record) override;

 private:
  std::string path_;
  UniqueFd fd_;
  std::size_t max_payload_bytes_;
  std::string line_;  // reused between records; bounded by max_payload_bytes_
};

// The JSON line (with its '\n') for `record`, appended to `out`. Shared with other
// dead-letter sinks so every destination carries the same format.
void append_dead_letter_json(const DeadLetterRecord& record, std::size_t max_payload_bytes,
                             std::string& out);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

// Standard base64 with '=' padding (RFC 4648 section 4).
void append_base64(std::string_view bytes, std::string& out);

}  // namespace kilp::io
