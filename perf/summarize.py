"""Summarizes perf/run.sh's runs.csv: median, min and max per peer, the ratios
against the ceiling and the peers, the targets, and a PNG plot through gnuplot.

  summarize.py RUNS_CSV OUT_DIR MESSAGES [RSS_MESSAGES]
Writes OUT_DIR/summary.csv and OUT_DIR/rates.png; prints the table.
"""
import csv
import os
import statistics
import subprocess
import sys

METRICS = ["rows_per_s_active", "rows_per_s_wall", "cpu_s", "max_rss_kib", "sink_cpu_s",
           "rows_per_s_visible_span"]
ORDER = ["ceiling", "push1", "push2", "kilp1", "kilp2", "tcps1", "tcps2", "python", "kcat",
         "kilp-tcp-rtt", "kilp-tcp-rtt-win", "kilp-http", "kilp-http-rtt", "connector"]
# Over a long link (issue 13): (peer, same peer without the link, target or None).
LINK_RATIOS = [("kilp-http-rtt", "kilp-http", 0.8), ("kilp-tcp-rtt", "kilp2", 0.8),
               ("kilp-tcp-rtt-win", "kilp2", None), ("kilp-http", "kilp2", None)]


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summarize(runs):
    groups = {}
    for run in runs:
        groups.setdefault((run["peer"], int(run["messages"])), []).append(run)
    summary = {}
    for key, group in groups.items():
        ok = [r for r in group if r["ok"] == "1"]
        entry = {"runs": len(group), "ok": len(ok)}
        for metric in METRICS:
            values = [float(r[metric]) for r in ok if r.get(metric) not in (None, "")]
            entry[metric] = (statistics.median(values), min(values), max(values)) if values else None
        summary[key] = entry
    return summary


def order_of(peer):
    """Table position: a variant (PEER@NAME) right after its peer."""
    base = peer.split("@")[0]
    return ORDER.index(base) if base in ORDER else 99


def rate(value):
    return f"{value / 1e6:.3f}M" if value >= 1e5 else f"{value / 1e3:.1f}k"


def fmt_triple(triple, show):
    if triple is None:
        return "-"
    med, lo, hi = triple
    return f"{show(med)} [{show(lo)}..{show(hi)}]"


def print_table(summary, messages):
    print(f"\nMedian [min..max] over the successful runs; M = {messages:,} messages.")
    print("active = first message (ceiling) or first byte at the sink to last row;"
          " wall = whole process, start-up and group join included.\n")
    header = f"{'peer':<16} {'M':>9} {'ok':>4}  {'rows/s active':<30} {'rows/s wall':<30} " \
             f"{'CPU s':<20} {'peak RSS MiB':<20}"
    print(header)
    print("-" * len(header))
    keys = sorted(summary, key=lambda k: (-k[1], order_of(k[0]), k[0]))
    for key in keys:
        e = summary[key]
        print(f"{key[0]:<16} {key[1]:>9} {e['ok']:>2}/{e['runs']:<1}  "
              f"{fmt_triple(e['rows_per_s_active'], rate):<30} "
              f"{fmt_triple(e['rows_per_s_wall'], rate):<30} "
              f"{fmt_triple(e['cpu_s'], lambda v: f'{v:.2f}'):<20} "
              f"{fmt_triple(e['max_rss_kib'], lambda v: f'{v / 1024:.0f}'):<20}")


def ratio(summary, a, b, metric, messages):
    ea, eb = summary.get((a, messages)), summary.get((b, messages))
    if not ea or not eb or not ea[metric] or not eb[metric] or eb[metric][0] == 0:
        return None
    return ea[metric][0] / eb[metric][0]


