#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# ramcmp.py SRC DST: compare two guest RAM dumps (QMP pmemsave) page by page.
# Prints "N" (pages that differ above 1 MiB; below it are the VGA window and
# the BIOS shadow, not plain RAM), then one line per differing page (at most
# 16) with its guest-physical address and how many bytes differ.

import mmap
import sys

PAGE = 4096
CHUNK = 1 << 20
LOW = 0x100000


def main(argv):
    with open(argv[1], "rb") as fa, open(argv[2], "rb") as fb:
        a = mmap.mmap(fa.fileno(), 0, access=mmap.ACCESS_READ)
        b = mmap.mmap(fb.fileno(), 0, access=mmap.ACCESS_READ)
        n = min(len(a), len(b))
        pages = []
        for off in range(LOW, n, CHUNK):
            end = min(off + CHUNK, n)
            if a[off:end] == b[off:end]:
                continue
            for p in range(off, end, PAGE):
                if a[p:p + PAGE] != b[p:p + PAGE]:
                    pages.append(p)
        print(len(pages))
        for p in pages[:16]:
            nb = sum(1 for i in range(PAGE) if a[p + i] != b[p + i])
            print("0x%x %d" % (p, nb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
