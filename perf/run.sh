#!/usr/bin/env bash
# End-to-end performance harness: kilp against the raw consume ceiling and the
# programs users would pick instead, on one machine, in one run, on 127.0.0.1.
#
#   perf/run.sh [-m MESSAGES] [-p PARTITIONS] [-r REPS] [--peers LIST]
#               [--rss-messages N] [--rss-partitions P] [--rss-reps R] [--no-rss-scale]
#               [--no-install] [--build-dir DIR] [--kilp-bin PATH]
#               [--rtt-ms N] [--rtt-window-bytes B] [--http-options STR] [--tcp-options STR]
#               [--kilp-arg ARG]... [-X key=value]... [--variant NAME=ARGS]...
#               [--kafka mock|broker] [--kafka-version V]
#               [--sink count|questdb] [--questdb-version V] [--connector-jar PATH]
#
# One Kafka holds MESSAGES generated trades (default 2,000,000 over 64 partitions):
#   --kafka mock    (default) a kilp-mock cluster, filled by kilp-mock --generate
#   --kafka broker  a real Apache Kafka broker (tests/servers/kafka/broker.sh, KRaft,
#                   Kafka --kafka-version V, default the script's 4.4.0) in a temporary
#                   state dir, stopped by its pid when the script exits (also on
#                   failure); topic `trades` created with PARTITIONS partitions by
#                   Kafka's own admin tool and filled by perf/produce_trades (the same
#                   trades kilp-mock generates, message i to partition i % P)
# Every run reads all of them with a fresh consumer group into a
# loopback row-counting ILP/TCP sink (perf/ilp_count_sink) and is timed with
# /usr/bin/time.
#   --sink questdb  writes into a real QuestDB instead (tests/servers/questdb/questdb.sh,
#                   --questdb-version V, default the script's; temporary root, stopped
#                   by pid at exit; warmed up by one untimed push of all the rows).
#                   Each run starts with `drop table trades` and waits
#                   for QuestDB to idle; perf/questdb_visible.py then polls
#                   `select count()` every 20 ms: "active" is first message (kilp's
#                   /metrics, polled every 5 ms) or the push's connect, to the moment
#                   count() reaches MESSAGES, and QuestDB's CPU seconds (/proc/PID/stat)
#                   from the table's creation by the first rows to then go to the
#                   sink_cpu_s column. Peers there: ceiling,
#                   kilp1, kilp2 (tcp:: to QuestDB's ILP/TCP port), kilp-http (http::,
#                   2 shards, protocol negotiated: 2 on QuestDB 9), the rtt peers, and
#                   push1  perf/ilp_push.py: the sink's ceiling, the ILP lines a kilp
#                          file:: sink wrote from the same topic before the runs, sent
#                          over one TCP connection with sendfile(2)
#                   push2  the same over 2 connections at once (half the file each),
#                          as kilp2's two shards
#                   connector  the QuestDB Kafka connector (--connector-jar PATH: its
#                          jar, or a directory of jars such as its release zip
#                          unpacked, with questdb-client; Maven Central does not serve
#                          it) in Kafka Connect standalone 4.4.0 (connect-runtime and
#                          connect-json through perf/connect/pom.xml, cached in
#                          ~/.cache/kilp/connect-4.4.0), needs --kafka broker; 2 tasks,
#                          http:: to QuestDB, -Xms256M -Xmx2G as Kafka's
#                          connect-standalone.sh. It reports no first message: its
#                          rate is the QuestDB-side one (below), for every peer too.
#                   Every QuestDB run also gets "visible span" rows/s: rows made visible
#                   after the first visible ones, over the time from then to the last.
#                   Default peers there: ceiling,push1,push2,kilp1,kilp2,kilp-http (no
#                   RSS-scale runs).
# Peers (--peers, comma-separated; default with the counting sink: all but the
# kilp-*-rtt* and kilp-http ones):
#   ceiling  kilp's own Kafka consumer that only counts messages (perf/ceiling_consumer)
#   kilp1    kilp --exit-at-end --shards 1, ILP/TCP sink
#   kilp2    kilp --exit-at-end --shards 2, ILP/TCP sink
#   tcps1    as kilp1 over TLS (tcps::): the sink terminates TLS (OpenSSL, a
#   tcps2    certificate made for this run); compare with kilp1/kilp2 (aim >= 0.7)
#   python   perf/python_peer.py: confluent-kafka + json + socket, /usr/bin/python3
#   kcat     kcat -C -G -e | mawk -f perf/json_to_ilp.awk > /dev/tcp/127.0.0.1/PORT
#   kilp-http         kilp --shards 2, http:: to the counting sink in --http mode
#   kilp-http-rtt     the same through kilp-delay-proxy: --rtt-ms/2 each way
#   kilp-tcp-rtt      kilp2 (tcp::) through the proxy, window unbounded
#   kilp-tcp-rtt-win  the same with the proxy's --rtt-window-bytes B (default 2m):
#                     at most B bytes on the way per connection and direction, so
#                     at most B per rtt/2 each: as a TCP window of 2 x B over the
#                     round trip (2m: this machine's 4 MiB tcp_wmem maximum)
# (--rtt-ms default 100.) --http-options / --tcp-options are appended to kilp's
# http:: / tcp:: sink string, e.g. --http-options 'max_in_flight=8;'.
# Every librdkafka-based peer gets the consumer settings kilp uses (printed by
# `ceiling_consumer --print-settings`), plus the -X given here.
# Unless --no-rss-scale, kilp1 and kilp2 also run on a second cluster holding
# --rss-messages trades (default MESSAGES/10; e.g. 20000000 with --rss-partitions
# 448 for 10x MESSAGES), to show how peak RSS changes with the data.
#
# --variant NAME=ARGS: a peer written PEER@NAME (e.g. kilp2@small-queue) runs as PEER
# with ARGS (split on spaces) appended to its command line; kilp peers and ceiling
# take -X key=value there, e.g.
#   --variant 'q100k=-X queued.min.messages=100000' --peers ceiling,kilp2,kilp2@q100k
# so settings are compared in the same run, repetitions interleaved.
# --kilp-bin runs another kilp build (e.g. another branch's) in every kilp peer;
# the harness's own helpers still come from --build-dir.
# Peers not listed in the default must be asked for, e.g.
#   --peers kilp2,kilp-tcp-rtt,kilp-http,kilp-http-rtt
# Output: a table on stdout; perf/out/<stamp>/runs.csv (every run),
# summary.csv (median/min/max per peer) and rates.png; perf/out/latest -> <stamp>.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

