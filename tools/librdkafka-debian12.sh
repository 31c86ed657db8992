#!/usr/bin/env bash
# Unpacks Debian 12's own librdkafka 2.0.2 (librdkafka1 and librdkafka-dev, from
# Debian's archive) into a private prefix, without installing it: for checking
# that kilp still builds against 2.0.2 and for running kilp on it
# (LD_LIBRARY_PATH=PREFIX/lib) in the compatibility tests.
# Prints the prefix. Cached: a second run downloads nothing.
set -euo pipefail

version=2.0.2-1
prefix="${KILP_CACHE_DIR:-$HOME/.cache/kilp}/librdkafka-$version"
if [ ! -f "$prefix/include/librdkafka/rdkafka.h" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"  # apt's download user must be able to write there
  (cd "$work" && apt-get download -qq "librdkafka1=$version" "librdkafka-dev=$version" 2>/dev/null) ||
    { echo "kilp: cannot download librdkafka $version from Debian's archive (apt-get update first?)" >&2; exit 1; }
  mkdir -p "$work/root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  rm -rf "$prefix" && mkdir -p "$prefix/lib"
  cp -a "$work/root/usr/include" "$prefix/"
  cp -a "$work"/root/usr/lib/*/librdkafka.so* "$prefix/lib/"
fi
echo "$prefix"
