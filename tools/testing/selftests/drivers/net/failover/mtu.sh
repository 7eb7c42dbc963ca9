#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MTU of the failover master: a change reaches both lower devices; an MTU
# outside what the lower devices take is refused and changes nothing; the
# master's minmtu/maxmtu follow the lower devices (stock: the primary's range
# while it is enslaved, the standby's without it), across a primary
# remove + rescan.  Restores MTU 1500.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#                                        +--- tap-pri --- primary --+-- master 198.18.0.1

source "$(dirname "$0")/lib.sh"

check_trio() {
	check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
}

# mtus: M_* S_* P_* (mtu min max) of master, standby, primary.
mtus() {
	local out

	out=$(mtu_of "$MASTER" "$STANDBY" "$PRIMARY")
	read -r M_MTU M_MIN M_MAX S_MTU S_MIN S_MAX P_MTU P_MIN P_MAX <<<"$(echo $out)"
}

all_mtu() { mtus; [ "$M_MTU" = "$1" ] && [ "$S_MTU" = "$1" ] && [ "$P_MTU" = "$1" ]; }

# set_mtu MTU: prints the error and returns ip's status.
set_mtu() { guest "ip link set dev $MASTER mtu $1 2>&1"; }

restore() {
	set_mtu 1500 >/dev/null
	busywait 20000 carrier "$PRIMARY"
}

roles
check_trio
mtus
echo "INFO: master mtu $M_MTU min $M_MIN max $M_MAX; standby $S_MTU $S_MIN-$S_MAX; primary $P_MTU $P_MIN-$P_MAX"
check "all three at MTU 1500 ($M_MTU/$S_MTU/$P_MTU)" all_mtu 1500
check "master maxmtu $M_MAX is the primary's $P_MAX (the smaller one)" \
	[ "$M_MAX" = "$P_MAX" -a "$M_MAX" -le "$S_MAX" ]
check "master minmtu $M_MIN is the primary's $P_MIN (as stock)" [ "$M_MIN" = "$P_MIN" ]

# A change within both ranges reaches both lower devices; the upper
# boundary is accepted, one above it is refused.
max=$M_MAX
out=$(set_mtu "$max")
check "mtu $max (maxmtu) on the master accepted${out:+ ($out)}" [ $? -eq 0 ]
busywait 5000 all_mtu "$max"
check "mtu $max on master, standby and primary ($M_MTU/$S_MTU/$P_MTU)" all_mtu "$max"
check "primary $PRIMARY has carrier again" busywait 20000 carrier "$PRIMARY"
peer_reaches 20000 "traffic flows at mtu $max"
out=$(set_mtu $((max + 1)))
rc=$?
echo "INFO: mtu $((max + 1)): rc $rc: $out"
check "mtu $((max + 1)) above maxmtu refused with an error" [ "$rc" -ne 0 -a "x$out" != x ]
all_mtu "$max"
check "nothing changed ($M_MTU/$S_MTU/$P_MTU)" all_mtu "$max"
# Below the standby's minimum (stock: the primary takes it, the standby
# refuses, the primary is rolled back).
low=$((S_MIN - 8))
out=$(set_mtu "$low")
rc=$?
echo "INFO: mtu $low: rc $rc: $out"
check "mtu $low below the standby's minmtu $S_MIN refused with an error" [ "$rc" -ne 0 -a "x$out" != x ]
all_mtu "$max"
check "nothing changed ($M_MTU/$S_MTU/$P_MTU)" all_mtu "$max"

restore
all_mtu 1500
check "restored mtu 1500 on all three ($M_MTU/$S_MTU/$P_MTU)" all_mtu 1500
check "primary $PRIMARY has carrier at mtu 1500" carrier "$PRIMARY"
peer_reaches 20000 "traffic flows at mtu 1500"

# Without the primary the master takes the standby's range; with it back,
# the primary's again.
check "primary removed" primary_remove
mtus
check "without primary: master range $M_MIN-$M_MAX is the standby's $S_MIN-$S_MAX" \
	[ "$M_MIN" = "$S_MIN" -a "$M_MAX" = "$S_MAX" ]
check "without primary: mtu 1500 kept ($M_MTU/$S_MTU)" [ "$M_MTU" = 1500 -a "$S_MTU" = 1500 ]
check "primary back after rescan" primary_rescan
mtus
check "with primary again: master maxmtu $M_MAX is the primary's $P_MAX" [ "$M_MAX" = "$P_MAX" ]
check "with primary again: all at mtu 1500 ($M_MTU/$S_MTU/$P_MTU)" all_mtu 1500

finish "stock drops the standby's frames while the primary, after its MTU reset, is enslaved"
