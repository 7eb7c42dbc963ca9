#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw data of bench.sh into bench/results.md and plots.

  report.py RAW_DIR OUT_DIR STACK...

RAW_DIR/<stack>/ holds what run_stack.sh wrote (events, values, stream, taps).
Writes OUT_DIR/results.md, OUT_DIR/*.png (gnuplot), OUT_DIR/table.md (the
table alone) and prints the table.
"""

import os
import statistics
import subprocess
import sys

import tcpswitch

RATE = 1000.0


class Metric:
    def __init__(self):
        self.vals = []      # numbers
        self.cens = []      # True: "not within the window", value = window
        self.fail = []

    def add(self, v, censored=False):
        self.vals.append(float(v))
        self.cens.append(censored)


def load(d):
    ev = {}
    for line in open(os.path.join(d, "events")):
        t, name, rep = line.split()[:3]
        ev[(name, int(rep))] = float(t)
    values, fails = {}, {}
    for line in open(os.path.join(d, "values")):
        w = line.split()
        if not w:
            continue
        if w[0] == "fail":
            fails.setdefault(w[1], []).append(" ".join(w[2:]))
        elif w[0].startswith("scale_"):
            kv = w[1:]
            values[w[0]] = {kv[i]: kv[i + 1:i + 4] for i in range(len(kv)) if kv[i].endswith("_ns") or kv[i] in ("instances", "paired", "grow_ms", "kretprobe", "rules")}
        else:
            values.setdefault(w[0], []).append(float(w[2]))
    send, recv = [], []
    p = os.path.join(d, "stream")
    if os.path.exists(p):
        for line in open(p):
            s, t, r = line.split()
            send.append(float(t))
            recv.append(None if r == "-" else float(r))
    taps = []
    p = os.path.join(d, "taps")
    if os.path.exists(p):
        for line in open(p):
            if line.startswith("#"):
                continue
            w = line.split()
            if len(w) == 5:
                taps.append((float(w[0]), int(w[1]) + int(w[3]), int(w[2]) + int(w[4])))
    return ev, values, fails, send, recv, taps


def window(send, recv, a, b):
    """Lost requests sent in [a, b), and the longest run of losses in ms
    (send time of the first lost request to that of the next answered one);
    censored if the run lasts to the end of the window."""
    lost = 0
    best, best_cens = 0.0, False
    run_start = None
    for t, r in zip(send, recv):
        if t < a:
            continue
        if t >= b:
            break
        if r is None:
            lost += 1
            if run_start is None:
                run_start = t
        elif run_start is not None:
            if t - run_start > best:
                best, best_cens = t - run_start, False
            run_start = None
    if run_start is not None and b - run_start > best:
        best, best_cens = b - run_start, True
    return lost, best * 1000, best_cens


def primary_carries(taps, a, b):
    """ms from a until the guest's frames leave on the primary's tap (>= 30%
    of the stream over 100 ms) while its standby tap is about idle."""
    j = 0
    for i, (t, s, p) in enumerate(taps):
        if t < a:
            continue
        if t >= b:
            break
        j = max(j, i)
        while j < len(taps) and taps[j][0] < t + 0.1:
            j += 1
        if j >= len(taps):
            break
        dp = taps[j][2] - p
        ds = taps[j][1] - s
        if dp >= 0.3 * RATE * 0.1 and ds <= max(2, 0.05 * dp):
            return (t - a) * 1000, False
    return (b - a) * 1000, True


def analyze(d):
    ev, values, fails, send, recv, taps = load(d)
    m = {}

    def M(k):
        return m.setdefault(k, Metric())

    reps = sorted({r for (n, r) in ev})
    for r in reps:
        e = lambda n: ev.get((n, r))
        if e("mc_start") and e("mc_cancel") and e("mc_end"):
            lost, gap, c = window(send, recv, e("mc_start"), e("mc_cancel"))
            M("planned_lost").add(lost)
            M("planned_gap").add(gap, c)
            lost, gap, c = window(send, recv, e("mc_cancel"), e("mc_end"))
            M("replug_lost").add(lost)
            M("replug_gap").add(gap, c)
            M("replug_primary").add(*primary_carries(taps, e("mc_cancel"), e("mc_end")))
        if e("remove") and e("rescan") and e("rescan_end"):
            lost, gap, c = window(send, recv, e("remove"), e("remove_end") or e("rescan"))
            M("remove_lost").add(lost)
            M("remove_gap").add(gap, c)
            lost, gap, c = window(send, recv, e("rescan"), e("rescan_end"))
            M("rescan_lost").add(lost)
            M("rescan_gap").add(gap, c)
            M("trio_traffic").add(*primary_carries(taps, e("rescan"), e("rescan_end")))
        if e("carrier_down") and e("carrier_up") and e("carrier_end"):
            lost, gap, c = window(send, recv, e("carrier_down"), e("carrier_up"))
            M("carrier_lost").add(lost)
            M("carrier_gap").add(gap, c)
            lost, gap, c = window(send, recv, e("carrier_up"), e("carrier_end"))
            M("carrier_back_lost").add(lost)
            M("carrier_primary").add(*primary_carries(taps, e("carrier_up"), e("carrier_end")))
        if e("live_start") and e("live_end"):
            lost, gap, c = window(send, recv, e("live_start"), e("live_end"))
            M("live_lost").add(lost)
            M("live_gap").add(gap, c)
        streams = {}
        for n, run, _ in TCP_EVENTS:
            pcap = os.path.join(d, "tcp-%s-%d.pcap" % (run, r))
            if not e(n) or not os.path.exists(pcap):
                continue
            try:
                if run not in streams:
                    streams[run] = tcpswitch.load(pcap)
                t = tcpswitch.analyze(streams[run], e(n))
            except ValueError as x:
                M(n + "_stall").fail.append(str(x))
                continue
            M(n + "_retrans").add(t["retrans"])
            M(n + "_stall").add(t["stall_ms"], t["censored"])
            M(n + "_before").add(t["before_mbps"])
            M(n + "_after").add(t["after_mbps"])
    for k in ("trio_probe_ms", "trio_enslaved_ms", "trio_carrier_ms", "live_downtime_ms",
              "iperf_tx", "iperf_rx", "pktgen_master", "pktgen_direct",
              "pktgen_bond", "pktgen_bond_direct",
              "rtnl_flap", "rtnl_rescan", "rtnl_unbind",
              "unbind_rescan", "unbind_unbind"):
        for v in values.get(k, []):
            M(k).add(v)
    for a, b, k in (("pktgen_master", "pktgen_direct", "pktgen_master_ratio"),
                    ("pktgen_bond", "pktgen_bond_direct", "pktgen_bond_ratio")):
        for x, y in zip(values.get(a, []), values.get(b, [])):
            if y:
                M(k).add(x / y)
    for f, n in (("scale_1", "1"), ("scale_n", "n"),
                 ("scale_1r", "1r"), ("scale_nr", "nr")):
        s = values.get(f)
        if not s:
            continue
        # the stock core has no rules: nothing to measure with them
        if s.get("rules", ["0"])[0] == "unavailable":
            M("scale_hit_" + n).fail.append("the stock core has no rules")
            M("scale_miss_" + n).fail.append("the stock core has no rules")
            continue
        # only the medians of 11 probes are kept per run
        if "hit_event_ns" in s:
            M("scale_hit_" + n).add(float(s["hit_event_ns"][1]) / 1000)
            M("scale_miss_" + n).add(float(s["miss_event_ns"][1]) / 1000)
            M("scale_reg_" + n).add(float(s["hit_register_ns"][1]) / 1e6)
            m["scale_N"] = s["instances"][0]
            if s.get("paired", ["0"])[0] == "0":
                M("scale_hit_" + n).fail.append("no probe device was paired")
    # failures land on the metrics they concern
    where = {
        "planned": ["planned_lost", "planned_gap", "replug_lost", "replug_gap", "replug_primary"],
        "rescan": ["rescan_lost", "rescan_gap", "trio_traffic"],
        "trio_enslaved": ["trio_enslaved_ms", "trio_carrier_ms"],
        "carrier": ["carrier_primary"],
        "live": ["live_lost", "live_gap", "live_downtime_ms"],
        "tcp_remove": ["tcp_remove_stall", "tcp_rescan_stall"],
        "tcp_carrier": ["tcp_cdown_stall", "tcp_cup_stall"],
        "iperf_tx": ["iperf_tx"], "iperf_rx": ["iperf_rx"],
        "pktgen_master": ["pktgen_master", "pktgen_master_ratio"],
        "pktgen_direct": ["pktgen_direct", "pktgen_master_ratio"],
        "pktgen_bond": ["pktgen_bond", "pktgen_bond_ratio"],
        "scale_1": ["scale_hit_1"], "scale_n": ["scale_hit_n"],
        "scale_1r": ["scale_hit_1r"], "scale_nr": ["scale_hit_nr"],
        "stream": ["carrier_gap", "planned_lost", "rescan_lost", "live_lost"],
        "all": ["planned_lost"],
    }
    for k, reasons in fails.items():
        for t in where.get(k, [k]):
            M(t).fail.extend(reasons)
    return m, ev, send, recv, taps


ROWS = [
    ("1. Planned unplug (QEMU unplugs the primary: cancelled migration)", None),
    ("packets lost, migrate start to cancel", "planned_lost", "%.0f"),
    ("longest gap (ms)", "planned_gap", "%.0f"),
    ("2. Return of the primary", None),
    ("QEMU replug after migrate_cancel: packets lost (8 s window)", "replug_lost", "%.0f"),
    ("QEMU replug: longest gap (ms)", "replug_gap", "%.0f"),
    ("QEMU replug: traffic back on the primary after (ms)", "replug_primary", "%.0f"),
    ("PCI rescan: packets lost (8 s window)", "rescan_lost", "%.0f"),
    ("PCI rescan: longest gap (ms)", "rescan_gap", "%.0f"),
    ("(surprise removal, guest PCI remove: packets lost)", "remove_lost", "%.0f"),
    ("3. Carrier loss (set_link npri off 5 s, then on)", None),
    ("gap until the standby carries traffic (ms)", "carrier_gap", "%.0f"),
    ("packets lost while the link is down (of ~5000)", "carrier_lost", "%.0f"),
    ("link up: traffic back on the primary after (ms)", "carrier_primary", "%.0f"),
    ("4. Master transmit overhead (pktgen queue_xmit, 60 B, pps)", None),
    ("through the master", "pktgen_master", "%.0f"),
    ("directly on the primary (e1000)", "pktgen_direct", "%.0f"),
    ("master / direct", "pktgen_master_ratio", "%.2f"),
    ("bond active-backup over the e1000 (stack unloaded)", "pktgen_bond", "%.0f"),
    ("bond / direct", "pktgen_bond_ratio", "%.2f"),
    ("5. virtio_net throughput, standby path (iperf3 TCP, Mbit/s)", None),
    ("guest -> peer", "iperf_tx", "%.0f"),
    ("peer -> guest", "iperf_rx", "%.0f"),
    ("6. Pairing scale (failover core's NETDEV_REGISTER handling, us)", None),
    ("new primary, 1 instance", "scale_hit_1", "%.1f"),
    ("new primary, N instances", "scale_hit_n", "%.1f"),
    ("unrelated netdev (lookup miss), 1 instance", "scale_miss_1", "%.1f"),
    ("unrelated netdev (lookup miss), N instances", "scale_miss_n", "%.1f"),
    ("whole register_netdev() of the new primary, N instances (ms)", "scale_reg_n", "%.2f"),
    ("new primary, 1 instance, 8 deny rules on it", "scale_hit_1r", "%.1f"),
    ("new primary, N instances, 8 deny rules on each", "scale_hit_nr", "%.1f"),
    ("unrelated netdev (lookup miss), N instances, 8 deny rules on each", "scale_miss_nr", "%.1f"),
    ("7. Trio formation after PCI rescan (ms)", None),
    ("rescan to enslaved (guest clock)", "trio_enslaved_ms", "%.0f"),
    ("rescan to enslaved with carrier (guest clock)", "trio_carrier_ms", "%.0f"),
    ("rescan to traffic on the primary (host taps)", "trio_traffic", "%.0f"),
    ("8. Live migration (loopback, bare guest)", None),
    ("packets lost, migrate start to 8 s after completion", "live_lost", "%.0f"),
    ("longest gap (ms)", "live_gap", "%.0f"),
    ("QEMU downtime (ms)", "live_downtime_ms", "%.0f"),
    ("9. Longest call under RTNL of the failover event paths (rtnl_hold.sh, us)", None),
    ("carrier flap (set_link off, on)", "rtnl_flap", "%.0f"),
    ("PCI remove and rescan of the primary", "rtnl_rescan", "%.0f"),
    ("unbind of an unrelated PCI device", "rtnl_unbind", "%.0f"),
    ("PCI bus notifier, the primary's unbind, whole (RTNL part above)", "unbind_rescan", "%.0f"),
    ("PCI bus notifier, an unrelated unbind, whole", "unbind_unbind", "%.0f"),
    ("11. TCP across a switch (iperf3 peer -> guest; 4.5 s windows)", None),
]
# tcp_switch.sh's events (in the run NAME's capture tcp-NAME-REP.pcap), and
# the rows of each: what tcpswitch.analyze() returns
TCP_EVENTS = [("tcp_remove", "remove", "removal (guest PCI remove)"),
              ("tcp_rescan", "remove", "return (PCI rescan)"),
              ("tcp_cdown", "carrier", "carrier loss"),
              ("tcp_cup", "carrier", "carrier return")]
TCP_ROWS = [("retrans", "retransmits (1448 B segments)"),
            ("stall", "longest stall (ms)"),
            ("before", "Mbit/s, second before"),
            ("after", "Mbit/s, second after")]
ROWS += [("TCP across %s: %s" % (what, label), "%s_%s" % (ev, key), "%.0f")
         for ev, _, what in TCP_EVENTS for key, label in TCP_ROWS]


def cell(mt, fmt):
    """median [min-max]; ">" marks a value cut by the end of its window
    (the event never happened), "(k/n never)" how many runs that was."""
    if mt is None:
        return "n/a", None, None
    if mt.fail:
        return "failed: " + mt.fail[0].replace("|", "/")[:80], None, None
    if not mt.vals:
        return "n/a", None, None
    order = sorted(zip(mt.vals, mt.cens))
    n = len(order)
    med = statistics.median(mt.vals)
    if n % 2:
        medc = order[n // 2][1]
    else:
        medc = order[n // 2][1] or order[n // 2 - 1][1]
    f = lambda v, c: (">" if c else "") + fmt % v
    if n == 1:
        s = f(med, medc)
    else:
        sep = " - " if order[-1][1] else "-"
        s = "%s [%s%s%s]" % (f(med, medc), f(*order[0]), sep, f(*order[-1]))
    k = sum(mt.cens)
    if k:
        s += " (%d/%d never)" % (k, n)
    return s, med, medc


def ratio(a, b):
    (_, sm, sc), (_, om, oc) = a, b
    if sm is None or om is None:
        return "-"
    if sc and oc:
        return "-"
    if sm == 0:
        return "=" if om == 0 else "-"
    r = om / sm
    r = "%.2f" % r if r >= 0.1 or r == 0 else "%.1g" % r
    if sc:
        return "<" + r
    if oc:
        return ">" + r
    return r


def table(res, stacks, n_scale):
    out = ["| metric | %s | ratio %s/%s |" % (" | ".join("%s median [min-max]" % s for s in stacks),
                                              stacks[-1], stacks[0]),
           "|---|" + "---|" * len(stacks) + "---|"]
    for row in ROWS:
        if row[1] is None:
            out.append("| **%s** |%s |" % (row[0], " |" * len(stacks)))
            continue
        label, key, fmt = row
        label = label.replace("N instances", "%s instances" % n_scale)
        cells = [cell(res[s].get(key), fmt) for s in stacks]
        out.append("| %s | %s | %s |" % (label, " | ".join(c[0] for c in cells),
                                         ratio(cells[0], cells[-1])))
    return "\n".join(out)


def rate_series(send, recv, t0, a, b, binw=0.2):
    """Answered requests per second, binned by send time (binw s), t
    relative to t0: the rate the stream gets through at, independent of when
    a starved guest gets round to answering."""
    n = int((b - a) / binw) + 1
    bins, sent = [0] * n, [0] * n
    for t, r in zip(send, recv):
        if a <= t < b:
            sent[int((t - a) / binw)] += 1
            if r is not None:
                bins[int((t - a) / binw)] += 1
    return [(a - t0 + i * binw, c / binw, sent[i] / binw) for i, c in enumerate(bins)]


def plot(name, title, out_dir, series, marks, xlabel):
    dat = os.path.join(out_dir, ".%s.dat" % name)
    with open(dat, "w") as f:
        for label, pts in series:
            f.write("# %s\n" % label)
            for x, y, z in pts:
                f.write("%.2f %.0f %.0f\n" % (x, y, z))
            f.write("\n\n")
    cmds = [
        "set terminal pngcairo size 900,420 font ',10'" if has_cairo() else "set terminal png size 900,420",
        "set output '%s'" % os.path.join(out_dir, name + ".png"),
        "set title '%s'" % title,
        "set xlabel '%s'" % xlabel,
        "set termoption noenhanced",
        "set ylabel 'echo requests/s, by send time'",
        "set yrange [0:*]",
        "set grid",
        "set key outside right top",
    ]
    for i, (x, label, color) in enumerate(marks):
        cmds.append("set arrow from %.2f, graph 0 to %.2f, graph 1 nohead dt 2 lc %d" % (x, x, color))
        cmds.append("set label '%s' at %.2f, graph %.2f left font ',8' tc lt %d" % (label, x + 0.05, 0.97 - 0.05 * i, color))
    cmds.append("plot " + ", ".join(
        "'%s' index %d using 1:2 with steps lw 2 lc %d title '%s: answered', "
        "'%s' index %d using 1:3 with steps lw 1 dt 3 lc %d title '%s: sent'"
        % (dat, i, i + 1, label, dat, i, i + 1, label)
        for i, (label, _) in enumerate(series)))
    subprocess.run(["gnuplot"], input="\n".join(cmds).encode(), check=False)
    os.unlink(dat)


_cairo = None


def has_cairo():
    global _cairo
    if _cairo is None:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        _cairo = "pngcairo" in (r.stdout + r.stderr)
    return _cairo


def plots(raw, out_dir, stacks):
    specs = [
        ("unplug", "Planned unplug and replug (QEMU: migrate, then migrate_cancel), 1000/s echo from the peer",
         "mc_start", "mc_end", [("mc_unplugged", "primary unplugged"), ("mc_cancel", "cancel: QEMU replugs")],
         "seconds since migrate"),
        ("carrier", "Primary carrier loss (set_link npri off, then on)",
         "carrier_down", "carrier_end", [("carrier_up", "link up")], "seconds since set_link off"),
        ("rescan", "Guest PCI remove, then rescan of the primary",
         "remove", "rescan_end", [("rescan", "rescan")], "seconds since PCI remove"),
        ("migrate", "Live migration on loopback",
         "live_start", "live_end", [("live_done", "migration completed")], "seconds since migrate"),
    ]
    made = []
    for name, title, start, end, marks, xl in specs:
        series, mk = [], []
        for s in stacks:
            ev, send, recv = raw[s][1], raw[s][2], raw[s][3]
            if (start, 0) not in ev or (end, 0) not in ev:
                continue
            t0 = ev[(start, 0)]
            series.append((s, rate_series(send, recv, t0, t0 - 1.0, ev[(end, 0)])))
            mk += [(ev[(m, 0)] - t0, "%s (%s)" % (lbl, s), len(series))
                   for m, lbl in marks if (m, 0) in ev]
        if series:
            plot(name, title, out_dir, series, mk, xl)
            made.append(name)
    return made


def main(argv):
    raw_dir, out_dir, stacks = argv[1], argv[2], argv[3:]
    res, raw = {}, {}
    n_scale = "N"
    for s in stacks:
        d = os.path.join(raw_dir, s)
        if not os.path.exists(os.path.join(d, "events")):
            res[s] = {"planned_lost": Metric()}
            res[s]["planned_lost"].fail.append("no data (lab did not run)")
            raw[s] = ({}, {}, [], [], [])
            continue
        m, ev, send, recv, taps = analyze(d)
        n_scale = m.pop("scale_N", n_scale)
        res[s] = m
        raw[s] = (m, ev, send, recv, taps)
    t = table(res, stacks, n_scale)
    os.makedirs(out_dir, exist_ok=True)
    made = plots(raw, out_dir, stacks)
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(t + "\n")
    with open(os.path.join(out_dir, "plots"), "w") as f:
        f.write(" ".join(made) + "\n")
    print(t)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
