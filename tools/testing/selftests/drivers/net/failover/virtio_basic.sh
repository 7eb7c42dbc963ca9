#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The virtio-net data path itself, with the trio's traffic on the standby
# (the primary's PCI device is removed first and rescanned at the end):
# ping both ways, iperf3 TCP guest -> peer and peer -> guest (non-zero
# throughput, printed in Mbit/s), jumbo frames at MTU 9000 (DF pings of 9000
# bytes both ways and a TCP transfer; the bridge port, the standby's tap and
# the peer's veth get MTU 9000 for it), checksum/SG/TSO offload switched off
# and on with ethtool -K on the standby with traffic still flowing, and TSO
# (GSO) on: a large TCP transfer leaves the driver as multi-segment packets
# (standby tx bytes per packet above the MTU), and receive coalescing by the
# device switched off and on with ethtool -K rx-gro-hw (frames above the MTU
# only while it is on), and smaller rings (ethtool -G) carrying traffic.  Everything is restored: MTU 1500 everywhere, the
# standby's offload features, the primary.
#
# The lab's virtio device has no host_mtu (no VIRTIO_NET_F_MTU): with it the
# standby would start at MTU 9000 and cap at 9000, which changes what mtu.sh
# and the rest of the suite see.  MTU 9000 works without it.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#            iperf3 -s                   +--- tap-pri -X- (removed) +-- master 198.18.0.1
#                                                                       iperf3 -c

source "$(dirname "$0")/lib.sh"

SPLAT='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|unregister_netdevice: waiting|general protection|kernel BUG|Call Trace:'
IPERF_PID=$LAB_DIR/virtio_basic-iperf3.pid
FEATS="tx-checksumming scatter-gather tcp-segmentation-offload"
JUMBO=
REMOVED=
F0=
GH=
RING=

# feats DEV: "name=on/off ..." of $FEATS ([fixed] dropped).
feats() {
	guest "ethtool -k $1" | awk -v want="$FEATS" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) k[w[i]] = 1 }
		{ sub(":", "", $1) } ($1 in k) { v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%s=%s ", w[i], v[w[i]]; print "" }'
}

