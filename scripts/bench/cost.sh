#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cost.sh OUT: cost per packet in guest kernel instructions, for one stack,
# against a lab booted with LAB_INSNCOUNT (insncount.so counts what the
# guest executes; see insncount.c).  Writes "METRIC REP VALUE" lines to
# OUT/values (instructions per packet) and "fail METRIC REASON" lines.
#
# Transmit: pktgen (queue_xmit, the qdisc path senders use) sends N1 and
# then N2 frames.  With QEMU's icount (ICOUNT=shift=S, bench.sh's default)
# the guest's clock counts its instructions while it is busy, so pktgen's
# own rate gives the cost: 10^9 / (2^S * packets/s), everything the guest
# ran per packet, ticks and interrupts included, whatever the host's load.
# Without it, and always as METRIC_count, the cost is the kernel
# instructions of the second run minus the first over N2 - N1, so that the
# agent's command and pktgen's setup cancel out.  Receive: the peer sends UDP at RX_RATE/s to an address the
# guest does not have, with the guest's MAC (dropped after the route
# lookup, forwarding being off); rxcost.py takes the median over short
# slices of the kernel instructions less the idle rate, per frame.  The
# rate is low (300/s) so that each frame is handled on its own, after the
# CPU wakes from idle: at 1000/s and more, how frames and timer ticks fall
# together changed the cost by up to 10% between runs; at 300/s it repeats
# within 1% on a quiet host.
#
# Order: the trio (master vs the primary), again with every host core busy
# (BENCH_COST_LOAD=1, the default), the standby path (primary removed),
# then the stack unloaded: the e1000 alone and in a bond.

OUT=$1
BDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$BDIR/../../tools/testing/selftests/drivers/net/failover/lib.sh"

REPS=${BENCH_COST_REPS:-5}
N1=${BENCH_COST_N1:-20000}
N2=${BENCH_COST_N2:-100000}
RX_RATE=${BENCH_COST_RX_RATE:-300}
RX_SECS=${BENCH_COST_RX_SECS:-4}
SINK=198.18.0.77
VAL=$OUT/values
mkdir -p "$OUT"
: >"$VAL"

