#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel segmentation offload on the master.  The master offers the tunnel
# GSO types (VXLAN/Geneve, GRE, IP-in-IP) in software and leaves the work to
# whichever lower device transmits, so a tunnel over the master hands it
# frames of many MTUs.  A packet socket on the master sees what it
# transmits after segmentation: with the offload, frames above the MTU.
#
#   guest vx0 198.19.77.1 --- vxlan 42 over master 198.18.0.1 --- br0 --- peer eth0 198.18.0.2
#                                                                         peer vx0 198.19.77.2, iperf3 -s

source "$(dirname "$0")/lib.sh"

roles
trio_complete || skip "no trio (master=$MASTER standby=$STANDBY primary=$PRIMARY)"

TUN_FEATS="tx-gre-segmentation tx-gre-csum-segmentation tx-ipxip4-segmentation
	tx-ipxip6-segmentation tx-udp_tnl-segmentation tx-udp_tnl-csum-segmentation"
IPERF_PID=$LAB_DIR/tunnel_gso-iperf3.pid

cleanup() {
	[ -f "$IPERF_PID" ] && kill "$(cat "$IPERF_PID")" 2>/dev/null
	rm -f "$IPERF_PID"
	guest "ip link del vx0" >/dev/null 2>&1
	peer ip link del vx0 >/dev/null 2>&1
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

k=$(guest "ethtool -k $MASTER")
for f in $TUN_FEATS; do
	v=$(awk -v f="$f:" '$1 == f { $1 = ""; print }' <<<"$k")
	check "ethtool -k $MASTER: $f is on (${v# })" eval '[[ $v == " on"* ]]'
done

guest "modprobe vxlan" >/dev/null 2>&1
out=$(guest "ip link add vx0 type vxlan id 42 remote $PEER_IP dstport 4789 dev $MASTER &&
	     ip addr add 198.19.77.1/24 dev vx0 && ip link set vx0 up" 2>&1)
check "a VXLAN over $MASTER in the guest${out:+: $out}" [ -z "$out" ]
peer ip link add vx0 type vxlan id 42 remote "$GUEST_IP" dstport 4789 dev eth0 &&
	peer ip addr add 198.19.77.2/24 dev vx0 && peer ip link set vx0 up
check "and in the peer" [ $? -eq 0 ]
peer iperf3 -s -D -p 5277 -I "$IPERF_PID" >/dev/null 2>&1
check "the peer's iperf3 listens" busywait 5000 [ -s "$IPERF_PID" ]
check "the tunnel carries pings" busywait 10000 guest "ping -q -c 1 -W 1 198.19.77.2"

# Frames the master transmits during a 3 s TCP stream through the tunnel:
# "<all> <above 1600 bytes> <largest>".
big=$(GUEST_TIMEOUT=60 guest "python3 -c '
import socket, subprocess, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((\"$MASTER\", 0))
s.settimeout(0.2)
p = subprocess.Popen([\"iperf3\", \"-c\", \"198.19.77.2\", \"-p\", \"5277\", \"-t\", \"3\"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
n = large = top = 0
end = time.time() + 8
while time.time() < end and (p.poll() is None or n == 0):
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        continue
    if addr[2] != socket.PACKET_OUTGOING:
        continue
    n += 1
    top = max(top, len(data))
    large += len(data) > 1600
p.wait()
print(n, large, top)
'" 2>&1)
read -r n large top <<<"$big"
check "the master transmitted the stream ($big)" [ "${n:-0}" -gt 100 ] 2>/dev/null
check "the master transmitted tunnel frames above the MTU ($large of $n, largest $top bytes)" \
	[ "${large:-0}" -gt 0 ] 2>/dev/null
check "pings still answered after the tunnel" busywait 10000 traffic_ok
finish
