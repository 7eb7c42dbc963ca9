#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP across a switch: one iperf3 stream's delivery around an event.

  tcpswitch.py PCAP EPOCH [WINDOW]

PCAP is tcpdump's capture on the peer's interface (snaplen >= 66) of an
iperf3 stream from the peer to the guest on port 5202; EPOCH is the host
time of the event (primary removed, rescanned, carrier lost, carrier back).
Prints "retrans N stall_ms N censored 0|1 before_mbps N after_mbps N":

  retrans      the peer's data segments (1448 B units) sent again in
               [EPOCH, EPOCH + WINDOW), by sequence number
  stall_ms     the longest time in [EPOCH, EPOCH + WINDOW) in which the
               guest acknowledged nothing new; censored if it lasted to the
               end of the window
  before/after goodput in the second before and after EPOCH, from the
               guest's cumulative ACKs (bytes the guest has received)

Also usable as a module: analyze(load(pcap), epoch, window).
"""

import struct
import sys

PORT = 5202
MSS = 1448


def packets(path):
    """(time, src_port, dst_port, seq, ack, payload_len) of each TCP/IPv4
    frame of an Ethernet pcap."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = "<"
        else:
            e = ">"
            magic = struct.unpack(">I", hdr[:4])[0]
        div = 1e9 if magic == 0xa1b23c4d else 1e6
        if struct.unpack(e + "I", hdr[20:24])[0] != 1:
            raise ValueError("%s: not an Ethernet capture" % path)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(e + "IIII", rec)
            data = f.read(incl)
            if len(data) < incl:
                return
            off = 14
            etype = struct.unpack(">H", data[12:14])[0]
            if etype == 0x8100:
                etype = struct.unpack(">H", data[16:18])[0]
                off = 18
            if etype != 0x0800 or len(data) < off + 20:
                continue
            ihl = (data[off] & 0xf) * 4
            tot = struct.unpack(">H", data[off + 2:off + 4])[0]
            if data[off + 9] != 6 or len(data) < off + ihl + 20:
                continue
            t = off + ihl
            sp, dp, seq, ack = struct.unpack(">HHII", data[t:t + 12])
            doff = (data[t + 12] >> 4) * 4
            yield sec + frac / div, sp, dp, seq, ack, tot - ihl - doff


def load(path):
    """The stream's data segments [(t, seq, len)] and the guest's ACKs
    [(t, ack)] in a capture."""
    data = {}   # peer port -> [(t, seq, len)]
    acks = {}   # peer port -> [(t, ack)]
    for t, sp, dp, seq, ack, ln in packets(path):
        if dp == PORT and ln > 0:
            data.setdefault(sp, []).append((t, seq, ln))
        elif sp == PORT:
            acks.setdefault(dp, []).append((t, ack))
    if not data:
        raise ValueError("%s: no iperf3 data on port %d" % (path, PORT))
    # the stream is the connection that carried the most (the other is
    # iperf3's control connection)
    port = max(data, key=lambda p: sum(x[2] for x in data[p]))
    return data[port], acks.get(port, [])


def analyze(stream, epoch, window=4.5):
    """The figures around EPOCH of a stream from load()."""
    data, acks = stream
    end = epoch + window

    retrans = 0
    base = data[0][1]
    top = 0
    for t, seq, ln in data:
        rel = (seq - base) & 0xffffffff
        if rel < top and epoch <= t < end:
            retrans += -(-min(ln, top - rel) // MSS)
        top = max(top, rel + ln)

    # delivered bytes over time, from the guest's cumulative ACKs
    pts = []
    hi = 0
    for t, ack in acks:
        rel = (ack - base) & 0xffffffff
        if rel > 0x80000000:
            continue
        if rel > hi:
            hi = rel
            pts.append((t, hi))

    def delivered(at):
        v = 0
        for t, b in pts:
            if t > at:
                break
            v = b
        return v

    before = (delivered(epoch) - delivered(epoch - 1.0)) * 8 / 1e6
    after = (delivered(epoch + 1.0) - delivered(epoch)) * 8 / 1e6
    last = epoch
    stall = 0.0
    for t, _ in pts:
        if t < epoch:
            continue
        if t >= end:
            break
        stall = max(stall, t - last)
        last = t
    censored = end - last > stall
    if censored:
        stall = end - last
    return {"retrans": retrans, "stall_ms": stall * 1000, "censored": censored,
            "before_mbps": before, "after_mbps": after}


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    r = analyze(load(argv[1]), float(argv[2]), float(argv[3]) if len(argv) > 3 else 4.5)
    print("retrans %d stall_ms %.0f censored %d before_mbps %.1f after_mbps %.1f"
          % (r["retrans"], r["stall_ms"], r["censored"], r["before_mbps"], r["after_mbps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