val() { echo "$*" >>"$VAL"; }
failed() {
	local why="${*:2}"

	why=${why//$'\n'/ }
	echo "fail $1 $why" >>"$VAL"
	echo "bench: $STACK: $1 failed: $why" >&2
}
log() { echo "bench: $STACK: $*" >&2; }

if [ -z "$INSNS" ] || [ ! -f "$INSNS" ]; then
	failed cost "lab booted without LAB_INSNCOUNT"
	exit 1
fi
# icount's shift: each guest instruction is 2^SHIFT ns of guest time
SHIFT=$(sed -n 's/.*shift=\([0-9]*\).*/\1/p' <<<"$ICOUNT")
# kernel instructions so far
kinsns() { od -An -t u8 -N8 "$INSNS" | tr -d ' '; }

PMAC=$(peer cat /sys/class/net/eth0/address)
cp "$BDIR/pktgen.sh" "$LAB_DIR/share/pktgen.sh"
guest "modprobe pktgen" || { failed cost "no pktgen in the guest"; exit 1; }

# tx METRIC DEV SIZE REP
tx() {
	local a b c r1 r2 count t0 t1 t2

	a=$(kinsns) t0=$(date +%s.%N)
	r1=$(guest "bash /tmp/lab/pktgen.sh $2 $PEER_IP $PMAC $3 $N1")
	b=$(kinsns) t1=$(date +%s.%N)
	r2=$(guest "bash /tmp/lab/pktgen.sh $2 $PEER_IP $PMAC $3 $N2")
	c=$(kinsns) t2=$(date +%s.%N)
	if [ "${r1% *}" != "$N1 0" ] || [ "${r2% *}" != "$N2 0" ]; then
		failed "$1" "pktgen on $2: sent, errors, pps '$r1' '$r2'"
		return
	fi
	count=$(echo "scale=1; ($c - $b - $b + $a) / ($N2 - $N1)" | bc)
	val "$1_count $4 $count"
	if [ -n "$SHIFT" ]; then
		val "$1 $4 $(echo "scale=1; 10^9 / (2^$SHIFT * ${r2##* })" | bc)"
	else
		val "$1 $4 $count"
	fi
	# pktgen's rate (in guest time), and the host's wall-clock one
	val "$1_pps $4 ${r2##* }"
	val "$1_wallpps $4 $(echo "($N2 - $N1) / ($t2 - $t1 - $t1 + $t0)" | bc)"
}

rx_packets() { guest "cat /sys/class/net/$1/statistics/rx_packets"; }
# rx METRIC DEV REP: DEV is the device that counts the frames
rx() {
	local p0 p1 cost n

	# the bridge must know which tap the MAC is behind now
	g_ping_peer
	p0=$(rx_packets "$2")
	read -r cost _ n < <(ip netns exec "$NS_PEER" python3 "$BDIR/rxcost.py" \
		"$INSNS" $SINK "$RX_RATE" "$RX_SECS")
	p1=$(rx_packets "$2")
	if [ -z "$cost" ] || [ -z "$p0" ] || [ -z "$p1" ] || [ $((p1 - p0)) -lt "$n" ]; then
		failed "$1" "$2 received $((p1 - p0)) of ${n:-?} frames"
		return
	fi
	val "$1 $3 $cost"
}
g_ping_peer() { guest "ping -c 1 -W 1 $PEER_IP" >/dev/null 2>&1; }

# shellcheck disable=SC2153 # MAC: the trio's, from the lab's env
ip -n "$NS_PEER" neigh replace $SINK lladdr "$MAC" dev eth0 nud permanent
guest "sysctl -qw net.ipv4.ip_forward=0"

roles
if ! trio_complete; then
	failed cost "trio incomplete ($MASTER $STANDBY $PRIMARY)"
	exit 1
fi
log "cost: master $MASTER vs primary $PRIMARY"
for ((i = 0; i < REPS; i++)); do
	tx tx64_master "$MASTER" 60 "$i"
	tx tx64_direct "$PRIMARY" 60 "$i"
	tx tx1514_master "$MASTER" 1514 "$i"
	tx tx1514_direct "$PRIMARY" 1514 "$i"
	rx rx_master "$PRIMARY" "$i"
done

# The same with every host core busy, to show what load does: the
# wall-clock rates fall; the kernel's count across a run rose 13% through
# the master when first measured (more ticks and interrupts per packet on
# the host's clock); the icount figure moved 0.3%.
if [ "${BENCH_COST_LOAD:-1}" = 1 ]; then
	log "cost: the same with every host core busy"
	LOAD_PIDS=
	for ((c = 0; c < $(nproc); c++)); do
		(while :; do :; done) &
		LOAD_PIDS="$LOAD_PIDS $!"
	done
	trap '[ -n "$LOAD_PIDS" ] && kill $LOAD_PIDS 2>/dev/null' EXIT
	for ((i = 0; i < REPS; i++)); do
		tx tx64_master_loaded "$MASTER" 60 "$i"
		tx tx64_direct_loaded "$PRIMARY" 60 "$i"
		rx rx_master_loaded "$PRIMARY" "$i"
	done
	# shellcheck disable=SC2086
	{ kill $LOAD_PIDS; wait $LOAD_PIDS 2>/dev/null; }
	LOAD_PIDS=
fi

log "cost: the standby path ($STANDBY, primary removed)"
bdf=$(pci_of "$PRIMARY")
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
if busywait 20000 primary_gone; then
	for ((i = 0; i < REPS; i++)); do
		tx tx64_vmaster "$MASTER" 60 "$i"
		tx tx64_virtio "$STANDBY" 60 "$i"
		tx tx1514_virtio "$STANDBY" 1514 "$i"
		rx rx_vmaster "$STANDBY" "$i"
	done
else
	failed tx64_virtio "primary still there after PCI remove"
fi
guest "echo 1 > /sys/bus/pci/rescan"
busywait 30000 trio_complete

# The e1000 alone and in a bond: the stack unloaded (the standby goes with
# it), the e1000 given the master's address so that receive takes the same
# route lookup.
log "cost: the e1000 alone, and in an active-backup bond"
roles
E1000=$PRIMARY
r=$(guest "rmmod virtio_net net_failover failover 2>&1; ip addr add $GUEST_IP/24 dev $E1000 &&
	ip link set $E1000 up && echo ok")
if [ "${r##*$'\n'}" = ok ] && busywait 10000 carrier "$E1000"; then
	for ((i = 0; i < REPS; i++)); do
		tx tx64_alone "$E1000" 60 "$i"
		rx rx_alone "$E1000" "$i"
	done
else
	failed rx_alone "e1000 alone: $r"
fi
r=$(guest "ip addr flush dev $E1000; modprobe bonding max_bonds=0 &&
	ip link add cost-bond type bond mode active-backup miimon 100 &&
	ip link set $E1000 down && ip link set $E1000 master cost-bond &&
	ip link set cost-bond up && ip link set $E1000 up &&
	ip addr add $GUEST_IP/24 dev cost-bond && echo ok")
if [ "${r##*$'\n'}" = ok ] && busywait 10000 carrier cost-bond; then
	for ((i = 0; i < REPS; i++)); do
		tx tx64_bond cost-bond 60 "$i"
		tx tx64_bond_direct "$E1000" 60 "$i"
		tx tx1514_bond cost-bond 1514 "$i"
		tx tx1514_bond_direct "$E1000" 1514 "$i"
		rx rx_bond "$E1000" "$i"
	done
else
	failed tx64_bond "bond setup: $r"
fi
log "cost: done"
