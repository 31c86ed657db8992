#!/usr/bin/env bash
# Checks that parse/column_name_folding_ranges.inc lowers every character the JVMs
# here lower, as they lower it (QuestDB compares column names with Java's
# Character.toLowerCase): a newer JDK with a newer Unicode must not find kilp
# letting through a pair of names QuestDB takes for one column. The table may hold
# more than these JVMs know (it is a union over the JVMs it was generated from).
#   column_name_folding_check.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$source_dir/tools/generate_column_name_folding.sh" "$work/here.inc" 2>/dev/null

# Every (upper, lower) pair a table's runs stand for, as decimal numbers.
expand() {
  awk '
    function hex(text, i, n) {
      n = 0
      text = toupper(substr(text, 3))
      for (i = 1; i <= length(text); i++) n = n * 16 + index("0123456789ABCDEF", substr(text, i, 1)) - 1
      return n
    }
    /^ *\{/ {
      gsub(/[{},]/, " ")
      first = hex($1); last = hex($2); stride = $3; delta = $4
      for (c = first; c <= last; c += stride) print c, c + delta
    }' "$1" | sort
}
expand "$work/here.inc" >"$work/here.pairs"
expand "$source_dir/parse/column_name_folding_ranges.inc" >"$work/table.pairs"
[ -s "$work/here.pairs" ] || { echo "no pairs from the JVMs here" >&2; exit 1; }
missing=$(comm -23 "$work/here.pairs" "$work/table.pairs" | head -5)
if [ -n "$missing" ]; then
  echo "parse/column_name_folding_ranges.inc lacks what a JVM here lowers (upper lower):" >&2
  echo "$missing" >&2
  echo "run tools/generate_column_name_folding.sh with that JVM installed" >&2
  exit 1
fi
echo "column_name_folding_check: $(wc -l <"$work/here.pairs") characters lowered as the table does"
