#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cancelled-migration stress: N cycles (default 3, STRESS=full: 20) of a
# migration that QEMU starts (it unplugs the primary, the guest ejects it)
# and then cancels (QEMU plugs the primary back).  After each cycle the trio
# is whole, the primary has carrier and the guest reaches the peer; at the
# end the host root is mounted again and traffic rides the primary.

source "$(dirname "$0")/lib.sh"

CYCLES=${MIGRATE_CYCLES:-3}
[ "$STRESS" = full ] && CYCLES=${MIGRATE_CYCLES:-20}

if ! trio_whole; then
	fail "trio complete before the migrations ($MASTER $STANDBY $PRIMARY)"
	finish
fi
pass "trio complete before the migrations ($MASTER $STANDBY $PRIMARY)"
master0=$MASTER sby0=$STANDBY
n0=$(guest "ls /sys/class/net | wc -l")
if ! bare_enter; then
	fail "guest in bare mode (9p unmounted)"
	bare_leave >/dev/null
	finish
fi
pass "guest in bare mode (9p unmounted)"

t0=$(date +%s)
ok=0
for ((c = 1; c <= CYCLES; c++)); do
	if ! migrate_cancelled; then
		fail "cycle $c: cancelled migration (status $(migrate_status))"
		break
	fi
	if ! busywait 60000 bare_trio_complete; then
		fail "cycle $c: trio not whole after migrate_cancel ($MASTER $STANDBY $PRIMARY)"
		break
	fi
	if [ "$MASTER" != "$master0" ] || [ "$STANDBY" != "$sby0" ]; then
		fail "cycle $c: master/standby changed ($MASTER $STANDBY, was $master0 $sby0)"
		break
	fi
	if ! busywait 30000 guest "@[ \$(cat /sys/class/net/$PRIMARY/carrier) = 1 ]"; then
		fail "cycle $c: primary $PRIMARY has no carrier"
		break
	fi
	if ! busywait 20000 guest "@ping -c 1 -W 1 $PEER_IP" >/dev/null; then
		fail "cycle $c: guest cannot reach the peer"
		break
	fi
	ping_peer 20
	if [ "$RECEIVED" -lt 20 ]; then
		fail "cycle $c: $RECEIVED/20 replies"
		break
	fi
	ok=$c
done
t1=$(date +%s)
check "$ok/$CYCLES cancelled migrations: trio whole, traffic flows" [ "$ok" -eq "$CYCLES" ]
echo "migrate_stress: $CYCLES cycles in $((t1 - t0)) s"
check "migration state is cancelled, not active" \
	busywait 10000 eval '[ "$(migrate_status)" != active ]'

check "host root mounted again" bare_leave
# The first chrooted command after the remount reads a cold 9p cache.
GUEST_TIMEOUT=240 guest true
check "trio complete after the migrations" busywait 20000 trio_whole
check "master/standby unchanged ($MASTER $STANDBY)" \
	test "$MASTER" = "$master0" -a "$STANDBY" = "$sby0"
check "no leaked netdevs" [ "$(guest "ls /sys/class/net | wc -l")" -eq "$n0" ]
busywait 20000 guest_ping_ok
stats "$PRIMARY"
eval "p0=\$TX_${PRIMARY//[^a-zA-Z0-9]/_}"
ping_peer 100
dp=$(delta TX "$PRIMARY" "$p0")
check "after the migrations: $RECEIVED/$SENT replies, primary tx +$dp" \
	test "$RECEIVED" -eq 100 -a "$dp" -ge 100
finish
