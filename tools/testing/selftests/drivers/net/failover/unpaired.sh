#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A primary whose failover_pair_id names a standby that does not offer
# STANDBY (virtio-net failover=off), in a guest of its own (extra_up): QEMU
# does not hide the primary, the guest sees it from boot, and must not pair
# it although it has the virtio netdev's MAC: no master; the e1000 and the
# virtio netdev each stand alone and each carries traffic on its own.
#
#   peer ns: eth0 198.18.12.2 -- br0 --+-- hv3-sby -- virtio-net (failover=off) --+ (MAC M)
#                                      +-- hv3-pri -- e1000 (failover_pair_id) ---+ (MAC M)
#            198.18.12.1 on one of them at a time, the other down

source "$(dirname "$0")/lib.sh"

NAME=hv3
M=52:54:00:fa:12:21
IP=198.18.12.1
PEER=198.18.12.2

cleanup() {
	trap - EXIT
	extra_down >/dev/null
	peer ip addr del "$PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# two_netdevs: LINKS has the virtio netdev and the e1000 netdev (VIRTIO E1000).
two_netdevs() {
	links
	VIRTIO=$(link_of virtio_net "$M")
	E1000=$(link_of e1000 "$M")
	[ -n "$VIRTIO" ] && [ -n "$E1000" ]
}

# alone DEV OTHER: DEV up with the address, OTHER down; the peer's replies
# leave on DEV.
alone() {
	local dev=$1 other=$2 t0

	guest "ip link set $other down && ip addr flush dev $other &&
		ip link set $dev up && ip addr add $IP/24 dev $dev"
	check "$dev has carrier" busywait 30000 carrier "$dev"
	# the host bridge learns the MAC on DEV's tap once the guest sends on it
	check "guest reaches the peer from $dev" busywait 20000 guest_ping_ok "$PEER"
	tx_counts "$dev"
	t0=$(tx_of "$dev")
	ping_peer 50 "$IP"
	tx_counts "$dev"
	dt=$(($(tx_of "$dev") - t0))
	check "$dev alone: $RECEIVED/$SENT replies, $dev tx +$dt" \
		[ "$RECEIVED" -eq 50 -a "$dt" -ge 50 ]
}

peer ip addr add "$PEER/24" dev eth0
t0=$(date +%s)
if ! extra_up "$NAME" "standby standby0 nsby $NAME-sby $M rp0 off" \
	"primary primary0 npri $NAME-pri $M rp1 standby0"; then
	fail "guest $NAME up (failover=off standby, paired primary)"
	finish
fi
pass "guest $NAME up in $(($(date +%s) - t0)) s (failover=off standby, paired primary)"
check "the e1000 is there from boot, not hidden ($(e1000_devices) PCI function)" \
	[ "$(e1000_devices)" -eq 1 ]
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'

check "a virtio netdev and an e1000 netdev, both MAC $M" busywait 30000 two_netdevs
echo "$LINKS" | sed 's/^/links: /'
check "virtio $VIRTIO did not negotiate STANDBY" eval '! standby_negotiated "$VIRTIO"'
# a master might only appear once a candidate registers: give it a moment
# on a netdev that is up
guest "ip link set $E1000 up && ip link set $VIRTIO up"
busywait 5000 carrier "$E1000"
links
check "no net_failover master" eval '! grep -q " net_failover " <<<"$LINKS"'
check "only the two netdevs ($(wc -l <<<"$LINKS"))" [ "$(wc -l <<<"$LINKS")" -eq 2 ]
check "e1000 $E1000 has no master ($(field_of "$E1000" 3))" [ "$(field_of "$E1000" 3)" = - ]
check "virtio $VIRTIO has no master ($(field_of "$VIRTIO" 3))" [ "$(field_of "$VIRTIO" 3)" = - ]
check "virtio $VIRTIO is no standby (phys_port_name $(field_of "$VIRTIO" 4))" \
	[ "$(field_of "$VIRTIO" 4)" != sby ]
check "ip -d link: neither has a master or a failover slave kind" \
	guest "! ip -d link show dev $E1000 | grep -q -e ' master ' -e failover &&
		! ip -d link show dev $VIRTIO | grep -q -e ' master ' -e failover"

alone "$E1000" "$VIRTIO"
alone "$VIRTIO" "$E1000"

extra_down
finish