def print_ratios(summary, messages, other, kafka):
    print("\nRatios of medians (same run):")
    lines = []
    # kilp vs the raw consume ceiling: 0.8 on the mock (issue 4), 1.0 on a real broker (issue 19).
    ceiling_target = 1.0 if kafka == "broker" else 0.8
    for kilp in ("kilp1", "kilp2"):
        for peer, target in (("ceiling", ceiling_target), ("python", 10.0), ("kcat", None)):
            for metric in ("rows_per_s_active", "rows_per_s_wall"):
                r = ratio(summary, kilp, peer, metric, messages)
                if r is None:
                    continue
                verdict = ""
                if target is not None and metric == "rows_per_s_active":
                    verdict = f"  target >= {target:g}: {'met' if r >= target else 'MISSED'}"
                lines.append(f"  {kilp}/{peer:<8} {metric:<18} {r:7.2f}{verdict}")
    for tls, plain in (("tcps1", "kilp1"), ("tcps2", "kilp2")):
        for metric in ("rows_per_s_active", "rows_per_s_wall"):
            r = ratio(summary, tls, plain, metric, messages)
            if r is None:
                continue
            verdict = ""
            if metric == "rows_per_s_active":
                verdict = f"  target >= 0.7: {'met' if r >= 0.7 else 'MISSED'}"
            lines.append(f"  {tls}/{plain:<8} {metric:<18} {r:7.2f}{verdict}")
    for far, near, target in LINK_RATIOS:
        r = ratio(summary, far, near, "rows_per_s_active", messages)
        if r is None:
            continue
        verdict = f"  target >= {target:g}: {'met' if r >= target else 'MISSED'}" if target else ""
        lines.append(f"  {far + '/' + near:<26} rows_per_s_active  {r:7.2f}{verdict}")
    lines += variant_ratios(summary, messages)
    print("\n".join(lines) if lines else "  (not enough peers ran)")
    if not other:
        return
    big_m, small_m = max(messages, other), min(messages, other)
    for kilp in ("kilp1", "kilp2"):
        big_e, small_e = summary.get((kilp, big_m)), summary.get((kilp, small_m))
        if big_e and small_e and big_e["max_rss_kib"] and small_e["max_rss_kib"]:
            big, little = big_e["max_rss_kib"][0], small_e["max_rss_kib"][0]
            print(f"  {kilp} peak RSS at {big_m:,} vs {small_m:,} messages: {big / 1024:.0f} / "
                  f"{little / 1024:.0f} MiB = {big / little:.2f} (flat if close to 1)")


def variant_ratios(summary, messages):
    """Each PEER@NAME against PEER and the ceiling: rate and peak RSS."""
    lines = []
    for peer, m in sorted(summary):
        if m != messages or "@" not in peer:
            continue
        base = peer.split("@")[0]
        for other in (base, "ceiling"):
            if other == peer:
                continue
            r = ratio(summary, peer, other, "rows_per_s_active", messages)
            if r is not None:
                lines.append(f"  {peer + '/' + other:<26} rows_per_s_active  {r:7.2f}")
        r = ratio(summary, peer, base, "max_rss_kib", messages)
        if r is not None and base != "ceiling":
            lines.append(f"  {peer + '/' + base:<26} max_rss_kib        {r:7.2f}")
    return lines


def print_questdb(summary, messages):
    """--sink questdb: rows visible to SQL, QuestDB's CPU, and kilp against the bare push."""
    millions = messages / 1e6
    print("\nInto QuestDB: visible rows/s = first message (push: connect; connector: as span)"
          " until select count() reaches M; span = rows after the first visible ones over"
          " first to last visible; CPU seconds per million rows.\n")
    print(f"{'peer':<16} {'visible rows/s':<30} {'span rows/s':<12} {'QuestDB CPU s/M rows':<22} "
          f"{'peer CPU s/M rows':<20} {'peer RSS MiB':<12}")
    for peer in sorted({p for p, m in summary if m == messages}, key=lambda p: (order_of(p), p)):
        e = summary[(peer, messages)]
        sink, cpu, rss = e["sink_cpu_s"], e["cpu_s"], e["max_rss_kib"]
        span = e["rows_per_s_visible_span"]
        print(f"{peer:<16} {fmt_triple(e['rows_per_s_active'], rate):<30} "
              f"{(rate(span[0]) if span else '-'):<12} "
              f"{(f'{sink[0] / millions:.2f}' if sink else '-'):<22} "
              f"{(f'{cpu[0] / millions:.2f}' if cpu else '-'):<20} "
              f"{(f'{rss[0] / 1024:.0f}' if rss else '-'):<12}")
    lines = []
    # Each kilp against the push over as many connections as it has shards.
    pushes = {"kilp1": "push1", "kilp2": "push2", "kilp-http": "push2"}
    for peer, _ in sorted(summary):
        push = pushes.get(peer.split("@")[0])
        r = ratio(summary, peer, push, "rows_per_s_active", messages) if push else None
        if r is not None:
            lines.append(f"  {peer + '/' + push:<26} visible rows/s     {r:7.2f}  target >= 0.9: "
                         f"{'met' if r >= 0.9 else 'MISSED'}")
    # Issue 20: kilp >= 3x the connector's rows/s at <= 1/4 of its RSS (both over ILP/HTTP).
    for metric, label, target in (("rows_per_s_visible_span", "span rows/s", 3.0),
                                  ("max_rss_kib", "peak RSS", 0.25)):
        r = ratio(summary, "kilp-http", "connector", metric, messages)
        if r is not None:
            good = r >= target if metric != "max_rss_kib" else r <= target
            sign = ">=" if metric != "max_rss_kib" else "<="
            lines.append(f"  {'kilp-http/connector':<26} {label:<18} {r:7.2f}  target {sign} {target:g}: "
                         f"{'met' if good else 'MISSED'}")
    if lines:
        print("\n".join(lines))


