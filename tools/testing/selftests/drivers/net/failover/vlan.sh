#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VLAN 10 on the failover master: its id is registered in both lower
# devices' VLAN filters (the emulated e1000 and virtio-net drop tagged frames
# of unregistered ids), so tagged traffic flows via the primary, via the
# standby once the primary's PCI device is removed, and via the primary again
# after a rescan (the returning primary must get the id too).  Removed again.
#
# The host kernel may lack 8021q, so the peer's VLAN end point is vlanpeer.py
# (raw 802.1Q frames on the peer's eth0) answering ARP and ping.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#     vlanpeer.py: vid 10 198.19.10.2    +--- tap-pri --- primary --+-- master 198.18.0.1
#                                                               master.10 198.19.10.1

source "$(dirname "$0")/lib.sh"

VID=10
VDEV=
VP_LOG=$LAB_DIR/vlanpeer.log
VP_PID=

cleanup() {
	[ -n "$VDEV" ] && guest "ip link del $VDEV" 2>/dev/null
	[ -n "$VP_PID" ] && kill "$VP_PID" 2>/dev/null && wait "$VP_PID" 2>/dev/null
	VP_PID=
}
trap cleanup EXIT

# vping PATH_DEV: 50 guest pings over the VLAN; checks replies and that the
# requests left on PATH_DEV.
vping() {
	local dev=$1 t0 out rx dt

	t0=$(guest cat "/sys/class/net/$dev/statistics/tx_packets")
	out=$(guest "ping -c 50 -i 0.02 -w 6 198.19.10.2")
	rx=$(answered 50 <<<"$out")
	dt=$(($(guest cat "/sys/class/net/$dev/statistics/tx_packets") - t0))
	check "$2: $VDEV -> peer vid $VID: ${rx:-0}/50 replies, $dev tx +$dt" \
		[ "${rx:-0}" -eq 50 -a "$dt" -ge 50 ]
}

vlan_filter() { guest "ethtool -k $1" | sed -n 's/^rx-vlan-filter: //p'; }

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
guest "modprobe 8021q || { sleep 1; modprobe 8021q; }"
VDEV=$MASTER.$VID
out=$(guest "ip link add link $MASTER name $VDEV type vlan id $VID &&
	     ip addr add 198.19.10.1/24 dev $VDEV && ip link set $VDEV up" 2>&1)
check "VLAN $VID on $MASTER ($VDEV)${out:+: $out}" [ -z "$out" ]
for d in "$MASTER" "$STANDBY" "$PRIMARY"; do
	f=$(vlan_filter "$d")
	case $f in
	on*) pass "$d: rx-vlan-filter $f" ;;
	*fixed*) echo "INFO: $d cannot filter VLANs (rx-vlan-filter $f)" ;;
	*) fail "$d: rx-vlan-filter $f" ;;
	esac
done

peer python3 "$LAB_HOME/vlanpeer.py" eth0 "$VID" 198.19.10.2 120 >"$VP_LOG" 2>&1 &
VP_PID=$!
busywait 10000 grep -q ready "$VP_LOG" || fail "vlanpeer.py did not start: $(cat "$VP_LOG")"

busywait 10000 guest "ping -q -c 1 -W 1 198.19.10.2 >/dev/null"
vping "$PRIMARY" "via primary"

check "primary removed" primary_remove
busywait 10000 guest "ping -q -c 1 -W 1 198.19.10.2 >/dev/null"
vping "$STANDBY" "via standby"

check "primary back after rescan" primary_rescan
busywait 10000 guest "ping -q -c 1 -W 1 198.19.10.2 >/dev/null"
vping "$PRIMARY" "via returned primary"

guest "ip link del $VDEV"
VDEV=
check "VLAN removed" guest "! ip link show dev $MASTER.$VID >/dev/null 2>&1"
cleanup
echo "INFO: vlanpeer: $(tail -n 1 "$VP_LOG")"
check "untagged traffic to the master flows" busywait 10000 ping_ok
finish
