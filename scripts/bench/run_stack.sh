#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One stack's half of `make bench`: runs every measurement against the lab in
# $LAB_ENV and writes raw data to $1 (bench.sh boots the lab, analyze.py
# turns the raw data into numbers).
#
#   OUT/events   "EPOCH NAME REP" marks for the stream analysis
#   OUT/values   "METRIC REP VALUE" direct measurements, "fail METRIC REASON"
#   OUT/stream   stream.py echo output, OUT/taps the tap counters
#
# Order: scale module, pktgen (master vs primary), then under a 1000/s echo
# stream from the peer: carrier loss (set_link), PCI remove/rescan, QEMU's
# planned unplug (cancelled migration) and a live migration (bare mode),
# then iperf3 on the standby path, a TCP stream across removal and carrier
# loss, and pktgen through a bond.

OUT=$1
BDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$BDIR/../../tools/testing/selftests/drivers/net/failover/lib.sh"

REPS=${BENCH_REPS:-3}
SCALE_N=${BENCH_SCALE_N:-4096}
RATE=1000
WIN=8		# seconds measured after a replug, rescan or migration
EV=$OUT/events
VAL=$OUT/values
STREAM_PID=
TAPS_PID=
mkdir -p "$OUT"
: >"$EV"
: >"$VAL"

val() { echo "$*" >>"$VAL"; }
# shellcheck disable=SC1091
source "$BDIR/benchlib.sh"
log() { echo "bench: $STACK: $*" >&2; }