messages=2000000
partitions=64
reps=3
peers=""
rss_scale=1
rss_messages=""
rss_partitions=""
rss_reps=""
install=1
kilp_bin=""
build_dir="$root/build-perf"
run_limit_s=300  # no single run may take longer
kilp_args=()
user_x=()
rtt_ms=100
rtt_window_bytes=2m
http_options=""
tcp_options=""
kafka=mock
kafka_version=""
sink_kind=count
questdb_version=""
connector_jar=""
declare -A variant_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    -m) messages=$2; shift 2 ;;
    -p) partitions=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --no-rss-scale) rss_scale=0; shift ;;
    --rss-messages) rss_messages=$2; shift 2 ;;
    --rss-partitions) rss_partitions=$2; shift 2 ;;
    --rss-reps) rss_reps=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --kilp-bin) kilp_bin=$2; shift 2 ;;
    --kilp-arg) kilp_args+=("$2"); shift 2 ;;
    --rtt-ms) rtt_ms=$2; shift 2 ;;
    --rtt-window-bytes) rtt_window_bytes=$2; shift 2 ;;
    --http-options) http_options=$2; shift 2 ;;
    --tcp-options) tcp_options=$2; shift 2 ;;
    -X) user_x+=(-X "$2"); shift 2 ;;
    --variant)
      [[ $2 == *=* ]] || { echo "perf/run.sh: --variant expects NAME=ARGS, got '$2'" >&2; exit 2; }
      variant_args[${2%%=*}]=${2#*=}; shift 2 ;;
    --kafka) kafka=$2; shift 2 ;;
    --kafka-version) kafka_version=$2; shift 2 ;;
    --sink) sink_kind=$2; shift 2 ;;
    --questdb-version) questdb_version=$2; shift 2 ;;
    --connector-jar) connector_jar=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "perf/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

case "$kafka" in
  mock|broker) ;;
  *) echo "perf/run.sh: --kafka expects mock or broker, got '$kafka'" >&2; exit 2 ;;
esac
case "$sink_kind" in
  count) peers=${peers:-ceiling,kilp1,kilp2,tcps1,tcps2,python,kcat} ;;
  questdb) peers=${peers:-ceiling,push1,push2,kilp1,kilp2,kilp-http}; rss_scale=0 ;;
  *) echo "perf/run.sh: --sink expects count or questdb, got '$sink_kind'" >&2; exit 2 ;;
