#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A primary that cannot carry VLANs, in a guest of its own (extra_up): QEMU's
# i82557b is an 82557 D100, which Linux's e100 marks VLAN-challenged.
#
# Parity: without VLANs the e100 becomes the primary and carries traffic.
# Beyond stock: the master, VLAN-challenged while it is enslaved, refuses a
# VLAN (stock's takes it).  With the primary removed (PCI remove) the master
# takes VLAN 10, which flows via the standby.  Then the primary returns (PCI
# rescan) while the master is up and has the VLAN: it must be refused with
# a kernel message naming it, stay out of the trio, and the VLAN must keep
# flowing via the standby.  Without the VLAN, after another remove and
# rescan, it pairs again and is opened once e100's probe is over (stock
# opens it inside the probe, and e100 oopses: not run on stock, XFAIL).
#
#   peer ns: eth0 198.18.14.2 -- br0 --+-- hv5-sby -- virtio-net failover=on --+
#     vlanpeer.py: vid 10 198.19.14.2  +-- hv5-pri -- i82557b (e100) ----------+-- master 198.18.14.1
#                                                                      master.10 198.19.14.1

source "$(dirname "$0")/lib.sh"

NAME=hv5
M=52:54:00:fa:12:51
IP=198.18.14.1
PEER=198.18.14.2
VID=10
VPEER=198.19.14.2
VDEV=
VP_LOG=$LAB_DIR/vlan_challenged-vlanpeer.log
VP_PID=

cleanup() {
	trap - EXIT
	[ -n "$VP_PID" ] && kill "$VP_PID" 2>/dev/null && wait "$VP_PID" 2>/dev/null
	extra_down >/dev/null
	peer ip addr del "$PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# e100_of: E100, the guest's e100 netdev with the pair's MAC
e100_of() { links; E100=$(link_of e100 "$M"); [ -n "$E100" ]; }
master_alone() {
	roles
	[ -n "$MASTER" ] && [ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" = - ]
}
e100_remove() {
	guest "echo 1 > /sys/bus/pci/devices/\$(basename \$(readlink /sys/class/net/$E100/device))/remove"
	busywait 20000 eval '! e100_of'
}
e100_rescan() {
	guest "echo 1 > /sys/bus/pci/rescan"
	busywait 30000 e100_of
}
vping() {
	local out rx

	out=$(guest "ping -c 20 -i 0.05 -w 8 $VPEER")
	rx=$(answered 20 <<<"$out")
	check "$1: $VDEV -> peer vid $VID: ${rx:-0}/20 replies" [ "${rx:-0}" -eq 20 ]
}

peer ip addr add "$PEER/24" dev eth0
if ! extra_up "$NAME" "standby standby0 nsby $NAME-sby $M rp0" \
	"primary primary0 npri $NAME-pri $M rp1 standby0 i82557b"; then
	fail "guest $NAME up (standby and an i82557b primary)"
	finish
fi
pass "guest $NAME up (standby and an i82557b primary)"
guest "modprobe e100; modprobe 8021q" >/dev/null 2>&1
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'

# parity: a VLAN-challenged primary without VLANs
check "the e100 netdev exists" busywait 30000 e100_of
busywait 30000 trio_complete
check "trio with the e100 as primary ($MASTER $STANDBY $PRIMARY)" trio_complete
check "primary $PRIMARY is the e100 ($E100)" [ "$PRIMARY" = "$E100" ]
f=$(guest "ethtool -k $E100" | sed -n 's/^vlan-challenged: //p')
check "$E100: vlan-challenged: $f" grep -q '^on' <<<"$f"
guest "ip link set $MASTER up && ip addr add $IP/24 dev $MASTER"
check "guest reaches the peer over the primary" busywait 20000 guest_ping_ok "$PEER"
out=$(guest "ip link add link $MASTER name $MASTER.$VID type vlan id $VID 2>&1; echo rc=\$?")
beyond "a VLAN on $MASTER is refused while the e100 is enslaved ($(echo "$out" | paste -sd' '))" \
	grep -q 'rc=[1-9]' <<<"$out" || guest "ip link del $MASTER.$VID" >/dev/null 2>&1

# Stock net_failover opens a lower device from inside its register_netdev():
# an e100 plugged while the master is up oopses (NULL dereference in
# e100_alloc_cbs, seen on stock), and the guest is lost.
if stock_module net_failover; then
	echo "FAIL: the e100 returns while the master is up: not run, stock net_failover opens it inside e100_probe's register_netdev() (oops) (beyond stock)"
	BEYOND_FAILED=1
	extra_down
	finish "the master takes VLANs over a VLAN-challenged primary, and opens a lower inside its driver's probe (e100 oopses)"
fi

# VLAN 10 via the standby
check "e100 removed; master and standby remain" e100_remove
check "master $MASTER alone with $STANDBY" busywait 20000 master_alone
VDEV=$MASTER.$VID
out=$(guest "ip link add link $MASTER name $VDEV type vlan id $VID &&
	     ip addr add 198.19.14.1/24 dev $VDEV && ip link set $VDEV up" 2>&1)
check "VLAN $VID on $MASTER ($VDEV)${out:+: $out}" [ -z "$out" ]
peer python3 "$LAB_HOME/vlanpeer.py" eth0 "$VID" "$VPEER" 300 >"$VP_LOG" 2>&1 &
VP_PID=$!
busywait 30000 grep -q ready "$VP_LOG" || fail "vlanpeer.py did not start: $(cat "$VP_LOG")"
busywait 15000 guest "ping -q -c 1 -W 1 $VPEER >/dev/null"
vping "via the standby"

# the e100 returns while the master has a VLAN
d0=$(guest "dmesg | wc -l")
e100_rescan
check "e100 back after a rescan ($E100)" e100_of
busywait 5000 guest "dmesg | tail -n +$((d0 + 1)) | grep -q 'refusing $E100'"
msg=$(guest "dmesg | tail -n +$((d0 + 1)) | grep 'refusing $E100'" | head -1)
echo "INFO: kernel: ${msg:-(nothing)}"
check "the e100 is refused with a kernel message naming it" grep -q "refusing $E100" <<<"$msg"
roles
check "the e100 stays out of the trio (primary: $PRIMARY)" [ "$PRIMARY" = - ]
check "$E100 has no master" guest "! test -e /sys/class/net/$E100/master"
vping "via the standby, the e100 refused"

# without the VLAN it pairs again
guest "ip link del $VDEV"
VDEV=
check "e100 removed again" e100_remove
e100_rescan
check "e100 back after a rescan ($E100)" e100_of
check "without VLANs the e100 is the primary again" busywait 30000 trio_complete
check "primary $PRIMARY is the e100 ($E100)" [ "$PRIMARY" = "$E100" ]
check "guest reaches the peer over the primary" busywait 20000 guest_ping_ok "$PEER"

extra_down
finish