BARE=
g() { if [ -n "$BARE" ]; then guest "@$*"; else guest "$*"; fi; }
troles() { if [ -n "$BARE" ]; then bare_roles; else roles; fi; }
tcomplete() { troles; [ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" != - ]; }
pcarrier() { [ "$PRIMARY" != - ] && [ "$(g cat /sys/class/net/"$PRIMARY"/carrier 2>/dev/null)" = 1 ]; }
# flowing: the peer got a reply in the last 300 ms
flowing() {
	local last

	read -r last _ 2>/dev/null <"$OUT/stream.status" || return 1
	[ "$(echo "$(date +%s.%N) - $last < 0.3" | bc)" = 1 ]
}
# settle: the guest sends once (the switch learns where it is), then the
# stream must flow; whatever a stack left broken is repaired here, outside
# the measured windows.
settle() {
	local i

	for i in 1 2 3 4 5; do
		g "ping -c 1 -W 1 $PEER_IP" >/dev/null 2>&1
		busywait 2000 flowing && return 0
	done
	log "stream not flowing after repair"
	return 1
}

stop_stream() {
	[ -n "$STREAM_PID" ] && kill -INT "$STREAM_PID" 2>/dev/null && wait "$STREAM_PID" 2>/dev/null
	[ -n "$TAPS_PID" ] && kill -INT "$TAPS_PID" 2>/dev/null && wait "$TAPS_PID" 2>/dev/null
	STREAM_PID=
	TAPS_PID=
}
trap 'stop_stream; set_link true' EXIT

roles
if ! trio_complete; then
	failed all "trio incomplete after boot ($MASTER $STANDBY $PRIMARY)"
	exit 1
fi
PMAC=$(peer cat /sys/class/net/eth0/address)

# ---- 6. pairing scale -----------------------------------------------------
# The module is copied to the writable share: the host root is mounted with
# cache=loose, which may serve a stale copy of a rebuilt file.
if [ -f "$BDIR/failover_scale.ko" ]; then
	cp "$BDIR/failover_scale.ko" "$LAB_DIR/share/failover_scale.ko"
	log "pairing scale: 1 and $SCALE_N instances"
	r1=$(GUEST_TIMEOUT=600 guest "dmesg -n 1; insmod /tmp/lab/failover_scale.ko &&
		echo '1 11' > /sys/kernel/debug/failover_scale/run &&
		cat /sys/kernel/debug/failover_scale/result")
	rn=$(GUEST_TIMEOUT=900 guest "echo '$SCALE_N 11' > /sys/kernel/debug/failover_scale/run &&
		cat /sys/kernel/debug/failover_scale/result")
	# with 8 deny rules on every master (our core's; stock has none)
	rnr=$(GUEST_TIMEOUT=900 guest "echo '$SCALE_N 11 1' > /sys/kernel/debug/failover_scale/run &&
		cat /sys/kernel/debug/failover_scale/result")
	r1r=$(GUEST_TIMEOUT=900 guest "echo '1 11 1' > /sys/kernel/debug/failover_scale/run &&
		cat /sys/kernel/debug/failover_scale/result")
	GUEST_TIMEOUT=600 guest "rmmod failover_scale; dmesg -n 7"
	echo "$r1" >"$OUT/scale-1"
	echo "$rn" >"$OUT/scale-n"
	echo "$r1r" >"$OUT/scale-1r"
	echo "$rnr" >"$OUT/scale-nr"
	for f in 1 n 1r nr; do
		line=$(cat "$OUT/scale-$f")
		case $line in
		instances*) val "scale_$f $line" ;;
		*) failed "scale_$f" "failover_scale: ${line:-no result}" ;;
		esac
	done
else
	failed scale_1 "failover_scale.ko not built"
fi

# ---- 4. pktgen: master vs the primary itself ------------------------------
cp "$BDIR/pktgen.sh" "$LAB_DIR/share/pktgen.sh"

pktgen() { # pktgen METRIC DEV REP
	local r

	r=$(guest "bash /tmp/lab/pktgen.sh $2 $PEER_IP $PMAC 60 0 2")
	r=${r##* }
	if [ -n "$r" ] && [ "$r" -gt 0 ] 2>/dev/null; then
		val "$1 $3 $r"
	else
		failed "$1" "pktgen on $2: ${r:-no result}"
	fi
}
log "pktgen: master $MASTER vs primary $PRIMARY"
# pktgen is the noisiest measurement on a shared host: more, short repeats
PG_REPS=$((REPS + 2))
for ((i = 0; i < PG_REPS; i++)); do
	pktgen pktgen_master "$MASTER" "$i"
	pktgen pktgen_direct "$PRIMARY" "$i"
done

# ---- the stream -------------------------------------------------------------
ip netns exec "$NS_PEER" chrt -r 1 python3 "$BDIR/stream.py" echo "$GUEST_IP" $RATE \
	"$OUT/stream" "$OUT/stream.status" &
STREAM_PID=$!
ip netns exec "$NS_SW" chrt -r 1 python3 "$BDIR/stream.py" taps "$OUT/taps" \
	tap-sby tap-pri tap-sby2 tap-pri2 &
TAPS_PID=$!
busywait 10000 flowing || settle || failed stream "no echo replies in steady state"

# ---- 3. carrier loss ----------------------------------------------------------
log "carrier loss x$REPS"
for ((i = 0; i < REPS; i++)); do
	settle
	sleep 1
	ev carrier_down "$i"
	set_link false
	sleep 5
	ev carrier_up "$i"
	set_link true
	sleep 5
	ev carrier_end "$i"
	busywait 10000 pcarrier || failed carrier "primary has no carrier 15 s after set_link up"
done

# ---- 2, 7. PCI remove and rescan ---------------------------------------------------
log "PCI remove/rescan x$REPS"
for ((i = 0; i < REPS; i++)); do
	settle
	troles
	bdf=$(pci_of "$PRIMARY")
	ev remove "$i"
	g "echo 1 > /sys/bus/pci/devices/$bdf/remove"
	busywait 20000 primary_gone || failed rescan "primary still there after PCI remove"
	sleep_until "$(ev_time remove "$i")" 5
	ev remove_end "$i"
	# the return is measured from a working path (via the standby)
	settle
	sleep 1
	ev rescan "$i"
	# In the guest: rescan (probes the e1000 synchronously), then poll until
	# the primary is enslaved and has carrier, with shell builtins only (a
	# fork costs tens of ms here); times are the guest's own.
	# shellcheck disable=SC2016
	r=$(GUEST_TIMEOUT=60 guest "M=$MASTER S=$STANDBY; "'
		rm -f /tmp/bench.fifo; mkfifo /tmp/bench.fifo; exec 9<>/tmp/bench.fifo
		t0=$EPOCHREALTIME; echo 1 > /sys/bus/pci/rescan; t1=$EPOCHREALTIME
		p=-; te=; c=0
		for ((n = 0; n < 1000; n++)); do
			if [ "$p" = - ]; then
				for l in /sys/class/net/$M/lower_*; do
					[ -e "$l" ] && [ "$l" != "/sys/class/net/$M/lower_$S" ] && p=${l##*/lower_}
				done
				[ "$p" != - ] && te=$EPOCHREALTIME
			fi
			[ "$p" != - ] && { read -r c </sys/class/net/$p/carrier; } 2>/dev/null && [ "$c" = 1 ] && break
			read -r -t 0.01 -u 9
		done
		tc=$EPOCHREALTIME
		ms() { echo $(( (${1/./} - ${t0/./}) / 1000 )); }
		echo $(ms $t1) $(ms ${te:-$tc}) $(ms $tc) $p $c')
	read -r probe_ms enslave_ms carrier_ms newp newc <<<"$r"
	if [ "${newp:--}" = - ] || [ "$newc" != 1 ]; then
		failed trio_enslaved "primary not enslaved with carrier 10 s after rescan ($r)"
	else
		val "trio_probe_ms $i $probe_ms"
		val "trio_enslaved_ms $i $enslave_ms"
		val "trio_carrier_ms $i $carrier_ms"
	fi
	sleep_until "$(ev_time rescan "$i")" "$WIN"
	ev rescan_end "$i"
done

# ---- 1, 2. QEMU's planned unplug: a cancelled migration ---------------------------
log "bare mode"
settle
if bare_enter >/dev/null; then
	BARE=1
else
	failed planned "cannot enter bare mode"
fi
mig_status() { migrate_status; }
if [ -n "$BARE" ]; then
	log "cancelled migration x$REPS"
	for ((i = 0; i < REPS; i++)); do
		settle
		sleep 1
		qmp '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":4096}}' >/dev/null
		ev mc_start "$i"
		qmp '{"execute":"migrate","arguments":{"uri":"exec:cat > /dev/null"}}' >/dev/null
		st=
		for ((k = 0; k < 600; k++)); do
			st=$(mig_status)
			[ "$st" = active ] && break
			sleep 0.05
		done
		ev mc_unplugged "$i"
		[ "$st" = active ] || failed planned "migration never became active ($st): no unplug"
		sleep 1
		ev mc_cancel "$i"
		qmp '{"execute":"migrate_cancel"}' >/dev/null
		# shellcheck disable=SC2016
		busywait 30000 eval '[ "$(mig_status)" = cancelled ]'
		qmp '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":134217728}}' >/dev/null
		sleep_until "$(ev_time mc_cancel "$i")" "$WIN"
		ev mc_end "$i"
		if ! busywait 30000 tcomplete || ! busywait 20000 pcarrier; then
			failed planned "primary not back with carrier after migrate_cancel"
		fi
	done

	# ---- 8. live migration ------------------------------------------------
	log "live migration"
	settle
	sleep 1
	ev live_start 0
	if migrate_live >"$OUT/migrate.log" 2>&1; then
		ev live_done 0
		val "live_downtime_ms 0 $MIGRATE_DOWNTIME_MS"
	else
		ev live_done 0
		failed live "$(tail -n 1 "$OUT/migrate.log")"
	fi
	sleep "$WIN"
	ev live_end 0
	if ! busywait 30000 tcomplete || ! busywait 20000 pcarrier; then
		failed live "trio not whole on the destination"
	fi
	bare_leave >/dev/null || failed live "cannot leave bare mode"
	BARE=
	busywait 20000 trio_complete
fi
settle
stop_stream

# ---- 5. iperf3 on the standby path ----------------------------------------------------
log "iperf3 on the standby path"
roles
bdf=$(pci_of "$PRIMARY")
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
busywait 20000 primary_gone || failed iperf "primary still there"
busywait 10000 guest_ping_ok
iperf() { # iperf METRIC REP [-R]
	local r

	ip netns exec "$NS_PEER" timeout 30 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	sleep 0.5
	r=$(GUEST_TIMEOUT=60 guest "iperf3 -c $PEER_IP -p 5201 -t 3 -O 1 $3 -J" |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null)
	wait
	if [ -n "$r" ]; then val "$1 $2 $r"; else failed "$1" "iperf3 gave no result"; fi
}
for ((i = 0; i < REPS; i++)); do
	iperf iperf_tx "$i"
	iperf iperf_rx "$i" -R
done
guest "echo 1 > /sys/bus/pci/rescan"
busywait 30000 trio_complete

# ---- 11. TCP across a switch ---------------------------------------------------------
log "TCP across a switch x$REPS"
"$BDIR/tcp_switch.sh" "$OUT" 2>&1 | grep '^bench:' >&2

# ---- 4. pktgen through a bond over the same e1000 --------------------------------------
# The bond needs the e1000 free: unload the failover stack (the standby
# virtio-net goes with it), then enslave the e1000 alone.
log "pktgen: bond active-backup vs the e1000 itself"
roles
E1000=$PRIMARY
r=$(guest "rmmod virtio_net net_failover failover 2>&1; modprobe bonding max_bonds=0 &&
	ip link add bench-bond type bond mode active-backup miimon 100 &&
	ip link set $E1000 down && ip link set $E1000 master bench-bond &&
	ip link set bench-bond up && ip link set $E1000 up && echo ok")
if [ "${r##*$'\n'}" = ok ]; then
	busywait 10000 carrier bench-bond
	for ((i = 0; i < PG_REPS; i++)); do
		pktgen pktgen_bond bench-bond "$i"
		pktgen pktgen_bond_direct "$E1000" "$i"
	done
else
	failed pktgen_bond "bond setup: $r"
fi
log "done"
