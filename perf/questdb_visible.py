"""Watches one perf/run.sh --sink questdb run from QuestDB's side: when the rows
become visible to SQL, and how much CPU QuestDB spent on them.

  questdb_visible.py --http HOST:PORT --table T --total N --pid QUESTDB_PID
                     [--kilp-log FILE] [--timeout-s S] [--interval-ms MS]

1. Waits (at most 10 s) until QuestDB is idle: under 5% of a core over 300 ms, so
   the previous run's table drop and merges are not charged to this one. Then
   prints `ready` and reads QuestDB's CPU time (/proc/PID/stat).
2. With --kilp-log (kilp's stderr), finds kilp's /metrics address there and polls
   it every 5 ms until kilp consumed its first message: first_message_ns.
3. Polls `select count() from T` every MS (default 20) until it reaches N; every
   100 ms while the table does not exist yet (QuestDB's error path costs it more CPU
   than a count, and a peer such as Kafka Connect takes seconds to start).
Prints one line: first_message_ns, first_visible_ns (count > 0) and the count then,
visible_ns (count >= N), rows, questdb_cpu_s (from the first answer that the table
exists to visible_ns);
times are CLOCK_MONOTONIC. Exits 1 if N rows were not visible within S seconds.
"""
import argparse
import http.client
import json
import os
import re
import sys
import time
import urllib.parse

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def wait_idle(pid, deadline):
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.3)
        if cpu_seconds(pid) - before < 0.015:
            return True
    return False


class Sql:
    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=10)

    def count(self, table):
        query = urllib.parse.urlencode({"query": f"select count() from '{table}'"})
        """The table's row count, or None while QuestDB has no such table."""
        try:
            self.connection.request("GET", f"/exec?{query}")
            answer = self.connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return None
        try:
            return int(json.loads(answer)["dataset"][0][0])
        except (ValueError, KeyError, IndexError, TypeError):
            return None


def kilp_messages(log_path, connection):
    """kilp's consumed messages from its /metrics, or None before it serves them."""
    if connection[0] is None:
        try:
            with open(log_path) as f:
                found = re.search(r"metrics on http://([0-9.]+):(\d+)/metrics", f.read())
        except OSError:
            found = None
        if not found:
            return None
        connection[0] = http.client.HTTPConnection(found.group(1), int(found.group(2)), timeout=5)
    try:
        connection[0].request("GET", "/metrics")
        text = connection[0].getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        connection[0].close()
        return None
    return sum(int(float(m)) for m in
               re.findall(r"^kilp_messages_consumed_total(?:\{[^}]*\})? (\S+)$", text, re.M))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--kilp-log")
    parser.add_argument("--timeout-s", type=float, default=300)
    parser.add_argument("--interval-ms", type=float, default=20)
    args = parser.parse_args()

    idle = wait_idle(args.pid, time.monotonic() + 10)
    cpu_before = cpu_seconds(args.pid)
    print("ready" if idle else "ready (QuestDB still busy after 10 s)", flush=True)
    deadline = time.monotonic() + args.timeout_s

    first_message = 0
    if args.kilp_log:
        connection = [None]
        while time.monotonic() < deadline:
            consumed = kilp_messages(args.kilp_log, connection)
            if consumed:
                first_message = time.monotonic_ns()
                break
            time.sleep(0.005)

    sql = Sql(args.http)
    first_visible = visible = rows = rows_at_first = 0
    table_seen = None  # QuestDB's CPU seconds when the table first answered
    while time.monotonic() < deadline:
        count = sql.count(args.table)
        now = time.monotonic_ns()
        if count is None:
            time.sleep(0.1)
            continue
        if table_seen is None:
            table_seen = cpu_seconds(args.pid)
        rows = count
        if rows > 0 and not first_visible:
            first_visible, rows_at_first = now, rows
        if rows >= args.total:
            visible = now
            break
        time.sleep(args.interval_ms / 1000)
    # From the table's creation by the first rows: a peer's start-up (a JVM's seconds)
    # is not QuestDB's work. The first rows' parse before it is under 0.1 s here.
    cpu = cpu_seconds(args.pid) - (table_seen if table_seen is not None else cpu_before)
    print(f"first_message_ns={first_message} first_visible_ns={first_visible} "
          f"rows_at_first_visible={rows_at_first} visible_ns={visible} rows={rows} "
          f"questdb_cpu_s={cpu:.2f}", flush=True)
    return 0 if visible else 1


if __name__ == "__main__":
    sys.exit(main())
