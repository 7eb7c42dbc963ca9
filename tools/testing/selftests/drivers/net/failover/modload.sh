#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module reload stress: M cycles (default 5, STRESS=full: 50) of unloading the
# whole stack (virtio_net, net_failover, failover, e1000) under a live trio
# and loading it again ($STACK_PATHS).  Each unload must succeed (rmmod exit
# 0, none of the modules left in lsmod, no netdev left behind); after each
# load the trio forms again, its addresses come back and traffic rides the
# primary.  Unloaded, unreclaimable slab and per-CPU memory stay flat.  The
# test leaves the stack loaded and configured as it found it.

source "$(dirname "$0")/lib.sh"

CYCLES=${MODLOAD_CYCLES:-5}
[ "$STRESS" = full ] && CYCLES=${MODLOAD_CYCLES:-50}
MODS="virtio_net net_failover failover e1000"

case " $STACK_PATHS " in
*=none*) skip "stack $STACK leaves a module out" ;;
esac

if ! trio_whole; then
	fail "trio complete before the reloads ($MASTER $STANDBY $PRIMARY)"
	finish
fi
pass "trio complete before the reloads ($MASTER $STANDBY $PRIMARY)"
# Netdevs that are not the trio's: the only ones allowed while unloaded.
others=$(guest "ls /sys/class/net" | grep -v -x -e "$MASTER" -e "$STANDBY" -e "$PRIMARY" | paste -sd' ')
n0=$(guest "ls /sys/class/net | wc -l")

# unload_check N: unload and check that nothing is left; 0 if clean.
unload_check() {
	local out rc left devs

	out=$(guest "$G unload; echo rc=\$?; lsmod | awk '{print \$1}' | grep -x -E '$(echo "$MODS" | tr ' ' '|')' | paste -sd' '; echo; ls /sys/class/net | paste -sd' '")
	rc=$(echo "$out" | sed -n 's/^rc=//p')
	left=$(echo "$out" | sed -n '/^rc=/{n;p}')
	devs=$(echo "$out" | tail -n 1)
	if [ "$rc" != 0 ]; then
		fail "$1: rmmod $MODS exit $rc: $(echo "$out" | sed '/^rc=/,$d' | paste -sd' ')"
		return 1
	fi
	if [ -n "$left" ]; then
		fail "$1: still loaded after rmmod: $left"
		return 1
	fi
	if [ "$devs" != "$others" ]; then
		fail "$1: netdevs left after unload: '$devs' (want '$others')"
		return 1
	fi
	return 0
}

# full_burst ADDR: 20 pings from the peer, all answered.
full_burst() {
	ping_peer 20 "$1"
	[ "$RECEIVED" -eq 20 ]
}

# reload_check N: load the stack, set the trio up as the lab does, check it.
reload_check() {
	local out

	# shellcheck disable=SC2086
	if ! out=$(GUEST_TIMEOUT=150 guest "$G" setup $STACK_PATHS 2>&1); then
		fail "$1: setup after reload: $(echo "$out" | tail -n 3 | paste -sd' ')"
		return 1
	fi
	if ! trio_whole; then
		fail "$1: trio after reload ($MASTER $STANDBY $PRIMARY)"
		return 1
	fi
	if ! guest "ip -br addr show dev $MASTER | grep -q ' $GUEST_IP/24 ' && ip -br addr show dev $MASTER | grep -q ' $GUEST_IP6/64 '"; then
		fail "$1: addresses on $MASTER: $(guest "ip -br addr show dev $MASTER")"
		return 1
	fi
	# The bridge learns the new primary's port when the guest sends on it.
	if ! busywait 20000 guest_ping_ok; then
		fail "$1: guest cannot reach the peer"
		return 1
	fi
	stats "$PRIMARY"
	eval "p0=\$TX_${PRIMARY//[^a-zA-Z0-9]/_}"
	# Loss while the datapath settles is unplug.sh's and hotplug.sh's
	# business; here a full burst must come within a few tries.
	busywait 15000 full_burst "$GUEST_IP"
	dp=$(delta TX "$PRIMARY" "$p0")
	if [ "$RECEIVED" -lt 20 ] || [ "$dp" -lt 20 ]; then
		fail "$1: $RECEIVED/20 replies, primary $PRIMARY tx +$dp"
		return 1
	fi
	# The peer's neighbour entry for the new trio may need resolving first.
	busywait 15000 full_burst "$GUEST_IP6"
	if [ "$RECEIVED" -lt 20 ]; then
		fail "$1: IPv6 $RECEIVED/20 replies"
		return 1
	fi
	return 0
}

t0=$(date +%s)
ok=0
for ((c = 1; c <= CYCLES; c++)); do
	unload_check "cycle $c" || break
	# unloaded, after one cycle: what any later unloaded state must match
	[ "$c" -eq 2 ] && kmem1=$(kmem_kb)
	reload_check "cycle $c" || break
	ok=$c
done
t1=$(date +%s)
check "$ok/$CYCLES unload+reload cycles: clean unload, trio, addresses, traffic" [ "$ok" -eq "$CYCLES" ]
echo "modload: $ok cycles in $((t1 - t0)) s"

# Final: one more unload, checked on its own, then the stack as it was.
if [ "$ok" -eq "$CYCLES" ]; then
	check "final unload: rmmod exit 0, lsmod and /sys/class/net clean" unload_check "final"
	kmem2=$(kmem_kb)
	echo "modload: unloaded, unreclaimable slab + per-CPU: ${kmem1:-?} kB at cycle 2, ${kmem2:-?} kB at the end"
	[ "$CYCLES" -ge 2 ] &&
		check "no memory leaked by $((CYCLES - 1)) load+unload cycles ($((kmem2 - kmem1)) kB)" \
			kmem_flat "$kmem1" "$kmem2" "$((CYCLES - 1))"
	check "stack restored" reload_check "restore"
else
	# Whatever the failure left, try to put the stack back for later tests.
	trio_whole || { guest "$G unload" >/dev/null; reload_check "restore" >/dev/null; }
fi
check "trio complete at the end" trio_whole
check "netdev count back to $n0" [ "$(guest "ls /sys/class/net | wc -l")" -eq "$n0" ]
check "MTU of $MASTER is 1500" [ "$(guest cat "/sys/class/net/$MASTER/mtu")" = 1500 ]
finish