def write_summary(summary, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["peer", "messages", "ok_runs", "runs"] +
                   [f"{m}_{s}" for m in METRICS for s in ("median", "min", "max")])
        for (peer, messages), e in sorted(summary.items()):
            row = [peer, messages, e["ok"], e["runs"]]
            for metric in METRICS:
                row += list(e[metric]) if e[metric] else ["", "", ""]
            w.writerow(row)


def plot(summary, messages, out_dir):
    data = os.path.join(out_dir, "rates.dat")
    peers = sorted({p for p, m in summary if m == messages}, key=lambda p: (order_of(p), p))
    rows = [(p, summary[(p, messages)]) for p in peers]
    rows = [(p, e) for p, e in rows if e["rows_per_s_active"] and e["rows_per_s_wall"]]
    if not rows:
        return
    with open(data, "w") as f:
        for i, (peer, e) in enumerate(rows):
            a, w = e["rows_per_s_active"], e["rows_per_s_wall"]
            f.write(f"{i} {peer} {a[0] / 1e6} {a[1] / 1e6} {a[2] / 1e6} "
                    f"{w[0] / 1e6} {w[1] / 1e6} {w[2] / 1e6}\n")
    png = os.path.join(out_dir, "rates.png")
    script = f"""
set terminal pngcairo size 900,520 noenhanced
set output '{png}'
set title 'kilp vs ceiling and peers, {messages:,} trades (median, min..max)'
set ylabel 'million rows/s'
set style fill solid 0.8 border -1
set grid ytics
set yrange [0:*]
set xtics rotate by 0
set key top right
set xrange [-0.6:{len(rows) - 0.4}]
set xtics ({", ".join(f'"{p}" {i}' for i, (p, _) in enumerate(rows))})
plot '{data}' using ($1-0.18):3:4:5:(0.17) with boxerrorbars title 'first message to last row', \\
     '' using ($1+0.18):6:7:8:(0.17) with boxerrorbars title 'whole process'
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print(f"\nplot: {png}")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"\nplot: gnuplot failed ({e})")


def main():
    runs_csv, out_dir, messages = sys.argv[1], sys.argv[2], int(sys.argv[3])
    other = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 0
    runs = load(runs_csv)
    summary = summarize(runs)
    print_table(summary, messages)
    for r in runs:
        if int(r.get("duplicates") or 0) > 0:
            print(f"note: {r['peer']} M={r['messages']} rep {r['rep']} delivered "
                  f"{r['duplicates']} row(s) twice (at-least-once after a rebalance)")
        if r["ok"] != "1":
            print(f"note: {r['peer']} M={r['messages']} rep {r['rep']} failed "
                  f"({r['rows']} rows); left out of the figures")
    loads = sorted(float(r["load1"]) for r in runs if r.get("load1"))
    if loads:
        print(f"\n1-minute load average at the start of each run: {loads[0]:.2f}..{loads[-1]:.2f}"
              " (2 cores: above 2 means other work competed for the CPU)")
    kafka = runs[0].get("kafka") or "mock" if runs else "mock"
    print(f"\nKafka: {kafka}")
    print_ratios(summary, messages, other, kafka)
    if any(r.get("sink") == "questdb" for r in runs):
        print_questdb(summary, messages)
    write_summary(summary, os.path.join(out_dir, "summary.csv"))
    print(f"\ncsv: {runs_csv} and {os.path.join(out_dir, 'summary.csv')}")
    plot(summary, messages, out_dir)


if __name__ == "__main__":
    main()
