#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Loss and gaps in a `ping -D -O` log, split into phases by event times.

  pingstat.py PING_LOG INTERVAL_S [NAME=EPOCH ...]

Prints one line per phase (from each event to the next):
  phase NAME sent N lost N longest_gap_ms N
and a final "total" line.  A request's time is its reply's timestamp, or the
timestamp of ping's "no answer yet" line for it (printed as the next request
leaves), or, failing both, interpolated between its neighbours: ping does not
keep its interval on a loaded machine, so the interval alone would misplace
requests.  INTERVAL_S only converts runs of losses into milliseconds when
timestamps are missing.
"""

import re
import sys


def unwrap(raw, maxseq):
    """icmp_seq is 16 bits: place RAW in the wrap nearest MAXSEQ."""
    if maxseq < 0:
        return raw
    seq = raw + (maxseq - maxseq % 65536)
    if seq < maxseq - 32768:
        seq += 65536
    elif seq > maxseq + 32768:
        seq -= 65536
    return seq


def main(argv):
    log, interval = argv[1], float(argv[2])
    events = []
    for a in argv[3:]:
        name, t = a.split("=", 1)
        events.append((float(t), name))
    events.sort()
    rx = {}
    seen = {}
    maxseq = -1
    pat = re.compile(r"^\[(\d+\.\d+)\] .*icmp_seq=(\d+)")
    for line in open(log, errors="replace"):
        m = pat.match(line)
        if not m:
            continue
        seq = unwrap(int(m.group(2)), maxseq)
        maxseq = max(maxseq, seq)
        rtt = re.search(r"time=([\d.]+) ms", line)
        # A reply later than a second (ping -W 1) is no connectivity: it sat
        # in a queue somewhere (typically an unresolved neighbour).
        if "bytes from" in line and rtt and float(rtt.group(1)) <= 1000:
            rx.setdefault(seq, float(m.group(1)))
        seen.setdefault(seq, float(m.group(1)))
    if not rx:
        print("total sent %d lost %d longest_gap_ms 0" % (maxseq + 1, maxseq + 1))
        return 0
    known = sorted(seen.items())
    times = {}
    j = 0
    for s in range(maxseq + 1):
        if s in seen:
            times[s] = seen[s]
            continue
        while j + 1 < len(known) and known[j + 1][0] < s:
            j += 1
        lo_s, lo_t = known[j]
        if j + 1 < len(known) and known[j + 1][0] > s:
            hi_s, hi_t = known[j + 1]
            times[s] = lo_t + (hi_t - lo_t) * (s - lo_s) / (hi_s - lo_s)
        else:
            times[s] = lo_t + (s - lo_s) * interval

    def sent_at(seq):
        return times[seq]

    bounds = [(-1e18, "before")] + events + [(1e18, "end")]
    for i in range(len(bounds) - 1):
        lo, name = bounds[i]
        hi = bounds[i + 1][0]
        seqs = [s for s in range(maxseq + 1) if lo <= sent_at(s) < hi]
        if not seqs:
            continue
        lost = [s for s in seqs if s not in rx]
        gap = longest_gap(seqs, rx, times)
        print("phase %s sent %d lost %d longest_gap_ms %d"
              % (name, len(seqs), len(lost), gap))
    allseq = list(range(maxseq + 1))
    print("total sent %d lost %d longest_gap_ms %d"
          % (len(allseq), len([s for s in allseq if s not in rx]),
             longest_gap(allseq, rx, times)))
    return 0


def longest_gap(seqs, rx, times):
    """Longest time between two replies, in milliseconds.  Replies are taken
    in arrival order: one held back (a neighbour queue) arrives late."""
    arrivals = sorted(rx[s] for s in seqs if s in rx)
    best = 0.0
    for a, b in zip(arrivals, arrivals[1:]):
        best = max(best, b - a)
    return int(best * 1000)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
