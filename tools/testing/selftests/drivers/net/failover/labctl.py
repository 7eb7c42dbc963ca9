#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the failover lab: talk to the guest agent and to QMP.

  labctl.py guest SOCK [-t SECS] CMD     run CMD in the guest, print its output,
                                          exit with its status
  labctl.py ping SOCK [-t SECS]          succeed once the agent answers
  labctl.py qmp SOCK JSON [-t SECS]      run one QMP command, print "return"
  labctl.py qmp-wait SOCK EVENT [-t SECS] [JSON]
                                          run JSON (optional) then wait for EVENT

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
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
