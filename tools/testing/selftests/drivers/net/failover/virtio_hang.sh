#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A virtio-net device that never answers a control command must not hold
# RTNL forever.  Our virtio_net's debugfs knob ctrl_unanswered makes the
# next control command go unnotified, so the device never answers it (a hung
# device, as far as the driver can tell).  Adding a VLAN on the standby then
# issues CTRL_VLAN_ADD under RTNL: it must fail after the driver's timeout
# (5 s) instead of hanging, RTNL must be free again (ip link works), the
# kernel log must say why, later control commands must fail at once (the
# unanswered buffers still belong to the device), and the datapath, which
# needs no control queue, keeps working.  Unbinding and binding the virtio
# device resets it: the trio forms again and control commands work.
# BEYOND STOCK: stock virtio_net polls forever and has no such knob (SKIP).
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby (control queue hung, then reset)
#                                        +--- tap-pri --- primary --+-- master 198.18.0.1

source "$(dirname "$0")/lib.sh"

SPLAT='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|unregister_netdevice: waiting|general protection|kernel BUG|Call Trace:'
KNOB=/sys/kernel/debug/virtio_net/ctrl_unanswered
DRV=/sys/bus/virtio/drivers/virtio_net
VID=43

cleanup() {
	trap - EXIT
	guest "echo 0 > $KNOB; ip link del $STANDBY.$VID; ip link del $STANDBY.$((VID + 1))" >/dev/null 2>&1
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# vlan_add VID: adds a VLAN on the standby; sets RC and MS (elapsed, timed
# in the guest: a loaded host slows the agent's round trip by seconds).
vlan_add() {
	local out

	out=$(GUEST_TIMEOUT=60 guest "t0=\$(date +%s%3N); ip link add link $STANDBY name $STANDBY.$1 type vlan id $1 2>&1; echo rc=\$? ms=\$((\$(date +%s%3N) - t0))")
	MS=$(sed -n 's/^rc=[0-9]* ms=//p' <<<"$out")
	RC=$(sed -n 's/^rc=\([0-9]*\).*/\1/p' <<<"$out")
	OUT=$(grep -v '^rc=' <<<"$out" | paste -sd' ')
}

roles
if ! trio_whole; then
	fail "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
	finish
fi
pass "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
guest "test -e $KNOB" || skip "this virtio_net has no $KNOB (stock)"
guest "modprobe 8021q || { sleep 1; modprobe 8021q; }"
vdev=$(guest "basename \$(readlink /sys/class/net/$STANDBY/device)")
dmesg0=$(guest "dmesg | wc -l")

# The control queue works to begin with.
vlan_add "$VID"
check "VLAN $VID on $STANDBY while the device answers (rc $RC, $MS ms${OUT:+, $OUT})" [ "$RC" = 0 ]
guest "ip link del $STANDBY.$VID" >/dev/null 2>&1

# The device stops answering.
guest "echo 1 > $KNOB"
vlan_add "$VID"
check "VLAN add fails when the device does not answer (rc $RC${OUT:+: $OUT})" [ "$RC" != 0 ]
check "it waited for the device, then gave up ($MS ms: 4000-15000)" \
	[ "$MS" -ge 4000 -a "$MS" -lt 15000 ]
check "RTNL is free: ip link show answers within 5 s" \
	guest "timeout 5 ip link show dev $MASTER >/dev/null"
log=$(guest "dmesg | tail -n +$((dmesg0 + 1))")
msg=$(grep -m 1 'not answered' <<<"$log")
check "the kernel log says why (${msg:-nothing})" [ -n "$msg" ]
check "the knob was consumed" [ "$(guest cat $KNOB)" = 0 ]
vlan_add $((VID + 1))
check "a later control command fails at once (rc $RC, $MS ms < 3000)" \
	[ "$RC" != 0 -a "$MS" -lt 3000 ]
check "the datapath still works: peer -> master" busywait 10000 ping_ok

# A reset (unbind, bind) brings the control queue back.
out=$(guest "echo $vdev > $DRV/unbind && echo $vdev > $DRV/bind 2>&1; echo rc=\$?")
check "unbind and bind $vdev ($(echo "$out" | paste -sd' '))" grep -q '^rc=0$' <<<"$out"
out=$(GUEST_TIMEOUT=90 guest "$G" config 60 2>&1)
check "trio configured again ($(echo "$out" | tail -n 1))" [ $? -eq 0 ]
roles
check "trio complete ($MASTER $STANDBY $PRIMARY)" trio_whole
vlan_add "$VID"
check "VLAN $VID on $STANDBY after the reset (rc $RC, $MS ms${OUT:+, $OUT})" [ "$RC" = 0 -a "$MS" -lt 3000 ]
guest "ip link del $STANDBY.$VID" >/dev/null 2>&1
check "guest reaches the peer" busywait 20000 guest_ping_ok
ping_peer 50
check "peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -ge 48 ]

new=$(guest "dmesg | tail -n +$((dmesg0 + 1))")
splat=$(echo "$new" | grep -E "$SPLAT" | head -n 5)
check "no splat in the guest log${splat:+: $splat}" [ -z "$splat" ]
[ -n "$splat" ] && echo "$new" | tail -n 40 | sed 's/^/dmesg: /'
echo "INFO: ${SECONDS}s"
finish
