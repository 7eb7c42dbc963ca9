#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side: log the kernel's net uevents, as udev would receive them.

Usage: ueventlog.py LOG

Listens on the kernel's uevent netlink group (what udevd reads) and appends
one line per event of the net subsystem to LOG:

    <ms since start> ACTION=<a> INTERFACE=<if> flags=<sysfs flags> [K=V ...]

flags is /sys/class/net/<if>/flags read as the event arrives (what a udev
rule matching ATTR{flags} would see); the K=V are the event's FAILOVER_*
properties.  Writes "ready" first, once the socket is bound.
"""

import os
import socket
import sys
import time

NETLINK_KOBJECT_UEVENT = 15


def main():
    log = open(sys.argv[1], "a", buffering=1)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                      NETLINK_KOBJECT_UEVENT)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((os.getpid(), 1))
    t0 = time.monotonic()
    log.write("ready\n")
    while True:
        data = s.recv(65536)
        env = {}
        for field in data.split(b"\0")[1:]:
            k, sep, v = field.decode(errors="replace").partition("=")
            if sep:
                env[k] = v
        if env.get("SUBSYSTEM") != "net":
            continue
        name = env.get("INTERFACE", "?")
        try:
            with open("/sys/class/net/%s/flags" % name) as f:
                flags = f.read().strip()
        except OSError:
            flags = "-"
        extra = " ".join("%s=%s" % (k, v) for k, v in sorted(env.items())
                         if k.startswith("FAILOVER_"))
        log.write("%d ACTION=%s INTERFACE=%s flags=%s %s\n" % (
            (time.monotonic() - t0) * 1000, env.get("ACTION", "?"), name,
            flags, extra))


if __name__ == "__main__":
    main()
