#!/usr/bin/env python3
"""bench/report.py RESULTS OUT_DIR PLOT_GP — turns bench/run.sh's raw results into the printed report,
OUT_DIR/benchmarks.md and OUT_DIR/benchmarks.png (gnuplot, with PLOT_GP). Medians over rounds.

Results lines (space-separated): meta KEY TEXT...; iperf STREAMS PATH ROUND gbps X; cpu STREAMS PATH ROUND ROLE MS_PER_MB;
redis CLIENTS PATH ROUND rps|p50|p99 X; mem N rss_kib|held|after_close_kib X; handshakes NAME PER_SECOND;
any measurement that failed: ... ROUND failed.
"""
import os
import statistics
import subprocess
import sys

PATHS = ["portal", "socat3", "ssh", "direct"]
LABEL = {"portal": "Portico (inlet -> hub -> outlet)", "socat3": "socat, 3 plaintext hops",
         "ssh": "ssh -L -> sshd -> ssh -R", "direct": "direct loopback"}
SHORT = {"portal": "Portico", "socat3": "socat x3", "ssh": "ssh -L/-R", "direct": "direct"}


def load(path):
    meta, vals, mem, hs, failed = {}, {}, {}, {}, []
    by_round = {}  # (kind, n, path, key) -> {round: value}
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "meta":
            meta[f[1]] = " ".join(f[2:])
        elif f[-1] == "failed" or (f[0] == "mem" and f[2] == "failed"):
            failed.append(" ".join(f))
        elif f[0] in ("iperf", "redis", "cpu"):
            vals.setdefault((f[0], int(f[1]), f[2], f[4]), []).append(float(f[5]))
            by_round.setdefault((f[0], int(f[1]), f[2], f[4]), {})[f[3]] = float(f[5])
        elif f[0] == "mem":
            mem.setdefault(int(f[1]), {})[f[2]] = float(f[3])
        elif f[0] == "handshakes":
            hs[f[1]] = float(f[2])
    med = {k: statistics.median(v) for k, v in vals.items()}
    return meta, med, by_round, mem, hs, failed


def fmt(x, digits=2):
    return "–" if x is None else f"{x:,.{digits}f}"


