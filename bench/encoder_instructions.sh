#!/bin/sh
# Instructions per message (callgrind) of the encoder and of its simdjson peer, for
# the parse_bench cases: repeatable on a busy machine, unlike wall time.
#   bench/encoder_instructions.sh [BUILD_DIR] [MESSAGES]
set -eu
build=${1:-build}
n=${2:-20000}
bench="$build/bench/parse_bench_callgrind"  # a kernel valgrind can run (no AVX-512)
[ -x "$bench" ] || { echo "no $bench: cmake --build $build --target parse_bench_callgrind" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-24s %12s %12s %s\n' case encoder peer 'peer/encoder'
for c in TradesGenerated Wide30Fields StringsNeedingEscapes; do
  for side in encoder peer; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$c.$side" \
      --toggle-collect='*count_messages*' "$bench" --count "$c" "$side" "$n" \
      >/dev/null 2>"$out/$c.$side.log"
  done
  enc=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/$c.encoder.log")
  peer=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/$c.peer.log")
  awk -v c="$c" -v e="$enc" -v p="$peer" -v n="$n" \
    'BEGIN { printf "%-24s %12.0f %12.0f %7.2f\n", c, e / n, p / n, p / e }'
done