# iperf ARGS...: guest iperf3 client to the peer; prints Mbit/s received
# (0 on failure) and keeps the client's output in $LAB_DIR.
iperf() {
	local out

	out=$(GUEST_TIMEOUT=60 guest "iperf3 -c $PEER_IP -J --connect-timeout 5000 $*" 2>&1)
	echo "$out" >>"$LAB_DIR/virtio_basic-iperf3.json"
	echo "$out" | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
    print("%.1f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print(0)'
}
nonzero() { awk -v x="$1" 'BEGIN { exit !(x > 0) }'; }

# tx_of DEV: "tx_packets tx_bytes" of a guest netdev.
tx_of() { guest "cat /sys/class/net/$1/statistics/tx_packets /sys/class/net/$1/statistics/tx_bytes | paste -sd' '"; }

jumbo() {
	local m=$1

	# both standby taps: after a migration the guest is on tap-sby2
	sw ip link set tap-sby mtu "$m" &&
		sw ip link set tap-sby2 mtu "$m" &&
		sw ip link set veth-br mtu "$m" &&
		peer ip link set eth0 mtu "$m"
}

cleanup() {
	trap - EXIT
	[ -f "$IPERF_PID" ] && kill "$(cat "$IPERF_PID")" 2>/dev/null
	rm -f "$IPERF_PID"
	if [ -n "$JUMBO" ]; then
		guest "ip link set dev $MASTER mtu 1500" >/dev/null 2>&1
		jumbo 1500
		JUMBO=
	fi
	[ -n "$F0" ] && guest "ethtool -K $STANDBY tx on sg on tso on" >/dev/null 2>&1
	[ -n "$GH" ] && guest "ethtool -K $STANDBY rx-gro-hw on" >/dev/null 2>&1
	[ -n "$RING" ] && guest "ethtool -G $STANDBY rx $R0 tx $T0" >/dev/null 2>&1
	if [ -n "$REMOVED" ]; then
		primary_rescan >/dev/null 2>&1
		REMOVED=
	fi
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

roles
if ! trio_complete; then
	fail "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
	finish
fi
pass "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
dmesg0=$(guest "dmesg | wc -l")
vdev=$(guest "basename \$(readlink /sys/class/net/$STANDBY/device)")
echo "INFO: standby $STANDBY on $vdev, driver $(guest "ethtool -i $STANDBY" | sed -n 's/^driver: //p'), features $(guest cat "/sys/bus/virtio/devices/$vdev/features")"
F0=$(feats "$STANDBY")
echo "INFO: $STANDBY offloads: $F0"

# Traffic on the standby.
REMOVED=1
check "primary $PRIMARY removed" primary_remove
check "guest reaches the peer over the standby" busywait 20000 guest_ping_ok
read -r t0 b0 <<<"$(tx_of "$STANDBY")"
ping_peer 100
read -r t1 b1 <<<"$(tx_of "$STANDBY")"
check "peer -> master: $RECEIVED/$SENT replies, standby tx +$((t1 - t0))" \
	[ "$RECEIVED" -eq 100 -a $((t1 - t0)) -ge 100 ]
ping_peer 20 "$GUEST_IP6"
check "IPv6 peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 20 ]
out=$(guest "ping -q -c 20 -i 0.01 -W 1 $PEER_IP")
check "guest -> peer: $(echo "$out" | grep -o '[0-9]* received') of 20" \
	grep -q ' 20 received' <<<"$out"

# iperf3 both ways.
peer iperf3 -s -D -B "$PEER_IP" --pidfile "$IPERF_PID" >/dev/null 2>&1
busywait 5000 test -s "$IPERF_PID"
check "iperf3 server in the peer netns" test -s "$IPERF_PID"
read -r t0 b0 <<<"$(tx_of "$STANDBY")"
tx_mbps=$(iperf -t 3)
read -r t1 b1 <<<"$(tx_of "$STANDBY")"
echo "iperf3 TCP guest -> peer: $tx_mbps Mbit/s"
check "iperf3 guest -> peer: $tx_mbps Mbit/s > 0, standby tx +$((b1 - b0)) bytes" nonzero "$tx_mbps"
rx_mbps=$(iperf -t 3 -R)
echo "iperf3 TCP peer -> guest: $rx_mbps Mbit/s"
check "iperf3 peer -> guest (-R): $rx_mbps Mbit/s > 0" nonzero "$rx_mbps"
echo "VIRTIO_IPERF3 stack=$STACK tx_mbps=$tx_mbps rx_mbps=$rx_mbps"

# Jumbo frames.
JUMBO=1
jumbo 9000
out=$(guest "ip link set dev $MASTER mtu 9000 2>&1")
check "mtu 9000 on $MASTER${out:+ ($out)}" [ -z "$out" ]
check "standby $STANDBY at mtu 9000" [ "$(guest cat "/sys/class/net/$STANDBY/mtu")" = 9000 ]
busywait 20000 guest_ping_ok
out=$(peer ping -q -c 10 -i 0.05 -W 2 -M do -s 8972 "$GUEST_IP" 2>&1)
check "peer -> guest 9000-byte DF pings: $(echo "$out" | grep -o '[0-9]* received') of 10" \
	grep -q ' 10 received' <<<"$out"
out=$(guest "ping -q -c 10 -i 0.05 -W 2 -M do -s 8972 $PEER_IP 2>&1")
check "guest -> peer 9000-byte DF pings: $(echo "$out" | grep -o '[0-9]* received') of 10" \
	grep -q ' 10 received' <<<"$out"
mbps=$(iperf -t 1 -R -M 8900)
check "iperf3 peer -> guest at mtu 9000: $mbps Mbit/s > 0" nonzero "$mbps"
mbps=$(iperf -t 1 -M 8900)
check "iperf3 guest -> peer at mtu 9000: $mbps Mbit/s > 0" nonzero "$mbps"
out=$(guest "ip link set dev $MASTER mtu 1500 2>&1")
jumbo 1500
JUMBO=
check "mtu 1500 restored on $MASTER${out:+ ($out)}" \
	[ -z "$out" -a "$(guest cat "/sys/class/net/$STANDBY/mtu")" = 1500 ]
check "traffic flows at mtu 1500" busywait 10000 ping_ok

# Offloads off and on: traffic keeps flowing.  (ethtool -K exits 0 with a
# note when a feature cannot change; what counts is what -k reports.)
offload() {
	local desc=$1 want=$2 f mbps

	shift 2
	guest "ethtool -K $STANDBY $*" >/dev/null 2>&1
	f=$(feats "$STANDBY")
	check "ethtool -K $STANDBY $*: $want ($f)" grep -q -- "$want" <<<"$f"
	busywait 10000 ping_ok
	ping_peer 50
	check "$desc: $RECEIVED/$SENT pings" [ "$RECEIVED" -eq 50 ]
	mbps=$(iperf -t 1)
	check "$desc: iperf3 guest -> peer $mbps Mbit/s > 0" nonzero "$mbps"
}
if grep -q 'tx-checksumming=on' <<<"$F0"; then
	offload "tx checksum off" "tx-checksumming=off" tx off
	offload "sg off" "scatter-gather=off" tx on sg off
	offload "tso off" "tcp-segmentation-offload=off" sg on tso off
	offload "all on" "tx-checksumming=on scatter-gather=on tcp-segmentation-offload=on" tso on
else
	echo "INFO: $STANDBY has no tx checksum offload: offload part skipped"
fi

# GSO: with TSO on, a large transfer leaves as multi-segment packets.
if grep -q 'tcp-segmentation-offload=on' <<<"$(feats "$STANDBY")"; then
	read -r t0 b0 <<<"$(tx_of "$STANDBY")"
	out=$(GUEST_TIMEOUT=120 guest "iperf3 -c $PEER_IP -n 64M -f m --connect-timeout 5000 2>&1 | grep -E 'sender|receiver|error'")
	echo "INFO: 64 MB: $(echo "$out" | tr -s ' ' | paste -sd';')"
	check "TSO: 64 MB TCP transfer done (iperf3 receiver line)" \
		grep -q 'receiver' <<<"$out"
	# A driver may count a packet when the device completes it, which can
	# lag the socket's close (stock: 66054159 of 64 MiB read just after
	# iperf3 ended, once): wait for the count to settle.
	tx_done() {
		read -r t1 b1 <<<"$(tx_of "$STANDBY")"
		[ $((b1 - b0)) -ge 67108864 ]
	}
	busywait 10000 tx_done
	avg=$(((b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1)))
	check "TSO: standby tx +$((b1 - b0)) bytes >= 64 MiB" [ $((b1 - b0)) -ge 67108864 ]
	check "TSO: $((t1 - t0)) tx packets of $avg bytes on average (> 1514: GSO packets)" \
		[ "$avg" -gt 1514 ]
fi
check "standby offloads restored ($(feats "$STANDBY"))" [ "$(feats "$STANDBY")" = "$F0" ]

# Receive coalescing by the device (rx-gro-hw: VIRTIO_NET_F_CTRL_GUEST_OFFLOADS
# turns the device's GUEST_TSO on and off): on, the peer's TCP stream reaches
# the standby as frames above the MTU; off, the device segments them.
gro_hw() { guest "ethtool -k $STANDBY" | sed -n 's/^rx-gro-hw: //p'; }
rx_of() { guest "cat /sys/class/net/$1/statistics/rx_packets /sys/class/net/$1/statistics/rx_bytes | paste -sd' '"; }
# rx_avg: average bytes of the frames the standby receives during 2 s of -R
rx_avg() {
	local r0 c0 r1 c1

	read -r r0 c0 <<<"$(rx_of "$STANDBY")"
	iperf -t 2 -R >/dev/null
	read -r r1 c1 <<<"$(rx_of "$STANDBY")"
	echo $(((c1 - c0) / (r1 - r0 > 0 ? r1 - r0 : 1)))
}
GH0=$(gro_hw)
echo "INFO: $STANDBY rx-gro-hw: $GH0"
if [ "$GH0" = on ]; then
	avg=$(rx_avg)
	check "rx-gro-hw on: peer -> guest frames of $avg bytes on average (> 1514)" [ "$avg" -gt 1514 ]
	GH=1
	guest "ethtool -K $STANDBY rx-gro-hw off" >/dev/null 2>&1
	check "ethtool -K $STANDBY rx-gro-hw off: $(gro_hw)" [ "$(gro_hw)" = off ]
	avg=$(rx_avg)
	check "rx-gro-hw off: frames of $avg bytes on average (<= 1514)" [ "$avg" -gt 0 -a "$avg" -le 1514 ]
	guest "ethtool -K $STANDBY rx-gro-hw on" >/dev/null 2>&1
	check "ethtool -K $STANDBY rx-gro-hw on: $(gro_hw)" [ "$(gro_hw)" = on ]
	GH=
	avg=$(rx_avg)
	check "rx-gro-hw on again: frames of $avg bytes on average (> 1514)" [ "$avg" -gt 1514 ]
else
	echo "INFO: rx-gro-hw cannot be switched on $STANDBY ($GH0): part skipped"
fi

# Ring sizes (ethtool -G: each queue is reset and resized on its own, which
# needs VIRTIO_F_RING_RESET): smaller rings carry traffic, a size that is
# not a power of two is refused, the original sizes come back.
ring() {
	guest "ethtool -g $STANDBY" | awk '/^Pre-set/ { s = 1 } /^Current/ { s = 2 }
		/^RX:/ { r[s] = $2 } /^TX:/ { t[s] = $2 } END { print r[1], t[1], r[2], t[2] }'
}
read -r rmax tmax R0 T0 <<<"$(ring)"
echo "INFO: $STANDBY rings: max rx $rmax tx $tmax, now rx $R0 tx $T0"
out=$(guest "ethtool -G $STANDBY rx 128 tx 64 2>&1")
if [ $? -eq 0 ]; then
	RING=1
	read -r _ _ r t <<<"$(ring)"
	check "ethtool -G $STANDBY rx 128 tx 64: now rx $r tx $t" [ "$r $t" = "128 64" ]
	busywait 10000 ping_ok
	ping_peer 50
	check "small rings: $RECEIVED/$SENT pings" [ "$RECEIVED" -eq 50 ]
	mbps=$(iperf -t 1)
	check "small rings: iperf3 guest -> peer $mbps Mbit/s > 0" nonzero "$mbps"
	mbps=$(iperf -t 1 -R)
	check "small rings: iperf3 peer -> guest $mbps Mbit/s > 0" nonzero "$mbps"
	out=$(guest "ethtool -G $STANDBY rx 100 2>&1")
	rc=$?
	check "ethtool -G rx 100 refused ($(echo "$out" | paste -sd' '))" [ $rc -ne 0 ]
	out=$(guest "ethtool -G $STANDBY rx $R0 tx $T0 2>&1")
	read -r _ _ r t <<<"$(ring)"
	check "ethtool -G back to rx $R0 tx $T0: now rx $r tx $t${out:+ ($out)}" [ "$r $t" = "$R0 $T0" ]
	RING=
	check "traffic after the resize" busywait 10000 ping_ok
else
	echo "INFO: ethtool -G not supported on $STANDBY ($out): part skipped"
fi

kill "$(cat "$IPERF_PID")" 2>/dev/null
rm -f "$IPERF_PID"
REMOVED=
check "primary back after rescan" primary_rescan
check "traffic to the master flows" busywait 10000 ping_ok
new=$(guest "dmesg | tail -n +$((dmesg0 + 1))")
splat=$(echo "$new" | grep -E "$SPLAT" | head -n 5)
check "no splat in the guest log${splat:+: $splat}" [ -z "$splat" ]
[ -n "$splat" ] && echo "$new" | tail -n 40 | sed 's/^/dmesg: /'
echo "INFO: ${SECONDS}s"
finish
