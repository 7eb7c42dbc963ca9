#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Loss and gaps in a `ping -D -O` log, split into phases by event times.

  pingstat.py PING_LOG INTERVAL_S [NAME=EPOCH ...]

Prints one line per phase (from each event to the next):
  phase NAME sent N lost N longest_gap_ms N
and a final "total" line.  A request's send time is taken from the first
received reply's timestamp and the interval (ping -i paces sends).
"""

import re
import sys


def main(argv):
    log, interval = argv[1], float(argv[2])
    events = []
    for a in argv[3:]:
        name, t = a.split("=", 1)
        events.append((float(t), name))
    events.sort()
    rx = {}
    maxseq = -1
    pat = re.compile(r"^\[(\d+\.\d+)\] .*icmp_seq=(\d+)")
    for line in open(log, errors="replace"):
        m = pat.match(line)
        if not m:
            continue
        seq = int(m.group(2))
        maxseq = max(maxseq, seq)
        if "bytes from" in line:
            rx.setdefault(seq, float(m.group(1)))
    if not rx:
        print("total sent %d lost %d longest_gap_ms 0" % (maxseq + 1, maxseq + 1))
        return 0
    # Anchor send times on the earliest reply (its RTT is sub-millisecond).
    seq0 = min(rx)
    t0 = rx[seq0] - seq0 * interval

    def sent_at(seq):
        return t0 + seq * interval

    bounds = [(-1e18, "before")] + events + [(1e18, "end")]
    for i in range(len(bounds) - 1):
        lo, name = bounds[i]
        hi = bounds[i + 1][0]
        seqs = [s for s in range(maxseq + 1) if lo <= sent_at(s) < hi]
        if not seqs:
            continue
        lost = [s for s in seqs if s not in rx]
        gap = longest_gap(seqs, rx, interval)
        print("phase %s sent %d lost %d longest_gap_ms %d"
              % (name, len(seqs), len(lost), gap))
    allseq = list(range(maxseq + 1))
    print("total sent %d lost %d longest_gap_ms %d"
          % (len(allseq), len([s for s in allseq if s not in rx]),
             longest_gap(allseq, rx, interval)))
    return 0


def longest_gap(seqs, rx, interval):
    """Longest run of lost requests, in milliseconds of send time."""
    best = run = 0
    for s in seqs:
        if s in rx:
            run = 0
        else:
            run += 1
            best = max(best, run)
    return int(best * interval * 1000)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
