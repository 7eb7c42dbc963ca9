#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A VLAN end point without 8021q: answers ARP and ICMP echo for one address
on one VLAN id, with raw 802.1Q frames on an AF_PACKET socket.

  vlanpeer.py IFACE VID IPV4 [SECONDS]

The lab's host kernel may lack 8021q (and bridge VLAN filtering), so the peer
namespace cannot have a VLAN interface; this stands in for one.  It prints
"ready" once listening and, on exit, "answered ARP N ICMP N".
"""

import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main(argv):
    ifname, vid, ip = argv[1], int(argv[2]), socket.inet_aton(argv[3])
    secs = float(argv[4]) if len(argv) > 4 else 60
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, 0))
    mac = s.getsockname()[4][:6]
    s.settimeout(0.2)
    counts = [0, 0]
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(s, mac, vid, ip, time.monotonic() + secs, counts)
    finally:
        print("answered ARP %d ICMP %d" % tuple(counts), flush=True)
    return 0


def serve(s, mac, vid, ip, deadline, counts):
    while time.monotonic() < deadline:
        try:
            data, anc, _, addr = s.recvmsg(65535, 1024)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        tci = None
        for lvl, typ, cdata in anc:
            if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                status = struct.unpack_from("I", cdata, 0)[0]
                t = struct.unpack_from("H", cdata, 16)[0]
                if status & TP_STATUS_VLAN_VALID or t:
                    tci = t
        if tci is None:
            if len(data) < 18 or struct.unpack_from("!H", data, 12)[0] != ETH_P_8021Q:
                continue
            tci = struct.unpack_from("!H", data, 14)[0]
            data = data[:12] + data[16:]
        if tci & 0xfff != vid:
            continue
        dst, src, etype = data[:6], data[6:12], struct.unpack_from("!H", data, 12)[0]
        body = data[14:]
        tag = struct.pack("!HH", ETH_P_8021Q, vid)
        if etype == 0x0806 and len(body) >= 28:
            op = struct.unpack_from("!H", body, 6)[0]
            if op != 1 or body[24:28] != ip:
                continue
            arp = body[:6] + struct.pack("!H", 2) + mac + ip + body[8:14] + body[14:18]
            s.send(src + mac + tag + struct.pack("!H", 0x0806) + arp + b"\0" * 18)
            counts[0] += 1
        elif etype == 0x0800 and len(body) >= 28 and dst == mac:
            ihl = (body[0] & 0xf) * 4
            if body[9] != 1 or body[16:20] != ip or body[ihl] != 8:
                continue
            tot = struct.unpack_from("!H", body, 2)[0]
            icmp = bytearray(body[ihl:tot])
            icmp[0] = 0
            icmp[2:4] = b"\0\0"
            icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
            iph = bytearray(body[:ihl])
            iph[12:16], iph[16:20] = body[16:20], body[12:16]
            iph[8] = 64
            iph[10:12] = b"\0\0"
            iph[10:12] = struct.pack("!H", csum(bytes(iph)))
            s.send(src + mac + tag + struct.pack("!H", 0x0800) + bytes(iph) + bytes(icmp))
            counts[1] += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