esac
IFS=, read -r -a peer_list <<<"$peers"
for peer in "${peer_list[@]}"; do
  if [[ $peer == *@* ]] && [ -z "${variant_args[${peer#*@}]+set}" ]; then
    echo "perf/run.sh: peer '$peer' names no --variant ${peer#*@}=ARGS" >&2; exit 2
  fi
  case "$sink_kind:${peer%%@*}" in
    count:push*|count:connector) echo "perf/run.sh: peer $peer needs --sink questdb" >&2; exit 2 ;;
    questdb:connector)
      [ -e "$connector_jar" ] ||
        { echo "perf/run.sh: peer connector needs --connector-jar PATH (a jar or a directory of jars)" >&2; exit 2; }
      [ "$kafka" = broker ] || { echo "perf/run.sh: peer connector needs --kafka broker" >&2; exit 2; } ;;
    questdb:tcps*|questdb:python|questdb:kcat)
      echo "perf/run.sh: peer $peer does not run with --sink questdb" \
        "(QuestDB OSS has no TLS; python and kcat report no first message)" >&2; exit 2 ;;
  esac
done

# Perf-only packages stay out of the CI's install list: asked for here only.
if [ "$install" = 1 ]; then
  tools/install-deps.sh time kcat gnuplot-nox python3-confluent-kafka mawk
fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target kilp kilp-mock ilp_count_sink ceiling_consumer \
  kilp-delay-proxy produce_trades \
  >/dev/null 2>&1 || { echo "perf/run.sh: build failed in $build_dir" >&2; exit 1; }
bin_kilp=${kilp_bin:-$build_dir/tools/kilp}
[ -x "$bin_kilp" ] || { echo "perf/run.sh: no kilp binary at $bin_kilp" >&2; exit 1; }
bin_mock="$build_dir/tools/kilp-mock"
bin_sink="$build_dir/perf/ilp_count_sink"
bin_ceiling="$build_dir/perf/ceiling_consumer"
bin_proxy="$build_dir/perf/kilp-delay-proxy"
bin_producer="$build_dir/perf/produce_trades"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$root/perf/out/$stamp"
mkdir -p "$out"

