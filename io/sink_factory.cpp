#include "io/sink_factory.hpp"

#include <stdexcept>

#include "io/file_sink.hpp"
#include "io/uring_tcp_sink.hpp"

namespace kilp::io {

std::unique_ptr<Sink> make_sink(const SinkConfig& config, std::size_t max_pending_buffers) {
  switch (config.schema) {
    case SinkSchema::tcp:
      return std::make_unique<UringTcpSink>(config.tcp, max_pending_buffers);
    case SinkSchema::file:
      return std::make_unique<FileSink>(config.file, max_pending_buffers);
    case SinkSchema::http:
      throw std::runtime_error("http sink: not yet implemented (use tcp:: or file::)");
  }
  throw std::logic_error("make_sink: unhandled sink schema");
}

}  // namespace kilp::io
