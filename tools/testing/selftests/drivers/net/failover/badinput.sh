#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input: each request that would break the trio gets an error (or, where
# the stack accepts it, leaves a consistent system), and the state is the
# same afterwards: roles, MACs, MTUs, and the peer's pings answered.
#
#   - the standby or the primary enslaved to a bridge or a bond
#   - the master enslaved to itself or to one of its lower devices
#   - MAC change on the standby, the master and the primary
#   - MTU above the lower devices' maximum and below the minimum
#   - a dummy and a veth (moved to another netns) carrying the trio's MAC:
#     never paired (neither has a permanent address)
#   - a lower device moved to another netns: refused, or cleanly unpaired
#     (and paired again when it comes back)
#   - renaming the master and the lower devices while up
#   - ip link del of the lower devices and, last, of the master
#
# What stock does (Debian 6.12), and so what parity means here, is written at
# each case; "stock:" lines in the output say what was observed.

source "$(dirname "$0")/lib.sh"

NEWMAC=52:54:00:fa:11:99
NS=fobad
BEYOND=0
BEYOND_STOCK=""

# check_beyond MODULE DESC CMD...: an assertion stock's MODULE is known to
# fail: expected to fail while the stack runs the stock MODULE.
check_beyond() {
	local mod=$1 desc=$2

	shift 2
	if "$@"; then
		pass "$desc (beyond stock)"
	elif stock_module "$mod"; then
		echo "FAIL: $desc (beyond stock, stock $mod)"
		BEYOND_STOCK="$BEYOND_STOCK; $desc (stock $mod)"
	else
		fail "$desc (beyond stock, our $mod)"
		BEYOND=1
	fi
}

# snap: roles, then MAC and MTU of each of the three, on one line.
snap() {
	guest "set -- \$($G roles); echo \$*; for d in \$1 \$2 \$3; do cat /sys/class/net/\$d/address /sys/class/net/\$d/mtu 2>/dev/null; done | paste -sd' '" |
		paste -sd' '
}

# unchanged DESC: the state is the baseline and the peer gets answers.
unchanged() {
	local s

	s=$(snap)
	if [ "$s" = "$S0" ]; then
		pass "$1: state unchanged"
	else
		fail "$1: state changed: now '$s', was '$S0'"
	fi
	flows "$1"
}

# flows DESC: the peer's pings are answered.  Where they are not, stock's
# blackhole after a primary carrier loss (see peer_reaches) is the known
# reason: expected on stock's master, and traffic must flow once the guest
# has spoken.
flows() {
	if busywait 10000 ping_ok; then
		pass "$1: traffic flows"
		return
	fi
	traffic_diag
	check_beyond net_failover "$1: the peer reaches the guest unprompted" false
	check "$1: traffic flows once the guest has spoken" busywait 10000 traffic_ok
}

# refused DESC CMD: the guest command must fail.
refused() {
	local out

	if out=$(guest "$2" 2>&1); then
		fail "$1: accepted"
		return 1
	fi
	pass "$1: refused ($(echo "$out" | head -n 1))"
}

# attempt DESC CMD: run a guest command that the stack may accept or refuse;
# sets ACCEPTED=1/0 and says which.
attempt() {
	local out

	if out=$(guest "$2" 2>&1); then
		ACCEPTED=1
		echo "$STACK: $1: accepted"
	else
		ACCEPTED=0
		echo "$STACK: $1: refused ($(echo "$out" | head -n 1))"
	fi
}

# back_to_trio: after a lower device left and returned, the trio is whole,
# the primary has carrier and the guest has sent on it.
back_to_trio() {
	busywait 30000 trio_whole && busywait 30000 carrier "$PRIMARY" &&
		busywait 20000 guest_ping_ok
}

if ! trio_whole; then
	fail "trio complete ($MASTER $STANDBY $PRIMARY)"
	finish
fi
S0=$(snap)
read -r M0 SBY0 PRI0 _ <<<"$S0"
n0=$(guest "ls /sys/class/net | wc -l")
pass "baseline: $S0"
check "traffic flows at the start" busywait 10000 ping_ok

# ---- bridge / bond ----------------------------------------------------------
# Stock: both lower devices carry net_failover's rx_handler, so a bridge
# (EBUSY) and a bond ("Device is in use") refuse them.
check "guest: modprobe bridge, bonding; fobr0 and fobond0 created" \
	guest "modprobe bridge && modprobe bonding max_bonds=0 && ip link add fobr0 type bridge && ip link add fobond0 type bond"
for d in "$SBY0" "$PRI0"; do
	refused "enslave $d to bridge fobr0" "ip link set $d master fobr0"
	refused "enslave $d to bond fobond0" "ip link set $d master fobond0"
done
guest "ip link del fobr0; ip link del fobond0; rmmod bonding bridge stp llc" >/dev/null 2>&1
unchanged "bridge/bond"

