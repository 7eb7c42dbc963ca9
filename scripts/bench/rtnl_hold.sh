#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How long the failover stack's event paths run, most of them under RTNL,
# timed in the guest by function_graph on the entry points alone (no other
# function is patched): the core's and net_failover's netdev notifiers, and
# net_failover's PCI bus notifier with the part of it that holds RTNL
# (net_failover_primary_closing).  Stock has only the core's notifier.
#
# Scenarios, REPS times each, with the peer pinging the guest every 5 ms:
#   flap     QMP set_link off/on on the primary's host link
#   rescan   the guest removes the primary's PCI function and rescans
#   unbind   a hot-plugged virtio-rng-pci function is unbound from
#            virtio-pci and bound again: an unbind that is no primary's
#            (what every PCI unbind in the system costs net_failover)
#
# Per scenario and repeat, appends to $1 (bench.sh: the stack's values
# file; default: standard output only) and prints
#   rtnl_SCENARIO REP US      the longest call of the functions that run
#                             under RTNL (the notifiers; of the bus
#                             notifier, net_failover_primary_closing)
#   unbind_SCENARIO REP US    the longest PCI bus notifier call, whole
#   rtnl_fn SCENARIO REP FUNCTION CALLS MAX_US   each function's figures
# Run on one STACK (default ours).  TCG-emulated figures: compare stacks and
# trees measured in one run.

source "$(dirname "$0")/../../tools/testing/selftests/drivers/net/failover/lib.sh"

REPS=${BENCH_REPS:-3}
OUTF=${1:-/dev/null}
TR=/sys/kernel/tracing
FUNCS="failover_event net_failover_netdev_event net_failover_bus_event net_failover_primary_closing"

set_link() {
	qmp "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"npri\",\"up\":$1}}" >/dev/null
}

trace_start() {
	guest "echo 0 > $TR/tracing_on; echo nop > $TR/current_tracer; : > $TR/set_ftrace_filter
for f in $FUNCS; do echo \$f >> $TR/set_ftrace_filter 2>/dev/null; done
echo 1 > $TR/options/funcgraph-tail; echo function_graph > $TR/current_tracer
: > $TR/trace; echo 1 > $TR/tracing_on"
}

# trace_take SCENARIO REP: the figures of one repeat
trace_take() {
	guest "echo 0 > $TR/tracing_on; cat $TR/trace" | awk -v s="$1" -v r="$2" '
	/ us +\|/ {
		d = $0; sub(/ us +\|.*/, "", d); sub(/.*[^0-9.]/, "", d)
		f = $0; sub(/.*\| */, "", f)
		if (f ~ /^\} \/\* /) { sub(/^\} \/\* /, "", f); sub(/ .*/, "", f) }
		else if (f ~ /\(\);$/) { sub(/[ (].*/, "", f) }
		else next
		n[f]++; if (d + 0 > m[f]) m[f] = d + 0
	}
	END {
		for (f in n) {
			printf "rtnl_fn %s %s %s %d %.0f\n", s, r, f, n[f], m[f]
			if (f != "net_failover_bus_event" && m[f] > rtnl)
				rtnl = m[f]
		}
		printf "rtnl_%s %s %.0f\n", s, r, rtnl
		printf "unbind_%s %s %.0f\n", s, r, m["net_failover_bus_event"]
	}' | tee -a "$OUTF"
}

if ! trio_whole; then
	echo "bench: rtnl_hold: trio not complete ($MASTER $STANDBY $PRIMARY)" >&2
	exit 1
fi
peer ping -q -i 0.005 -W 1 "$GUEST_IP" >/dev/null 2>&1 &
ping_pid=$!
cleanup() {
	kill "$ping_pid" 2>/dev/null
	set_link true
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

for ((i = 0; i < REPS; i++)); do
	trace_start
	set_link false
	busywait 10000 eval '! carrier "$PRIMARY"'
	sleep 0.5
	set_link true
	busywait 10000 carrier "$PRIMARY"
	busywait 10000 guest_ping_ok
	trace_take flap "$i"
done

for ((i = 0; i < REPS; i++)); do
	trace_start
	primary_remove && primary_rescan
	trace_take rescan "$i"
done

# an unrelated PCI function, hot-plugged: virtio-pci binds it with or
# without a virtio driver for it
qmp '{"execute":"device_add","arguments":{"driver":"virtio-rng-pci","id":"rng0","bus":"rp2"}}' >/dev/null
rng_bdf() {
	RNG=$(guest "grep -lx 0x1044 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname | xargs -r basename")
	[ -n "$RNG" ]
}
busywait 20000 rng_bdf
for ((i = 0; i < REPS; i++)); do
	trace_start
	guest "echo $RNG > /sys/bus/pci/drivers/virtio-pci/unbind; echo $RNG > /sys/bus/pci/drivers/virtio-pci/bind" >/dev/null
	trace_take unbind "$i"
done
qmp '{"execute":"device_del","arguments":{"id":"rng0"}}' >/dev/null
guest "echo nop > $TR/current_tracer; : > $TR/set_ftrace_filter" >/dev/null