# The tcps peers' sink certificate: self-signed for 127.0.0.1, made per run.
tls_cert="$out/sink-cert.pem"
tls_key="$out/sink-key.pem"
if [[ ",$peers," == *,tcps* ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tls_key" -out "$tls_cert" >/dev/null 2>&1 ||
    { echo "perf/run.sh: openssl could not make the sink certificate" >&2; exit 1; }
fi
ln -sfn "$stamp" "$root/perf/out/latest"
csv="$out/runs.csv"
echo "peer,messages,rep,ok,rows,duplicates,wall_s,active_s,user_s,sys_s,cpu_s,max_rss_kib,rows_per_s_wall,rows_per_s_active,load1,kafka,sink,sink_cpu_s,rows_per_s_visible_span" >"$csv"

# Every background process this script starts, stopped on exit whatever happens.
pids=()
peer_pid=""
broker_state=""
broker_version=""
questdb_state=""
cleanup() {
  set +e  # a failed kill or wait must not skip the rest (the broker's stop)
  [ -n "$peer_pid" ] && kill -TERM "$peer_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$peer_pid" ] && wait "$peer_pid" 2>/dev/null
  declare -F stop_broker >/dev/null && stop_broker
  declare -F stop_questdb >/dev/null && stop_questdb
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $2 seconds for the first line of file $1 matching $3; prints it.
wait_for_line() {
  local file=$1 seconds=$2 pattern=$3 line
  for ((i = 0; i < seconds * 10; i++)); do
    line=$(grep -m1 "$pattern" "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    sleep 0.1
  done
  return 1
}

# Waits up to $2 seconds for pid $1 to exit.
wait_pid() {
  local pid=$1 seconds=$2
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  return 1
}

# Starts a mock cluster with $1 messages in $2 partitions; sets mock_pid and bootstrap.
start_mock() {
  local count=$1 parts=$2 log="$out/mock-$1"
  "$bin_mock" --topic "trades:$parts" --generate "$count" >"$log.out" 2>"$log.err" &
  mock_pid=$!
  pids+=("$mock_pid")
  if ! bootstrap=$(wait_for_line "$log.out" 600 '^bootstrap.servers='); then
    echo "perf/run.sh: kilp-mock did not start:" >&2
    cat "$log.err" >&2
    exit 1
  fi
  bootstrap=${bootstrap#bootstrap.servers=}
  echo "mock cluster $bootstrap: $count trades in $parts partitions" >&2
}

stop_mock() {
  kill -TERM "$mock_pid" 2>/dev/null || true
  wait_pid "$mock_pid" 10 || kill -KILL "$mock_pid" 2>/dev/null || true
}

# Starts the real broker in a temporary state dir; sets broker_state and bootstrap.
start_broker() {
  broker_state=$(mktemp -d "${TMPDIR:-/tmp}/kilp-perf-kafka.XXXXXX")
  local version=()
  [ -n "$kafka_version" ] && version=(--version "$kafka_version")
  if ! tests/servers/kafka/broker.sh start "$broker_state" "${version[@]}" >"$out/broker-start.out" 2>&1; then
    cat "$out/broker-start.out" >&2
    echo "perf/run.sh: the Kafka broker did not start (logs kept in $out/broker-logs)" >&2
    exit 1
  fi
  bootstrap=$(sed -n 's/^bootstrap_plaintext=//p' "$broker_state/broker.env")
  broker_version=$(sed -n 's/^version=//p' "$broker_state/broker.env")
  echo "Kafka broker $broker_version at $bootstrap" \
    "(pid $(sed -n 's/^pid=//p' "$broker_state/broker.env")), state in $broker_state" >&2
}

# Stops the broker by its pid (broker.sh stop), keeps its logs in $out, removes its data.
stop_broker() {
  [ -n "$broker_state" ] || return 0
  tests/servers/kafka/broker.sh stop "$broker_state" >/dev/null 2>&1 || true
  cp -r "$broker_state/logs" "$out/broker-logs" 2>/dev/null || true
  rm -rf "$broker_state"
  broker_state=""
}

# A topic of $1 trades in $2 partitions on the broker; sets topic.
fill_broker_topic() {
  local count=$1 parts=$2
  topic=trades
  [ "$count" != "$messages" ] && topic=trades-$count
  if ! tests/servers/kafka/broker.sh tool "$broker_state" kafka-topics --create --topic "$topic" \
      --partitions "$parts" --replication-factor 1 >"$out/topic-$topic.out" 2>&1; then
    cat "$out/topic-$topic.out" >&2
    echo "perf/run.sh: could not create topic $topic" >&2
    exit 1
  fi
  local produced
  produced=$("$bin_producer" --brokers "$bootstrap" --topic "$topic" --partitions "$parts" \
    --count "$count") || { echo "perf/run.sh: producing $count trades to $topic failed" >&2; exit 1; }
  echo "broker topic $topic: $count trades in $parts partitions ($produced)" >&2
}

# Starts QuestDB in a temporary state dir; sets questdb_state, questdb_pid, questdb_http
# and questdb_ilp (host:port).
start_questdb() {
  questdb_state=$(mktemp -d "${TMPDIR:-/tmp}/kilp-perf-questdb.XXXXXX")
  local version=()
  [ -n "$questdb_version" ] && version=(--version "$questdb_version")
  if ! tests/servers/questdb/questdb.sh start "$questdb_state" "${version[@]}" \
      >"$out/questdb-start.out" 2>&1; then
    cat "$out/questdb-start.out" >&2
    echo "perf/run.sh: QuestDB did not start (log kept as $out/questdb.log)" >&2
    exit 1
  fi
  questdb_pid=$(sed -n 's/^pid=//p' "$questdb_state/questdb.env")
  questdb_http=$(sed -n 's/^http=//p' "$questdb_state/questdb.env")
  questdb_ilp=$(sed -n 's/^ilp_tcp=//p' "$questdb_state/questdb.env")
  echo "QuestDB $(sed -n 's/^version=//p' "$questdb_state/questdb.env") (pid $questdb_pid):" \
    "http $questdb_http, ilp/tcp $questdb_ilp" >&2
}

# Stops QuestDB by its pid (questdb.sh stop), keeps its log in $out, removes its root.
stop_questdb() {
  [ -n "$questdb_state" ] || return 0
  tests/servers/questdb/questdb.sh stop "$questdb_state" >/dev/null 2>&1 || true
  cp "$questdb_state/questdb.log" "$out/questdb.log" 2>/dev/null || true
  rm -rf "$questdb_state"
  questdb_state=""
}

questdb_sql() {
  tests/servers/questdb/questdb.sh sql "$questdb_state" "$1" >/dev/null ||
    { echo "perf/run.sh: QuestDB refused: $1" >&2; exit 1; }
}

# The push peers' and the warm-up's input: every trade of the topic as kilp writes it
# (file:: sink, 2 shards), made once before the timed runs.
make_ilp_file() {
  ilp_file="$out/trades.ilp"
  "$bin_kilp" --brokers "$bootstrap" --topic "$topic" --group "perf-ilp-file-$$" \
    --sink "file::path=$ilp_file;" --dlq "file::path=$out/ilp-file-dlq.jsonl;" \
    --symbols symbol,side --timestamp-field ts --timestamp-units us --from-beginning \
    --exit-at-end --shards 2 "${kilp_args[@]}" "${user_x[@]}" >/dev/null 2>"$out/ilp-file.err" ||
    { cat "$out/ilp-file.err" >&2; echo "perf/run.sh: kilp could not write $ilp_file" >&2; exit 1; }
  local lines
  lines=$(wc -l <"$ilp_file")
  [ "$lines" -eq "$messages" ] ||
    { echo "perf/run.sh: $ilp_file holds $lines rows, not $messages" >&2; exit 1; }
  echo "push input: $ilp_file, $lines rows, $(stat -c %s "$ilp_file") bytes (kilp file::)" >&2
}

# QuestDB compiles its hot ILP and WAL paths on first use (C2: ~1.3 CPU s seen in the
# first run): one untimed push of the whole file first, so no peer pays for it.
warm_up_questdb() {
  questdb_sql "drop table if exists trades"
  /usr/bin/python3 "$root/perf/ilp_push.py" --port "${questdb_ilp##*:}" --connections 2 \
    "$ilp_file" >"$out/warm-up.out" ||
    { echo "perf/run.sh: the warm-up push into QuestDB failed" >&2; exit 1; }
  /usr/bin/python3 "$root/perf/questdb_visible.py" --http "$questdb_http" --table trades \
    --total "$messages" --pid "$questdb_pid" --timeout-s "$run_limit_s" >>"$out/warm-up.out" ||
    { echo "perf/run.sh: QuestDB did not show the warm-up's rows" >&2; exit 1; }
  questdb_sql "drop table if exists trades"
  echo "QuestDB warmed up: $messages rows pushed, visible, dropped" >&2
}

# Kafka Connect's jars through mvn (perf/connect/pom.xml), once per pom; sets
# connect_jars, and connect_plugins: a plugin dir holding the --connector-jar jar(s).
install_connect() {
  local dir pom_sum tmp
  dir="${KILP_CACHE_DIR:-$HOME/.cache/kilp}/connect-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' perf/connect/pom.xml)"
  pom_sum=$(sha256sum perf/connect/pom.xml | cut -c1-16)
  if [ "$(cat "$dir/installed" 2>/dev/null)" != "$pom_sum" ]; then
    echo "fetching Kafka Connect through mvn into $dir" >&2
    mkdir -p "$(dirname "$dir")"
    tmp=$(mktemp -d "$dir.XXXXXX")
    mvn -B -q -f perf/connect/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp/jars" >"$tmp/mvn.log" 2>&1 ||
      { sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" >&2; rm -rf "$tmp"; echo "perf/run.sh: mvn failed" >&2; exit 1; }
    echo "$pom_sum" >"$tmp/installed"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
  connect_jars="$dir/jars"
  connect_plugins="$out/connect-plugins"
  mkdir -p "$connect_plugins/questdb-connector"
  if [ -d "$connector_jar" ]; then
    cp "$connector_jar"/*.jar "$connect_plugins/questdb-connector/"
  else
    cp "$connector_jar" "$connect_plugins/questdb-connector/"
  fi
}

# Kafka Connect's worker and connector properties for one connector run in dir $1,
# connector (and so consumer group) name $2.
write_connect_config() {
  local dir=$1 name=$2 rest_port
  rest_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "bootstrap.servers=$bootstrap" \
    key.converter=org.apache.kafka.connect.storage.StringConverter \
    value.converter=org.apache.kafka.connect.json.JsonConverter \
    value.converter.schemas.enable=false \
    "offset.storage.file.filename=$dir/connect.offsets" \
    "plugin.path=$connect_plugins" \
    "listeners=http://127.0.0.1:$rest_port" \
    consumer.auto.offset.reset=earliest >"$dir/worker.properties"
  printf '%s\n' "name=$name" \
    connector.class=io.questdb.kafka.QuestDBSinkConnector \
    tasks.max=2 \
    "topics=$topic" \
    "client.conf.string=http::addr=$questdb_http;" \
    table=trades \
    symbols=symbol,side \
    timestamp.field.name=ts \
    timestamp.units=micros >"$dir/connector.properties"
}

# The data set of $1 trades in $2 partitions, on the Kafka --kafka chose.
start_data() {
  if [ "$kafka" = mock ]; then
    topic=trades
    start_mock "$1" "$2"
  else
    [ -n "$broker_state" ] || start_broker
    fill_broker_topic "$1" "$2"
  fi
}

stop_data() {
  [ "$kafka" = mock ] && stop_mock
  true
}

# kilp's consumer settings, handed to every other librdkafka-based peer.
peer_x=()
while IFS= read -r property; do
  [ -n "$property" ] && peer_x+=(-X "$property")
done < <("$bin_ceiling" --print-settings "${user_x[@]}")
peer_x+=("${user_x[@]}")
echo "consumer settings for every peer: ${peer_x[*]}" >&2

field() {  # field NAME FILE: value of NAME=... on the last line of FILE holding it
  grep -o "\b$1=[^ ]*" "$2" 2>/dev/null | tail -1 | cut -d= -f2
}

# run_one PEER COUNT REP: one timed run; appends a CSV row.
run_one() {
  local name=$1 count=$2 rep=$3
  local dir="$out/$name-$count-$rep" group="perf-${name//@/-}-$count-$rep-$$"
  # PEER@VARIANT: PEER with the variant's arguments appended.
  local peer=${name%%@*} extra=()
  [[ $name == *@* ]] && read -r -a extra <<<"${variant_args[${name#*@}]}"
  mkdir -p "$dir"
  local sink_pid="" port="" proxy_pid="" watch_pid="" cmd=()
  if [ "$peer" != ceiling ] && [ "$sink_kind" = questdb ]; then
    # A fresh table, QuestDB idle, then the watcher: it reports when count() is complete.
    questdb_sql "drop table if exists trades"
    local kilp_log=()
    [[ $peer == kilp* ]] && kilp_log=(--kilp-log "$dir/stderr")
    /usr/bin/python3 "$root/perf/questdb_visible.py" --http "$questdb_http" --table trades \
      --total "$count" --pid "$questdb_pid" --timeout-s "$run_limit_s" "${kilp_log[@]}" \
      >"$dir/visible.out" 2>"$dir/visible.err" &
    watch_pid=$!
    pids+=("$watch_pid")
    wait_for_line "$dir/visible.out" 15 '^ready' >/dev/null ||
      { echo "perf/run.sh: questdb_visible.py did not start:" >&2; cat "$dir/visible.err" >&2; exit 1; }
    port=${questdb_ilp##*:}
    [[ $peer == kilp-http* ]] && port=${questdb_http##*:}
  elif [ "$peer" != ceiling ]; then
    # Runs until told to stop: a peer may deliver some rows twice (at-least-once
    # after a rebalance), and a sink gone early would leave it retrying forever.
    local mode=()
    case "$peer" in
      tcps*) mode=(--tls-cert "$tls_cert" --tls-key "$tls_key") ;;
      kilp-http*) mode=(--http) ;;
    esac
    "$bin_sink" --timeout-s "$((run_limit_s + 30))" "${mode[@]}" >"$dir/sink.out" \
      2>"$dir/sink.err" &
    sink_pid=$!
    pids+=("$sink_pid")
    port=$(wait_for_line "$dir/sink.out" 10 '^port=') || { echo "sink did not start" >&2; exit 1; }
    port=${port#port=}
  fi
  case "$peer" in
    *-rtt|*-rtt-win)
      # The long link: kilp talks to the proxy, the proxy to the sink.
      local window=0
      [ "$peer" = kilp-tcp-rtt-win ] && window=$rtt_window_bytes
      "$bin_proxy" --to "127.0.0.1:$port" --delay-ms "$((rtt_ms / 2))" --window-bytes "$window" \
        --max-seconds "$((run_limit_s + 60))" >"$dir/proxy.out" 2>"$dir/proxy.err" &
      proxy_pid=$!
      pids+=("$proxy_pid")
      port=$(wait_for_line "$dir/proxy.out" 10 '^port=') ||
        { echo "kilp-delay-proxy did not start:" >&2; cat "$dir/proxy.err" >&2; exit 1; }
      port=${port#port=}
      ;;
  esac
  local kilp_common=(--brokers "$bootstrap" --topic "$topic" --group "$group"
                     --dlq "file::path=$dir/dlq.jsonl;"
                     --symbols symbol,side --timestamp-field ts --timestamp-units us
                     --from-beginning --exit-at-end --stats-interval 60)
  # The watcher reads kilp's first consumed message from /metrics.
  [ "$sink_kind" = questdb ] && kilp_common+=(--metrics-addr 127.0.0.1:0)
  case "$peer" in
    ceiling)
      cmd=("$bin_ceiling" --brokers "$bootstrap" --topic "$topic" --group "$group"
           --timeout-s "$run_limit_s" "${user_x[@]}" "${extra[@]}") ;;
    kilp1|kilp2|tcps1|tcps2)
      local sink="tcp::addr=127.0.0.1:$port;$tcp_options"
      case "$peer" in tcps*) sink="tcps::addr=127.0.0.1:$port;tls_roots=$tls_cert;" ;; esac
      cmd=("$bin_kilp" "${kilp_common[@]}" --sink "$sink" --shards "${peer: -1}"
           "${kilp_args[@]}" "${user_x[@]}" "${extra[@]}") ;;
    kilp-tcp-rtt|kilp-tcp-rtt-win)
      cmd=("$bin_kilp" "${kilp_common[@]}" --sink "tcp::addr=127.0.0.1:$port;$tcp_options"
           --shards 2 "${kilp_args[@]}" "${user_x[@]}" "${extra[@]}") ;;
    kilp-http|kilp-http-rtt)
      cmd=("$bin_kilp" "${kilp_common[@]}" --sink "http::addr=127.0.0.1:$port;$http_options"
           --shards 2 "${kilp_args[@]}" "${user_x[@]}" "${extra[@]}") ;;
    python)
      cmd=(/usr/bin/python3 "$root/perf/python_peer.py" --brokers "$bootstrap" --topic "$topic"
           --group "$group" --sink-port "$port" "${peer_x[@]}" "${extra[@]}") ;;
    kcat)
      local xs="${peer_x[*]}"
      cmd=(bash -c "kcat -C -q -b '$bootstrap' -G '$group' -o beginning -e $xs \
           -X auto.offset.reset=earliest '$topic' ${extra[*]} \
           | mawk -v table=trades -v symbols=symbol,side -v ts=ts -f '$root/perf/json_to_ilp.awk' \
           > /dev/tcp/127.0.0.1/$port") ;;
    push1|push2)
      cmd=(/usr/bin/python3 "$root/perf/ilp_push.py" --port "$port" --connections "${peer: -1}"
           "$ilp_file") ;;
    connector)
      write_connect_config "$dir" "$group"
      cmd=(java -Xms256M -Xmx2G -Dlog4j2.configurationFile="$root/tests/servers/kafka/log4j2.properties"
           -Dkilp.log.file="$dir/connect.log" -Dkilp.log.level=INFO -cp "$connect_jars/*"
           org.apache.kafka.connect.cli.ConnectStandalone "$dir/worker.properties"
           "$dir/connector.properties") ;;
    *) echo "perf/run.sh: unknown peer '$peer'" >&2; exit 2 ;;
  esac
  local status=0 load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  # In the background, so a signal to this script is handled at once.
  timeout -k 5 "$run_limit_s" /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "${cmd[@]}" \
    >"$dir/stdout" 2>"$dir/stderr" &
  peer_pid=$!
  if [ "$peer" = connector ]; then
    # Connect never exits by itself: once every row is visible (or the watcher gave
    # up), its JVM (timeout's grandchild) gets SIGTERM, so /usr/bin/time still reports.
    wait_pid "$watch_pid" "$run_limit_s" || true
    local time_pid java_pid=""
    time_pid=$(pgrep -P "$peer_pid" | head -1 || true)
    [ -n "$time_pid" ] && java_pid=$(pgrep -P "$time_pid" | head -1 || true)
    [ -n "$java_pid" ] && kill -TERM "$java_pid" 2>/dev/null
  fi
  wait "$peer_pid" || status=$?
  peer_pid=""
  # The JVM's exit status after our SIGTERM.
  [ "$peer" = connector ] && [ "$status" -eq 143 ] && status=0

  local rows active sink_cpu="" span_rate=""
  if [ "$peer" = ceiling ]; then
    rows=$(field messages "$dir/stdout")
    active=$(field active_s "$dir/stdout")
  elif [ -n "$watch_pid" ]; then
    [ -n "$proxy_pid" ] && { kill -TERM "$proxy_pid" 2>/dev/null; wait_pid "$proxy_pid" 15 || true; }
    wait_pid "$watch_pid" "$run_limit_s" || kill -TERM "$watch_pid" 2>/dev/null || true
    rows=$(field rows "$dir/visible.out")
    sink_cpu=$(field questdb_cpu_s "$dir/visible.out")
    local start_ns visible_ns
    visible_ns=$(field visible_ns "$dir/visible.out")
    if [[ $peer == push* ]]; then
      start_ns=$(field start_ns "$dir/stdout")
    elif [ "$peer" = connector ]; then
      start_ns=$(field first_visible_ns "$dir/visible.out")
    else
      start_ns=$(field first_message_ns "$dir/visible.out")
    fi
    active=0
    if [ "${visible_ns:-0}" -gt 0 ] && [ "${start_ns:-0}" -gt 0 ]; then
      active=$(awk -v a="$start_ns" -v b="$visible_ns" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
    fi
    # QuestDB's own view: rows after the first visible ones, first to last visible.
    span_rate=$(awk -v a="$(field first_visible_ns "$dir/visible.out")" -v b="${visible_ns:-0}" \
      -v first="$(field rows_at_first_visible "$dir/visible.out")" -v total="$count" \
      'BEGIN { printf "%.0f", ((b > a && a > 0) ? (total - first) / ((b - a) / 1e9) : 0) }')
    if [ "$peer" = connector ]; then
      active=$(awk -v r="$span_rate" -v c="$count" 'BEGIN { printf "%.6f", (r > 0 ? c / r : 0) }')
    fi
  else
    if [ -n "$proxy_pid" ]; then
      # The proxy still holds the last rtt/2 of bytes: it drains, then closes.
      kill -TERM "$proxy_pid" 2>/dev/null
      wait_pid "$proxy_pid" 15 || kill -KILL "$proxy_pid" 2>/dev/null || true
    fi
    # The peer is gone: the sink reads what is left in its sockets and reports.
    kill -TERM "$sink_pid" 2>/dev/null
    wait_pid "$sink_pid" 10 || kill -KILL "$sink_pid" 2>/dev/null || true
    rows=$(field rows "$dir/sink.out")
    active=$(field active_s "$dir/sink.out")
  fi
  local wall user sys rss
  read -r wall user sys rss < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$dir/time.txt" || echo "0 0 0 0")
  rows=${rows:-0}
  active=${active:-0}
  local ok=1 duplicates=0
  if [ "$status" -ne 0 ] || [ "$rows" -lt "$count" ]; then
    ok=0
    echo "  $name rep $rep: FAILED (exit $status, $rows of $count rows); see $dir" >&2
  elif [ "$rows" -gt "$count" ]; then
    duplicates=$((rows - count))
    echo "  $name rep $rep: $duplicates row(s) delivered twice; see $dir/stderr" >&2
  fi
  awk -v p="$name" -v k="$kafka" -v sk="$sink_kind" -v scpu="$sink_cpu" -v span="$span_rate" -v c="$count" -v r="$rep" -v ok="$ok" -v rows="$rows" -v dup="$duplicates" -v wall="$wall" \
      -v act="$active" -v u="$user" -v s="$sys" -v rss="$rss" -v load="$load1" 'BEGIN {
        # Rates count each message once, duplicates or not.
        printf "%s,%d,%d,%d,%d,%d,%.3f,%.6f,%.2f,%.2f,%.2f,%d,%.0f,%.0f,%s,%s,%s,%s,%s\n", p, c, r, ok, rows, dup,
          wall, act, u, s, u + s, rss, (wall > 0 ? c / wall : 0), (act > 0 ? c / act : 0), load, k, sk, scpu, span
      }' | tee -a "$csv" | awk -F, '{ printf "  %-16s M=%s rep %s: %s rows, wall %.2f s, active %.3f s, cpu %.2f s, rss %d KiB, %s rows/s active, load %s%s\n", $1, $2, $3, $5, $7, $8, $11, $12, $14, $15, ($18 != "" ? ", QuestDB cpu " $18 " s" : "") }' >&2
}

start_data "$messages" "$partitions"
if [ "$sink_kind" = questdb ]; then
  start_questdb
  make_ilp_file
  warm_up_questdb
  [[ ",$peers," == *,connector* ]] && install_connect
fi
for ((rep = 1; rep <= reps; rep++)); do
  for peer in "${peer_list[@]}"; do run_one "$peer" "$messages" "$rep"; done
done
stop_data

if [ "$rss_scale" = 1 ]; then
  small=${rss_messages:-$((messages / 10))}
  # The mock keeps 5 MiB per partition: about 45,000 trades with its overhead.
  needed=$(( (small + 44999) / 45000 ))
  needed=$(( needed > partitions ? (needed + 31) / 32 * 32 : partitions ))
  [ "$kafka" = broker ] && needed=$partitions  # a broker keeps what it is given
  start_data "$small" "${rss_partitions:-$needed}"
  for ((rep = 1; rep <= ${rss_reps:-$reps}; rep++)); do
    for peer in "${peer_list[@]}"; do
      case "$peer" in kilp1|kilp2) run_one "$peer" "$small" "$rep" ;; esac
    done
  done
  stop_data
fi

{
  echo "kafka: $kafka${broker_version:+ (Apache Kafka $broker_version, KRaft, one node)}"
  echo "sink: $sink_kind"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at the end; $(nproc) cores"
} >"$out/conditions.txt"
/usr/bin/python3 "$root/perf/summarize.py" "$csv" "$out" "$messages" "${small:-}"
