#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Primary hotplug stress: N cycles (default 10, STRESS=full: 200) of the guest
# removing the primary's PCI device and rescanning the bus, under a running
# 5 ms ping from the peer.  After each cycle the trio is whole again and
# traffic leaves on the primary (its tx counter grows).  At the end no netdev
# has leaked, unreclaimable slab and per-CPU memory are flat from the first
# cycle on, and the total ping loss is reported.
#
# Parity only: stock loses pings at every removal and until the guest sends on
# the returned primary (primary_rescan makes it send), so loss is reported,
# not bounded.

source "$(dirname "$0")/lib.sh"

CYCLES=${HOTPLUG_CYCLES:-10}
[ "$STRESS" = full ] && CYCLES=${HOTPLUG_CYCLES:-200}
PING_LOG=$LAB_DIR/hotplug-ping.log

netdevs() { guest "ls /sys/class/net | paste -sd' '"; }

if ! trio_whole; then
	fail "trio complete before hotplug ($MASTER $STANDBY $PRIMARY)"
	finish
fi
pass "trio complete before hotplug ($MASTER $STANDBY $PRIMARY)"
devs0=$(netdevs)
n0=$(echo "$devs0" | wc -w)
sby0=$STANDBY master0=$MASTER

ip netns exec "$NS_PEER" ping -D -O -i 0.005 -W 1 "$GUEST_IP" >"$PING_LOG" 2>&1 &
ping_pid=$!
t0=$(date +%s)
ok=0
for ((c = 1; c <= CYCLES; c++)); do
	# One agent call for remove, wait, rescan, wait (guest/fo.sh replug).
	if ! out=$(GUEST_TIMEOUT=90 guest "$G" replug 30); then
		fail "cycle $c: $(echo "$out" | tail -n 1)"
		break
	fi
	read -r MASTER STANDBY PRIMARY <<<"$(echo "$out" | tail -n 1)"
	# The bridge learns the new primary's port once the guest sends on it.
	if ! busywait 20000 guest_ping_ok; then
		fail "cycle $c: the guest cannot reach the peer ($MASTER $STANDBY $PRIMARY)"
		break
	fi
	if [ "$MASTER" != "$master0" ] || [ "$STANDBY" != "$sby0" ]; then
		fail "cycle $c: master/standby changed ($MASTER $STANDBY, was $master0 $sby0)"
		break
	fi
	stats "$PRIMARY"
	eval "p0=\$TX_${PRIMARY//[^a-zA-Z0-9]/_}"
	ping_peer 20
	dp=$(delta TX "$PRIMARY" "$p0")
	if [ "$RECEIVED" -lt 20 ] || [ "$dp" -lt 20 ]; then
		fail "cycle $c: $RECEIVED/20 replies, primary $PRIMARY tx +$dp"
		break
	fi
	ok=$c
	# after one cycle: caches and per-CPU chunks the cycle needs exist
	[ "$c" -eq 1 ] && kmem1=$(kmem_kb)
done
t1=$(date +%s)
check "$ok/$CYCLES remove+rescan cycles: trio whole, replies on the primary" [ "$ok" -eq "$CYCLES" ]
kill -INT "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null
read -r _ _ sent _ lost _ gap < <(ping_phases "$PING_LOG" | grep '^total')
echo "hotplug: $CYCLES cycles in $((t1 - t0)) s, 5 ms ping: $lost of $sent lost" \
	"($((sent ? lost * 1000 / sent : 0))‰), longest gap $gap ms"

devs1=$(netdevs)
check "no leaked netdevs ($n0 before: $devs0; after: $devs1)" \
	[ "$(echo "$devs1" | wc -w)" -eq "$n0" ]
kmem2=$(kmem_kb)
echo "hotplug: unreclaimable slab + per-CPU: ${kmem1:-?} kB after cycle 1, ${kmem2:-?} kB after $ok"
if [ "$ok" -gt 1 ]; then
	check "no memory leaked: slab + per-CPU grew $((kmem2 - kmem1)) kB over $((ok - 1)) cycles" \
		kmem_flat "$kmem1" "$kmem2" "$((ok - 1))"
fi
check "trio complete at the end" trio_whole
check "replies at the end" busywait 10000 ping_ok
finish
