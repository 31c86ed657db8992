// The output ring's own cost, without parsing or I/O: appending trade-sized rows
// with their offset marks, and cycling whole buffers through seal, complete and
// release (what the shard does per buffer when the sink accepts it at once).
#include <benchmark/benchmark.h>

#include <cstring>
#include <string_view>

#include "core/output_ring.hpp"

namespace {

using kilp::core::OutputBuffer;
using kilp::core::OutputRing;

constexpr std::string_view kRow =
    "trades,symbol=BTC-USD,side=buy price=30123.45,amount=0.0123 1700000000123456000\n";

// One row pushed per iteration; a full buffer is sealed, completed and released.
void BM_RingPushRow(benchmark::State& state) {
  const auto partitions = static_cast<kilp::core::SlotId>(state.range(0));
  OutputRing ring(8, 1 << 20, 4096);
  std::int64_t offset = 0;
  std::uint64_t released_rows = 0;
  for (auto _ : state) {
    OutputBuffer* buffer = ring.fill_buffer();
    const auto slot = static_cast<kilp::core::SlotId>(offset % partitions);
    if (buffer->cursor().remaining() < kRow.size() || !buffer->can_mark(slot)) {
      ring.complete(ring.seal());
      ring.release_completed([&](OutputBuffer& done) { released_rows += done.rows(); });
      buffer = ring.fill_buffer();
    }
    auto& cursor = buffer->cursor();
    std::memcpy(cursor.data + cursor.size, kRow.data(), kRow.size());
    cursor.size += kRow.size();
    buffer->mark(slot, offset++, true);
  }
  benchmark::DoNotOptimize(released_rows);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kRow.size()));
}
// 1 partition: one mark per buffer; 64: a new mark for nearly every row (the
// worst case of a batch interleaving partitions).
BENCHMARK(BM_RingPushRow)->Arg(1)->Arg(64);

// One whole buffer per iteration through seal -> complete -> release, the ring
// kept half in flight as when the sink lags behind by a few buffers.
void BM_RingSealCompleteRelease(benchmark::State& state) {
  OutputRing ring(8, 64 * 1024, 64);
  std::uint32_t in_flight[8];
  std::size_t head = 0, count = 0;
  std::int64_t offset = 0;
  for (auto _ : state) {
    if (count == 4) {
      ring.complete(in_flight[head]);
      head = (head + 1) % 8;
      --count;
      ring.release_completed([](OutputBuffer& done) { benchmark::DoNotOptimize(done.rows()); });
    }
    OutputBuffer* buffer = ring.fill_buffer();
    buffer->cursor().size = 1;
    buffer->mark(0, offset++, true);
    in_flight[(head + count) % 8] = ring.seal();
    ++count;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RingSealCompleteRelease);

}  // namespace

BENCHMARK_MAIN();
