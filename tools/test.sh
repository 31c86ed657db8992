#!/usr/bin/env bash
# Builds everything (Release) and runs every test with ctest: unit, conformance
# (reads ../shared/conformance), integration (mock Kafka cluster + loopback sinks),
# and a 60 s libFuzzer run of the JSON -> ILP encoder (built with clang).
#
# The build options are passed explicitly every time: tools/demo.sh shares build/,
# and CMake would otherwise keep whatever an earlier configure cached.
# A run that finds fewer tests than tests/minimum_test_count fails, so a build that
# silently lost its tests cannot pass.
#
# KILP_TEST_FILTER=REGEX runs only the matching tests and skips the fuzz step (used
# by tests/readme_commands_check.sh); the count check still covers the whole list.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKILP_BUILD_TESTS=ON -DKILP_BUILD_BENCH=ON
cmake --build build -j"$(nproc)"

listed=$(cd build && ctest -N | sed -n 's/^Total Tests: //p')
minimum=$(tr -dc '0-9' < tests/minimum_test_count)
if [ "${listed:-0}" -lt "$minimum" ]; then
  echo "kilp: ctest lists ${listed:-0} tests, expected at least $minimum (tests/minimum_test_count)" >&2
  exit 1
fi
echo "kilp: ctest lists $listed tests (at least $minimum expected)" >&2

filter=()
[ -n "${KILP_TEST_FILTER:-}" ] && filter=(-R "$KILP_TEST_FILTER")
(cd build && ctest --no-tests=error --output-on-failure -j"$(nproc)" --timeout 600 "${filter[@]}")
[ -n "${KILP_TEST_FILTER:-}" ] && exit 0

# The fuzzer needs clang (libFuzzer): a separate small build of the parser only.
command -v clang++ >/dev/null || { echo "kilp: clang++ missing (tools/install-deps.sh installs it)" >&2; exit 1; }
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DKILP_FUZZ=ON -DKILP_BUILD_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target encode_fuzzer
(cd build-fuzz && ctest --no-tests=error --output-on-failure -L fuzz)
