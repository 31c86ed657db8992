#!/usr/bin/env bash
# The README's Kafka compatibility table, measured: kilp's security tests
# (kafka_broker_security_test: PLAINTEXT rows, SASL/PLAIN, SCRAM-SHA-256/512, SSL,
# mutual TLS, SASL_SSL, a wrong password, an untrusted certificate) against a
# Kafka 3.9 and a 4.x broker, with kilp on the librdkafka it is built with and on
# Debian 12's 2.0.2 (LD_LIBRARY_PATH, tools/librdkafka-debian12.sh). Then the
# README's production example (SASL_SSL + SCRAM-SHA-512) by hand on 2.0.2 against
# 4.x: it must stop at once with the line that says what to install.
# Prints a Markdown table. Exit 1 when a cell differs from what the README states.
# Usage: kafka_compat_matrix.sh SOURCE_DIR BUILD_DIR [KAFKA_VERSIONS...]
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
shift 2
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.9.2 4.4.0)
broker="$source_dir/tests/servers/kafka/broker.sh"
security_test="$build_dir/tests/integration/kafka_broker_security_test"
old_lib="$("$source_dir/tools/librdkafka-debian12.sh")/lib"
work=$(mktemp -d)
states=()
cleanup() {
  for state in "${states[@]}"; do "$broker" stop "$state" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

declare -A cell
libraries=(built 2.0.2)
cases=(sasl_plain sasl_scram_sha_256 sasl_scram_sha_512 ssl mutual_tls sasl_ssl_scram_sha_512)

for version in "${versions[@]}"; do
  state="$work/kafka-$version"
  states+=("$state")
  "$broker" start "$state" --version "$version" >/dev/null
  for library in "${libraries[@]}"; do
    log="$work/$version-$library.log"
    env_library=()
    [ "$library" = 2.0.2 ] && env_library=(LD_LIBRARY_PATH="$old_lib")
    env KILP_KAFKA_BROKER_ENV="$state/broker.env" "${env_library[@]}" "$security_test" \
      --gtest_filter='Listeners/KafkaSecurity.*' > "$log" 2>&1 || true
    for c in "${cases[@]}"; do
      if grep -q "^\[       OK \] Listeners/KafkaSecurity.*/$c " "$log"; then
        cell[$version,$library,$c]=yes
      elif grep -Eq "^\[  FAILED  \] Listeners/KafkaSecurity.*/$c[ ,]" "$log"; then
        cell[$version,$library,$c]=no
      else
        cell[$version,$library,$c]="?"
      fi
    done
  done
done

built_version=$("$build_dir/tools/kilp" --version | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p')
echo "| Kafka | librdkafka | SASL/PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | SSL | mutual TLS | SASL_SSL + SCRAM-SHA-512 |"
echo "|---|---|---|---|---|---|---|---|"
for version in "${versions[@]}"; do
  for library in "${libraries[@]}"; do
    name=$library
    [ "$library" = built ] && name=$built_version
    row="| $version | $name |"
    for c in "${cases[@]}"; do row+=" ${cell[$version,$library,$c]} |"; done
    echo "$row"
  done
done

# The README's production example on 2.0.2 against the newest 4.x broker: a real login
# attempt (the security test stops before trying, knowing it cannot work), which must
# end at once with the line that says why and what to install.
status=0
newest_state="$work/kafka-${versions[-1]}"
if [ "${versions[-1]%%.*}" -ge 4 ]; then
  env_value() { sed -n "s/^$1=//p" "$newest_state/broker.env"; }
  properties="$work/kafka.properties"
  printf 'security.protocol=SASL_SSL\nsasl.mechanisms=SCRAM-SHA-512\nsasl.username=%s\nsasl.password=${KAFKA_PASSWORD}\nssl.ca.location=%s\n' \
    "$(env_value scram_sha_512_username)" "$(env_value ca_file)" > "$properties"
  started=$(date +%s.%N)
  KAFKA_PASSWORD="$(env_value scram_sha_512_password)" LD_LIBRARY_PATH="$old_lib" \
    "$build_dir/tools/kilp" -F "$properties" --brokers "$(env_value bootstrap_sasl_ssl)" \
    --topic any --sink "file::path=$work/out.ilp;" --dlq "file::path=$work/dlq.jsonl;" \
    > "$work/example.out" 2> "$work/example.err" && example_exit=0 || example_exit=$?
  took=$(echo "$(date +%s.%N) - $started" | bc)
  echo
  echo "README example on librdkafka 2.0.2 against Kafka ${versions[-1]}: exit $example_exit after ${took} s:"
  grep "kilp: error" "$work/example.err" || true
  if [ "$example_exit" -ne 1 ] || ! grep -q "install librdkafka >= 2.8" "$work/example.err"; then
    echo "unexpected: the SCRAM login on 2.0.2 did not stop with the librdkafka hint" >&2
    cat "$work/example.err" >&2
    status=1
  fi
fi

# Expected: everything works, except SCRAM from librdkafka 2.0.2 to Kafka 4.x.
for version in "${versions[@]}"; do
  for library in "${libraries[@]}"; do
    for c in "${cases[@]}"; do
      want=yes
      [[ "$library" = 2.0.2 && "${version%%.*}" -ge 4 && "$c" == *scram* ]] && want=no
      if [ "${cell[$version,$library,$c]}" != "$want" ]; then
        echo "unexpected: Kafka $version, librdkafka $library, $c: ${cell[$version,$library,$c]} (expected $want)" >&2
        status=1
      fi
    done
  done
done
exit $status
