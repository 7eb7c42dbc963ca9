#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The standby's virtio device is unbound from virtio_net and bound again
# (/sys/bus/virtio/drivers/virtio_net/unbind, bind) while the peer pings the
# master.  Unbinding destroys the standby and with it the failover master
# (net_failover lives as long as its standby); the primary stays as a plain
# netdev, closed (administratively down) like any device a master releases:
# QEMU only unplugs the primary for a migration, not when the guest resets
# the standby, so the e1000 PCI device and its netdev remain.  Binding
# creates a standby and a master again, which enslaves the primary it finds;
# with the lab's addresses re-added (fo.sh config) the trio carries traffic
# on the primary.  Then the modules go: rmmod virtio_net net_failover
# failover must succeed and leave the primary alone, and loading them
# again ($STACK_PATHS) brings the trio back with its addresses.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+  (unbound, bound)
#            ping -i 0.05                +--- tap-pri --- primary --+-- master 198.18.0.1
#                                                                       (destroyed, re-created)

source "$(dirname "$0")/lib.sh"

SPLAT='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|unregister_netdevice: waiting|general protection|kernel BUG|Call Trace:'
DRV=/sys/bus/virtio/drivers/virtio_net
PING_BG=
PLOG=$LAB_DIR/virtio_rebind-ping.log

cleanup() {
	trap - EXIT
	[ -n "$PING_BG" ] && kill -INT "$PING_BG" 2>/dev/null && wait "$PING_BG" 2>/dev/null
	PING_BG=
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# addrs_ok: the master has the lab's IPv4 and IPv6 addresses.
addrs_ok() {
	guest "ip -br addr show dev $MASTER | grep -q ' $GUEST_IP/24 ' && ip -br addr show dev $MASTER | grep -q ' $GUEST_IP6/64 '"
}

# traffic_ok WHAT: the bridge learns the primary's port as the guest sends;
# then 50 peer pings answered on the primary (48: TCG under load), IPv6 too.
traffic_ok() {
	local p0 dp

	check "$1: guest reaches the peer" busywait 20000 guest_ping_ok
	stats "$PRIMARY"
	eval "p0=\$TX_${PRIMARY//[^a-zA-Z0-9]/_}"
	ping_peer 50
	dp=$(delta TX "$PRIMARY" "$p0")
	check "$1: peer -> master $RECEIVED/$SENT replies, primary $PRIMARY tx +$dp" \
		[ "$RECEIVED" -ge 48 -a "$dp" -ge 48 ]
	ping_peer 10 "$GUEST_IP6"
	check "$1: IPv6 $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 10 ]
}

# config WHAT: fo.sh config (master up, addresses), then the checks.
config() {
	local out

	out=$(GUEST_TIMEOUT=90 guest "$G" config 60 2>&1)
	check "$1: trio configured ($(echo "$out" | tail -n 1))" [ $? -eq 0 ]
	roles
	check "$1: trio complete ($MASTER $STANDBY $PRIMARY)" trio_whole
	check "$1: addresses on $MASTER" addrs_ok
}

roles
if ! trio_whole; then
	fail "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
	finish
fi
pass "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
dmesg0=$(guest "dmesg | wc -l")
n0=$(guest "ls /sys/class/net | wc -l")
vdev=$(guest "basename \$(readlink /sys/class/net/$STANDBY/device)")
bdf=$(pci_of "$PRIMARY")
M0=$MASTER S0=$STANDBY P0=$PRIMARY
echo "INFO: standby $STANDBY is $vdev, primary $PRIMARY is $bdf"

t0=$(date +%s.%N)
ip netns exec "$NS_PEER" ping -D -O -i 0.05 -W 1 -c 12000 "$GUEST_IP" >"$PLOG" 2>&1 &
PING_BG=$!
sleep 1

# Unbind.
t_unbind=$(date +%s.%N)
out=$(guest "echo $vdev > $DRV/unbind 2>&1; echo rc=\$?")
check "unbind $vdev from virtio_net ($(echo "$out" | paste -sd' '))" grep -q '^rc=0$' <<<"$out"
check "standby $S0 gone" busywait 10000 guest "! test -e /sys/class/net/$S0"
check "master $M0 gone with it" busywait 10000 guest "! test -e /sys/class/net/$M0"
check "$vdev has no driver" guest "! test -e /sys/bus/virtio/devices/$vdev/driver"
# Give QEMU and pciehp time to unplug the primary if they were going to
# (QEMU unplugs a failover primary only for a migration).
sleep 3
out=$(guest "ls -d /sys/bus/pci/devices/$bdf /sys/class/net/$P0 2>&1; ip -br link show dev $P0; cat /sys/class/net/$P0/master 2>&1" 2>&1)
echo "INFO: after unbind: $(echo "$out" | paste -sd'|')"
check "primary PCI device $bdf still present (QEMU does not unplug it)" guest "test -e /sys/bus/pci/devices/$bdf"
check "primary netdev $P0 still present, without a master" \
	guest "test -e /sys/class/net/$P0 && ! test -e /sys/class/net/$P0/master"
# The master opened it; released, it is closed (as bonding does), so that
# it does not autoconfigure IPv6 and send from the guest's MAC on its own.
check "released primary $P0 is down ($(guest "ip -br link show dev $P0" | awk '{print $2}'))" \
	guest "! ip link show dev $P0 | grep -q '[<,]UP[,>]'"

# Bind.
t_bind=$(date +%s.%N)
out=$(guest "echo $vdev > $DRV/bind 2>&1; echo rc=\$?")
check "bind $vdev to virtio_net ($(echo "$out" | paste -sd' '))" grep -q '^rc=0$' <<<"$out"
check "trio formed again" busywait 30000 trio_whole
echo "INFO: after bind: master $MASTER standby $STANDBY primary $PRIMARY"
check "the primary $PRIMARY is the one that stayed ($P0)" [ "$PRIMARY" = "$P0" ]
config "after rebind"
t_conf=$(date +%s.%N)
traffic_ok "after rebind"
sleep 1
kill -INT "$PING_BG" 2>/dev/null && wait "$PING_BG" 2>/dev/null
PING_BG=
phases=$(ping_phases "$PLOG" unbind="$t_unbind" bind="$t_bind" configured="$t_conf")
echo "$phases" | sed 's/^/INFO: ping /'
lost=$(echo "$phases" | awk '$2 == "before" { print $6 }')
check "no loss before the unbind (${lost:-?})" [ "${lost:-1}" = 0 ]
cfg=$(echo "$phases" | awk '$2 == "configured" { print $4, $6 }')
read -r s l <<<"$cfg"
check "pings answered once reconfigured (${l:-?} of ${s:-?} lost)" \
	[ "${s:-0}" -gt 0 ] && [ $((${l:-0} * 10)) -le "${s:-0}" ]

# Module unload and reload.
case " $STACK_PATHS " in
*=none*)
	echo "INFO: stack $STACK leaves a module out: no unload/reload"
	;;
