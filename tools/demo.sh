#!/usr/bin/env bash
# Builds kilp (Release) and runs it on its embedded default: an in-process mock Kafka
# cluster filled with generated trades, written as ILP to ./kilp-demo.ilp.
# Extra arguments go to kilp, e.g. `tools/demo.sh --demo-messages 2000000 --shards 1`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
# No build options here: build/ is shared with tools/test.sh, which sets them; only the
# kilp target is built.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target kilp
build/tools/kilp --demo "$@"
echo "first rows of kilp-demo.ilp:" >&2
head -n 3 kilp-demo.ilp >&2
