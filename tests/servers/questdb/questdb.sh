#!/usr/bin/env bash
# A real QuestDB for kilp's tests: installed from Maven Central through mvn, run on
# loopback with free ports and a fresh root inside a state directory, stopped by pid.
#
#   questdb.sh install [--version V]             jar into the cache (no mvn when already there)
#   questdb.sh start STATE_DIR [--version V]     fresh root, free ports, waits until SQL answers
#   questdb.sh stop STATE_DIR                    SIGTERM, SIGKILL after QUESTDB_STOP_TIMEOUT s
#   questdb.sh restart STATE_DIR [--kill]        same ports and data (--kill: SIGKILL, a crash)
#   questdb.sh sql STATE_DIR 'SELECT ...'        prints QuestDB's /exec answer
#
# V is a version Maven Central serves, `new` (questdb.version in pom.xml, the default)
# or `old` (questdb.old.version: an ILP protocol 1 server). start writes
# STATE_DIR/questdb.env (key=value: version, pid, http, ilp_tcp, pg, health, root, log)
# for the tests (tests/servers/questdb_server.hpp) and prints a summary; the server's
# log is STATE_DIR/questdb.log. Environment: KILP_CACHE_DIR (default ~/.cache/kilp),
# QUESTDB_HEAP (JVM -Xmx, default 512m), QUESTDB_START_TIMEOUT (s, default 90),
# QUESTDB_STOP_TIMEOUT (s, default 20).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cache_root=${KILP_CACHE_DIR:-$HOME/.cache/kilp}
heap=${QUESTDB_HEAP:-512m}
start_timeout=${QUESTDB_START_TIMEOUT:-90}
stop_timeout=${QUESTDB_STOP_TIMEOUT:-20}
jdk17_java=/usr/bin/java
jdk25_java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java

usage() {
  cat >&2 <<'EOF'
usage: questdb.sh install [--version V]
       questdb.sh start STATE_DIR [--version V]
       questdb.sh stop STATE_DIR
       questdb.sh restart STATE_DIR [--kill]
       questdb.sh sql STATE_DIR 'SELECT ...'
V: a version Maven Central serves, `new` (default) or `old` (see pom.xml)
EOF
  exit 2
}

die() {
  echo "questdb.sh: $*" >&2
  exit 1
}

pom_property() {
  sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$here/pom.xml"
}

resolve_version() {
  case "$1" in
    new) pom_property questdb.version ;;
    old) pom_property questdb.old.version ;;
    *) echo "$1" ;;
  esac
}

jar_of() {
  echo "$cache_root/questdb-$1/questdb-$1.jar"
}

# Java, Maven and curl come from Debian, through the project's installer.
ensure_tools() {
  command -v mvn >/dev/null && [ -x "$jdk17_java" ] && command -v curl >/dev/null &&
    command -v unzip >/dev/null && return
  "$repo/tools/install-deps.sh" maven openjdk-17-jdk-headless curl unzip
}

