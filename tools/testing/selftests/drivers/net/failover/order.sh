#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The primary exists before the standby: the failover stack is unloaded
# (rmmod virtio_net net_failover failover; e1000 stays, and QEMU keeps the
# primary plugged), so the e1000 netdev is on its own; then the stack is
# loaded again from $STACK_PATHS.  The new master must pick up the
# pre-existing primary (same ifindex, not a re-probe) and traffic must ride
# it.  The master's addresses are set up again (fo.sh setup).
#
#   before:  primary (e1000, alone)
#   after:   peer 198.18.0.2 -- br0 --+-- tap-sby -- standby (new) --+
#                                     +-- tap-pri -- primary (old) --+-- master (new) 198.18.0.1

source "$(dirname "$0")/lib.sh"

ifindex() { guest cat "/sys/class/net/$1/ifindex" 2>/dev/null; }

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
P0=$PRIMARY
PIDX=$(ifindex "$P0")
MIDX=$(ifindex "$MASTER")

out=$(guest "rmmod virtio_net net_failover failover 2>&1")
check "stack unloaded${out:+: $out}" guest "! grep -q -e '^virtio_net ' -e '^net_failover ' -e '^failover ' /proc/modules"
roles
check "no master, no standby left ($MASTER $STANDBY)" [ "$MASTER $STANDBY" = "- -" ]
check "primary $P0 (ifindex $PIDX) still there on its own" \
	guest "[ \$(cat /sys/class/net/$P0/ifindex) = $PIDX ] && [ ! -e /sys/class/net/$P0/master ]"
echo "INFO: primary alone: $(guest "ip -br link show dev $P0")"
check "released primary $P0 is down" guest "! ip link show dev $P0 | grep -q '[<,]UP[,>]'"

out=$(GUEST_TIMEOUT=120 guest "$G setup $STACK_PATHS" 2>&1)
echo "$out" | sed 's/^/INFO: setup: /'
check "stack loaded again, trio formed" busywait 30000 trio_complete
check "primary is the pre-existing $P0 (ifindex $(ifindex "$PRIMARY"), was $PIDX)" \
	[ "$PRIMARY" = "$P0" -a "$(ifindex "$PRIMARY")" = "$PIDX" ]
NIDX=$(ifindex "$MASTER")
check "master $MASTER is new (ifindex $NIDX, was $MIDX) and younger than the primary" \
	[ "$NIDX" != "$MIDX" -a "$NIDX" -gt "$PIDX" ]
check "primary $PRIMARY has carrier" busywait 20000 carrier "$PRIMARY"
check "master $MASTER has carrier" busywait 20000 carrier "$MASTER"

busywait 20000 ping_ok
stats "$PRIMARY"
eval "p0=\$TX_$PRIMARY"
ping_peer 100
dp=$(delta TX "$PRIMARY" "$p0")
check "peer -> master: $RECEIVED/$SENT replies, via the primary (tx +$dp)" \
	[ "$RECEIVED" -eq 100 -a "$dp" -ge 100 ]
ping_peer 20 "$GUEST_IP6"
check "IPv6: $RECEIVED/20 replies" [ "$RECEIVED" -eq 20 ]
finish