def main():
    results, out, plot_gp = sys.argv[1:4]
    meta, med, by_round, mem, hs, failed = load(results)
    g = lambda *k: med.get(k)
    cpu_roles = {p: sorted({k[3] for k in med if k[0] == "cpu" and k[2] == p}, key=role_order) for p in PATHS}

    def cpu_total(streams, path):
        xs = [g("cpu", streams, path, r) for r in cpu_roles[path]]
        return sum(xs) if xs and None not in xs else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    def round_ratio(ka, kb):  # the median over rounds of the ratio within each round (same load for both)
        a, b = by_round.get(ka, {}), by_round.get(kb, {})
        xs = [a[r] / b[r] for r in a if r in b and b[r]]
        return statistics.median(xs) if xs else None

    # Memory: growth per connection from the RSS before the first batch, at each count.
    base = mem.get(0, {}).get("rss_kib")
    mem_rows = []
    for n in sorted(k for k in mem if k):
        m = mem[n]
        grow = m["rss_kib"] - base if "rss_kib" in m and base is not None else None
        after = m["after_close_kib"] - base if "after_close_kib" in m and base is not None else None
        roles = [(m[f"{r}_kib"] - mem[0][f"{r}_kib"]) / n if f"{r}_kib" in m and f"{r}_kib" in mem.get(0, {}) else None
                 for r in ("hub", "inlet", "outlet")]
        mem_rows.append((n, int(m.get("held", 0)), grow, grow / n if grow is not None else None, after, roles))
    top = mem_rows[-1] if mem_rows else None
    top_ok = top is not None and top[1] >= top[0] and top[3] is not None

    goals = [
        ("one stream: Portico / socat3", round_ratio(("iperf", 1, "portal", "gbps"), ("iperf", 1, "socat3", "gbps")), ">=", 0.8),
        ("one stream: Portico / ssh", round_ratio(("iperf", 1, "portal", "gbps"), ("iperf", 1, "ssh", "gbps")), ">=", 2.0),
        ("hub CPU per MB / one socat hop's", round_ratio(("cpu", 1, "portal", "hub"), ("cpu", 1, "socat3", "hop2")), "<=", 1.5),
        ("50-client GET rate: Portico / ssh", round_ratio(("redis", 50, "portal", "rps"), ("redis", 50, "ssh", "rps")), ">=", 1.5),
        ("1-client GET p99: Portico / socat3", round_ratio(("redis", 1, "portal", "p99"), ("redis", 1, "socat3", "p99")), "<=", 1.5),
        (f"KiB per idle connection at {top[0]:,}" if top else "KiB per idle connection",
         top[3] if top_ok else None, "<=", 16.0),
    ]

    def verdict(value, op, goal):
        if value is None:
            return "not measured", None
        score = value / goal if op == ">=" else goal / value if value > 0 else float("inf")
        if score >= 1:
            return "met", score
        return (f"missed: needs {goal / value:.2f}x more" if op == ">=" else f"missed: needs {value / goal:.2f}x less"), score

    lines = []
    w = lines.append
    w(f"Machine: {meta.get('cpus', '?')} CPUs, {meta.get('cpu', '?')} (AES instructions: {meta.get('aes', '?')}), "
      f"{meta.get('memory', '?')}, Linux {meta.get('kernel', '?')}")
    w(f"Date: {meta.get('date', '?')}; tree {meta.get('tree', '?')}; mode {meta.get('mode', '?')}; "
      f"{meta.get('settings', '')}")
    w(f"Load average (1, 5, 15 min): {meta.get('load_start', '?')} at start, {meta.get('load_end', '?')} at end; "
      f"the run took {meta.get('seconds', '?')} s")
    try:
        # The load at the start says whether other work shared the machine; the load at the end is mostly the
        # benchmark's own processes (five or more per path on a 2-CPU machine).
        busy = float(meta.get("load_start", "0").split()[0]) > float(meta.get("cpus", "1"))
    except ValueError:
        busy = False
    if meta.get("mode") == "smoke":
        w("")
        w("A smoke run: tiny amounts (16 MB per iperf3 run, the sender's figure), so the figures only show that every")
        w("part of the harness works; measure with a full run.")
    if not busy:
        w("")
        w("The machine was quiet at the start (load below its CPU count); the load at the end is the benchmark's own.")
    if busy:
        w("")
        w("The load average was above the number of CPUs at the start: other work shared the machine, so the absolute figures and")
        w("above all the latency percentiles say more about the scheduler than about the tunnels; CPU per MB and the")
        w("ratios between paths (interleaved round by round) are the figures to read.")
    w("")
    w("## Throughput (iperf3, client -> server, Gbit/s)")
    w("")
    w("| path | 1 stream | 8 streams |")
    w("|---|---:|---:|")
    for p in PATHS:
        w(f"| {LABEL[p]} | {fmt(g('iperf', 1, p, 'gbps'))} | {fmt(g('iperf', 8, p, 'gbps'))} |")
    w("")
    w("## CPU per MB moved (ms of user+system CPU per 10^6 bytes, by process)")
    w("")
    w("| path | process | 1 stream | 8 streams |")
    w("|---|---|---:|---:|")
    for p in ("portal", "socat3", "ssh"):
        for r in cpu_roles[p]:
            w(f"| {SHORT[p]} | {r} | {fmt(g('cpu', 1, p, r), 3)} | {fmt(g('cpu', 8, p, r), 3)} |")
        w(f"| {SHORT[p]} | **all** | {fmt(cpu_total(1, p), 3)} | {fmt(cpu_total(8, p), 3)} |")
    w("")
    w("## redis-benchmark GET")
    w("")
    w("| path | 1 client p50 (ms) | 1 client p99 (ms) | 1 client req/s | 50 clients req/s |")
    w("|---|---:|---:|---:|---:|")
    for p in PATHS:
        w(f"| {LABEL[p]} | {fmt(g('redis', 1, p, 'p50'), 3)} | {fmt(g('redis', 1, p, 'p99'), 3)} | "
          f"{fmt(g('redis', 1, p, 'rps'), 0)} | {fmt(g('redis', 50, p, 'rps'), 0)} |")
    w("")
    w("## Memory per idle connection (summed RSS of hub + inlet + outlet)")
    w("")
    w(f"RSS before the first connection: {fmt(base / 1024 if base else None, 1)} MiB.")
    w("")
    w("| connections | held | RSS growth (MiB) | KiB per connection | of which hub / inlet / outlet | "
      "still grown after all closed (MiB) |")
    w("|---:|---:|---:|---:|---:|---:|")
    for n, held, grow, per, after, roles in mem_rows:
        w(f"| {n:,} | {held:,} | {fmt(grow / 1024 if grow is not None else None, 1)} | {fmt(per, 1)} | "
          f"{' / '.join(fmt(r, 1) for r in roles)} | {fmt(after / 1024 if after is not None else None, 1)} |")
    w("")
    w("## Handshakes per second on one core")
    w("")
    w("| benchmark | handshakes/s |")
    w("|---|---:|")
    for name, what in (("AgentHandshake", "an agent's handshake, both sides (Noise XX + attestations + credentials)"),
                       ("AgentHandshakeResponderSide", "the hub's side of it alone"),
                       ("NoiseXXHandshake", "bare Noise XX, both sides"),
                       ("X25519WorkOfOneHandshake", "the X25519 operations of one, both sides (the floor)")):
        w(f"| {what} (`{name}`) | {fmt(hs.get(name), 0)} |")
    w("")
    w("## Goals (ratios measured in this run: per round, then the median over rounds)")
    w("")
    w("| goal | ratio | target | verdict | of the goal |")
    w("|---|---:|---:|---|---:|")
    plot_rows = []
    for name, value, op, goal in goals:
        v, score = verdict(value, op, goal)
        w(f"| {name} | {fmt(value)} | {'≥' if op == '>=' else '≤'} {goal:g} | {v} | "
          f"{'–' if score is None else f'{100 * score:.0f} %'} |")
        plot_rows.append((name, value, op, goal, score))
    w("")
    w("Other ratios (of the medians above): " + "; ".join(
        f"{a} {fmt(x)}" for a, x in (
            ("Portico / direct, one stream", ratio(g("iperf", 1, "portal", "gbps"), g("iperf", 1, "direct", "gbps"))),
            ("Portico / socat3, 8 streams", ratio(g("iperf", 8, "portal", "gbps"), g("iperf", 8, "socat3", "gbps"))),
            ("Portico / ssh, 8 streams", ratio(g("iperf", 8, "portal", "gbps"), g("iperf", 8, "ssh", "gbps"))),
            ("Portico CPU per MB, all three / socat3's", ratio(cpu_total(1, "portal"), cpu_total(1, "socat3"))),
            ("Portico CPU per MB, all three / ssh's", ratio(cpu_total(1, "portal"), cpu_total(1, "ssh"))),
            ("1-client p99 Portico / ssh", ratio(g("redis", 1, "portal", "p99"), g("redis", 1, "ssh", "p99"))))))
    if failed:
        w("")
        w("Failed measurements: " + "; ".join(failed))
    report = "\n".join(lines)
    print(report)

    # The plot: throughput bars and each goal as a fraction of itself (1 = just met).
    with open(os.path.join(out, "benchmarks-throughput.dat"), "w") as f:
        for p in PATHS:
            if p != "direct":  # an order of magnitude above the tunnels: named in the panel's title instead
                f.write(f'"{SHORT[p]}" {g("iperf", 1, p, "gbps") or 0} {g("iperf", 8, p, "gbps") or 0}\n')
    with open(os.path.join(out, "benchmarks-goals.dat"), "w") as f:
        for name, value, op, goal, score in plot_rows:
            label = name.replace("Portico", "P").replace(" / ", "/")
            f.write(f'"{label}" {score or 0} "{fmt(value)}" "{"≥" if op == ">=" else "≤"} {goal:g}"\n')
    with open(os.path.join(out, "benchmarks-cpu.dat"), "w") as f:  # first, middle, last process of each path
        for p, roles in (("portal", ("inlet", "hub", "outlet")), ("socat3", ("hop1", "hop2", "hop3")),
                         ("ssh", ("ssh-L", "sshd", "ssh-R"))):
            f.write(f'"{SHORT[p]}" ' + " ".join(str(g("cpu", 1, p, r) or 0) for r in roles) + "\n")
    title = (f"{meta.get('date', '')}, {meta.get('cpus', '?')} CPUs {meta.get('cpu', '')}, "
             f"load {meta.get('load_start', '?').split()[0]}").replace("'", "")
    direct = f"direct loopback: {fmt(g('iperf', 1, 'direct', 'gbps'))} / {fmt(g('iperf', 8, 'direct', 'gbps'))} Gbit/s"
    png = os.path.join(out, "benchmarks.png")
    try:
        subprocess.run(["gnuplot", "-e", f"dir='{out}'; png='{png}'; subtitle='{title}'; direct='{direct}'", plot_gp],
                       check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report: gnuplot failed: {e}", file=sys.stderr)
    for name in ("benchmarks-throughput.dat", "benchmarks-goals.dat", "benchmarks-cpu.dat"):
        os.remove(os.path.join(out, name))

    with open(os.path.join(out, "benchmarks.md"), "w") as f:
        f.write(HEADER + report + "\n\n![throughput and goals](benchmarks.png)\n" + FOOTER)
    print(f"\nwritten: {os.path.join(out, 'benchmarks.md')}, {png}")


def role_order(role):
    order = ["hub", "inlet", "outlet", "hop1", "hop2", "hop3", "ssh-L", "sshd", "ssh-R"]
    return order.index(role) if role in order else len(order)


HEADER = """# Benchmarks

Written by `bench/run.sh` (see `bench/README.md`): every figure below was measured in one run on loopback, each
beside its peers, so the ratios hold even on a busy machine where the absolute figures do not. Portico runs as an
enrolled hub, outlet and inlet at default settings (two secure channels per stream: node to hub, and inlet to
outlet end to end); socat as three plaintext hops in a row (what the portal's three processes would be without
security); OpenSSH as `ssh -L` into an sshd that an `ssh -R` also reaches (an operator's tunnel to a device
through a jump host; key authentication, default cipher). CPU per MB counts user+system time of each process
(for socat, with its per-connection children). Medians over the rounds.

"""

FOOTER = """
Reading the goals: "of the goal" is the ratio as a share of its target (100 % or more: met). The hub's CPU per MB
is compared with socat's middle hop, the one that, like the hub, has a connection on either side.
"""

if __name__ == "__main__":
    main()