*)
	out=$(guest "rmmod virtio_net net_failover failover 2>&1; echo rc=\$?; echo left=\$(lsmod | awk '{print \$1}' | grep -x -E 'virtio_net|net_failover|failover')")
	check "rmmod virtio_net net_failover failover ($(echo "$out" | paste -sd' '))" \
		grep -q -x -e 'rc=0' <<<"$out"
	check "none of them left in lsmod ($(echo "$out" | grep '^left='))" \
		grep -q -x -e 'left=' <<<"$out"
	check "no netdev of the trio left but the primary" \
		guest "! test -e /sys/class/net/$MASTER && ! test -e /sys/class/net/$STANDBY && test -e /sys/class/net/$PRIMARY"
	# shellcheck disable=SC2086
	out=$(GUEST_TIMEOUT=90 guest "$G" load $STACK_PATHS 2>&1)
	check "modules loaded again${out:+ ($out)}" [ $? -eq 0 ]
	check "trio formed after reload" busywait 60000 trio_whole
	config "after reload"
	traffic_ok "after reload"
	;;
esac

roles
check "netdev count back to $n0" [ "$(guest "ls /sys/class/net | wc -l")" -eq "$n0" ]
check "MTU of $MASTER is 1500" [ "$(guest cat "/sys/class/net/$MASTER/mtu")" = 1500 ]
new=$(guest "dmesg | tail -n +$((dmesg0 + 1))")
splat=$(echo "$new" | grep -E "$SPLAT" | head -n 5)
check "no splat in the guest log${splat:+: $splat}" [ -z "$splat" ]
[ -n "$splat" ] && echo "$new" | tail -n 40 | sed 's/^/dmesg: /'
echo "INFO: ${SECONDS}s"
finish
