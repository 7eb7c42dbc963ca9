#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the lab, show the failover trio, run a 5 ms ping from the
# peer, remove the primary's PCI device and rescan it, and print a timeline of
# which lower device carried traffic and how many pings were lost.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#                                        +--- tap-pri --- primary --+-- master 198.18.0.1
#
# Stack: ours (STACK= picks another, e.g. STACK=stock).  Ours is built
# first; a failed build stops the demo with the compiler's lines.

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$REPO/tools/testing/selftests/drivers/net/failover

STACK=${STACK:-ours}
if [ "$STACK" = stock ]; then
	"$DIR/qemu/lab.sh" deps || exit 1
else
	"$DIR/qemu/lab.sh" build || exit 1
fi
export STACK
LAB_QUIET=1
export LAB_QUIET
T_BOOT=$(date +%s.%N)
source "$DIR/lib.sh"

EV=$LAB_DIR/demo-events
PING=$LAB_DIR/demo-ping.log
SAMPLES=$LAB_DIR/demo-samples
: >"$EV"
ev() { echo "$(date +%s.%N) $*" >>"$EV"; }
rel() { echo "$1 - $T0" | bc | awk '{printf "%6.2f", $1}'; }

roles
echo "== failover demo on stack: $STACK, kernel $(guest uname -r) (lab booted in $(echo "$(date +%s.%N) - $T_BOOT" | bc | cut -c1-4)s)"
echo "== the modules loaded (ours: /sys/module/M/version is $(cat "$REPO/VERSION"); Debian's have none):"
for kv in $STACK_PATHS; do
	m=${kv%%=*}
	read -r ver src < <(guest "cat /sys/module/$m/version 2>/dev/null || echo -; cat /sys/module/$m/srcversion" | paste -sd' ')
	[ "$ver" = "$(cat "$REPO/VERSION")" ] && who=ours || who=stock
	printf '   %-13s %-5s version %-7s srcversion %s  %s\n' "$m" "$who" "$ver" "$src" "${kv#*=}"
done
echo "== the trio, as the guest sees it (ip -br link, ethtool -i, sysfs):"
guest "for d in $MASTER $STANDBY $PRIMARY; do
	set -- \$(ip -br link show \$d)
	m=\$(basename \$(readlink /sys/class/net/\$d/master 2>/dev/null) 2>/dev/null)
	printf '   %-6s %-10s %s %-5s driver %-12s %s\\n' \$d \"\${m:+master=\$m}\" \$3 \$2 \
		\$(ethtool -i \$d | sed -n 's/^driver: //p') \
		\"\$(cat /sys/class/net/\$d/phys_port_name 2>/dev/null | sed 's/^/phys_port_name=/')\"
done"
echo "   roles: master $MASTER, standby $STANDBY, primary $PRIMARY (PCI $(pci_of "$PRIMARY"))"

T0=$(date +%s.%N)
# Not through peer(): ip netns exec execs ping, so $! is ping itself.
ip netns exec "$NS_PEER" ping -D -O -i 0.005 -W 1 -w 120 "$GUEST_IP" >"$PING" 2>&1 &
PING_PID=$!
# Host time, not the guest's: the emulated guest's clock drifts.
(while :; do
	line=$(guest "$G" sample) && echo "$(date +%s.%N) ${line#* }"
	sleep 0.2
done) >"$SAMPLES" 2>/dev/null &
SAMPLER=$!
ev "ping 5 ms from the peer starts"
sleep 3
bdf=$(pci_of "$PRIMARY")
ev ">> unplug: guest removes the primary's PCI device $bdf"
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
busywait 20000 primary_gone && ev "primary gone from the guest"
ev "UNPLUG_DONE"
sleep 4
ev ">> replug: guest rescans the PCI bus"
T_REPLUG=$(date +%s.%N)
guest "echo 1 > /sys/bus/pci/rescan"
busywait 30000 trio_complete && ev "primary $PRIMARY back and enslaved to $MASTER"
busywait 30000 carrier "$PRIMARY" && ev "primary $PRIMARY has carrier"
sleep 5
kill "$SAMPLER" 2>/dev/null
kill -INT "$PING_PID" 2>/dev/null
wait "$PING_PID" 2>/dev/null
ev "ping stops"

# Which lower device carried the replies, from the sampled tx counters.
awk 'NR > 1 {
	via = "none"
	if ($4 == p4 && $6 - p6 > 20) via = "primary " $4
	else if ($5 - p5 > 20) via = "standby " $3
	if (via != last) { print $1, "traffic via " via; last = via }
     }
     { p4 = $4; p5 = $5; p6 = $6 }' "$SAMPLES" >>"$EV"

echo "== timeline (seconds from the first ping)"
sort -n "$EV" | grep -v UNPLUG_DONE | while read -r t msg; do
	echo "  $(rel "$t")  $msg"
done
t_unplug=$(grep '>> unplug' "$EV" | cut -d' ' -f1)
stats=$(python3 "$DIR/qemu/pingstat.py" "$PING" 0.005 unplug="$t_unplug" replug="$T_REPLUG")
echo "== pings (5 ms interval)"
echo "$stats" | sed -e 's/^phase before/  steady     /' -e 's/^phase unplug/  unplug     /' \
	-e 's/^phase replug/  replug     /' -e 's/^total/  total      /' \
	-e 's/longest_gap_ms \([0-9]*\)/longest gap \1 ms/'
echo "== logs: $LAB_DIR"
