#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iperf3 TCP, our virtio_net against Debian's, side by side in ONE guest
# boot: the virtio_net module is swapped (rmmod, insmod) between runs, in
# ABBA order (stock ours, ours stock, ...), so that both drivers see the same
# guest, the same host load and the same drift.  Debian's failover and
# net_failover serve both.  The primary's PCI device is removed first, so the
# master's traffic rides the standby (virtio-net) alone.
#
# Each run: guest -> peer (tx) and peer -> guest (rx, -R), AB_SECS seconds
# after a 1 s warm-up that is not counted.  Prints every run, the virtio
# interrupts the guest took per run, the medians, the ratio of the medians
# and the median of the per-round ratios (each driver against the stock run
# of the same round), which the host's drifting load disturbs least.
#
#   AB_ROUNDS=4   rounds (each round runs every driver once)
#   AB_SECS=5     seconds measured per iperf3 run
#   AB_OUT=FILE   also append the "AB ..." result lines to FILE
#   AB_EXTRA="NAME=KO ..."  more drivers in the rotation (say, a build of
#                 an older commit), each compared with stock as well
#
# Runs against $LAB_ENV, or boots a lab of its own (STACK=virtio_net=ours).

export STACK=${STACK:-virtio_net=ours}
BDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$BDIR/../../tools/testing/selftests/drivers/net/failover/lib.sh"

ROUNDS=${AB_ROUNDS:-4}
SECS=${AB_SECS:-5}
IPERF_PID=$LAB_DIR/virtio_ab-iperf3.pid
RES=$LAB_DIR/virtio_ab.txt
OURS_KO=$REPO/drivers/net/virtio_net.ko
STOCK_KO=$( (source "$LAB" && stack_paths stock) | tr ' ' '\n' |
	sed -n 's/^virtio_net=//p')

cleanup() {
	trap - EXIT
	[ -s "$IPERF_PID" ] && kill "$(cat "$IPERF_PID")" 2>/dev/null
	[ -n "$REMOVED" ] && guest "echo 1 > /sys/bus/pci/rescan" >/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
REMOVED=
trap cleanup EXIT

say() { echo "$*" | tee -a "$RES" ${AB_OUT:+"$AB_OUT"}; }

[ -f "$OURS_KO" ] || { echo "no $OURS_KO: run make"; exit 1; }
[ -n "$STOCK_KO" ] || { echo "no stock virtio_net"; exit 1; }
: >"$RES"

# use KO: that virtio_net in place of the loaded one; the master comes back
# up with the lab's address and carrier, and the guest reaches the peer.
use() {
	local out

	out=$(GUEST_TIMEOUT=90 guest "rmmod virtio_net 2>/dev/null; insmod $1 || exit 1
		for i in \$(seq 300); do
			read -r m s p <<<\"\$($G roles)\"
			[ \"\$m\" != - ] && break
			sleep 0.1
		done
		[ \"\$m\" != - ] || { echo no master; exit 1; }
		ip link set \$m up && ip addr replace $GUEST_IP/24 dev \$m || exit 1
		for i in \$(seq 300); do
			[ \"\$(cat /sys/class/net/\$m/carrier)\" = 1 ] && break
			sleep 0.1
		done
		echo \$m \$s \$p" 2>&1) || { echo "swap to $1 failed: $out"; return 1; }
	read -r MASTER STANDBY PRIMARY <<<"$out"
	busywait 20000 guest_ping_ok
}

virtio_irqs() {
	guest "awk '/virtio[0-9]*-(input|output)/ { for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) n += \$i } END { print n + 0 }' /proc/interrupts"
}

# run NAME DIR [-R]: one iperf3 run; prints the Mbit/s received.
run() {
	local mbps i0 i1

	i0=$(virtio_irqs)
	mbps=$(GUEST_TIMEOUT=$((SECS + 40)) guest "iperf3 -c $PEER_IP -t $SECS -O 1 -J --connect-timeout 5000 $3" |
		python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null)
	i1=$(virtio_irqs)
	say "AB run round=$r driver=$1 dir=$2 mbps=${mbps:-0} virtio_irqs=$((i1 - i0))"
}

roles
bdf=$(pci_of "$PRIMARY")
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
REMOVED=1
busywait 20000 primary_gone || { echo "primary $PRIMARY not removed"; exit 1; }
peer iperf3 -s -D -B "$PEER_IP" --pidfile "$IPERF_PID" >/dev/null 2>&1
busywait 5000 test -s "$IPERF_PID" || { echo "no iperf3 server"; exit 1; }

declare -A KO=([stock]=$STOCK_KO [ours]=$OURS_KO)
names="stock ours"
for kv in ${AB_EXTRA:-}; do
	KO[${kv%%=*}]=${kv#*=}
	names="$names ${kv%%=*}"
done
say "AB drivers: $(for n in $names; do printf '%s=%s ' "$n" "${KO[$n]}"; done)"
for ((r = 0; r < ROUNDS; r++)); do
	# forwards, then backwards: each driver's mean position is the same
	if ((r % 2)); then order=$(echo "$names" | tr ' ' '\n' | tac | paste -sd' '); else order=$names; fi
	for d in $order; do
		use "${KO[$d]}" || exit 1
		run "$d" tx
		run "$d" rx -R
	done
done

# back to the stack the lab booted with
# shellcheck disable=SC2086
use "$(echo " $STACK_PATHS" | tr ' ' '\n' | sed -n 's/^virtio_net=//p')" || exit 1

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { # med DRIVER DIR
	sed -n "s/^AB run round=[0-9]* driver=$1 dir=$2 mbps=\\([0-9.]*\\).*/\\1/p" "$RES" | median
}
# pairs DRIVER DIR: DRIVER/stock of each round; the host's load drifts
# (a shared machine: 2x within minutes), runs next to each other see about
# the same load, so the median of these is the robust figure.
pairs() {
	awk -v d="$1" -v dir="$2" '$1 == "AB" && $2 == "run" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["dir"] != dir) next
		if (f["driver"] == d) o[f["round"]] = f["mbps"]
		if (f["driver"] == "stock") s[f["round"]] = f["mbps"]
	} END { for (r in o) if (s[r] > 0) printf "%.3f\n", o[r] / s[r] }' "$RES"
}
for dir in tx rx; do
	s=$(med stock $dir)
	for d in ${names#stock }; do
		o=$(med "$d" $dir)
		say "AB median dir=$dir stock=$s $d=$o ratio_of_medians=$(awk -v o="$o" -v s="$s" 'BEGIN { if (s > 0) printf "%.2f", o / s; else print "nan" }') per_round_${d}_stock=$(pairs "$d" $dir | sort -n | paste -sd,) median_per_round=$(pairs "$d" $dir | median)"
	done
done
exit 0
