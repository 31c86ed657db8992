#!/usr/bin/env bash
# Builds everything (Release) and runs every test with ctest: unit, conformance
# (reads ../shared/conformance), integration (mock Kafka cluster + loopback sinks).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
