#!/usr/bin/env bash
# Gives kilp a librdkafka >= 2.8 (SASL/SCRAM logins to Kafka 4.x need >= 2.6.1;
# Debian 12 ships 2.0.2). In order:
#   1. the installed librdkafka-dev is new enough: nothing to do;
#   2. the distribution's own candidate is new enough (Debian 13 and later): install it;
#   3. debs built earlier are in the cache: install them (a second run never rebuilds);
#   4. otherwise rebuild Debian 13's (trixie) source package here, from Debian's own
#      archive, with the build dependencies from this distribution, and install it.
# Step 4 adds a deb-src entry for trixie only while it fetches the source: no binary
# package ever comes from trixie, and the entry is removed again afterwards.
# The built librdkafka1 stays ABI-compatible with 2.0.2, so other programs linked
# against Debian 12's librdkafka keep working.
set -euo pipefail

minimum=2.8
suite=trixie
cache="${KILP_CACHE_DIR:-$HOME/.cache/kilp}/librdkafka-$suite"
sources_entry=/etc/apt/sources.list.d/kilp-librdkafka-src.sources

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

version_of() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
new_enough() { [ -n "$1" ] && dpkg --compare-versions "$1" ge "$minimum"; }

install_debs() {
  echo "kilp: installing librdkafka from $cache" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "$cache"/librdkafka1_*.deb "$cache"/librdkafka++1_*.deb "$cache"/librdkafka-dev_*.deb >/dev/null
}

# The Debian archive this machine already uses, read from its apt sources.
debian_archive() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "kilp: no Debian archive found in the apt sources" >&2; exit 1; }
  echo "$uri"
}

fetch_and_build() {
  local work="$cache/build"
  rm -rf "$work" && mkdir -p "$work"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$(debian_archive)" "$suite" | $sudo tee "$sources_entry" >/dev/null
  trap '$sudo rm -f "$sources_entry"' EXIT
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get build-dep -y -qq "librdkafka/$suite" >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
  (cd "$work" && apt-get source -qq "librdkafka/$suite" >/dev/null)
  $sudo rm -f "$sources_entry"
  trap - EXIT
  local tree
  tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'librdkafka-*' | head -1)
  echo "kilp: building librdkafka from $(basename "$tree") (Debian $suite's source package, about a minute)" >&2
  (cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1) ||
    { echo "kilp: librdkafka build failed, see $work/build.log" >&2; exit 1; }
  cp "$work"/librdkafka1_*.deb "$work"/librdkafka++1_*.deb "$work"/librdkafka-dev_*.deb "$cache"/
  rm -rf "$work"
}

new_enough "$(version_of librdkafka-dev)" && exit 0

candidate=$(apt-cache policy librdkafka-dev 2>/dev/null | awk '/Candidate:/ { print $2 }')
if new_enough "$candidate"; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    librdkafka-dev librdkafka1 librdkafka++1 >/dev/null
  exit 0
fi

mkdir -p "$cache"
compgen -G "$cache/librdkafka-dev_*.deb" >/dev/null || fetch_and_build
install_debs
new_enough "$(version_of librdkafka-dev)" ||
  { echo "kilp: librdkafka-dev is still $(version_of librdkafka-dev), need >= $minimum" >&2; exit 1; }
