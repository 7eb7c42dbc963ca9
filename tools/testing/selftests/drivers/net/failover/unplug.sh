#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loss across the primary's removal and return under a 5 ms ping from the
# peer (ping -D -O): the guest removes the primary's PCI device, then
# rescans the bus.  Parity: traffic flows after each (via the standby, then
# via the primary again).  BEYOND STOCK: no ping lost on removal or on return
# (stock keeps the host switch pointed at the old port until the guest
# happens to send on the new one).  Prints the loss of each phase.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            ping -D -O -i 0.005         +--- tap-pri --- primary --+-- master 198.18.0.1
#                                             (PCI remove, rescan)

source "$(dirname "$0")/lib.sh"

PING_LOG=$LAB_DIR/unplug-ping.log
trap peer_ping_stop EXIT

tx_of() { guest cat "/sys/class/net/$1/statistics/tx_packets" 2>/dev/null || echo 0; }
# grows DEV N: DEV's tx counter grows by N from TX0.
grows() { [ $(($(tx_of "$1") - TX0)) -ge "$2" ]; }

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
peer_ping_start 300
check "steady state: pings answered" busywait 15000 flowing 200
sby=$STANDBY

T_RM=$(date +%s.%N)
check "primary removed" primary_remove
REPLIES=$(replies)
TX0=$(tx_of "$sby")
# Stock leaves the host's switch on the primary's port until the guest sends
# on the standby: then the guest pings the peer, and traffic must flow.
if ! beyond "after removal: pings answered again, the guest silent" busywait 20000 flowing 100; then
	busywait 20000 guest_ping_ok
	check "after removal: pings answered once the guest sent" busywait 20000 flowing 100
fi
check "after removal: replies leave on the standby $sby" busywait 5000 grows "$sby" 100

T_RS=$(date +%s.%N)
guest "echo 1 > /sys/bus/pci/rescan"
check "primary back after rescan" busywait 30000 trio_complete
check "returned primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
TX0=$(tx_of "$PRIMARY")
REPLIES=$(replies)
# Up to 5 s for the datapath to move on its own; then the guest sends on the
# primary (which teaches the host bridge its port; stock needs that, as in
# trio.sh), and traffic must flow.
if ! busywait 5000 grows "$PRIMARY" 100; then
	echo "INFO: no traffic on the returned primary 5 s after carrier: the guest pings the peer"
	busywait 20000 guest_ping_ok
fi
check "after return: replies leave on the primary $PRIMARY" busywait 20000 grows "$PRIMARY" 100
check "after return: pings answered" busywait 10000 flowing 100
T_END=$(date +%s.%N)
peer_ping_stop

# Requests sent in the last second before the end may still be in flight.
stats=$(ping_phases "$PING_LOG" removal="$T_RM" return="$T_RS" tail="$(echo "$T_END - 1" | bc)")
echo "$stats" | sed 's/^/INFO: pings: /'
lost_rm=$(echo "$stats" | sed -n 's/^phase removal sent [0-9]* lost \([0-9]*\).*/\1/p')
lost_rs=$(echo "$stats" | sed -n 's/^phase return sent [0-9]* lost \([0-9]*\).*/\1/p')
echo "INFO: lost on removal: ${lost_rm:-?}, lost on return: ${lost_rs:-?}"
lost_at "$PING_LOG" "$T_RM" | sed 's/^/INFO: lost: /'

beyond "no ping lost on removal (${lost_rm:-?})" [ "${lost_rm:-1}" -eq 0 ]
beyond "no ping lost on return (${lost_rs:-?})" [ "${lost_rs:-1}" -eq 0 ]
finish "stock loses pings while the primary leaves and returns"
