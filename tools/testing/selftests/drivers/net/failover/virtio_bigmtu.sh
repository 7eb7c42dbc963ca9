#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A virtio-net device without mergeable receive buffers that advises an MTU
# of 65000 (VIRTIO_NET_F_MTU), in a guest of its own (extra_up).  Without
# mergeable buffers each receive buffer must hold a whole frame: the driver
# either posts buffers that large (stock's big-packets mode) or limits the
# MTU to what a buffer can hold and says so.  Either way the receive ring
# fills and traffic flows; an MTU above the maximum is refused.
#
#   peer ns: eth0 198.18.13.2 -- br0 -- hv5-sby -- virtio-net mrg_rxbuf=off,host_mtu=65000
#                                                  (failover=off, alone) 198.18.13.1

source "$(dirname "$0")/lib.sh"

NAME=hv5
M=52:54:00:fa:13:31
IP=198.18.13.1
PEER=198.18.13.2

cleanup() {
	trap - EXIT
	extra_down >/dev/null
	peer ip addr del "$PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

virtio_dev() { links; DEV=$(link_of virtio_net "$M"); [ -n "$DEV" ]; }
# mtu_info: "MTU MAXMTU" of $DEV
mtu_info() {
	guest "ip -d -j link show dev $DEV" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["mtu"], d.get("max_mtu", 0))'
}

peer ip addr add "$PEER/24" dev eth0
if ! extra_up "$NAME" "standby standby0 nsby $NAME-sby $M rp0 off mrg_rxbuf=off,host_mtu=65000"; then
	fail "guest $NAME up (virtio-net mrg_rxbuf=off host_mtu=65000)"
	finish
fi
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'
check "a virtio_net netdev with MAC $M" busywait 30000 virtio_dev
read -r mtu max < <(mtu_info)
pass "$DEV: mtu $mtu, max_mtu $max"

guest "ip link set $DEV up && ip addr add $IP/24 dev $DEV"
check "$DEV has carrier" busywait 30000 carrier "$DEV"
check "guest reaches the peer from $DEV" busywait 20000 guest_ping_ok "$PEER"
ping_peer 50 "$IP"
check "peer -> $DEV: $RECEIVED/$SENT replies (the receive ring fills)" [ "$RECEIVED" -eq 50 ]
rxe=$(guest "cat /sys/class/net/$DEV/statistics/rx_packets")
check "$DEV received packets ($rxe)" [ "${rxe:-0}" -gt 50 ]

out=$(guest "ip link set dev $DEV mtu $((max + 1)) 2>&1; echo rc=\$?")
check "MTU $((max + 1)) above the maximum is refused (${out//$'\n'/ })" [ "${out##*rc=}" != 0 ]
read -r mtu2 _ < <(mtu_info)
check "the MTU stays $mtu ($mtu2)" [ "$mtu2" = "$mtu" ]

if ! stock_module virtio_net; then
	# ours limits the MTU to a 32 KiB page fragment and says so
	check "max_mtu $max fits a 32 KiB receive buffer" [ "$max" -le 32768 ]
	msg=$(guest "dmesg | grep -i 'mergeable' | tail -n 1")
	check "the kernel log says why the MTU is limited (${msg:-nothing})" \
		eval '[[ $msg == *"$max"* ]]'
fi

extra_down
finish
