#include "io/ilp/sink_factory.hpp"

#include <stdexcept>

#include "io/ilp/file_sink.hpp"
#include "io/ilp/http_protocol_version.hpp"
#include "io/ilp/http_ilp_sink.hpp"
#include "io/ilp/uring_tcp_sink.hpp"

namespace kilp::io {

std::unique_ptr<Sink> make_sink(const SinkConfig& config, std::size_t max_pending_buffers) {
  switch (config.schema) {
    case SinkSchema::tcp:
      return std::make_unique<UringTcpSink>(config.tcp, max_pending_buffers);
    case SinkSchema::file:
      return std::make_unique<FileSink>(config.file, max_pending_buffers);
    case SinkSchema::http:
      return std::make_unique<UringHttpSink>(config.http, max_pending_buffers);
  }
  throw std::logic_error("make_sink: unhandled sink schema");
}

int resolve_protocol_version(SinkConfig& config) {
  switch (config.schema) {
    case SinkSchema::tcp:
      return config.tcp.protocol_version;
    case SinkSchema::http:
      config.http.protocol_version = negotiate_http_protocol_version(config.http);
      return config.http.protocol_version;
    case SinkSchema::file:
      return config.file.protocol_version;
  }
  return 1;
}

}  // namespace kilp::io
