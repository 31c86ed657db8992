// A tcps:: sink in steady state: kilp's code allocates nothing per buffer
// (operator new, allocation_counter), and OpenSSL (its allocator counted through
// CRYPTO_set_mem_functions, installed before OpenSSL allocates anything) only
// makes the small bookkeeping allocations its record layer does per TLS record
// (OpenSSL 3.0's WPACKET: three of 40 bytes): no buffer of the session grows or is
// replaced. Only the test thread, which drives the sink as a shard would, is
// counted; the TLS front's threads allocate as they like.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>

#include "io/ilp/sink_config.hpp"
#include "io/ilp/uring_tcp_sink.hpp"
#include "tests/io/loopback_server.hpp"
#include "tests/io/sink_test_helpers.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_terminator.hpp"

namespace {

std::atomic<bool> counting{false};
std::atomic<std::size_t> openssl_allocations{0};
std::atomic<std::size_t> openssl_largest{0};
pthread_t counted_thread;

void note_allocation(std::size_t size) {
  if (counting.load(std::memory_order_relaxed) && pthread_equal(pthread_self(), counted_thread)) {
    openssl_allocations.fetch_add(1, std::memory_order_relaxed);
    if (size > openssl_largest.load()) openssl_largest.store(size);
  }
}
void* counting_malloc(std::size_t size, const char*, int) {
  note_allocation(size);
  return std::malloc(size);
}
void* counting_realloc(void* p, std::size_t size, const char*, int) {
  note_allocation(size);
  return std::realloc(p, size);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}

// Before main(): OpenSSL accepts new memory functions only before its first allocation.
const bool hooks_installed =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

}  // namespace

namespace kilp::io {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(TlsStreamAllocation, SteadyStateTcpsSendsAllocateNothing) {
  ASSERT_TRUE(hooks_installed);
  kilp::testing::TestCertificateAuthority ca;
  LoopbackServer backend({.keep_bytes = false});
  kilp::testing::TlsTerminator front(ca.issue({"127.0.0.1"}), backend.port());
  const std::string roots = kilp::testing::write_temp_file("alloc-ca.pem", ca.certificate_pem());
  UringTcpSink sink(parse_sink_config("tcps::addr=127.0.0.1:" + std::to_string(front.port()) +
                                      ";tls_roots=" + roots + ";")
                        .tcp,
                    4);
  const std::vector<std::string> buffers = make_buffers(40, 3000);  // ~200 KB each
  send_all(sink, buffers, 4);  // warm-up: session buffers reach their working size

  counted_thread = pthread_self();
  kilp::testing::count_only_thread(counted_thread);
  const std::size_t new_before = kilp::testing::allocation_count();
  counting = true;
  send_all(sink, buffers, 4);
  counting = false;
  const std::size_t news = kilp::testing::allocation_count() - new_before;
  kilp::testing::count_all_threads();
  EXPECT_EQ(news, 0u) << "operator new calls while sending";
  // Each buffer is one encryption (< 256 KiB), cut into records of 16 KiB.
  std::size_t records = 0;
  for (const std::string& b : buffers) records += (b.size() + 16383) / 16384;
  EXPECT_LE(openssl_allocations.load(), 3 * records) << "more OpenSSL allocations than per record";
  EXPECT_LE(openssl_largest.load(), 256u) << "a session buffer was (re)allocated while sending";
}

}  // namespace
}  // namespace kilp::io