# ---- master into itself / into a lower ----------------------------------------
# Stock: neither net_failover nor virtio_net/e1000 has ndo_add_slave: EOPNOTSUPP.
refused "$M0 master $M0" "ip link set $M0 master $M0"
refused "$M0 master $SBY0 (its own lower)" "ip link set $M0 master $SBY0"
refused "$M0 master $PRI0 (its own lower)" "ip link set $M0 master $PRI0"
unchanged "master loops"

# ---- MAC changes ------------------------------------------------------------------
# Stock: virtio_net refuses a MAC change on a standby (EOPNOTSUPP, the
# hypervisor owns it).  Master and primary: whatever the stack does, it must
# either refuse, or end consistent; then the MAC goes back.
refused "MAC change on the standby $SBY0" "ip link set $SBY0 address $NEWMAC"
unchanged "standby MAC"

attempt "MAC change on the master $M0" "ip link set $M0 address $NEWMAC"
if [ "$ACCEPTED" = 1 ]; then
	# Accepted: the master must not be left alone with a MAC its lower
	# devices do not receive on, nor lose them.
	macs=$(guest "cat /sys/class/net/{$M0,$SBY0,$PRI0}/address" | sort -u | paste -sd' ')
	echo "  MACs now: $macs"
	check "master MAC change accepted: trio still whole" trio_whole
	check "master MAC change accepted: the primary follows ($macs)" \
		eval "guest cat /sys/class/net/$PRI0/address | grep -qx $NEWMAC"
	guest "ip link set $M0 address $MAC" >/dev/null
	busywait 20000 guest_ping_ok
fi
unchanged "master MAC"

# Stock e1000 accepts a MAC change on the enslaved primary and net_failover
# does not object: the primary then filters out the frames for the trio's MAC
# and the peer gets no answers until the MAC goes back.  Not sane, so not
# parity: beyond stock, the change is refused or traffic keeps flowing.
attempt "MAC change on the primary $PRI0" "ip link set $PRI0 address $NEWMAC"
if [ "$ACCEPTED" = 1 ]; then
	check "primary MAC change accepted: trio still whole" trio_whole
	check_beyond net_failover "primary MAC change accepted: the peer still gets answers" \
		busywait 3000 ping_ok
	guest "ip link set $PRI0 address $MAC" >/dev/null
	busywait 20000 guest_ping_ok
fi
unchanged "primary MAC"

# ---- MTU ------------------------------------------------------------------------
read -r m_mtu m_min m_max < <(mtu_of "$M0" | head -n 1)
read -r p_mtu p_min p_max < <(mtu_of "$PRI0" | head -n 1)
read -r s_mtu s_min s_max < <(mtu_of "$SBY0" | head -n 1)
echo "MTU ranges: $M0 $m_min..$m_max, $SBY0 $s_min..$s_max, $PRI0 $p_min..$p_max"
# An e1000 MTU change resets its link: stock sets a refused MTU on the
# primary first and rolls it back, costing the guest two carrier losses.
cc0=$(guest "cat /sys/class/net/$PRI0/carrier_changes")
refused "$M0 mtu $((m_max + 1)) (above its max)" "ip link set $M0 mtu $((m_max + 1))"
refused "$M0 mtu $((m_min - 1)) (below its min)" "ip link set $M0 mtu $((m_min - 1))"
low_max=$((p_max < s_max ? p_max : s_max))
low_min=$((p_min > s_min ? p_min : s_min))
# Above what one lower device takes: the master must refuse (or roll back).
if [ "$low_max" -lt "$m_max" ]; then
	attempt "$M0 mtu $((low_max + 1)) (above a lower device's max)" "ip link set $M0 mtu $((low_max + 1))"
	check "$M0 mtu $((low_max + 1)): refused" [ "$ACCEPTED" = 0 ]
	[ "$ACCEPTED" = 1 ] && guest "ip link set $M0 mtu 1500" >/dev/null
fi
if [ "$low_min" -gt "$m_min" ]; then
	attempt "$M0 mtu $((low_min - 1)) (below a lower device's min)" "ip link set $M0 mtu $((low_min - 1))"
	check "$M0 mtu $((low_min - 1)): refused" [ "$ACCEPTED" = 0 ]
	[ "$ACCEPTED" = 1 ] && guest "ip link set $M0 mtu 1500" >/dev/null
fi
refused "$PRI0 mtu $((p_max + 1))" "ip link set $PRI0 mtu $((p_max + 1))"
refused "$SBY0 mtu $((s_min - 1))" "ip link set $SBY0 mtu $((s_min - 1))"
cc1=$(guest "cat /sys/class/net/$PRI0/carrier_changes")
check_beyond net_failover "refused MTUs left the primary's link alone (carrier changes $cc0 -> $cc1)" \
	[ "$cc0" = "$cc1" ]
