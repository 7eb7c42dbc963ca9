#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receive cost per frame, in guest kernel instructions (cost.sh).

    rxcost.py INSNS DST RATE SECS

From the peer's namespace: sends UDP frames to DST at RATE/s for SECS and
reads insncount's kernel counter (INSNS) every SLICE seconds, before (idle)
and while sending.  Per slice, the cost is the instructions less the idle
rate over the frames sent in it; the guest handles a frame well within a
millisecond at this rate, so a slice's frames are its own.  Prints the
median over the slices, then the idle rate: a slice that a timer or a
kworker happened to fall into does not move the median.
"""
import socket
import statistics
import struct
import sys
import time

SLICE = 0.25


def kinsns(f):
    f.seek(0)
    return struct.unpack('<Q', f.read(8))[0]


def main():
    path, dst, rate, secs = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    f = open(path, 'rb', buffering=0)
    # idle rate: the median of as many slices as the measurement has
    idle = []
    t, k = time.monotonic(), kinsns(f)
    for _ in range(int(secs / SLICE)):
        time.sleep(SLICE)
        t2, k2 = time.monotonic(), kinsns(f)
        idle.append((k2 - k) / (t2 - t))
        t, k = t2, k2
    idle_rate = statistics.median(idle)

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = int(rate * secs)
    per_slice = int(rate * SLICE)
    costs = []
    t0 = time.monotonic()
    ts, ks = t0, kinsns(f)
    for i in range(n):
        while time.monotonic() < t0 + i / rate:
            pass
        s.sendto(b'x' * 18, (dst, 9))
        if i % per_slice == per_slice - 1:
            # the last frame has just gone: wait until it must be handled
            time.sleep(0.002)
            te, ke = time.monotonic(), kinsns(f)
            costs.append((ke - ks - idle_rate * (te - ts)) / per_slice)
            ts, ks = te, ke
    print(f'{statistics.median(costs):.1f} {idle_rate:.0f} {n}')


if __name__ == '__main__':
    main()
