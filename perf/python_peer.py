"""The "dedicated program" a user might write instead of kilp: confluent-kafka,
json and a socket, writing the same ILP rows kilp writes for the trades mapping.

Run with Debian's interpreter (/usr/bin/python3, python3-confluent-kafka):
  python_peer.py --brokers B --topic T --group G --sink-port P \
                 --symbols symbol,side --timestamp-field ts [-X key=value]...
It exits once every partition is assigned and at its end, like kilp --exit-at-end.
"""
import argparse
import json
import socket
import sys

from confluent_kafka import Consumer, KafkaError

UNIT_TO_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def escape_tag(text):
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def escape_string(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_line(table, obj, symbols, ts_field, ts_scale):
    tags = []
    fields = []
    ts = None
    for key, value in obj.items():
        if key == ts_field:
            ts = value
        elif key in symbols:
            tags.append(f"{escape_tag(key)}={escape_tag(str(value))}")
        elif isinstance(value, bool):
            fields.append(f"{escape_tag(key)}={'t' if value else 'f'}")
        elif isinstance(value, int):
            fields.append(f"{escape_tag(key)}={value}i")
        elif isinstance(value, float):
            fields.append(f"{escape_tag(key)}={value!r}")
        elif isinstance(value, str):
            fields.append(f'{escape_tag(key)}="{escape_string(value)}"')
    head = ",".join([table] + tags)
    line = f"{head} {','.join(fields)}"
    if ts is not None:
        line += f" {int(ts * ts_scale)}"
    return line + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--sink-port", type=int, required=True)
    parser.add_argument("--symbols", default="symbol,side")
    parser.add_argument("--timestamp-field", default="ts")
    parser.add_argument("--timestamp-units", default="us", choices=UNIT_TO_NS)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("-X", action="append", default=[], dest="properties")
    args = parser.parse_args()

    config = {
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "partition.assignment.strategy": "cooperative-sticky",
    }
    for prop in args.properties:
        key, _, value = prop.partition("=")
        config[key] = value
    consumer = Consumer(config)
    partitions = len(consumer.list_topics(args.topic, timeout=10).topics[args.topic].partitions)
    at_end = {}

    def on_assign(_, assigned):
        for tp in assigned:
            at_end[tp.partition] = False

    def on_revoke(_, revoked):
        for tp in revoked:
            at_end.pop(tp.partition, None)

    consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
    sink = socket.create_connection(("127.0.0.1", args.sink_port))
    symbols = set(filter(None, args.symbols.split(",")))
    scale = UNIT_TO_NS[args.timestamp_units]
    table = escape_tag(args.topic)
    rows = 0
    while not (len(at_end) == partitions and all(at_end.values())):
        lines = []
        for message in consumer.consume(num_messages=args.batch_size, timeout=0.1):
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    at_end[message.partition()] = True
                continue
            at_end[message.partition()] = False
            lines.append(to_line(table, json.loads(message.value()), symbols,
                                 args.timestamp_field, scale))
        if lines:
            sink.sendall("".join(lines).encode())
            rows += len(lines)
    sink.close()
    consumer.close()
    print(f"rows={rows}", file=sys.stderr)


if __name__ == "__main__":
    main()