install() {
  local version=$1 jar dir
  jar=$(jar_of "$version")
  [ -f "$jar" ] && return
  ensure_tools
  dir=$(dirname "$jar")
  mkdir -p "$dir"
  # One installer per version at a time; the jar appears whole or not at all.
  (
    flock 9
    [ -f "$jar" ] && exit 0
    echo "questdb.sh: fetching org.questdb:questdb:$version from Maven Central" >&2
    local staging
    staging=$(mktemp -d "$dir/.staging.XXXXXX")
    # Debian's Maven 3.8 colours its output even in batch mode.
    if ! mvn -B -q -f "$here/pom.xml" "-Dquestdb.version=$version" \
        dependency:copy-dependencies "-DoutputDirectory=$staging" 2>&1 |
        sed 's/\x1b\[[0-9;]*m//g' >&2; then
      rm -rf "$staging" "$dir"
      die "mvn could not fetch org.questdb:questdb:$version (is it on Maven Central?)"
    fi
    mv "$staging"/*.jar "$dir/"
    rm -rf "$staging"
  ) 9>"$dir/.lock"
  [ -f "$jar" ] || die "no $jar after mvn"
}

# The server's classes decide the JVM: JDK 17 runs class files up to version 61;
# anything newer needs the Temurin 25 beside it.
java_for() {
  local major
  major=$(unzip -p "$1" io/questdb/ServerMain.class | od -An -j7 -N1 -tu1 | tr -d ' ')
  [ -n "$major" ] || die "$1 holds no io/questdb/ServerMain.class"
  if [ "$major" -le 61 ]; then
    echo "$jdk17_java"
  elif [ "$major" -le 69 ] && [ -x "$jdk25_java" ]; then
    echo "$jdk25_java"
  else
    die "$1 needs a JVM for class files of version $major (have JDK 17 and $jdk25_java)"
  fi
}

# Four distinct random ports no socket on this machine uses (from /proc: no tool
# needed), below the kernel's ephemeral range (32768 up) so that an outgoing
# connection cannot take one between now and the server's bind.
pick_ports() {
  # mawk's srand() clamps seeds above 2^31 - 1: keep it below, or every run picks alike.
  awk -v seed="$(((${SRANDOM:-$RANDOM} ^ $$) % 2147483647))" '
    function hex(text, i, n) {
      n = 0
      for (i = 1; i <= length(text); i++) n = n * 16 + index("0123456789ABCDEF", substr(text, i, 1)) - 1
      return n
    }
    FNR > 1 { parts = split($2, address, ":"); used[hex(address[parts])] = 1 }
    END {
      srand(seed)
      while (found < 4) {
        port = 20000 + int(rand() * 12000)
        if (!(port in used)) { used[port] = 1; picked = picked port " "; found++ }
      }
      print picked
    }' /proc/net/tcp /proc/net/tcp6
}

write_server_conf() {
  local root=$1 http=$2 ilp=$3 pg=$4 health=$5
  mkdir -p "$root/conf"
  # Loopback only, no telemetry, and one worker per pool: the tests share a
  # 2-core machine with kilp, Kafka and each other. UDP ILP would bind 0.0.0.0.
  cat >"$root/conf/server.conf" <<EOF
http.bind.to=127.0.0.1:$http
http.min.enabled=true
http.min.net.bind.to=127.0.0.1:$health
pg.net.bind.to=127.0.0.1:$pg
line.tcp.net.bind.to=127.0.0.1:$ilp
line.udp.enabled=false
telemetry.enabled=false
shared.worker.count=1
wal.apply.worker.count=1
EOF
  # Pools QuestDB 9 added; older versions warn about keys they do not know.
  if [ "${version%%.*}" -ge 9 ]; then
    printf '%s\n' mat.view.refresh.worker.count=1 view.compiler.worker.count=1 \
      export.worker.count=1 >>"$root/conf/server.conf"
  fi
}

read_env() {
  local file=$1/questdb.env
  [ -f "$file" ] || die "no $file: is a QuestDB started in $1?"
  # shellcheck disable=SC1090
  . "$file"
}

# True when `pid` is alive and is the QuestDB of `root` (a recycled pid is not).
is_our_server() {
  local pid=$1 root=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$root"
}

sql_answer() {
  curl -sS --max-time 10 -G "http://$1/exec" --data-urlencode "query=$2"
}

# Waits until SQL answers over HTTP; fails as soon as the process dies.
wait_ready() {
  local pid=$1 http=$2 log=$3 deadline=$((SECONDS + start_timeout))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "questdb.sh: QuestDB (pid $pid) exited while starting; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sql_answer "$http" 'select 1' 2>/dev/null | grep -q '"dataset":\[\[1\]\]' && return 0
    sleep 0.1
  done
  echo "questdb.sh: QuestDB (pid $pid) not answering SQL on $http after ${start_timeout} s; see $log" >&2
  return 1
}

# Starts the JVM on `root` (server.conf already written); prints its pid.
launch() {
  local jar=$1 root=$2 log=$3 java
  java=$(java_for "$jar")
  # setsid: the server outlives the shell (and ctest's setup test) that started it;
  # stdio to the log so nothing holds ctest's pipes open. SerialGC: QuestDB keeps its
  # data off-heap, a small heap needs no parallel collector threads.
  setsid "$java" "-Xms64m" "-Xmx$heap" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -p "$jar" -m io.questdb/io.questdb.ServerMain -d "$root" \
    </dev/null >>"$log" 2>&1 &
  echo $!
}

rss_mib() {
  awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

write_env() {
  local state=$1
  cat >"$state/questdb.env.tmp" <<EOF
version=$version
pid=$pid
http=127.0.0.1:$http_port
ilp_tcp=127.0.0.1:$ilp_port
pg=127.0.0.1:$pg_port
health=127.0.0.1:$health_port
root=$root
log=$log
EOF
  mv "$state/questdb.env.tmp" "$state/questdb.env"
}

# Seconds since `began` (an $EPOCHREALTIME), one decimal.
seconds_since() {
  awk -v began="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - began }'
}

summary() {
  local verb=$1 seconds=$2
  echo "QuestDB $version $verb in ${seconds} s (pid $pid, RSS $(rss_mib "$pid") MiB):" \
    "http 127.0.0.1:$http_port, ilp/tcp 127.0.0.1:$ilp_port, pg 127.0.0.1:$pg_port," \
    "health 127.0.0.1:$health_port; root $root, log $log"
}

stop_pid() {
  local pid=$1 root=$2 signal=${3:-TERM}
  is_our_server "$pid" "$root" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + stop_timeout))
  while is_our_server "$pid" "$root" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if is_our_server "$pid" "$root"; then
    echo "questdb.sh: pid $pid still running ${stop_timeout} s after SIGTERM: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while is_our_server "$pid" "$root"; do sleep 0.1; done
  fi
}

cmd_start() {
  local state=$1
  version=$(resolve_version "$2")
  install "$version"
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  # A server left over from an earlier run in the same state dir is ours to stop.
  if [ -f "$state/questdb.env" ]; then
    (read_env "$state" && stop_pid "$pid" "$root")
  fi
  rm -f "$state/questdb.env"
  root=$state/root
  log=$state/questdb.log
  local jar began=$EPOCHREALTIME attempt ports
  jar=$(jar_of "$version")
  : >"$log"
  # A port taken between the pick and the bind makes the server exit: pick again.
  for attempt in 1 2 3; do
    rm -rf "$root"
    ports=$(pick_ports)
    read -r http_port ilp_port pg_port health_port <<<"$ports"
    write_server_conf "$root" "$http_port" "$ilp_port" "$pg_port" "$health_port"
    pid=$(launch "$jar" "$root" "$log")
    if wait_ready "$pid" "127.0.0.1:$http_port" "$log"; then
      write_env "$state"
      summary ready "$(seconds_since "$began")"
      return 0
    fi
    stop_pid "$pid" "$root" KILL
    grep -qiE 'could not bind|address already in use' "$log" || break
    echo "questdb.sh: a port was taken meanwhile; attempt $((attempt + 1))" >&2
  done
  die "QuestDB $version did not start (log: $log)"
}

cmd_stop() {
  local state=$1
  [ -f "$state/questdb.env" ] || { echo "questdb.sh: nothing to stop in $state" >&2; return 0; }
  read_env "$state"
  local began=$EPOCHREALTIME
  stop_pid "$pid" "$root"
  mv "$state/questdb.env" "$state/questdb.stopped.env"
  echo "QuestDB $version (pid $pid) stopped in $(seconds_since "$began") s; log $log"
}

cmd_restart() {
  local state=$1 signal=$2
  read_env "$state"
  local began=$EPOCHREALTIME
  http_port=${http##*:} ilp_port=${ilp_tcp##*:} pg_port=${pg##*:} health_port=${health##*:}
  stop_pid "$pid" "$root" "$signal"
  pid=$(launch "$(jar_of "$version")" "$root" "$log")
  wait_ready "$pid" "$http" "$log" || die "QuestDB $version did not come back (log: $log)"
  write_env "$state"
  summary "restarted (SIG$signal)" "$(seconds_since "$began")"
}

cmd_sql() {
  read_env "$1"
  local answer status
  answer=$(curl -sS --max-time 60 -w '\n%{http_code}' -G "http://$http/exec" \
    --data-urlencode "query=$2")
  status=${answer##*$'\n'}
  echo "${answer%$'\n'*}"
  [ "$status" = 200 ] || die "HTTP $status for: $2"
}

# Parses `--version V` after the positional arguments.
version_option() {
  case "$#" in
    0) echo new ;;
    2) [ "$1" = --version ] && [ -n "$2" ] || usage; echo "$2" ;;
    *) usage ;;
  esac
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
  install)
    option=$(version_option "$@")
    version=$(resolve_version "$option")
    install "$version"
    echo "QuestDB $version: $(jar_of "$version")"
    ;;
  start)
    [ $# -ge 1 ] || usage
    state=$1
    shift
    option=$(version_option "$@")
    cmd_start "$state" "$option"
    ;;
  stop)
    [ $# -eq 1 ] || usage
    cmd_stop "$1"
    ;;
  restart)
    [ $# -eq 1 ] || { [ $# -eq 2 ] && [ "$2" = --kill ]; } || usage
    signal=TERM
    [ "${2:-}" = --kill ] && signal=KILL
    cmd_restart "$1" "$signal"
    ;;
  sql)
    [ $# -eq 2 ] || usage
    cmd_sql "$1" "$2"
    ;;
  *) usage ;;
esac
