#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the failover lab: talk to the guest agent and to QMP.

  labctl.py guest SOCK [-t SECS] CMD     run CMD in the guest, print its output,
                                          exit with its status
  labctl.py ping SOCK [-t SECS]          succeed once the agent answers
  labctl.py qmp SOCK JSON [-t SECS]      run one QMP command, print "return"
  labctl.py qmp-wait SOCK EVENT [-t SECS] [JSON]
                                          run JSON (optional) then wait for EVENT
  labctl.py migrate-stop SOCK DSTSOCK URI STOP_AT [-t SECS]
                                          migrate, stopping the source's vCPUs
                                          while RAM left <= STOP_AT bytes

The guest agent reads "RUN <id> <base64 command>" lines from its serial port
and answers "BEGIN <id>", base64 output lines, "END <id> <status>".  The
serial line only has one client at a time, so calls are serialised with a
lock file next to the socket.
"""

import base64
import fcntl
import json
import os
import socket
import sys
import time


def connect(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def guest_run(path, cmd, timeout):
    lock = open(path + ".lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    s = connect(path, 10)
    tag = "%d%06d" % (os.getpid(), int(time.monotonic() * 1000) % 1000000)
    s.sendall(b"RUN %s %s\n" % (tag.encode(),
                                base64.b64encode(cmd.encode())))
    deadline = time.monotonic() + timeout
    buf = b""
    out = None
    s.settimeout(0.5)
    while True:
        if time.monotonic() > deadline:
            sys.stderr.write("labctl: guest command timed out after %ds: %s\n"
                             % (timeout, cmd))
            return 124
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            sys.stderr.write("labctl: agent connection closed\n")
            return 125
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip(b"\r")
            if line == b"BEGIN " + tag.encode():
                out = []
            elif line.startswith(b"END " + tag.encode() + b" ") and out is not None:
                rc = int(line.split()[2])
                sys.stdout.buffer.write(base64.b64decode(b"".join(out)))
                sys.stdout.flush()
                return rc
            elif out is not None:
                out.append(line)


class Qmp:
    def __init__(self, path, timeout):
        self.s = connect(path, timeout)
        self.f = self.s.makefile("rwb")
        self.events = []
        self.recv()  # greeting
        self.cmd({"execute": "qmp_capabilities"})

    def recv(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def cmd(self, msg):
        self.f.write(json.dumps(msg).encode() + b"\n")
        self.f.flush()
        while True:
            r = self.recv()
            if "event" in r:
                self.events.append(r)
                continue
            return r

    def wait(self, name, timeout):
        for e in self.events:
            if e["event"] == name:
                return e
        self.s.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                r = self.recv()
            except (socket.timeout, TimeoutError):
                break
            if r.get("event") == name:
                return r
        return None


def migrate_stop(src, dst, uri, stop_at, timeout):
    """A live migration whose every dirty-bitmap sync after the first runs
    with the source's vCPUs stopped: QEMU 7.2's TCG loses guest writes that
    race with a sync (see lib.sh migrate_live).  The first sync, at setup,
    is followed by a full TLB flush and is safe.  QEMU syncs again once
    less than bandwidth x downtime limit is left to send: with a 1 ms limit
    that is only at the very end of the first pass, and at 32 MiB/s that
    pass leaves this loop time to see fewer than stop_at bytes left and
    stop the source first.  The rest then goes at full speed, under QEMU's
    default downtime limit.  The destination starts paused (the source's
    run state travels with it) and is resumed here.  Prints the sync count
    when the source was stopped (1 is the intended case) and the
    milliseconds from stop to cont (to the destination's load with
    LAB_RAMCHECK=1, where migrate_ramcheck resumes it)."""
    q = Qmp(src, 10)
    q.cmd({"execute": "migrate-set-parameters",
           "arguments": {"downtime-limit": 1, "max-bandwidth": 32 << 20}})
    r = q.cmd({"execute": "migrate", "arguments": {"uri": uri}})
    if "error" in r:
        print(json.dumps(r))
        return 1
    deadline = time.monotonic() + timeout
    stopped = None
    syncs = -1
    while time.monotonic() < deadline:
        m = q.cmd({"execute": "query-migrate"}).get("return", {})
        st = m.get("status")
        if st in ("failed", "cancelled"):
            if stopped is not None:
                q.cmd({"execute": "cont"})
            print("migration %s" % st)
            return 1
        ram = m.get("ram", {})
        if stopped is None and (st == "completed" or
                                (st == "active" and ram.get("remaining", 1 << 62) <= stop_at)):
            q.cmd({"execute": "stop"})
            stopped = time.monotonic()
            syncs = ram.get("dirty-sync-count", -1)
            q.cmd({"execute": "migrate-set-parameters",
                   "arguments": {"max-bandwidth": 1 << 34, "downtime-limit": 300}})
        if st == "completed":
            break
        time.sleep(0.005)
    else:
        print("migration still %s" % st)
        return 1
    d = Qmp(dst, 10)
    while time.monotonic() < deadline:
        if d.cmd({"execute": "query-status"}).get("return", {}).get("status") != "inmigrate":
            break
        time.sleep(0.005)
    if os.environ.get("LAB_RAMCHECK") != "1":
        d.cmd({"execute": "cont"})
    q.cmd({"execute": "migrate-set-parameters",
           "arguments": {"downtime-limit": 300, "max-bandwidth": 128 << 20}})
    print("%d %d" % (syncs, (time.monotonic() - stopped) * 1000))
    return 0


def main(argv):
    timeout = 60
    if "-t" in argv:
        i = argv.index("-t")
        timeout = float(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    verb, path = argv[1], argv[2]
    if verb == "guest":
        return guest_run(path, " ".join(argv[3:]), timeout)
    if verb == "ping":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if guest_run(path, "true", 5) == 0:
                    return 0
            except OSError:
                pass
            time.sleep(0.5)
        return 1
    if verb == "qmp":
        r = Qmp(path, 10).cmd(json.loads(argv[3]))
        print(json.dumps(r.get("return", r)))
        return 1 if "error" in r else 0
    if verb == "qmp-wait":
        q = Qmp(path, 10)
        if len(argv) > 4:
            r = q.cmd(json.loads(argv[4]))
            if "error" in r:
                print(json.dumps(r))
                return 1
        e = q.wait(argv[3], timeout)
        if e is None:
            sys.stderr.write("labctl: no %s event within %ss\n" % (argv[3], timeout))
            return 1
        print(json.dumps(e))
        return 0
    if verb == "migrate-stop":
        return migrate_stop(path, argv[3], argv[4], int(argv[5]), timeout)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
