#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side: the links as rtnetlink reports them, net_failover's data decoded.

Usage: rtlink.py

Dumps RTM_GETLINK and prints, as JSON, what `ip -j -d link` would if
iproute2 knew the net_failover kind: for each link its ifname, ifindex
and linkinfo (info_kind, info_data, info_slave_kind, info_slave_data).
net_failover's attributes are decoded after <uapi/linux/if_net_failover.h>:

    info_data        {"primary": IFNAME, "standby": IFNAME, "active": IFNAME,
                      "switches": N}   (a key is absent with its attribute)
    info_slave_data  {"role": "primary"|"standby", "active": 0|1,
                      "link": 0|1}

Unknown attributes are listed by number ("attr<N>": length) so that a new
one shows.  Another kind's data is left out.
"""

import json
import os
import socket
import struct
import sys

NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 4, 5
NLA_TYPE_MASK = 0x3fff

# if_net_failover.h
MASTER_ATTRS = {1: ("primary", "I"), 2: ("standby", "I"), 3: ("active", "I"),
                4: ("switches", "Q")}
SLAVE_ATTRS = {1: ("role", "B"), 2: ("active", "B"), 3: ("link", "B")}
ROLES = {1: "primary", 2: "standby"}


def attrs(buf):
    """(type, payload) of each netlink attribute in buf."""
    off = 0
    while off + 4 <= len(buf):
        length, typ = struct.unpack_from("=HH", buf, off)
        if length < 4:
            break
        yield typ & NLA_TYPE_MASK, buf[off + 4:off + length]
        off += (length + 3) & ~3


def decode(payload, table):
    out = {}
    for typ, val in attrs(payload):
        if typ not in table:
            out["attr%d" % typ] = len(val)
            continue
        key, fmt = table[typ]
        if len(val) >= struct.calcsize(fmt):
            out[key] = struct.unpack_from("=" + fmt, val)[0]
    return out


def dump():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 0))
    ifi = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    hdr = struct.pack("=IHHII", 16 + len(ifi), RTM_GETLINK,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    s.send(hdr + ifi)
    links = []
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, typ = struct.unpack_from("=IH", data, off)
            if typ == NLMSG_DONE:
                return links
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("=i", data, off + 16)[0]
                sys.exit("rtlink: RTM_GETLINK: %s" % os.strerror(-err))
            if typ == RTM_NEWLINK:
                msg = data[off + 16:off + length]
                links.append((struct.unpack_from("=i", msg, 4)[0], msg[16:]))
            off += (length + 3) & ~3


def main():
    raw = dump()
    names = {}
    for index, body in raw:
        for typ, val in attrs(body):
            if typ == IFLA_IFNAME:
                names[index] = val.rstrip(b"\0").decode()
    out = []
    for index, body in raw:
        info = {}
        for typ, val in attrs(body):
            if typ != IFLA_LINKINFO:
                continue
            kind = skind = None
            for t, v in attrs(val):
                if t == IFLA_INFO_KIND:
                    kind = info["info_kind"] = v.rstrip(b"\0").decode()
                elif t == IFLA_INFO_SLAVE_KIND:
                    skind = info["info_slave_kind"] = v.rstrip(b"\0").decode()
            for t, v in attrs(val):
                if t == IFLA_INFO_DATA and kind == "net_failover":
                    d = decode(v, MASTER_ATTRS)
                    for k in ("primary", "standby", "active"):
                        if k in d:
                            d[k] = names.get(d[k], d[k])
                    info["info_data"] = d
                elif t == IFLA_INFO_SLAVE_DATA and skind == "net_failover":
                    d = decode(v, SLAVE_ATTRS)
                    if "role" in d:
                        d["role"] = ROLES.get(d["role"], d["role"])
                    info["info_slave_data"] = d
        out.append({"ifindex": index, "ifname": names.get(index, "?"),
                    "linkinfo": info})
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
