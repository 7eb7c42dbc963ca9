#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive filters of the failover master reach both lower devices: a
# multicast address added on the master (ip maddr add) and unicast secondary
# addresses (bridge fdb add ... self, and a macvlan on the master) show up in
# both lower devices' address lists, and frames sent to them are delivered
# (the emulated e1000 and virtio-net filter on their address tables).
# Everything is removed again.  (Promiscuous/all-multicast mode: rx_flags.sh.)
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            (+198.19.20.2)              +--- tap-pri --- primary --+-- master 198.18.0.1
#                                        guest ns rxm: macvlan mv0 on the master, 198.19.20.1

source "$(dirname "$0")/lib.sh"

GROUP=239.1.2.3
GMAC=01:00:5e:01:02:03
UC=52:54:00:fa:22:02
MV=52:54:00:fa:33:03

# lowers_with ADDR: how many lower devices have ADDR in their unicast or
# multicast address list (one guest call).
lowers_with() {
	guest "for d in $STANDBY $PRIMARY; do bridge fdb show dev \$d self; done" | grep -ci "^$1 "
}
on_both() { [ "$(lowers_with "$1")" = 2 ]; }
on_neither() { [ "$(lowers_with "$1")" = 0 ]; }

# mcast_rx COUNT: sends COUNT pings to $GROUP from the peer; sets MS and MP
# to the packets the standby and the primary received meanwhile.
mcast_rx() {
	local s0 p0

	read -r s0 p0 <<<"$(guest cat /sys/class/net/{$STANDBY,$PRIMARY}/statistics/rx_packets | paste -sd' ')"
	peer ping -q -c "$1" -i 0.01 -t 1 -I eth0 "$GROUP" >/dev/null 2>&1
	read -r MS MP <<<"$(guest cat /sys/class/net/{$STANDBY,$PRIMARY}/statistics/rx_packets | paste -sd' ')"
	MS=$((MS - s0))
	MP=$((MP - p0))
}

cleanup() {
	guest "ip maddr del $GMAC dev $MASTER; bridge fdb del $UC dev $MASTER self
	       ip netns del rxm" >/dev/null 2>&1
	peer ip addr del 198.19.20.2/24 dev eth0 2>/dev/null
}

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete

# Multicast.
check "$GMAC not on the lower devices to begin with" on_neither "$GMAC"
mcast_rx 20
check "not joined: neither lower device receives $GROUP (standby +$MS, primary +$MP)" \
	[ "$MS" -lt 10 -a "$MP" -lt 10 ]
guest "ip maddr add $GMAC dev $MASTER"
check "ip maddr add $GMAC on $MASTER: on $STANDBY and $PRIMARY" busywait 5000 on_both "$GMAC"
mcast_rx 20
check "joined: both lower devices receive $GROUP (standby +$MS/20, primary +$MP/20)" \
	[ "$MS" -ge 20 -a "$MP" -ge 20 ]
guest "ip maddr del $GMAC dev $MASTER"
check "ip maddr del: gone from both" busywait 5000 on_neither "$GMAC"

# Unicast secondary address through the fdb.
guest "bridge fdb add $UC dev $MASTER self"
check "bridge fdb add $UC self on $MASTER: on $STANDBY and $PRIMARY" busywait 5000 on_both "$UC"
guest "bridge fdb del $UC dev $MASTER self"
check "bridge fdb del: gone from both" busywait 5000 on_neither "$UC"

# Unicast secondary address of a macvlan, with traffic to it.
guest "modprobe macvlan || { sleep 1; modprobe macvlan; }
       ip netns add rxm &&
       ip link add mv0 link $MASTER address $MV type macvlan mode private &&
       ip link set mv0 netns rxm &&
       ip -n rxm addr add 198.19.20.1/24 dev mv0 && ip -n rxm link set mv0 up"
check "macvlan $MV on $MASTER: on $STANDBY and $PRIMARY" busywait 5000 on_both "$MV"
peer ip addr add 198.19.20.2/24 dev eth0
busywait 10000 ping_ok 198.19.20.1
stats "$PRIMARY"
eval "p0=\$RX_$PRIMARY"
ping_peer 50 198.19.20.1
dp=$(delta RX "$PRIMARY" "$p0")
check "peer -> macvlan $MV: $RECEIVED/$SENT replies, primary rx +$dp" \
	[ "$RECEIVED" -eq 50 -a "$dp" -ge 50 ]
guest "ip netns del rxm"
check "macvlan gone: $MV gone from both" busywait 5000 on_neither "$MV"

cleanup
check "traffic to the master still flows" busywait 10000 ping_ok
finish
