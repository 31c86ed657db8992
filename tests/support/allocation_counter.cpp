#include "tests/support/allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace kilp::testing {
namespace {

enum class Scope { kAllThreads, kOneThread, kNothing };

std::atomic<Scope> g_scope{Scope::kAllThreads};
std::atomic<pthread_t> g_thread{};
std::atomic<std::size_t> g_allocations{0};

bool counts_this_thread() {
  switch (g_scope.load(std::memory_order_relaxed)) {
    case Scope::kAllThreads:
      return true;
    case Scope::kOneThread:
      return pthread_equal(g_thread.load(std::memory_order_relaxed), pthread_self()) != 0;
    case Scope::kNothing:
      return false;
  }
  return false;
}

}  // namespace

std::size_t allocation_count() { return g_allocations.load(); }
void count_all_threads() { g_scope.store(Scope::kAllThreads); }
void count_only_thread(pthread_t thread) {
  g_thread.store(thread);
  g_scope.store(Scope::kOneThread);
}
void count_no_thread() { g_scope.store(Scope::kNothing); }

void* counted_allocation(std::size_t size) {
  if (counts_this_thread()) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace kilp::testing

using kilp::testing::counted_allocation;

void* operator new(std::size_t size) { return counted_allocation(size); }
void* operator new[](std::size_t size) { return counted_allocation(size); }
// simdjson allocates with new(std::nothrow): count those too, and keep every new
// paired with this delete (sanitizers check the pairing).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_allocation(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_allocation(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
