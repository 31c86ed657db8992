#include "io/ilp/uring_tcp_sink.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "tests/io/loopback_server.hpp"
#include "tests/io/sink_test_helpers.hpp"

namespace kilp::io {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackServer;
using namespace testing;

TcpSinkConfig config_for(std::uint16_t port) {
  TcpSinkConfig config;
  config.addr = {"127.0.0.1", port};
  config.reconnect_max = 200ms;
  return config;
}

TEST(UringTcpSink, DeliversThousandBuffersCompleteAndInOrder) {
  LoopbackServer server;
  UringTcpSink sink(config_for(server.port()), 8);
  EXPECT_EQ(sink.describe(), "tcp " + server.address());
  const std::vector<std::string> buffers = make_buffers(1000, 20);
  send_all(sink, buffers, 8);
  const std::string expected = concat(buffers);
  ASSERT_TRUE(server.wait_for_bytes(expected.size(), 10s));
  const std::vector<std::string> received = server.connections();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], expected);
  EXPECT_EQ(sink.reconnects(), 0u);
}

TEST(UringTcpSink, ShortSendsOfLargeBuffersAreCompleted) {
  LoopbackServer server({.receive_buffer_bytes = 16 * 1024});
  TcpSinkConfig config = config_for(server.port());
  config.so_sndbuf = 16 * 1024;
  UringTcpSink sink(config, 4);
  const std::vector<std::string> buffers = make_buffers(12, 40000);  // ~3 MiB each
  send_all(sink, buffers, 4);
  const std::string expected = concat(buffers);
  ASSERT_TRUE(server.wait_for_bytes(expected.size(), 20s));
  EXPECT_EQ(server.connections().at(0), expected);
}

TEST(UringTcpSink, ReconnectsAfterResetBetweenBuffersAndLosesNothing) {
  LoopbackServer server;
  UringTcpSink sink(config_for(server.port()), 8);
  const std::vector<std::string> buffers = make_buffers(1000, 20);
  send_range(sink, buffers, 0, 500, 8);
  ASSERT_TRUE(server.wait_for_bytes(concat(buffers, 0, 500).size(), 10s));
  // Reset while the sink is idle: its next send fails, it reconnects and resends.
  server.reset_current_connection();
  send_range(sink, buffers, 500, 1000, 8);
  ASSERT_TRUE(server.wait_for_bytes(concat(buffers).size(), 10s));
  EXPECT_EQ(sink.reconnects(), 1u);
  const std::vector<std::string> received = server.connections();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0], concat(buffers, 0, 500));
  EXPECT_EQ(received[1], concat(buffers, 500));
}

TEST(UringTcpSink, ResendsInterruptedBufferAfterResetMidBuffer) {
  // 1 MiB buffers and small socket buffers: when the server resets the connection
  // in the middle of buffer 2, every unread byte belongs to buffer 2, which the
  // sink must resend from its first byte on the new connection.
  LoopbackServer server({.receive_buffer_bytes = 32 * 1024,
                         .reset_first_connection_after = 2 * 1024 * 1024 + 512 * 1024});
  TcpSinkConfig config = config_for(server.port());
  config.so_sndbuf = 32 * 1024;
  UringTcpSink sink(config, 4);
  const std::vector<std::string> buffers = make_buffers(8, 14000);  // ~1 MiB each
  send_all(sink, buffers, 4);
  ASSERT_TRUE(server.wait_for_bytes(2 * 1024 * 1024 + 512 * 1024, 10s));
  const std::vector<std::string> received = server.connections();
  EXPECT_EQ(sink.reconnects(), 1u);
  ASSERT_EQ(received.size(), 2u);
  // The rest arrives on the second connection, from the start of an unfinished buffer.
  std::size_t tail_bytes = 0;
  for (std::size_t i = 2; i < buffers.size(); ++i) tail_bytes += buffers[i].size();
  ASSERT_TRUE(server.wait_for_bytes(2 * 1024 * 1024 + 512 * 1024 + tail_bytes, 10s));
  expect_delivered_at_least_once(buffers, server.connections());
}

TEST(UringTcpSink, MayBeBuiltOnOneThreadAndUsedOnAnother) {
  // The engine may construct sinks before handing them to shard threads; the
  // single-issuer ring must bind to the thread that first submits.
  LoopbackServer server;
  UringTcpSink sink(config_for(server.port()), 4);
  const std::vector<std::string> buffers = make_buffers(50, 5);
  std::thread shard([&] { send_all(sink, buffers, 4); });
  shard.join();
  ASSERT_TRUE(server.wait_for_bytes(concat(buffers).size(), 10s));
  EXPECT_EQ(server.connections().at(0), concat(buffers));
}

TEST(UringTcpSink, ConnectRefusedNamesTheAddress) {
  // Bind without listening: connects to this port are refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t length = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  const std::uint16_t port = ntohs(addr.sin_port);
  try {
    UringTcpSink sink(config_for(port), 4);
    FAIL() << "connect should have been refused";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot connect to ILP/TCP sink 127.0.0.1:" +
                                         std::to_string(port) + ": Connection refused");
  }
  ::close(fd);
}

TEST(UringTcpSink, KeepsRetryingWhileRefusedAndResumesWhenServerReturns) {
  auto server = std::make_unique<LoopbackServer>();
  const std::uint16_t port = server->port();
  UringTcpSink sink(config_for(port), 8);
  const std::vector<std::string> buffers = make_buffers(8, 10);
  server.reset();  // gone: connection closed, connects refused
  std::array<BufferId, 8> done{};
  std::size_t reported = 0;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    sink.submit(static_cast<BufferId>(i), buffers[i]);
    reported += sink.poll(20ms, std::span(done).subspan(reported));
  }
  // The kernel may take a buffer before it learns the peer is gone (TCP's blind
  // spot, see uring_tcp_sink.hpp); everything after that waits for a connection.
  for (int i = 0; i < 10; ++i) reported += sink.poll(20ms, std::span(done).subspan(reported));
  EXPECT_LT(reported, buffers.size());
  EXPECT_EQ(sink.reconnects(), 0u);

  LoopbackServer revived({.port = port});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (reported < buffers.size() && std::chrono::steady_clock::now() < deadline) {
    reported += sink.poll(20ms, std::span(done).subspan(reported));
  }
  ASSERT_EQ(reported, buffers.size());
  for (std::size_t i = 0; i < reported; ++i) EXPECT_EQ(done[i], i);
  EXPECT_EQ(sink.reconnects(), 1u);
  // The revived server receives an unbroken suffix ending with the last buffer.
  std::string got;
  for (int i = 0; i < 500 && !got.ends_with(buffers.back()); ++i) {
    std::this_thread::sleep_for(10ms);
    // The server may not have registered the connection yet (slow machine, TSan).
    if (const auto connections = revived.connections(); !connections.empty()) got = connections.front();
  }
  std::size_t first = 0;
  while (first < buffers.size() && concat(buffers, first).size() > got.size()) ++first;
  EXPECT_EQ(got, concat(buffers, first));
}

}  // namespace
}  // namespace kilp::io
