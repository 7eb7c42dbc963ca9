#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ethtool -S on the failover master: per-path packet counters
# (primary_/standby_ rx/tx packets) grow on the path carrying the traffic
# and stay about idle on the other: via the primary, then via the standby
# while the primary's host link is down (QMP set_link npri off), then via
# the primary again; datapath_switches counts the moves.
# BEYOND STOCK: stock net_failover has no ethtool statistics (SKIP wherever
# the stack runs it, mixed stacks included).
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#                                        +--- tap-pri -X- primary --+-- master 198.18.0.1

source "$(dirname "$0")/lib.sh"

set_link() { qmp "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"npri\",\"up\":$1}}" >/dev/null; }
trap 'set_link true' EXIT

# estats: sets E_<name> for each ethtool -S counter of the master.
estats() {
	local k v

	while read -r k v; do
		k=${k%:}
		printf -v "E_$k" '%s' "$v"
	done < <(guest "ethtool -S $MASTER" | sed -n 's/^ *\([a-z_]*\): \([0-9]*\)$/\1 \2/p')
}

# path WHICH: 100 pings from the peer; WHICH's rx/tx packets grow >= 100,
# the other path's by <= 5.
path() {
	local other pr pt sr st

	[ "$1" = primary ] && other=standby || other=primary
	estats
	eval "pr=\$E_${1}_rx_packets pt=\$E_${1}_tx_packets sr=\$E_${other}_rx_packets st=\$E_${other}_tx_packets"
	ping_peer 100
	estats
	eval "pr=\$((E_${1}_rx_packets - pr)) pt=\$((E_${1}_tx_packets - pt))"
	eval "sr=\$((E_${other}_rx_packets - sr)) st=\$((E_${other}_tx_packets - st))"
	check "via $1: $RECEIVED/$SENT replies; ${1}_rx +$pr tx +$pt, ${other}_rx +$sr tx +$st" \
		[ "$RECEIVED" -eq 100 -a "$pr" -ge 100 -a "$pt" -ge 100 -a "$sr" -le 5 -a "$st" -le 5 ]
}

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
out=$(guest "ethtool -S $MASTER 2>&1")
if ! echo "$out" | grep -q '_packets:'; then
	# the master is net_failover's: a stock one on a mixed stack too
	stock_module net_failover && skip "stock net_failover has no ethtool -S ($out)"
	fail "ethtool -S $MASTER: $out"
	finish
fi
echo "$out" | sed 's/^/INFO: /'
for n in primary_tx_packets primary_rx_packets standby_tx_packets standby_rx_packets \
	 primary_tx_bytes primary_rx_bytes standby_tx_bytes standby_rx_bytes datapath_switches; do
	check "ethtool -S $MASTER has $n" grep -q "^ *$n: [0-9]*$" <<<"$out"
done

busywait 10000 ping_ok
path primary
estats
sw0=$E_datapath_switches

set_link false
check "primary $PRIMARY lost its carrier" busywait 10000 eval '! carrier $PRIMARY'
busywait 10000 ping_ok
path standby

set_link true
check "primary $PRIMARY has carrier again" busywait 20000 carrier "$PRIMARY"
busywait 10000 ping_ok
busywait 10000 guest_ping_ok
path primary
estats
check "datapath_switches counted both moves ($sw0 -> $E_datapath_switches)" \
	[ "$E_datapath_switches" -ge $((sw0 + 2)) ]
finish
