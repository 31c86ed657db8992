"""The sink's ceiling for perf/run.sh --sink questdb: pushes a file of ILP lines
(written beforehand by kilp's file:: sink) into QuestDB's ILP/TCP port with
sendfile(2), the least a client can do to deliver them. With --connections N the
file is cut into N parts at line ends, each sent over its own connection at the
same time (as kilp's N shards each have their own). With --bytes-per-s R the
whole push is paced to R bytes/s in 1 MiB sends (kilp's buffer size): QuestDB's
cost at a given arrival rate, without a Kafka consumer on the same cores.

  ilp_push.py --port P [--connections N] [--bytes-per-s R] FILE
prints `start_ns=T end_ns=T bytes=N` (CLOCK_MONOTONIC; start = before the first
connect, end = the last byte handed to the kernel).
"""
import argparse
import os
import socket
import sys
import threading
import time


def cut_points(path, size, parts):
    """Offsets that split the file into `parts` ranges ending at a newline."""
    points = [0]
    with open(path, "rb") as f:
        for i in range(1, parts):
            f.seek(max(points[-1], size * i // parts))
            f.readline()
            points.append(min(f.tell(), size))
    points.append(size)
    return points


CHUNK = 1 << 20


def push_range(port, path, begin, end, sent, index, rate):
    """Sends [begin, end) of the file; `rate` bytes/s for this connection, 0: at once."""
    with socket.create_connection(("127.0.0.1", port)) as sock, open(path, "rb") as f:
        offset = begin
        started = time.monotonic()
        while offset < end:
            if rate:
                ahead = (offset - begin) / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
            count = min(end - offset, CHUNK) if rate else end - offset
            offset += os.sendfile(sock.fileno(), f.fileno(), offset, count)
        # Closing keeps the unsent bytes queued for the server: nothing is dropped.
    sent[index] = end - begin


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--bytes-per-s", type=float, default=0)
    parser.add_argument("file")
    args = parser.parse_args()
    size = os.stat(args.file).st_size
    points = cut_points(args.file, size, args.connections)
    sent = [0] * args.connections
    start = time.monotonic_ns()
    threads = [threading.Thread(target=push_range,
                                args=(args.port, args.file, points[i], points[i + 1], sent, i,
                                      args.bytes_per_s / args.connections))
               for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.monotonic_ns()
    if sum(sent) != size:
        print(f"ilp_push: sent {sum(sent)} of {size} bytes of {args.file}", file=sys.stderr)
        return 1
    print(f"start_ns={start} end_ns={end} bytes={size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