unchanged "MTU limits"

# ---- devices carrying the trio's MAC ---------------------------------------------
# Pairing goes by permanent address; a dummy has none (its address is random
# or set), so neither form may be paired.
check "guest: modprobe dummy, veth" guest "modprobe dummy numdummies=0 && modprobe veth"
check "dummy fodummy0 with the trio's MAC set after creation, up" \
	guest "ip link add fodummy0 type dummy && ip link set fodummy0 address $MAC && ip link set fodummy0 up"
check "dummy fodummy1 created with the trio's MAC, up" \
	guest "ip link add fodummy1 address $MAC type dummy && ip link set fodummy1 up"
check "neither dummy paired (no master)" \
	guest "[ ! -e /sys/class/net/fodummy0/master ] && [ ! -e /sys/class/net/fodummy1/master ]"
check "$M0 has exactly its two lower devices" \
	eval "[ \"\$(guest ls -d /sys/class/net/$M0/lower_\* | paste -sd' ')\" = \"/sys/class/net/$M0/lower_$PRI0 /sys/class/net/$M0/lower_$SBY0\" ] ||
	      [ \"\$(guest ls -d /sys/class/net/$M0/lower_\* | paste -sd' ')\" = \"/sys/class/net/$M0/lower_$SBY0 /sys/class/net/$M0/lower_$PRI0\" ]"
guest "ip link del fodummy0; ip link del fodummy1; rmmod dummy" >/dev/null
unchanged "dummies with the trio's MAC"

check "netns $NS; veth fov0/fov1 with the trio's MAC, fov1 moved into $NS" \
	guest "ip netns add $NS && ip link add fov0 address $MAC type veth peer name fov1 address $MAC && ip link set fov1 netns $NS && ip link set fov0 up && ip -n $NS link set fov1 up"
check "veth ends not paired" \
	guest "[ ! -e /sys/class/net/fov0/master ] && ! ip -n $NS -d link show fov1 | grep -q ' master '"
guest "ip link del fov0" >/dev/null
guest "rmmod veth" >/dev/null
unchanged "veth with the trio's MAC"

# ---- lower devices into another netns ------------------------------------------------
# Refused, or the device leaves the trio cleanly (no master in the other
# netns, the master keeps the other lower device) and is paired again when it
# is moved back.
for role in primary standby; do
	[ $role = primary ] && d=$PRI0 || d=$SBY0
	attempt "move the $role $d to netns $NS" "ip link set $d netns $NS"
	if [ "$ACCEPTED" = 1 ]; then
		roles
		echo "  roles now: $MASTER $STANDBY $PRIMARY; in $NS: $(guest "ip -n $NS -br link show dev $d")"
		check "$role moved out: $M0 has no lower_$d in its namespace" \
			guest "[ ! -e /sys/class/net/$M0/lower_$d ] && [ -e /sys/class/net/$M0 ]"
		# Stock pairs by permanent address in every namespace: the
		# moved device is enslaved again, across namespaces.
		check_beyond failover "$role moved out: not paired across namespaces (no master in $NS)" \
			guest "! ip -n $NS -d link show $d | grep -q ' master '"
		check "$role moved back" guest "ip -n $NS link set $d netns 1"
		check "$role moved back: trio whole, traffic on the primary" back_to_trio
	fi
	unchanged "$role to another netns"
done
guest "ip netns del $NS" >/dev/null

# ---- renames while up ------------------------------------------------------------------
# Stock 6.12 renames running devices; the trio must stay whole under the new
# names and work, then the names go back.
for d in "$M0" "$SBY0" "$PRI0"; do
	attempt "rename $d (up) to fo-$d" "ip link set $d name fo-$d"
	if [ "$ACCEPTED" = 1 ]; then
		roles
		check "renamed fo-$d: trio whole ($MASTER $STANDBY $PRIMARY)" \
			eval "trio_whole && echo \" \$MASTER \$STANDBY \$PRIMARY \" | grep -q ' fo-$d '"
		flows "renamed fo-$d"
		check "rename fo-$d back to $d" guest "ip link set fo-$d name $d"
	fi
	unchanged "rename $d"
done

# ---- ip link del ----------------------------------------------------------------------
# Stock: none of the three has rtnl_link_ops, so RTM_DELLINK gets EOPNOTSUPP.
refused "ip link del $SBY0" "ip link del $SBY0"
refused "ip link del $PRI0" "ip link del $PRI0"
refused "ip link del $M0" "ip link del $M0"
unchanged "ip link del"

check "netdev count back to $n0" [ "$(guest "ls /sys/class/net | wc -l")" -eq "$n0" ]
[ $RET -eq 0 ] || finish
if [ -n "$BEYOND_STOCK" ]; then
	echo "XFAIL: stock behaviour kept by the stack${BEYOND_STOCK}"
	exit $KSFT_XFAIL
fi
finish
