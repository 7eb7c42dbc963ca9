#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cost-per-packet table and plot of `make bench` (cost.sh's data).

  costreport.py RAW_DIR OUT_DIR STACK...

RAW_DIR/cost-<stack>/values holds "METRIC REP VALUE" lines (guest
instructions per packet, see cost.sh).  Prints the table's rows (metric | stock | ours |
ratio, the same columns as bench/results.md) and writes OUT_DIR/cost.png.
"""

import os
import statistics
import subprocess
import sys

# (label, metric) or (label, (numerator, denominator)) for a per-repeat
# ratio; None as metric starts a section
ROWS = [
    ("9. Cost per packet (guest instructions; transmit from pktgen's rate in icount time, "
     "receive counted by QEMU; lower is better)", None),
    ("transmit 60 B through the master (primary e1000), cost per packet", "tx64_master"),
    ("transmit 60 B directly on the primary, cost per packet", "tx64_direct"),
    ("master / direct, cost per packet (60 B)", ("tx64_master", "tx64_direct")),
    ("transmit 1514 B through the master, cost per packet", "tx1514_master"),
    ("transmit 1514 B directly on the primary, cost per packet", "tx1514_direct"),
    ("master / direct, cost per packet (1514 B)", ("tx1514_master", "tx1514_direct")),
    ("bond active-backup over the e1000, transmit 60 B, cost per packet", "tx64_bond"),
    ("bond / direct, cost per packet (60 B)", ("tx64_bond", "tx64_bond_direct")),
    ("bond / direct, cost per packet (1514 B)", ("tx1514_bond", "tx1514_bond_direct")),
    ("receive through the master (primary e1000), cost per frame", "rx_master"),
    ("receive on the e1000 alone (stack unloaded), cost per frame", "rx_alone"),
    ("master / alone, cost per frame (receive)", ("rx_master", "rx_alone")),
    ("bond / alone, cost per frame (receive)", ("rx_bond", "rx_alone")),
    ("virtio_net (the standby itself), transmit 60 B, cost per packet", "tx64_virtio"),
    ("virtio_net (the standby itself), transmit 1514 B, cost per packet", "tx1514_virtio"),
    ("transmit 60 B through the master on the standby path, cost per packet", "tx64_vmaster"),
    ("receive on the standby path (virtio_net and master), cost per frame", "rx_vmaster"),
    ("10. The same with every host core busy (what host load does to the figures)", None),
    ("transmit 60 B through the master, cost per packet, host loaded", "tx64_master_loaded"),
    ("transmit 60 B directly on the primary, cost per packet, host loaded", "tx64_direct_loaded"),
    ("master / direct, cost per packet (60 B), host loaded", ("tx64_master_loaded", "tx64_direct_loaded")),
    ("receive through the master, cost per frame, host loaded", "rx_master_loaded"),
    ("for contrast: transmit 60 B through the master, kernel instructions counted across the run, "
     "host idle", "tx64_master_count"),
    ("for contrast: the same count, host loaded", "tx64_master_loaded_count"),
    ("for contrast: pktgen through the master, packets/s (host's wall clock), host idle",
     "tx64_master_wallpps"),
    ("for contrast: pktgen through the master, packets/s (host's wall clock), host loaded",
     "tx64_master_loaded_wallpps"),
]


def load(path):
    vals, fails = {}, {}
    if not os.path.exists(path):
        return vals, {"all": ["no data"]}
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == "fail":
            fails.setdefault(w[1], []).append(" ".join(w[2:]))
        elif len(w) == 3 and w[1].isdigit():
            vals.setdefault(w[0], {})[int(w[1])] = float(w[2])
    return vals, fails


def series(vals, metric):
    if isinstance(metric, tuple):
        a, b = vals.get(metric[0], {}), vals.get(metric[1], {})
        return [a[r] / b[r] for r in sorted(a) if r in b and b[r]]
    return [vals[metric][r] for r in sorted(vals.get(metric, {}))]


def cell(xs, fmt):
    if not xs:
        return None, "n/a"
    m = statistics.median(xs)
    return m, (fmt + " [" + fmt + "-" + fmt + "]") % (m, min(xs), max(xs))


def main(argv):
    raw, out, stacks = argv[1], argv[2], argv[3:]
    data = {s: load(os.path.join(raw, "cost-" + s, "values")) for s in stacks}
    lines = []
    med = {}
    for label, metric in ROWS:
        if metric is None:
            lines.append("| **%s** | | | |" % label)
            continue
        fmt = "%.3f" if isinstance(metric, tuple) else "%.0f"
        cells = []
        for s in stacks:
            vals, fails = data[s]
            key = metric[0] if isinstance(metric, tuple) else metric
            m, c = cell(series(vals, metric), fmt)
            if m is None and (key in fails or "cost" in fails):
                c = "failed: " + (fails.get(key) or fails.get("cost"))[0]
            med[(s, metric)] = m
            cells.append(c)
        r = "n/a"
        if len(stacks) == 2 and med[(stacks[0], metric)] and med[(stacks[1], metric)] is not None:
            r = "%.3f" % (med[(stacks[1], metric)] / med[(stacks[0], metric)])
        lines.append("| %s | %s | %s |" % (label, " | ".join(cells), r))
    print("\n".join(lines))
    plot(out, stacks, data)


def plot(out, stacks, data):
    # bars: the e1000 direct, bond, and each stack's master; per direction
    groups = [("transmit 60 B", "tx64_direct", "tx64_bond", "tx64_master"),
              ("transmit 1514 B", "tx1514_direct", "tx1514_bond", "tx1514_master"),
              ("receive", "rx_alone", "rx_bond", "rx_master")]
    ref = stacks[-1]

    def m(s, metric):
        xs = series(data[s][0], metric)
        return statistics.median(xs) if xs else None
    dat = os.path.join(out, ".cost.dat")
    with open(dat, "w") as f:
        f.write("group direct bond " + " ".join("master(%s)" % s for s in stacks) + "\n")
        for name, direct, bond, master in groups:
            row = [m(ref, direct), m(ref, bond)] + [m(s, master) for s in stacks]
            f.write('"%s" ' % name + " ".join("%.0f" % v if v else "0" for v in row) + "\n")
    cols = 2 + len(stacks)
    cmds = [
        "set terminal pngcairo size 900,420 font ',10'",
        "set output '%s'" % os.path.join(out, "cost.png"),
        "set title 'Guest instructions per packet (icount, insncount; lower is better)'",
        "set termoption noenhanced",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set ylabel 'instructions per packet'",
        "set yrange [0:*]",
        "set grid ytics",
        "set key outside right top",
        "set xtics nomirror",
        "plot " + ", ".join("'%s' using %d:xtic(1) title columnheader(%d)" % (dat, c, c)
                            for c in range(2, cols + 2)),
    ]
    r = subprocess.run(["gnuplot"], input="\n".join(cmds).encode(), capture_output=True)
    if r.returncode:
        sys.stderr.write(r.stderr.decode())
    os.unlink(dat)


if __name__ == "__main__":
    main(sys.argv)
