#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Network namespaces and the trio.  The master stays where it was created:
# a move (what a CNI host-device plugin does to eth0) is refused, so it can
# never end up with no lower devices.  A lower device moved into another
# namespace (a VF handed to a container) leaves the trio, traffic falls back
# to the standby, and it is not paired across namespaces; moved back, it
# pairs again and carries the traffic.
#
#   guest: master -+- standby                 netns X (unshare -n sleep)
#                  +- primary  ---- ip link set netns X ---->  primary
#                             <---- ip -n X link set netns 1 --

source "$(dirname "$0")/lib.sh"

roles
trio_complete || skip "no trio (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
M0=$MASTER S0=$STANDBY P0=$PRIMARY

# a namespace held by a sleeping process; the kernel returns the devices in
# it to the initial namespace when that process dies
NS_PID=$(guest "setsid unshare -n sleep 600 </dev/null >/dev/null 2>&1 & echo \$!")
cleanup() {
	[ -n "$NS_PID" ] && guest "kill $NS_PID" >/dev/null 2>&1
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT
in_ns() { guest "nsenter -t $NS_PID -n $*"; }
check "a namespace for the test (holder pid $NS_PID)" busywait 5000 in_ns true

via() {	# via DEV: 100 pings from the peer answered, replies left on DEV
	local p0

	p0=$(guest cat "/sys/class/net/$1/statistics/tx_packets")
	ping_peer 100
	DP=$(($(guest cat "/sys/class/net/$1/statistics/tx_packets") - p0))
	[ "$RECEIVED" -eq 100 ] && [ "$DP" -ge 100 ]
}

# --- the master ---
out=$(guest "ip link set dev $M0 netns $NS_PID 2>&1; echo rc=\$?")
check "moving $M0 to another namespace is refused (${out//$'\n'/ })" \
	[ "${out##*rc=}" != 0 ]
check "$M0 is still in the initial namespace" guest "[ -e /sys/class/net/$M0 ]"
in_ns "ip link set dev $M0 netns 1" >/dev/null 2>&1	# undo a move that happened
busywait 10000 traffic_ok
check "trio intact after the refused move" trio_complete
via "$P0"
check "traffic on the primary: $RECEIVED/100 replies, $P0 tx +$DP" [ $? -eq 0 ]

# --- a lower device, out and back ---
out=$(guest "ip link set dev $P0 netns $NS_PID 2>&1")
check "move the primary $P0 to another namespace${out:+: $out}" [ -z "$out" ]
check "the master falls back to the standby" busywait 10000 primary_gone
busywait 10000 traffic_ok
via "$S0"
beyond "traffic on the standby: $RECEIVED/100 replies, $S0 tx +$DP" [ $? -eq 0 ]
up=$(in_ns "ip -o link show dev $P0" 2>&1)
beyond "$P0 in the other namespace has no master (not paired across namespaces)" \
	eval '[[ $up == *"$P0"* && $up != *" master "* ]]'

out=$(in_ns "ip link set dev $P0 netns 1" 2>&1)
check "move $P0 back${out:+: $out}" [ -z "$out" ]
check "trio complete again" busywait 20000 trio_complete
check "$P0 is the primary again (primary=$PRIMARY)" [ "$PRIMARY" = "$P0" ]
check "$P0 has carrier" busywait 20000 carrier "$P0"
busywait 10000 traffic_ok
busywait 10000 via "$P0"
check "traffic on the primary again: $RECEIVED/100 replies, $P0 tx +$DP" [ $? -eq 0 ]
# pairing is the core's
finish_beyond failover "stock's core pairs a lower across namespaces"
