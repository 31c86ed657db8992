#!/usr/bin/env bash
# A real single-node Apache Kafka broker for kilp's tests: KRaft, broker and controller
# in one JVM, every listener on 127.0.0.1 on free ports chosen at start, data, TLS
# material, users and logs in one state directory, stopped by its pid.
#
# The jars come from Maven Central through mvn (pom.xml beside this script) into
# ${KILP_CACHE_DIR:-$HOME/.cache/kilp}/kafka-<version>/; Maven's ~/.m2 is the download
# cache. See usage() for the subcommands; `start` writes STATE_DIR/broker.env
# (key=value lines) for the tests (tests/servers/kafka_broker.hpp reads it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
default_version=${KILP_KAFKA_VERSION:-4.4.0}
cache_root=${KILP_CACHE_DIR:-$HOME/.cache/kilp}
# Heap: the broker holds little in tests; the machine is shared with QuestDB in CI.
heap=${KILP_KAFKA_HEAP:-256m}
ready_timeout_s=${KILP_KAFKA_READY_TIMEOUT:-90}
stop_timeout_s=30
listeners=(plaintext sasl_plaintext ssl mtls sasl_ssl)

usage() {
  cat >&2 <<EOF
usage: broker.sh install [--version V]
       broker.sh start STATE_DIR [--version V]
       broker.sh stop STATE_DIR
       broker.sh restart STATE_DIR
       broker.sh tool STATE_DIR NAME [ARGS...]

  install   fetch the Kafka V jars through mvn into $cache_root/kafka-V/ (once)
  start     start a fresh broker: free loopback ports, a new data dir, CA and
            certificates, SASL users; waits until every listener answers, then
            writes STATE_DIR/broker.env and prints a summary
  stop      SIGTERM the broker (SIGKILL after ${stop_timeout_s} s); keeps its logs and data
  restart   stop, then start again on the same ports and data
  tool      run a Kafka admin tool from the same jars against the PLAINTEXT
            listener, e.g. \`broker.sh tool STATE_DIR kafka-topics --list\`
            (kafka-topics, kafka-consumer-groups, kafka-configs, kafka-console-consumer,
            kafka-console-producer, kafka-get-offsets, kafka-metadata-quorum,
            kafka-broker-api-versions)

  --version V   Kafka version (default $default_version, or \$KILP_KAFKA_VERSION);
                4.x and 3.9.x are tested (Maven Central serves 3.9.0, 3.9.1, 3.9.2)

  Environment: KILP_CACHE_DIR (jars), KILP_KAFKA_HEAP (broker heap, default $heap),
  KILP_KAFKA_JAVA_OPTS (more broker JVM options, last on its command line),
  KILP_KAFKA_READY_TIMEOUT (seconds, default $ready_timeout_s).
EOF
  exit 2
}

die() {
  echo "broker.sh: $*" >&2
  exit 1
}

check_version() {
  [[ $1 =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "not a Kafka version: '$1' (e.g. 4.4.0, 3.9.2)"
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  # SCRAM users at format time (--add-scram) need 3.5; 3.9 is the oldest tested here.
  if ((major < 3 || (major == 3 && minor < 5))); then
    die "Kafka $1 is too old: KRaft with SCRAM users at format time needs 3.5 or newer (3.9.x tested)"
  fi
}

install_dir() { echo "$cache_root/kafka-$1"; }

# Java, javac and mvn from Debian, through the project's install step.
ensure_java_and_maven() {
  command -v mvn >/dev/null && command -v javac >/dev/null && command -v openssl >/dev/null && return
  "$repo/tools/install-deps.sh" maven openjdk-17-jdk-headless
}

# The readiness check, compiled once per version of its source into the cache
# (classes-<hash>: a start running the older one keeps it).
ready_check_classes() {
  echo "$1/classes-$(sha256sum "$here/BrokerReady.java" | cut -c1-16)"
}

compile_ready_check() {
  local classes tmp
  classes=$(ready_check_classes "$1")
  [ -d "$classes" ] && return
  tmp=$(mktemp -d "$1/.classes.XXXXXX")
  javac -nowarn -d "$tmp" -cp "$1/jars/*" "$here/BrokerReady.java"
  mv -T "$tmp" "$classes" 2>/dev/null || rm -rf "$tmp"  # another start compiled it meanwhile
}

install() {
  local version=$1 dir pom_sum
  check_version "$version"
  dir=$(install_dir "$version")
  pom_sum=$(sha256sum "$here/pom.xml" | cut -c1-16)
  if [ "$(cat "$dir/installed" 2>/dev/null)" != "$pom_sum" ]; then
    ensure_java_and_maven
    local profile=kafka4
    [ "${version%%.*}" -lt 4 ] && profile=kafka3
    echo "broker.sh: fetching Kafka $version through mvn into $dir" >&2
    local tmp
    mkdir -p "$cache_root"
    tmp=$(mktemp -d "$cache_root/.kafka-$version.XXXXXX")
    # mvn prints its errors on stdout, and stray colour codes even when quiet: keep a log.
    if ! mvn -B -q -f "$here/pom.xml" -P "$profile" -Dkafka.version="$version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/jars" \
      >"$tmp/mvn.log" 2>&1; then
      sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" >&2
      rm -rf "$tmp"
      die "mvn could not fetch Kafka $version (does Maven Central serve org.apache.kafka:kafka_2.13:$version?)"
    fi
    echo "$pom_sum" >"$tmp/installed"
    if [ "$(cat "$dir/installed" 2>/dev/null)" = "$pom_sum" ]; then
      rm -rf "$tmp"  # another install finished meanwhile; its brokers may be running
    else
      rm -rf "$dir"
      mv "$tmp" "$dir"
    fi
  fi
  compile_ready_check "$dir"
}

# Loopback TCP ports nobody uses, below the ephemeral range so no outgoing
# connection takes one between now and the broker's bind (a race with another
# starting server remains: start retries with new ports when a bind fails).
free_ports() {
  local count=$1 used=" " line port chosen=()
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local _; do
      port=${local##*:}
      [[ $port =~ ^[0-9A-F]{4}$ ]] && used+="$((16#$port)) "
    done <"$f"
  done
  while [ ${#chosen[@]} -lt "$count" ]; do
    port=$((20000 + RANDOM % 12000))
    [[ $used == *" $port "* ]] && continue
    used+="$port "
    chosen+=("$port")
  done
  echo "${chosen[@]}"
}

# Kafka's cluster id: 16 random bytes, base64url without padding, not starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id=$(openssl rand -base64 16 | tr '+/' '-_' | tr -d '=\n')
    [[ $id == -* ]] || break
  done
  echo "$id"
}

new_password() { openssl rand -hex 12; }

# A CA, the broker's certificate (SAN IP:127.0.0.1, DNS:localhost), a client
# certificate for mutual TLS (its key encrypted with a password), and a second CA
# the broker's certificate does not chain to ("untrusted certificate" tests).
make_tls() {
  local tls=$1 key_password=$2
  mkdir -p "$tls"
  (
    cd "$tls"
    umask 077
    for ca in ca untrusted-ca; do
      openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -keyout "$ca.key" -out "$ca.pem" -subj "/CN=kilp test $ca" 2>/dev/null
    done
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out broker.key 2>/dev/null
    openssl req -new -key broker.key -subj "/CN=localhost" -out broker.csr
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out broker.pem \
      -extfile <(printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        "extendedKeyUsage=serverAuth" "basicConstraints=CA:FALSE") 2>/dev/null
    # The broker's PEM key store: its key (PKCS#8), then its certificate.
    cat broker.key broker.pem >broker-keystore.pem
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out client-plain.key 2>/dev/null
    openssl req -new -key client-plain.key -subj "/CN=kilp-client" -out client.csr
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out client.pem \
      -extfile <(printf '%s\n' "extendedKeyUsage=clientAuth" "basicConstraints=CA:FALSE") 2>/dev/null
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client-plain.key -out client.key \
      -passout "pass:$key_password"
    # Java reads no PBES2-encrypted key: the readiness check gets the key in clear.
    cat client-plain.key client.pem >client-keystore-for-java.pem
    rm -f ./*.csr ./*.srl client-plain.key
  )
}

jaas_scram='org.apache.kafka.common.security.scram.ScramLoginModule required;'

# server.properties for a combined broker+controller on the ports given.
write_server_properties() {
  local state=$1
  local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required user_${broker[plain_username]}=\"${broker[plain_password]}\";"
  local addr="" l
  for l in "${listeners[@]}"; do addr+="${addr:+,}${l^^}://${broker[bootstrap_$l]}"; done
  {
    echo "# Written by tests/servers/kafka/broker.sh start; restart reuses it."
    echo "process.roles=broker,controller"
    echo "node.id=1"
    echo "controller.quorum.voters=1@${broker[controller]}"
    echo "controller.listener.names=CONTROLLER"
    echo "listeners=$addr,CONTROLLER://${broker[controller]}"
    echo "advertised.listeners=$addr"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "log.dirs=$state/data"
    # One node: internal topics with one replica.
    echo "offsets.topic.replication.factor=1"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    if [ "${broker[version]%%.*}" -ge 4 ]; then
      echo "share.coordinator.state.topic.replication.factor=1"
      echo "share.coordinator.state.topic.min.isr=1"
    fi
    # auto.create.topics.enable stays at Kafka's default (true): the tests meet what users
    # run. A new group's first rebalance starts at once instead of after 3 s: every test
    # starts fresh groups, and a member joining during that delay extends it by 3 s more.
    echo "group.initial.rebalance.delay.ms=0"
    # The log cleaner's dedupe buffer takes 128 MiB of heap at start by default; the
    # tests compact little (__consumer_offsets).
    echo "log.cleaner.dedupe.buffer.size=16777216"
    echo "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    for l in sasl_plaintext sasl_ssl; do
      echo "listener.name.$l.plain.sasl.jaas.config=$plain_jaas"
      echo "listener.name.$l.scram-sha-256.sasl.jaas.config=$jaas_scram"
      echo "listener.name.$l.scram-sha-512.sasl.jaas.config=$jaas_scram"
    done
    echo "ssl.keystore.type=PEM"
    echo "ssl.keystore.location=$state/tls/broker-keystore.pem"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=${broker[ca_file]}"
    echo "ssl.client.auth=none"
    echo "listener.name.mtls.ssl.client.auth=required"
  } >"$state/config/server.properties"
}

# Java client properties per listener, for the readiness check.
write_client_properties() {
  local state=$1 l file
  for l in "${listeners[@]}"; do
    file="$state/clients/$l.properties"
    {
      echo "bootstrap.servers=${broker[bootstrap_$l]}"
      echo "security.protocol=$(client_protocol "$l")"
      case $l in
        ssl | mtls | sasl_ssl)
          echo "ssl.truststore.type=PEM"
          echo "ssl.truststore.location=${broker[ca_file]}"
          ;;
      esac
      if [ "$l" = mtls ]; then
        echo "ssl.keystore.type=PEM"
        echo "ssl.keystore.location=$state/tls/client-keystore-for-java.pem"
      fi
      if [ "$l" = sasl_plaintext ]; then
        echo "sasl.mechanism=SCRAM-SHA-256"
        echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${broker[scram_sha_256_username]}\" password=\"${broker[scram_sha_256_password]}\";"
      fi
      if [ "$l" = sasl_ssl ]; then
        echo "sasl.mechanism=SCRAM-SHA-512"
        echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${broker[scram_sha_512_username]}\" password=\"${broker[scram_sha_512_password]}\";"
      fi
    } >"$file"
  done
  # The PLAIN user is checked on the same listener as the SCRAM ones.
  {
    echo "bootstrap.servers=${broker[bootstrap_sasl_plaintext]}"
    echo "security.protocol=SASL_PLAINTEXT"
    echo "sasl.mechanism=PLAIN"
    echo "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"${broker[plain_username]}\" password=\"${broker[plain_password]}\";"
  } >"$state/clients/sasl_plaintext_plain.properties"
}

client_protocol() {
  case $1 in
    mtls) echo SSL ;;
    *) echo "${1^^}" ;;
  esac
}

# For this broker's version: java (the command, logging to the file named by
# -Dkilp.log.file: Kafka 4 through log4j 2, 3.x through log4j 1 (reload4j)), jars
# (Kafka's class path) and ready_check_classpath.
set_java() {
  local dir
  dir=$(install_dir "${broker[version]}")
  jars="$dir/jars/*"
  ready_check_classpath="$jars:$(ready_check_classes "$dir")"
  java=(java)
  if [ "${broker[version]%%.*}" -ge 4 ]; then
    java+=(-Dlog4j2.configurationFile="$here/log4j2.properties")
  else
    java+=(-Dlog4j.configuration="file:$here/log4j.properties")
  fi
}

format_storage() {
  local state=$1 log=$state/logs/storage-format.log
  if ! "${java[@]}" -cp "$jars" -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dkilp.log.file="$log" -Dkilp.log.level=WARN kafka.tools.StorageTool format --config "$state/config/server.properties" \
    --cluster-id "$(new_cluster_id)" \
    --add-scram "SCRAM-SHA-256=[name=${broker[scram_sha_256_username]},password=${broker[scram_sha_256_password]}]" \
    --add-scram "SCRAM-SHA-512=[name=${broker[scram_sha_512_username]},password=${broker[scram_sha_512_password]}]" \
    >"$state/logs/storage-format.out" 2>&1; then
    die "formatting the broker's storage failed: see $state/logs/storage-format.out"
  fi
}

# Class data sharing: the first broker of a version archives the classes it loaded
# when it exits (stop_pid moves the archive into the cache); later brokers map them.
# Measured on 2 busy cores: 5.4 s of CPU to ready instead of 8.6 s.
class_archive_options() {
  local state=$1 archive
  # An archive serves only the class path it was made with.
  archive=$(install_dir "${broker[version]}")/broker-$(echo "$jars" | sha256sum | cut -c1-12).jsa
  if [ -f "$archive" ]; then
    echo "-XX:SharedArchiveFile=$archive"
  else
    echo "$archive" >"$state/broker.jsa.target"
    echo "-XX:ArchiveClassesAtExit=$state/broker.jsa"
  fi
}

keep_class_archive() {
  local state=$1 target
  [ -f "$state/broker.jsa" ] && [ -f "$state/broker.jsa.target" ] || return 0
  target=$(cat "$state/broker.jsa.target")
  [ -f "$target" ] || { cp "$state/broker.jsa" "$target.$$" && mv -f "$target.$$" "$target"; }
  rm -f "$state/broker.jsa" "$state/broker.jsa.target"
}

# Starts the JVM in the background; its pid goes to broker[pid]. C1 only
# (TieredStopAtLevel=1): the broker of a test run never gets hot enough for C2 to pay
# for its compile threads, which compete for the 2 cores while it starts (4.7 s of CPU
# to ready instead of 8.6 s; 2 M produced messages took less broker CPU, not more).
# KILP_KAFKA_JAVA_OPTS comes last, so it can undo any of these.
launch() {
  local state=$1
  nohup "${java[@]}" -cp "$jars" -Xms64m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -XX:TieredStopAtLevel=1 \
    -Xlog:cds*=off "$(class_archive_options "$state")" -Xlog:gc:file="$state/logs/gc.log" \
    -Dkilp.log.file="$state/logs/broker.log" -Dkilp.log.level=INFO \
    ${KILP_KAFKA_JAVA_OPTS:-} -Dkilp.state.dir="$state" \
    kafka.Kafka "$state/config/server.properties" </dev/null >>"$state/logs/broker.out" 2>&1 &
  broker[pid]=$!
  echo "${broker[pid]}" >"$state/broker.pid"
}

# Waits for the readiness check; returns 0 ready, 1 timeout, 2 broker exited.
wait_ready() {
  local state=$1 args=() f name
  for f in "$state"/clients/*.properties; do
    name=$(basename "$f" .properties)
    args+=("$name=$f")
  done
  "${java[@]}" -cp "$ready_check_classpath" -Xmx128m -XX:TieredStopAtLevel=1 \
    -Dkilp.log.file="$state/logs/ready-check.log" -Dkilp.log.level=WARN \
    BrokerReady "${broker[pid]}" "$ready_timeout_s" "${args[@]}" >>"$state/logs/ready-check.out"
}

write_env() {
  local state=$1 key
  {
    for key in version pid ready_seconds state_dir log_file \
      bootstrap_plaintext bootstrap_sasl_plaintext bootstrap_ssl bootstrap_mtls bootstrap_sasl_ssl \
      controller ca_file untrusted_ca_file client_cert_file client_key_file client_key_password \
      plain_username plain_password scram_sha_256_username scram_sha_256_password \
      scram_sha_512_username scram_sha_512_password; do
      echo "$key=${broker[$key]}"
    done
  } >"$state/broker.env.tmp"
  mv "$state/broker.env.tmp" "$state/broker.env"
}

read_env() {
  local file=$1/broker.env key value
  [ -f "$file" ] || die "no broker in $1 ($file is missing): run \`broker.sh start $1\` first"
  while IFS='=' read -r key value; do
    broker[$key]=$value
  done <"$file"
}

# Is `pid` this state dir's broker (and not a recycled pid)?
is_our_broker() {
  local pid=$1 state=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dkilp.state.dir=$state kafka.Kafka"
}

stop_pid() {
  local pid=$1 state=$2 waited=0
  is_our_broker "$pid" "$state" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while is_our_broker "$pid" "$state"; do
    if [ $waited -ge $((stop_timeout_s * 10)) ]; then
      echo "broker.sh: broker (pid $pid) still running after ${stop_timeout_s} s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      rm -f "$state/broker.jsa"  # maybe cut short
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  keep_class_archive "$state"
}

now_ms() { date +%s%3N; }

# Launches and waits; on a port taken between choosing and binding, returns 3.
launch_and_wait() {
  local state=$1 started rc=0
  started=$(now_ms)
  launch "$state"
  wait_ready "$state" || rc=$?
  if [ $rc -ne 0 ]; then
    stop_pid "${broker[pid]}" "$state"
    grep -q "Address already in use" "$state/logs/broker.log" "$state/logs/broker.out" 2>/dev/null && return 3
    return $rc
  fi
  local ms=$(($(now_ms) - started))
  broker[ready_seconds]=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
}

print_summary() {
  local l
  echo "Kafka ${broker[version]} (KRaft, pid ${broker[pid]}) ready in ${broker[ready_seconds]} s; state in ${broker[state_dir]}"
  for l in "${listeners[@]}"; do printf '  %-15s %s\n' "${l^^}" "${broker[bootstrap_$l]}"; done
  echo "  CA ${broker[ca_file]}; users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512): ${broker[plain_username]}," \
    "${broker[scram_sha_256_username]}, ${broker[scram_sha_512_username]}; passwords in ${broker[state_dir]}/broker.env"
  echo "  log ${broker[log_file]}; stop with: $0 stop ${broker[state_dir]}"
}

start() {
  local state=$1 version=$2 attempt rc
  install "$version"
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  # A broker left running from an earlier start in this state dir goes first.
  [ -f "$state/broker.pid" ] && stop_pid "$(cat "$state/broker.pid")" "$state"
  for attempt in 1 2 3; do
    rm -rf "$state/data" "$state/tls" "$state/config" "$state/clients" "$state/logs" "$state/broker.env"
    mkdir -p "$state/data" "$state/config" "$state/clients" "$state/logs"
    declare -gA broker=([version]=$version [state_dir]=$state [log_file]=$state/logs/broker.log)
    local ports
    read -r -a ports <<<"$(free_ports 6)"
    local i=0 l
    for l in "${listeners[@]}"; do broker[bootstrap_$l]=127.0.0.1:${ports[i]} && i=$((i + 1)); done
    broker[controller]=127.0.0.1:${ports[5]}
    broker[ca_file]=$state/tls/ca.pem
    broker[untrusted_ca_file]=$state/tls/untrusted-ca.pem
    broker[client_cert_file]=$state/tls/client.pem
    broker[client_key_file]=$state/tls/client.key
    broker[client_key_password]=$(new_password)
    broker[plain_username]=kilp-plain
    broker[plain_password]=$(new_password)
    broker[scram_sha_256_username]=kilp-scram-256
    broker[scram_sha_256_password]=$(new_password)
    broker[scram_sha_512_username]=kilp-scram-512
    broker[scram_sha_512_password]=$(new_password)
    set_java
    make_tls "$state/tls" "${broker[client_key_password]}"
    write_server_properties "$state"
    write_client_properties "$state"
    format_storage "$state"
    rc=0
    launch_and_wait "$state" || rc=$?
    [ $rc -eq 3 ] && { echo "broker.sh: a chosen port was taken meanwhile; new ports (attempt $attempt)" >&2; continue; }
    [ $rc -eq 0 ] || die "the broker did not become ready (see $state/logs/broker.log)"
    write_env "$state"
    print_summary
    return 0
  done
  die "no free ports after 3 attempts (see $state/logs/broker.log)"
}

stop() {
  local state
  state=$(cd "$1" 2>/dev/null && pwd) || die "no such state dir: $1"
  local pid
  pid=$(cat "$state/broker.pid" 2>/dev/null || true)
  if ! is_our_broker "$pid" "$state"; then
    echo "broker.sh: no broker running in $state"
    return 0
  fi
  stop_pid "$pid" "$state"
  echo "broker.sh: stopped broker (pid $pid); logs in $state/logs"
}

restart() {
  local state rc=0
  state=$(cd "$1" 2>/dev/null && pwd) || die "no such state dir: $1"
  declare -gA broker=()
  read_env "$state"
  install "${broker[version]}"
  set_java
  stop_pid "${broker[pid]}" "$state"
  launch_and_wait "$state" || rc=$?
  [ $rc -eq 0 ] || die "the broker did not come back on its ports (see $state/logs/broker.log)"
  write_env "$state"
  echo "Kafka ${broker[version]} restarted (pid ${broker[pid]}) in ${broker[ready_seconds]} s on the same ports and data"
}

# Admin tool name -> main class, for Kafka 4.x and 3.x (the same as Kafka's bin/ scripts).
tool_class() {
  local name=$1 major=$2
  case $name in
    kafka-topics) echo org.apache.kafka.tools.TopicCommand ;;
    kafka-consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    kafka-console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    kafka-get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    kafka-metadata-quorum) echo org.apache.kafka.tools.MetadataQuorumCommand ;;
    kafka-configs) ((major >= 4)) && echo org.apache.kafka.tools.ConfigCommand || echo kafka.admin.ConfigCommand ;;
    kafka-console-producer) ((major >= 4)) && echo org.apache.kafka.tools.ConsoleProducer || echo kafka.tools.ConsoleProducer ;;
    kafka-broker-api-versions)
      ((major >= 4)) && echo org.apache.kafka.tools.BrokerApiVersionsCommand || echo kafka.admin.BrokerApiVersionsCommand
      ;;
    *) die "unknown tool '$name' (see broker.sh without arguments)" ;;
  esac
}

tool() {
  local state name=$2 class
  state=$(cd "$1" 2>/dev/null && pwd) || die "no such state dir: $1"
  shift 2
  declare -gA broker=()
  read_env "$state"
  class=$(tool_class "$name" "${broker[version]%%.*}")
  local bootstrap=(--bootstrap-server "${broker[bootstrap_plaintext]}")
  [[ " $* " == *" --bootstrap-server "* ]] && bootstrap=()
  set_java
  exec "${java[@]}" -cp "$jars" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dkilp.log.file="$state/logs/tools.log" -Dkilp.log.level=WARN "$class" "${bootstrap[@]}" "$@"
}

# --version V, where a subcommand takes it, is its last two arguments.
version_option() {
  [ $# -eq 0 ] && { echo "$default_version"; return; }
  [ $# -eq 2 ] && [ "$1" = --version ] || usage
  echo "$2"
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
  install)
    version=$(version_option "$@")
    install "$version"
    echo "Kafka $version jars in $(install_dir "$version")/jars"
    ;;
  start)
    [ $# -ge 1 ] || usage
    version=$(version_option "${@:2}")
    check_version "$version"
    start "$1" "$version"
    ;;
  stop | restart)
    [ $# -eq 1 ] || usage
    "$command" "$1"
    ;;
  tool)
    [ $# -ge 2 ] || usage
    tool "$@"
    ;;
  *) usage ;;
esac
