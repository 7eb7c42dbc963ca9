#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The primary's PCI removal while another task holds RTNL (modprobe dummy
# with many devices registers them all under one RTNL hold), under a 5 ms
# ping from the peer.  The unbind cannot wait for RTNL (a task holding it
# may want the device lock the unbind holds), and the e1000 stops taking
# interrupts as its remove starts, long before unregistration gets RTNL.
# Parity: traffic flows after the removal, and again after the rescan.
# BEYOND STOCK: no ping lost on the removal (ours moves the datapath to the
# standby without RTNL and says so in dmesg; stock moves nothing until the
# primary is unregistered).
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            ping -D -O -i 0.005         +--- tap-pri --- primary --+-- master 198.18.0.1
#                                             (PCI remove while
#                                              modprobe dummy holds RTNL)

source "$(dirname "$0")/lib.sh"

PING_LOG=$LAB_DIR/unplug_rtnl-ping.log
# enough devices to hold RTNL for seconds under TCG
NDUMMY=${UNPLUG_RTNL_DUMMIES:-1500}

trap peer_ping_stop EXIT

busy_line() { guest "dmesg | grep -c \"RTNL busy at $1's unbind\"" 2>/dev/null; }
dummies_gone() { [ "$(guest 'ls -d /sys/class/net/dummy* 2>/dev/null | wc -l')" = 0 ]; }

guest "modprobe -n dummy" >/dev/null 2>&1 || skip "no dummy module in the guest"
roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
pri=$PRIMARY
busy0=$(busy_line "$pri")
peer_ping_start 300
check "steady state: pings answered" busywait 15000 flowing 200

# The remove starts once dummy0 exists: the loop that registers the rest
# holds RTNL from before dummy0 to after the last one.  The remove returns
# once unregistration got RTNL; the dummies go before the trio is read (a
# roles scan of 1500 devices outlasts the agent's timeout).
bdf=$(pci_of "$pri")
T_RM=$(date +%s.%N)
guest "modprobe dummy numdummies=$NDUMMY >/dev/null 2>&1 & pid=\$!
	while [ ! -e /sys/class/net/dummy0 ]; do sleep 0.01; done
	echo 1 > /sys/bus/pci/devices/$bdf/remove; wait \$pid" >/dev/null
REPLIES=$(replies)
check "after removal: pings answered" busywait 20000 flowing 100
T_RS=$(date +%s.%N)
busy=$(busy_line "$pri")
echo "INFO: dmesg lines 'RTNL busy at $pri's unbind': $((busy - busy0))"
guest "rmmod dummy"
check "the dummy devices are gone" busywait 60000 dummies_gone
check "primary $pri removed while RTNL was held" busywait 20000 primary_gone

guest "echo 1 > /sys/bus/pci/rescan"
check "primary back after rescan" busywait 30000 trio_complete
check "returned primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
REPLIES=$(replies)
# the return is unplug.sh's to judge: stock needs the guest to send first
if ! busywait 5000 flowing 100; then
	echo "INFO: pings unanswered 5 s after the return: the guest pings the peer"
	busywait 20000 guest_ping_ok
fi
check "after return: pings answered" busywait 20000 flowing 100
peer_ping_stop

stats=$(ping_phases "$PING_LOG" removal="$T_RM" after="$T_RS")
echo "$stats" | sed 's/^/INFO: pings: /'
lost=$(echo "$stats" | sed -n 's/^phase removal sent [0-9]* lost \([0-9]*\).*/\1/p')
lost_at "$PING_LOG" "$T_RM" | sed 's/^/INFO: lost: /'
beyond "the unbind found RTNL busy and moved transmit without it" [ "$((busy - busy0))" -ge 1 ]
beyond "no ping lost on the removal with RTNL held (${lost:-?})" [ "${lost:-1}" -eq 0 ]
finish "stock moves transmit off a removed primary only once it can take RTNL"
