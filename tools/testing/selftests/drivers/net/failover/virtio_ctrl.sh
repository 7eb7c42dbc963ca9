#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The virtio-net control queue, on the standby netdev itself: QEMU's
# virtio-net filters received frames by what the guest programs through it
# (CTRL_RX promisc/allmulti, CTRL_MAC tables, CTRL_VLAN ids), so the standby's
# rx_packets tell whether a command reached the device.  The peer sends raw
# frames (python3, AF_PACKET) that the bridge floods to the standby's tap:
#   - to a foreign unicast MAC: dropped, received with promisc on, dropped
#     again with it off;
#   - to an unjoined multicast MAC: dropped, received with allmulticast on,
#     and with the address added by ip maddr add (off/removed: dropped);
#   - tagged with VLAN 42 (broadcast): dropped until a VLAN 42 interface on
#     the standby registers the id (CTRL_VLAN_ADD), received then, and IPv4
#     over the VLAN works (vlanpeer.py is the peer's end: the host kernel may
#     lack 8021q); dropped again once it is deleted (CTRL_VLAN_DEL).
# Everything is switched off / removed again.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby (promisc/allmulti/maddr/.42)
#     raw frames, vlanpeer.py vid 42     +--- tap-pri --- primary
#     198.19.42.2                          standby.42: 198.19.42.1

source "$(dirname "$0")/lib.sh"

SPLAT='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|unregister_netdevice: waiting|general protection|kernel BUG|Call Trace:'
FOREIGN=52:54:00:fa:55:05
GMAC=01:00:5e:7f:0a:0b
VID=42
N=50
VDEV=
VP_PID=
VP_LOG=$LAB_DIR/virtio_ctrl-vlanpeer.log

# send DST COUNT [VID]: COUNT raw frames from the peer's eth0 to DST
# (ethertype 0x88b5, local experimental), 802.1Q-tagged with VID if given.
send() {
	peer python3 -c '
import socket, struct, sys, time
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
n, vid = int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
src = s.getsockname()[4][:6]
tag = struct.pack("!HH", 0x8100, vid) if vid >= 0 else b""
for i in range(n):
    s.send(dst + src + tag + struct.pack("!HI", 0x88b5, i) + b"virtio_ctrl" + bytes(40))
    time.sleep(0.002)' "$1" "$2" "${3:--1}"
}

# rx_for DST [VID]: sets D to the standby's rx_packets growth over $N frames.
rx_for() {
	local r0 r1

	r0=$(guest cat "/sys/class/net/$STANDBY/statistics/rx_packets")
	send "$1" "$N" "$2"
	sleep 0.3
	r1=$(guest cat "/sys/class/net/$STANDBY/statistics/rx_packets")
	D=$((r1 - r0))
}
dropped() { [ "$D" -lt $((N / 5)) ]; }
received() { [ "$D" -ge "$N" ]; }

# flag DEV: "promiscuity allmulti" counts of DEV.
flags() {
	guest "ip -d link show dev $1" | sed -n 's/.*promiscuity \([0-9]*\) *allmulti \([0-9]*\).*/\1 \2/p'
}

