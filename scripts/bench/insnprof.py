#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the guest kernel's instructions went between two snapshots of
insncount's profile (prof=FILE): per function, by /proc/kallsyms.

    insnprof.py BEFORE AFTER KALLSYMS [PACKETS] [TOP]

Prints instructions per function (per packet if PACKETS is given).
"""
import bisect
import struct
import sys
from collections import defaultdict


def load(path):
    with open(path, 'rb') as f:
        used, dropped = struct.unpack('<QQ', f.read(16))
        data = f.read(used * 24)
    runs = defaultdict(int)
    for i in range(used):
        vaddr, n, r = struct.unpack_from('<QQQ', data, i * 24)
        runs[(vaddr, n)] += r
    return runs, dropped


def main():
    before, _ = load(sys.argv[1])
    after, dropped = load(sys.argv[2])
    per = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 40
    syms = []
    with open(sys.argv[3]) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in 'tTwW':
                name = p[2] + (' ' + p[3] if len(p) > 3 else '')
                syms.append((int(p[0], 16), name))
    syms.sort()
    addrs = [a for a, _ in syms]
    cost = defaultdict(int)
    total = 0
    for (vaddr, n), r in after.items():
        d = (r - before.get((vaddr, n), 0)) * n
        if d <= 0:
            continue
        i = bisect.bisect_right(addrs, vaddr) - 1
        cost[syms[i][1] if i >= 0 else hex(vaddr)] += d
        total += d
    if dropped:
        print(f'# {dropped} blocks not profiled (table full)')
    print(f'# {total / per:.1f} kernel instructions' + (' per packet' if per != 1 else ''))
    for name, d in sorted(cost.items(), key=lambda x: -x[1])[:top]:
        print(f'{d / per:10.1f}  {100.0 * d / total:5.1f}%  {name}')


if __name__ == '__main__':
    main()
