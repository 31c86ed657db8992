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
# Instructions per message of one side of one case.
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2" \
    --toggle-collect='*count_messages*' "$bench" --count "$1" "$2" "$n" \
    >/dev/null 2>"$out/$1.$2.log"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/$1.$2.log"
}
printf '%-24s %12s %12s %s\n' case encoder peer 'peer/encoder'
for c in TradesGenerated Wide30Fields StringsNeedingEscapes OrderBookMatrix; do
  enc=$(count "$c" encoder)
  peer=$(count "$c" peer)
  awk -v c="$c" -v e="$enc" -v p="$peer" -v n="$n" \
    'BEGIN { printf "%-24s %12.0f %12.0f %7.2f\n", c, e / n, p / n, p / e }'
done
# An option's cost: the same order books with it and without it (issue 22).
printf '\n%-24s %12s %12s %s\n' case with without 'without/with'
without=$(count OrderBookSkipped encoder)
for c in OrderBookMatrix OrderBookPerField; do
  with=$(count "$c" encoder)
  awk -v c="$c" -v w="$with" -v o="$without" -v n="$n" \
    'BEGIN { printf "%-24s %12.0f %12.0f %7.2f\n", c, w / n, o / n, o / w }'
done
# Exact DECIMAL columns against binary doubles for the same price and amount.
with=$(count TradesDecimals encoder)
without=$(count TradesDoubleHints encoder)
awk -v w="$with" -v o="$without" -v n="$n" \
  'BEGIN { printf "%-24s %12.0f %12.0f %7.2f  (vs TradesDoubleHints)\n", "TradesDecimals", w / n, o / n, o / w }'
