#!/usr/bin/env bash
# Builds everything (Release) and runs every test with ctest: unit, conformance
# (reads ../shared/conformance), integration (mock Kafka cluster + loopback sinks),
# and, when clang++ is installed, a 60 s libFuzzer run of the JSON -> ILP encoder.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
# The fuzzer needs clang (libFuzzer): a separate small build of the parser only.
if command -v clang++ >/dev/null; then
  cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DKILP_FUZZ=ON -DKILP_BUILD_BENCH=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target encode_fuzzer
  (cd build-fuzz && ctest --output-on-failure -L fuzz)
fi
