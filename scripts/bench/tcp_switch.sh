#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP across a switch, against the lab in $LAB_ENV: an iperf3 stream from the
# peer to the guest, its headers captured on the peer's interface, while the
# primary is removed by the guest and rescanned (one run), and while it
# loses its carrier and gets it back (set_link, the next run).  Appends
# "tcp_..." events to OUT/events and failures to OUT/values, and leaves
# OUT/tcp-NAME-REP.pcap for tcpswitch.py (report.py reads them).
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            iperf3 -c, tcpdump          +--- tap-pri --- primary --+-- master (iperf3 -s)

OUT=$1
BDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$BDIR/../../tools/testing/selftests/drivers/net/failover/lib.sh"

REPS=${BENCH_REPS:-3}
EV=$OUT/events
VAL=$OUT/values
mkdir -p "$OUT"
touch "$EV" "$VAL"

# shellcheck disable=SC1091
source "$BDIR/benchlib.sh"
pcarrier() { [ "$PRIMARY" != - ] && carrier "$PRIMARY"; }
trap 'set_link true' EXIT

# tcp_run NAME REP EVENT1 ACTION1 EVENT2 ACTION2: a 15 s stream, ACTION1 4 s
# in, ACTION2 5 s after it.
tcp_run() {
	local f=$OUT/tcp-$1-$2 cap cli

	ip netns exec "$NS_PEER" tcpdump -i eth0 -s 96 -B 8192 -w "$f.pcap" "tcp port 5202" 2>"$f.tcpdump" &
	cap=$!
	busywait 10000 grep -q "listening on" "$f.tcpdump" || failed "tcp_$1" "tcpdump did not start"
	ip netns exec "$NS_PEER" timeout 60 iperf3 -c "$GUEST_IP" -p 5202 -t 15 >"$f.iperf" 2>&1 &
	cli=$!
	sleep 4
	ev "$3" "$2"
	eval "$4"
	sleep_until "$(ev_time "$3" "$2")" 5
	ev "$5" "$2"
	eval "$6"
	# a stream that stalls for good ends in an iperf3 error: the capture
	# says so (a stall to the window's end), so it is not a failure here
	wait "$cli" || echo "bench: $STACK: tcp_$1 run $2: $(tail -n 1 "$f.iperf")" >&2
	kill -INT "$cap"
	wait "$cap"
	if ! busywait 30000 trio_complete || ! busywait 20000 pcarrier; then
		failed "tcp_$1" "trio not whole with carrier after the run"
	fi
	# the next run starts from a switch that knows where the guest is
	busywait 10000 guest_ping_ok
}

guest "iperf3 -s -D -p 5202"
# shellcheck disable=SC2016
busywait 10000 eval '[ -n "$(guest "ss -Hltn sport = :5202")" ]' ||
	failed tcp_remove "no iperf3 server in the guest"
for ((i = 0; i < REPS; i++)); do
	roles
	bdf=$(pci_of "$PRIMARY")
	echo "bench: $STACK: TCP across removal and carrier loss, run $i" >&2
	tcp_run remove "$i" tcp_remove "guest 'echo 1 > /sys/bus/pci/devices/$bdf/remove'" \
		tcp_rescan "guest 'echo 1 > /sys/bus/pci/rescan'"
	roles
	tcp_run carrier "$i" tcp_cdown "set_link false" tcp_cup "set_link true"
done
guest "pkill -x iperf3"
