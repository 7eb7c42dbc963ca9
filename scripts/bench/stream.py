#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sequence-numbered probe stream for bench.sh (metrics 1-3, 7, 8).

  stream.py echo DST RATE OUT [STATUS]
      From the peer: RATE ICMP echo requests per second to DST, each carrying
      a 64-bit sequence number and its send time; the guest's kernel answers
      them (so this also works while the guest is in bare mode, with no
      userspace of ours running in it).  Runs until SIGINT/SIGTERM, then
      writes OUT: one line per request, "SEQ SEND_EPOCH RECV_EPOCH" (RECV is
      "-" if no reply came within 1 s).  STATUS, if given, holds the epoch of
      the latest reply, rewritten every 50 ms.
  stream.py taps OUT DEV...
      In the switch namespace: every 10 ms, "EPOCH RX1 RX2 ..." with the
      rx_packets of each tap, i.e. the frames the guest sent on that NIC.
"""

import os
import signal
import socket
import struct
import sys
import threading
import time

stop = threading.Event()


def on_signal(*_):
    stop.set()


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def echo(dst, rate, out, status=None):
    ident = os.getpid() & 0xffff
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.settimeout(0.05)
    sent = []          # send epoch per sequence number
    recv = {}          # seq -> first reply epoch
    interval = 1.0 / rate

    def receiver():
        last_status = 0.0
        latest = 0.0
        while not stop.is_set() or time.time() < stop_at[0]:
            try:
                pkt = sock.recv(2048)
            except socket.timeout:
                pkt = None
            now = time.time()
            if pkt:
                ihl = (pkt[0] & 0x0f) * 4
                icmp = pkt[ihl:]
                if len(icmp) >= 24 and icmp[0] == 0:
                    rid, = struct.unpack("!H", icmp[4:6])
                    if rid == ident:
                        seq, = struct.unpack("!Q", icmp[8:16])
                        if seq not in recv:
                            recv[seq] = now
                        latest = now
            if status and now - last_status > 0.05:
                with open(status + ".tmp", "w") as f:
                    f.write("%.6f %d\n" % (latest, len(sent)))
                os.replace(status + ".tmp", status)
                last_status = now

    stop_at = [float("inf")]
    rx = threading.Thread(target=receiver, daemon=True)
    rx.start()
    t_next = time.time()
    seq = 0
    while not stop.is_set():
        now = time.time()
        if now < t_next:
            time.sleep(t_next - now)
            continue
        # A stalled sender (a loaded host) does not catch up in a burst.
        if now - t_next > 10 * interval:
            t_next = now
        payload = struct.pack("!Qd", seq, now) + b"\0" * 16
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xffff)
        c = csum(hdr + payload)
        hdr = struct.pack("!BBHHH", 8, 0, c, ident, seq & 0xffff)
        try:
            sock.sendto(hdr + payload, (dst, 0))
        except OSError:
            pass
        sent.append(now)
        seq += 1
        t_next += interval
    stop_at[0] = time.time() + 1.0
    stop.clear()
    rx.join(2)
    with open(out, "w") as f:
        for s, t in enumerate(sent):
            r = recv.get(s)
            f.write("%d %.6f %s\n" % (s, t, "%.6f" % r if r else "-"))


def taps(out, devs):
    files = ["/sys/class/net/%s/statistics/rx_packets" % d for d in devs]
    with open(out, "w", buffering=1 << 16) as f:
        f.write("# epoch " + " ".join(devs) + "\n")
        while not stop.is_set():
            vals = []
            for p in files:
                try:
                    with open(p) as g:
                        vals.append(g.read().strip())
                except OSError:
                    vals.append("0")
            f.write("%.6f %s\n" % (time.time(), " ".join(vals)))
            time.sleep(0.01)


def main(argv):
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if len(argv) >= 5 and argv[1] == "echo":
        echo(argv[2], float(argv[3]), argv[4], argv[5] if len(argv) > 5 else None)
        return 0
    if len(argv) >= 4 and argv[1] == "taps":
        taps(argv[2], argv[3:])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
