#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counters of the failover master: over a stretch of traffic, the master's
# rx/tx packet counters grow at least by the sum of what both lower devices
# carried (with the trio complete, with the standby alone, with a returned
# primary), and they never decrease: a guest-side sampler reads them every
# 50 ms across a primary PCI remove + rescan under a 5 ms ping.
# BEYOND STOCK: stock's slave unregister passes its own running totals to
# dev_get_stats(), which zeroes them first: the master's counters drop to 0
# when the primary leaves.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            ping -i 0.005               +--- tap-pri --- primary --+-- master 198.18.0.1
#                                                 guest: sampler of master rx/tx

source "$(dirname "$0")/lib.sh"

MON=$LAB_DIR/share/stats-mon.txt
PING_PID=

cleanup() {
	guest "touch /tmp/lab/stats-mon.stop" >/dev/null 2>&1
	[ -n "$PING_PID" ] && kill -INT "$PING_PID" 2>/dev/null && wait "$PING_PID" 2>/dev/null
	PING_PID=
}
trap cleanup EXIT

# snap: "master_rx master_tx sby_rx sby_tx pri_rx pri_tx" (0 for an absent
# lower device); the master is read first.
snap() {
	local d cmd="cat /sys/class/net/$MASTER/statistics/{rx,tx}_packets"

	for d in "$STANDBY" "$PRIMARY"; do
		if [ "$d" = - ]; then cmd="$cmd; echo 0; echo 0"
		else cmd="$cmd; cat /sys/class/net/$d/statistics/{rx,tx}_packets 2>/dev/null || echo 0 0"
		fi
	done
	guest "$cmd" | paste -sd' '
}
# snap_end: as snap, with the master read last.
snap_end() {
	local s m

	s=$(snap)
	m=$(guest "cat /sys/class/net/$MASTER/statistics/{rx,tx}_packets" | paste -sd' ')
	echo "$m ${s#* * }"
}

# sums DESC: 100 pings from the peer between a snap and a snap_end; the
# master's growth must cover the lower devices' growth and the pings.
sums() {
	local a b mr mt sr st pr pt

	a=($(snap))
	ping_peer 100
	b=($(snap_end))
	mr=$((b[0] - a[0])) mt=$((b[1] - a[1]))
	sr=$((b[2] - a[2])) st=$((b[3] - a[3]))
	pr=$((b[4] - a[4])) pt=$((b[5] - a[5]))
	echo "INFO: $1: master rx +$mr tx +$mt; standby rx +$sr tx +$st; primary rx +$pr tx +$pt; pings $RECEIVED/$SENT"
	check "$1: master rx +$mr >= standby +$sr + primary +$pr, >= pings" \
		[ "$mr" -ge $((sr + pr)) -a "$mr" -ge "$RECEIVED" ]
	check "$1: master tx +$mt >= standby +$st + primary +$pt, >= pings" \
		[ "$mt" -ge $((st + pt)) -a "$mt" -ge "$RECEIVED" ]
	check "$1: pings answered ($RECEIVED/$SENT)" [ "$RECEIVED" -eq 100 ]
}

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
sums "trio"

# Sampler in the guest, under a 5 ms ping, across remove and rescan.
rm -f "$MON" "$LAB_DIR/share/stats-mon.stop"
guest "cd /sys/class/net/$MASTER/statistics &&
       (while [ ! -e /tmp/lab/stats-mon.stop ]; do
		read r < rx_packets; read t < tx_packets; echo \$r \$t; sleep 0.05
	done > /tmp/lab/stats-mon.txt 2>&1 &) >/dev/null 2>&1"
ip netns exec "$NS_PEER" ping -q -i 0.005 -W 1 -w 300 "$GUEST_IP" >/dev/null 2>&1 &
PING_PID=$!
first=($(snap))

check "primary removed" primary_remove
roles
kill -INT "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null; PING_PID=
# stock: the host bridge learns the standby's port only once the guest sends
busywait 20000 guest_ping_ok
busywait 10000 ping_ok
sums "standby alone"
ip netns exec "$NS_PEER" ping -q -i 0.005 -W 1 -w 300 "$GUEST_IP" >/dev/null 2>&1 &
PING_PID=$!
check "primary back after rescan" primary_rescan
kill -INT "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null; PING_PID=
sums "returned primary"
last=($(snap_end))
cleanup

n=$(wc -l <"$MON")
bad=$(awk 'NR > 1 && ($1 < r || $2 < t) {print NR": "r" "t" -> "$1" "$2; exit} {r = $1; t = $2}' "$MON")
echo "INFO: sampler: $n samples, master rx $(head -n 1 "$MON" | cut -d' ' -f1) -> $(tail -n 1 "$MON" | cut -d' ' -f1)"
check "sampler ran across remove + rescan ($n samples)" [ "$n" -ge 20 ]
beyond "master counters never decreased${bad:+ (sample $bad)}" [ -z "$bad" ]
beyond "master rx/tx grew overall (${first[0]}/${first[1]} -> ${last[0]}/${last[1]})" \
	[ "${last[0]}" -gt "${first[0]}" -a "${last[1]}" -gt "${first[1]}" ]
finish "stock zeroes the master's counters when the primary leaves"