cleanup() {
	trap - EXIT
	guest "ip link set dev $STANDBY promisc off; ip link set dev $STANDBY allmulticast off
	       ip maddr del $GMAC dev $STANDBY; ${VDEV:+ip link del $VDEV}" >/dev/null 2>&1
	VDEV=
	[ -n "$VP_PID" ] && kill "$VP_PID" 2>/dev/null && wait "$VP_PID" 2>/dev/null
	VP_PID=
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

roles
if ! trio_complete; then
	fail "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
	finish
fi
pass "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
dmesg0=$(guest "dmesg | wc -l")
read -r p0 a0 <<<"$(flags "$STANDBY")"
check "standby $STANDBY neither promiscuous nor allmulti to begin with ($p0/$a0)" \
	[ "$p0" = 0 -a "$a0" = 0 ]

# Promiscuous mode.
rx_for "$FOREIGN"
check "frames to foreign $FOREIGN dropped (standby rx +$D/$N)" dropped
guest "ip link set dev $STANDBY promisc on"
read -r p a <<<"$(flags "$STANDBY")"
check "promisc on: $STANDBY promiscuity $p, PROMISC flag" \
	[ "$p" -ge 1 ] && guest "ip link show dev $STANDBY | grep -q PROMISC"
busywait 5000 eval 'rx_for "$FOREIGN"; received'
check "promisc: frames to $FOREIGN received (standby rx +$D/$N)" received
guest "ip link set dev $STANDBY promisc off"
busywait 5000 eval 'rx_for "$FOREIGN"; dropped'
check "promisc off: frames to $FOREIGN dropped again (standby rx +$D/$N)" dropped

# All-multicast mode and the multicast table.
rx_for "$GMAC"
check "frames to unjoined $GMAC dropped (standby rx +$D/$N)" dropped
guest "ip link set dev $STANDBY allmulticast on"
read -r p a <<<"$(flags "$STANDBY")"
check "allmulticast on: $STANDBY allmulti $a, ALLMULTI flag" \
	[ "$a" -ge 1 ] && guest "ip link show dev $STANDBY | grep -q ALLMULTI"
busywait 5000 eval 'rx_for "$GMAC"; received'
check "allmulti: frames to $GMAC received (standby rx +$D/$N)" received
guest "ip link set dev $STANDBY allmulticast off"
busywait 5000 eval 'rx_for "$GMAC"; dropped'
check "allmulticast off: frames to $GMAC dropped again (standby rx +$D/$N)" dropped
guest "ip maddr add $GMAC dev $STANDBY"
check "ip maddr add $GMAC dev $STANDBY: listed" \
	guest "ip maddr show dev $STANDBY | grep -q 'link  *$GMAC'"
busywait 5000 eval 'rx_for "$GMAC"; received'
check "joined: frames to $GMAC received (standby rx +$D/$N)" received
guest "ip maddr del $GMAC dev $STANDBY"
busywait 5000 eval 'rx_for "$GMAC"; dropped'
check "ip maddr del: frames to $GMAC dropped again (standby rx +$D/$N)" dropped

# VLAN filter.
guest "modprobe 8021q || { sleep 1; modprobe 8021q; }"
f=$(guest "ethtool -k $STANDBY" | sed -n 's/^rx-vlan-filter: //p')
echo "INFO: $STANDBY rx-vlan-filter: $f"
rx_for ff:ff:ff:ff:ff:ff "$VID"
check "broadcast tagged vid $VID dropped while unregistered (standby rx +$D/$N)" dropped
VDEV=$STANDBY.$VID
out=$(guest "ip link add link $STANDBY name $VDEV type vlan id $VID &&
	     ip addr add 198.19.42.1/24 dev $VDEV && ip link set $VDEV up" 2>&1)
check "VLAN $VID on $STANDBY ($VDEV)${out:+: $out}" [ -z "$out" ]
busywait 5000 eval 'rx_for ff:ff:ff:ff:ff:ff "$VID"; received'
check "broadcast tagged vid $VID received once registered (standby rx +$D/$N)" received
peer python3 "$LAB_HOME/vlanpeer.py" eth0 "$VID" 198.19.42.2 60 >"$VP_LOG" 2>&1 &
VP_PID=$!
busywait 10000 grep -q ready "$VP_LOG" || fail "vlanpeer.py did not start: $(cat "$VP_LOG")"
busywait 10000 guest "ping -q -c 1 -W 1 198.19.42.2 >/dev/null"
out=$(guest "ping -q -c 20 -i 0.02 -W 1 198.19.42.2")
check "guest $VDEV -> peer vid $VID: $(echo "$out" | grep -o '[0-9]* received') of 20" \
	grep -q ' 20 received' <<<"$out"
kill "$VP_PID" 2>/dev/null && wait "$VP_PID" 2>/dev/null
VP_PID=
echo "INFO: vlanpeer: $(tail -n 1 "$VP_LOG")"
guest "ip link del $VDEV"
VDEV=
busywait 5000 eval 'rx_for ff:ff:ff:ff:ff:ff "$VID"; dropped'
check "VLAN deleted: tagged vid $VID dropped again (standby rx +$D/$N)" dropped

cleanup
read -r p a <<<"$(flags "$STANDBY")"
check "standby back to promiscuity 0 allmulti 0 ($p/$a)" [ "$p" = 0 -a "$a" = 0 ]
# The guest sent on the standby (VLAN): let it send on the master again so
# that the host bridge forwards to the active slave.
check "guest reaches the peer" busywait 20000 guest_ping_ok
check "traffic to the master flows" busywait 10000 ping_ok
new=$(guest "dmesg | tail -n +$((dmesg0 + 1))")
splat=$(echo "$new" | grep -E "$SPLAT" | head -n 5)
check "no splat in the guest log${splat:+: $splat}" [ -z "$splat" ]
[ -n "$splat" ] && echo "$new" | tail -n 40 | sed 's/^/dmesg: /'
echo "INFO: ${SECONDS}s"
finish
