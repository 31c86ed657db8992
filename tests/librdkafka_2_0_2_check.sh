#!/usr/bin/env bash
# kilp must keep building and running on Debian 12's librdkafka 2.0.2 (it ships with
# a newer one, see tools/install-librdkafka.sh). Two checks against 2.0.2's own files:
#  1. every product source (core/, io/, parse/, tools/) that includes librdkafka's header
#     (as the build's depfiles say) compiles against 2.0.2's headers: the build's own
#     compile commands, -fsyntax-only, 2.0.2's include dir first;
#  2. every librdkafka symbol the kilp binary needs is defined by 2.0.2's library,
#     and kilp --version runs on it.
# Usage: librdkafka_2_0_2_check.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
prefix=$("$source_dir/tools/librdkafka-debian12.sh")
commands="$build_dir/compile_commands.json"
[ -f "$commands" ] || { echo "no $commands (configure with CMAKE_EXPORT_COMPILE_COMMANDS)" >&2; exit 1; }

# One "directory<TAB>command" line per product source that includes librdkafka.
python3 - "$commands" "$source_dir" > "$build_dir/librdkafka_2_0_2_commands.txt" <<'PY'
import json, os, re, sys
entries, src = json.load(open(sys.argv[1])), sys.argv[2]
for e in entries:
    rel = e["file"][len(src) + 1:] if e["file"].startswith(src + "/") else ""
    if rel.split("/")[0] not in ("core", "io", "parse", "tools"):
        continue
    output = re.search(r" -o (\S+)", e["command"])
    depfile = os.path.join(e["directory"], output.group(1) + ".d") if output else ""
    # Without a depfile (not built yet) the source is checked anyway.
    if not os.path.exists(depfile) or "librdkafka/rdkafka.h" in open(depfile).read():
        print(e["directory"] + "\t" + e["command"])
PY
count=$(wc -l < "$build_dir/librdkafka_2_0_2_commands.txt")
[ "$count" -ge 10 ] || { echo "only $count product sources include librdkafka in $commands" >&2; exit 1; }

failed=0
while IFS=$'\t' read -r dir command; do
  # Drop the object output, check syntax only, and put 2.0.2's headers first.
  command=$(sed -E 's/ -o [^ ]+/ /; s/^([^ ]+) /\1 -fsyntax-only -isystem '"${prefix//\//\\/}"'\/include /' <<<"$command")
  (cd "$dir" && eval "$command") || failed=1
done < "$build_dir/librdkafka_2_0_2_commands.txt"
[ "$failed" -eq 0 ] || { echo "kilp does not compile against librdkafka 2.0.2" >&2; exit 1; }

kilp="$build_dir/tools/kilp"
missing=$(comm -23 <(nm -D --undefined-only "$kilp" | awk '$2 ~ /^rd_kafka/ {print $2}' | sort -u) \
                   <(nm -D --defined-only "$prefix/lib/librdkafka.so.1" | awk '{print $3}' | sort -u))
[ -z "$missing" ] || { echo "kilp needs symbols librdkafka 2.0.2 lacks: $missing" >&2; exit 1; }
version=$(LD_LIBRARY_PATH="$prefix/lib" "$kilp" --version)
[[ "$version" == *"librdkafka 2.0.2"* ]] || { echo "kilp on 2.0.2 says: $version" >&2; exit 1; }
echo "kilp compiles against librdkafka 2.0.2 ($count sources) and runs on it: $version"
