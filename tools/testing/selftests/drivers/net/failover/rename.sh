#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Renaming the members of the failover trio.  Since 6.2 a running netdev may
# be renamed (no IFF_LIVE_RENAME_OK any more), so: the primary and the standby
# are renamed while up and enslaved, the master while up and while down; the
# trio must stay intact (sysfs lower_* links follow the names) and traffic
# must keep riding the primary.  All names, and the master's addresses (IPv6
# ones go with the link on down), are restored.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby (-> sb0) --+
#                                        +--- tap-pri --- primary (-> vf0) --+-- master (-> fo0, fo1)

source "$(dirname "$0")/lib.sh"

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
M0=$MASTER S0=$STANDBY P0=$PRIMARY

# via_primary: 100 pings from the peer answered, replies left on $PRIMARY.
via_primary() {
	local p0

	p0=$(guest cat "/sys/class/net/$PRIMARY/statistics/tx_packets")
	ping_peer 100
	DP=$(($(guest cat "/sys/class/net/$PRIMARY/statistics/tx_packets") - p0))
	[ "$RECEIVED" -eq 100 ] && [ "$DP" -ge 100 ]
}

check_traffic() {
	local ok=0

	via_primary || ok=1
	check "$1 ($RECEIVED/100 replies, $PRIMARY tx +$DP)" [ $ok -eq 0 ]
}

# rename OLD NEW: prints ip's error, if any.
rename() { guest "ip link set dev $1 name $2 2>&1"; }

# linked M S P: the trio is M S P and M's sysfs lower links are S and P.
linked() {
	roles
	[ "$MASTER $STANDBY $PRIMARY" = "$1 $2 $3" ] &&
		guest "[ -e /sys/class/net/$1/lower_$2 ] && [ -e /sys/class/net/$1/lower_$3 ] &&
		       [ \$(basename \$(readlink /sys/class/net/$3/master)) = $1 ]"
}

restore() {
	local cur

	roles
	# down: 6.1 renames a running stock master not at all
	[ "$MASTER" != "$M0" ] && guest "ip link set dev $MASTER down"
	for cur in "$MASTER:$M0" "$STANDBY:$S0" "$PRIMARY:$P0"; do
		[ "${cur%%:*}" = "${cur#*:}" ] || [ "${cur%%:*}" = - ] || rename "${cur%%:*}" "${cur#*:}" >/dev/null
	done
	guest "ip link set dev $M0 up; ip addr replace $GUEST_IP/24 dev $M0
	       ip addr replace $GUEST_IP6/64 dev $M0 nodad" >/dev/null 2>&1
}

out=$(rename "$P0" vf0)
check "rename primary $P0 -> vf0 while up${out:+: $out}" [ -z "$out" ]
check "trio intact: $M0 sb=$S0 pri=vf0" busywait 5000 linked "$M0" "$S0" vf0
check "primary still up" guest "ip link show dev vf0 | grep -q ',UP'"
check_traffic "traffic via the renamed primary"

out=$(rename "$S0" sb0)
check "rename standby $S0 -> sb0 while up${out:+: $out}" [ -z "$out" ]
check "trio intact: $M0 sb=sb0 pri=vf0" busywait 5000 linked "$M0" sb0 vf0

# 6.1 renames a running device only if it has IFF_LIVE_RENAME_OK, which
# stock's master lacks there; if refused, rename it down and go on
live=check
on_series 6.1 && live=beyond
out=$(rename "$M0" fo0)
$live "rename master $M0 -> fo0 while up${out:+: $out}" [ -z "$out" ]
if [ -n "$out" ]; then
	guest "ip link set dev $M0 down" && rename "$M0" fo0 >/dev/null
	guest "ip link set dev fo0 up; ip addr replace $GUEST_IP6/64 dev fo0 nodad"
	busywait 20000 carrier vf0
	busywait 10000 traffic_ok
fi
check "trio intact: fo0 sb=sb0 pri=vf0" busywait 5000 linked fo0 sb0 vf0
check_traffic "traffic via the primary under the renamed master"

guest "ip link set dev fo0 down"
out=$(rename fo0 fo1)
check "rename master fo0 -> fo1 while down${out:+: $out}" [ -z "$out" ]
guest "ip link set dev fo1 up; ip addr replace $GUEST_IP6/64 dev fo1 nodad"
check "trio intact: fo1 sb=sb0 pri=vf0" busywait 5000 linked fo1 sb0 vf0
check "primary vf0 has carrier after the master's down/up" busywait 20000 carrier vf0
busywait 10000 traffic_ok
check_traffic "traffic via the primary after down, rename, up"

restore
check "names restored: $M0 $S0 $P0" busywait 5000 linked "$M0" "$S0" "$P0"
check "primary $P0 has carrier" busywait 20000 carrier "$P0"
busywait 10000 traffic_ok
check_traffic "traffic via the primary"
ping_peer 20 "$GUEST_IP6"
check "IPv6 address restored: $RECEIVED/20 replies" [ "$RECEIVED" -eq 20 ]
finish "stock's master cannot be renamed while up on 6.1"
