#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Promiscuous and all-multicast mode of the failover master reach both lower
# devices (their promiscuity/allmulti counts in ip -d link), and with them
# frames the lower devices' filters would drop: unicast to a foreign MAC in
# promiscuous mode, an unjoined multicast group in all-multicast mode.  Both
# are switched off again.
# BEYOND STOCK: stock net_failover has no ndo_change_rx_flags, so the lower
# devices never see the master's mode.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#   (198.19.30.9 -> foreign MAC)         +--- tap-pri --- primary --+-- master 198.18.0.1

source "$(dirname "$0")/lib.sh"

FOREIGN_IP=198.19.30.9
FOREIGN_MAC=52:54:00:fa:44:04
GROUP=239.1.2.4

# counts: "promiscuity allmulti" of the standby, then of the primary.
counts() {
	guest "ip -d link show dev $STANDBY; ip -d link show dev $PRIMARY" |
		sed -n 's/.*promiscuity \([0-9]*\) *allmulti \([0-9]*\).*/\1 \2/p' | paste -sd' '
}
# lowers_at P A: both lower devices have promiscuity >= P (== 0 if P is 0)
# and allmulti likewise; sets SHOW.
lowers_at() {
	local p a v i=0

	read -r -a v <<<"$(counts)"
	SHOW="standby ${v[0]}/${v[1]} primary ${v[2]}/${v[3]}"
	[ ${#v[@]} -eq 4 ] || return 1
	for i in 0 2; do
		p=${v[i]} a=${v[i + 1]}
		if [ "$1" = 0 ]; then [ "$p" = 0 ] || return 1; else [ "$p" -ge "$1" ] || return 1; fi
		if [ "$2" = 0 ]; then [ "$a" = 0 ] || return 1; else [ "$a" -ge "$2" ] || return 1; fi
	done
}

# rx_during CMD...: sets MS MP to the standby's and primary's rx_packets
# growth while the peer runs CMD.
rx_during() {
	local s0 p0

	read -r s0 p0 <<<"$(guest cat /sys/class/net/{$STANDBY,$PRIMARY}/statistics/rx_packets | paste -sd' ')"
	peer "$@" >/dev/null 2>&1
	read -r MS MP <<<"$(guest cat /sys/class/net/{$STANDBY,$PRIMARY}/statistics/rx_packets | paste -sd' ')"
	MS=$((MS - s0))
	MP=$((MP - p0))
}
foreign() { rx_during ping -q -c 20 -i 0.01 -W 0.1 "$FOREIGN_IP"; }
group() { rx_during ping -q -c 20 -i 0.01 -t 1 -I eth0 "$GROUP"; }

cleanup() {
	guest "ip link set dev $MASTER promisc off; ip link set dev $MASTER allmulticast off"
	peer ip neigh del "$FOREIGN_IP" dev eth0 2>/dev/null
	peer ip route del "$FOREIGN_IP/32" dev eth0 2>/dev/null
}

roles
check "trio complete (master=$MASTER standby=$STANDBY primary=$PRIMARY)" trio_complete
lowers_at 0 0
check "lower devices neither promiscuous nor allmulti ($SHOW)" lowers_at 0 0
peer ip route add "$FOREIGN_IP/32" dev eth0
peer ip neigh replace "$FOREIGN_IP" lladdr "$FOREIGN_MAC" dev eth0 nud permanent

foreign
check "frames to $FOREIGN_MAC filtered by both (standby +$MS, primary +$MP)" [ "$MS" -lt 10 -a "$MP" -lt 10 ]
guest "ip link set dev $MASTER promisc on"
busywait 3000 lowers_at 1 0
beyond "promisc on $MASTER: both lower devices promiscuous ($SHOW)" lowers_at 1 0
foreign
beyond "promisc: both receive frames to $FOREIGN_MAC (standby +$MS/20, primary +$MP/20)" \
	[ "$MS" -ge 20 -a "$MP" -ge 20 ]
guest "ip link set dev $MASTER promisc off"
busywait 3000 lowers_at 0 0
check "promisc off: both back to promiscuity 0 ($SHOW)" lowers_at 0 0

group
check "unjoined $GROUP filtered by both (standby +$MS, primary +$MP)" [ "$MS" -lt 10 -a "$MP" -lt 10 ]
guest "ip link set dev $MASTER allmulticast on"
busywait 3000 lowers_at 0 1
beyond "allmulticast on $MASTER: both lower devices allmulti ($SHOW)" lowers_at 0 1
group
beyond "allmulti: both receive $GROUP (standby +$MS/20, primary +$MP/20)" \
	[ "$MS" -ge 20 -a "$MP" -ge 20 ]
guest "ip link set dev $MASTER allmulticast off"
busywait 3000 lowers_at 0 0
check "allmulticast off: both back to allmulti 0 ($SHOW)" lowers_at 0 0

cleanup
check "traffic to the master flows" busywait 10000 ping_ok
finish "stock does not propagate promiscuous/all-multicast mode to the lower devices"
