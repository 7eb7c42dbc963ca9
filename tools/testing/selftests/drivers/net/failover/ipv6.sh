#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 autoconfiguration belongs to the master alone. A lower device with
# addresses of its own sends ND and MLD from the shared MAC over a path of
# its choosing, and its link-local address is the master's: the lower's
# duplicate address detection probe crosses the host's bridge to the other
# lower device, reaches the master and fails the master's DAD.
#
# The lab turns DAD off, so here it is turned on for the trio and the master
# is brought down and up: that closes and reopens both lower devices, which
# restarts autoconfiguration on all three.

source "$(dirname "$0")/lib.sh"

roles
trio_complete || skip "no trio (master=$MASTER standby=$STANDBY primary=$PRIMARY)"

# "dev: address flags" for every IPv6 address of the lower devices
lower_addrs() {
	guest "ip -6 -o addr show dev $STANDBY; ip -6 -o addr show dev $PRIMARY" |
		awk '{ $1 = ""; print }' | paste -sd';'
}
master_ll() { guest "ip -6 -o addr show dev $MASTER scope link" | awk '{ $1 = ""; print }'; }
# DAD is over once the link-local is no longer tentative, or has failed
dad_done() {
	local a

	a=$(master_ll)
	[[ $a == *fe80::* ]] && [[ $a == *dadfailed* || $a != *tentative* ]]
}
ll_good() { [[ $LL == *fe80::* && $LL != *dadfailed* && $LL != *tentative* ]]; }
set_dad() {	# set_dad 0|1
	guest "for d in $MASTER $STANDBY $PRIMARY; do echo $1 > /proc/sys/net/ipv6/conf/\$d/accept_dad; done"
}

# Stock's core marks the lower devices IFF_NO_ADDRCONF since 6.2; on 6.1
# it leaves them autoconfiguring
lower=check
on_series 6.1 && lower=beyond
a=$(lower_addrs)
$lower "no IPv6 address on $STANDBY or $PRIMARY (${a:-none})" [ -z "$a" ]

set_dad 1
guest "ip link set $MASTER down && ip link set $MASTER up"
out=$(GUEST_TIMEOUT=90 guest "$G" config 60 2>&1)
check "trio back up after $MASTER down/up" [ "${out##*fo: trio }" != "$out" ]
check "$MASTER's link-local address finished DAD" busywait 15000 dad_done
LL=$(master_ll)
$lower "$MASTER's link-local address is not dadfailed or tentative ($LL)" ll_good
a=$(lower_addrs)
$lower "no IPv6 address on $STANDBY or $PRIMARY after $MASTER down/up (${a:-none})" \
	[ -z "$a" ]
set_dad 0

check "guest reaches the peer over IPv6" busywait 20000 guest_ping_ok "$PEER_IP6"
ping_peer 20 "$GUEST_IP6"
check "IPv6 peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 20 ]

finish_beyond failover "stock's core leaves the lower devices autoconfiguring IPv6 on 6.1"
