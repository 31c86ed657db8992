#!/usr/bin/env bash
# Installs the Debian 12 packages kilp needs to build, test and benchmark, and a
# librdkafka >= 2.8 (tools/install-librdkafka.sh). Runs apt-get only when something
# is missing, and `apt-get update` once first.
set -euo pipefail

packages=(
  g++ cmake make pkg-config ccache
  librdkafka-dev liburing-dev libsimdjson-dev libmimalloc-dev
  libssl-dev openssl  # TLS sinks (tcps::, https::) and ILP/TCP authentication; test certificates
  libcli11-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libbenchmark-dev
  clang libclang-rt-14-dev
  influxdb  # a real line-protocol server for the ILP/HTTP integration test
  openjdk-17-jdk-headless maven  # the real Kafka broker and QuestDB of the tests (tests/servers/), from Maven Central
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "kilp: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian 12's librdkafka (2.0.2) cannot log in to Kafka 4.x with SCRAM: kilp wants >= 2.8.
"$(dirname "$0")/install-librdkafka.sh"
