#pragma once
// Counts calls of the global operator new / new[] (plain and nothrow) in a test
// binary. allocation_counter.cpp replaces those operators, so it is compiled into
// each test that needs it (add it to SOURCES, not through a library).
#include <pthread.h>

#include <cstddef>

namespace kilp::testing {

// Allocations counted so far.
std::size_t allocation_count();

// What counts: every thread (the default), one thread only, or nothing.
void count_all_threads();
void count_only_thread(pthread_t thread);
void count_no_thread();

}  // namespace kilp::testing
