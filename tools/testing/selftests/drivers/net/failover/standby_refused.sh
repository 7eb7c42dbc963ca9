#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reverse of unpaired.sh, in a guest of its own (extra_up): the standby
# offers STANDBY (failover=on) and its primary is on QEMU's command line, but
# the guest's driver does not accept STANDBY (our virtio_net's debugfs knob
# refuse_standby, set before the device is probed: the driver then probes
# with a feature table without STANDBY.  QEMU acts on every feature write,
# and the virtio core writes the features once before the driver's
# validate(), so dropping STANDBY there would be too late).  QEMU keeps the primary
# hidden: the guest has one virtio netdev, alone, no master, no e1000, and it
# carries traffic.  Then the device is probed again with the knob cleared:
# STANDBY is negotiated, QEMU plugs the primary, the trio forms and traffic
# rides the primary (which also shows that the first half waited long
# enough for a primary that would have come).
#
# Debian's virtio_net accepts STANDBY whenever it is offered and has no way
# not to short of a module parameter that changes behaviour: SKIP where
# virtio_net is stock.
#
#   peer ns: eth0 198.18.13.2 -- br0 --+-- hv4-sby -- virtio-net failover=on (STANDBY refused,
#                                      |                 then accepted) --+
#                                      +-- hv4-pri -- e1000 (hidden, then plugged) --+-- master
#            198.18.13.1 on the lone virtio netdev, then on the master

source "$(dirname "$0")/lib.sh"

NAME=hv4
M=52:54:00:fa:12:31
IP=198.18.13.1
PEER=198.18.13.2
KNOB=/sys/kernel/debug/virtio_net/refuse_standby
DRV=/sys/bus/virtio/drivers/virtio_net

stock_module virtio_net &&
	skip "stock virtio_net accepts STANDBY whenever offered (no knob to refuse it)"

cleanup() {
	trap - EXIT
	extra_down >/dev/null
	peer ip addr del "$PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# lone: LINKS has the virtio netdev (VIRTIO).
lone() {
	links
	VIRTIO=$(link_of virtio_net "$M")
	[ -n "$VIRTIO" ]
}

e1000_present() { [ "$(e1000_devices)" -ge 1 ]; }

# traffic DEV LOWER: the peer's replies to the address on DEV leave on LOWER.
traffic() {
	local t0 dt

	check "$1 has carrier" busywait 30000 carrier "$1"
	# the host bridge learns the MAC on LOWER's tap once the guest sends on it
	check "guest reaches the peer from $1" busywait 20000 guest_ping_ok "$PEER"
	tx_counts "$2"
	t0=$(tx_of "$2")
	ping_peer 50 "$IP"
	tx_counts "$2"
	dt=$(($(tx_of "$2") - t0))
	check "peer -> $1: $RECEIVED/$SENT replies, $2 tx +$dt" \
		[ "$RECEIVED" -eq 50 -a "$dt" -ge 50 ]
}

peer ip addr add "$PEER/24" dev eth0
t0=$(date +%s)
if ! extra_up "$NAME" "standby standby0 nsby $NAME-sby $M rp0" \
	"primary primary0 npri $NAME-pri $M rp1 standby0"; then
	fail "guest $NAME up (failover pair)"
	finish
fi
pass "guest $NAME up in $(($(date +%s) - t0)) s (failover pair)"

# virtio_net in, the device not probed yet: the bus does not autoprobe
guest "echo 0 > /sys/bus/virtio/drivers_autoprobe"
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'
vdev=$(guest "for d in /sys/bus/virtio/devices/*; do [ \$(cat \$d/device) = 0x0001 ] && basename \$d; done")
check "virtio-net device $vdev present, not bound" \
	guest "[ -n '$vdev' ] && [ ! -e /sys/bus/virtio/devices/$vdev/driver ]"
if ! guest "[ -e $KNOB ]"; then
	guest "echo 1 > /sys/bus/virtio/drivers_autoprobe"
	extra_down >/dev/null
	skip "this virtio_net has no $KNOB"
fi

# probed with STANDBY refused
t1=$(date +%s%3N)
guest "echo 1 > $KNOB && echo $vdev > /sys/bus/virtio/drivers_probe; echo 1 > /sys/bus/virtio/drivers_autoprobe"
check "virtio netdev probed" busywait 30000 lone
echo "$LINKS" | sed 's/^/links: /'
check "virtio $VIRTIO did not negotiate STANDBY" eval '! standby_negotiated "$VIRTIO"'
check "no net_failover master" eval '! grep -q " net_failover " <<<"$LINKS"'
check "virtio $VIRTIO has no master, is no standby ($(field_of "$VIRTIO" 3) $(field_of "$VIRTIO" 4))" \
	[ "$(field_of "$VIRTIO" 3)" = - -a "$(field_of "$VIRTIO" 4)" != sby ]
guest "ip link set $VIRTIO up && ip addr add $IP/24 dev $VIRTIO"
traffic "$VIRTIO" "$VIRTIO"
# the second half shows how soon a negotiated STANDBY brings the primary
if ! busywait 5000 e1000_present; then
	pass "QEMU kept the primary hidden (no e1000 $(($(date +%s%3N) - t1)) ms after the probe)"
else
	fail "QEMU kept the primary hidden (an e1000 $(($(date +%s%3N) - t1)) ms after the probe)"
fi
links
check "still only $VIRTIO ($(wc -l <<<"$LINKS") netdevs)" [ "$(wc -l <<<"$LINKS")" -eq 1 ]

# probed again, STANDBY accepted
t2=$(date +%s%3N)
check "virtio $vdev unbound, knob cleared, bound again" \
	guest "echo $vdev > $DRV/unbind && echo 0 > $KNOB && echo $vdev > $DRV/bind"
check "e1000 plugged once STANDBY is negotiated" busywait 30000 e1000_present
echo "INFO: primary plugged $(($(date +%s%3N) - t2)) ms after the re-probe"
if busywait 30000 trio_complete; then
	pass "trio formed ($MASTER $STANDBY $PRIMARY)"
else
	fail "trio formed ($MASTER $STANDBY $PRIMARY)"
fi
check "standby $STANDBY negotiated STANDBY" standby_negotiated "$STANDBY"
check "primary $PRIMARY is an e1000" guest "ethtool -i $PRIMARY | grep -q '^driver: e1000$'"
guest "ip link set $MASTER up && ip addr add $IP/24 dev $MASTER"
check "primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
traffic "$MASTER" "$PRIMARY"

extra_down
finish
