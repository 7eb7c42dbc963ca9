#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the failover lab (runs chrooted in the host root).
#
#   fo.sh setup failover=KO net_failover=KO virtio_net=KO
#   fo.sh roles                 print "MASTER STANDBY PRIMARY" ("-" if absent)
#   fo.sh wait_trio [SECS]      wait until all three exist and are linked
#   fo.sh load|unload ...       module helpers
#   fo.sh config [SECS]         setup without loading: master up, addresses
#   fo.sh loadnet ...           load only, for a guest without one trio
#   fo.sh links                 "NAME DRIVER MASTER PHYS_PORT_NAME MAC" lines

GUEST_IP=198.18.0.1
GUEST_IP6=fd00::1

roles() {
	local d n sby="" master="" pri="" l

	for d in /sys/class/net/*; do
		n=${d##*/}
		[ "$(cat "$d/phys_port_name" 2>/dev/null)" = sby ] && sby=$n
	done
	if [ -n "$sby" ] && [ -e "/sys/class/net/$sby/master" ]; then
		master=$(basename "$(readlink "/sys/class/net/$sby/master")")
		for l in /sys/class/net/"$master"/lower_*; do
			[ -e "$l" ] || continue
			n=${l##*/lower_}
			[ "$n" != "$sby" ] && pri=$n
		done
	fi
	echo "${master:--} ${sby:--} ${pri:--}"
}

# wait_trio SECS [want_primary]: all three present and linked.
wait_trio() {
	local secs=${1:-30} i r

	for ((i = 0; i < secs * 10; i++)); do
		r=$(roles)
		case $r in
		*-*) ;;
		*) echo "$r"; return 0 ;;
		esac
		sleep 0.1
	done
	echo "$r"
	return 1
}

wait_carrier() {
	local dev=$1 secs=${2:-30} i

	for ((i = 0; i < secs * 10; i++)); do
		[ "$(cat "/sys/class/net/$dev/carrier" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# sample: "EPOCH MASTER STANDBY PRIMARY SBY_TX PRI_TX" for the demo timeline.
sample() {
	local master sby pri st=0 pt=0

	read -r master sby pri <<<"$(roles)"
	[ "$sby" != - ] && st=$(cat "/sys/class/net/$sby/statistics/tx_packets")
	[ "$pri" != - ] && pt=$(cat "/sys/class/net/$pri/statistics/tx_packets")
	echo "$(date +%s.%N) $master $sby $pri $st $pt"
}

load() {
	local kv m f rc=0

	for kv in "$@"; do
		m=${kv%%=*}
		f=${kv#*=}
		[ "$m" = virtio_net ] && { modprobe e1000 || return 1; }
		[ "$f" = none ] && { echo "fo: $m left out"; continue; }
		insmod "$f" || { echo "fo: insmod $f failed"; rc=1; }
	done
	return $rc
}

unload() {
	rmmod virtio_net net_failover failover e1000 2>&1
}

setup() {
	local r master sby pri

	sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	sysctl -qw net.ipv6.conf.default.accept_ra=0
	load "$@" || return 1
	r=$(wait_trio 60) || { echo "fo: trio incomplete: $r"; ip -d link; return 1; }
	read -r master sby pri <<<"$r"
	ip link set "$master" up
	ip addr add "$GUEST_IP/24" dev "$master"
	ip addr add "$GUEST_IP6/64" dev "$master" nodad
	wait_carrier "$pri" 30 || { echo "fo: primary $pri has no carrier"; return 1; }
	wait_carrier "$master" 30 || { echo "fo: master $master has no carrier"; return 1; }
	echo "fo: trio $master $sby $pri"
}

# replug [SECS]: the primary's PCI device removed and the bus rescanned, in
# one agent call: waits until the master has lost the primary, then for the
# trio and the new primary's carrier; prints "MASTER STANDBY PRIMARY".
replug() {
	local secs=${1:-30} master sby pri bdf i r

	read -r master sby pri <<<"$(roles)"
	[ "$pri" != - ] || { echo "fo: no primary to remove"; return 1; }
	bdf=$(basename "$(readlink "/sys/class/net/$pri/device")")
	echo 1 >"/sys/bus/pci/devices/$bdf/remove" || return 1
	for ((i = 0; i < secs * 10; i++)); do
		r=$(roles)
		[ "${r##* }" = - ] && break
		sleep 0.1
	done
	[ "${r##* }" = - ] || { echo "fo: primary still there: $r"; return 1; }
	echo 1 >/sys/bus/pci/rescan
	r=$(wait_trio "$secs") || { echo "fo: trio incomplete after rescan: $r"; return 1; }
	wait_carrier "${r##* }" "$secs" || { echo "fo: no carrier on ${r##* }"; return 1; }
	echo "$r"
}

# config [SECS]: what setup does once the modules are in, for a trio that
# formed again (driver rebind, reload): the master up with the lab's
# addresses, carrier on the primary and the master.
config() {
	local r master sby pri

	r=$(wait_trio "${1:-60}") || { echo "fo: trio incomplete: $r"; ip -d link; return 1; }
	read -r master sby pri <<<"$r"
	ip link set "$master" up
	ip addr replace "$GUEST_IP/24" dev "$master"
	ip addr replace "$GUEST_IP6/64" dev "$master" nodad
	wait_carrier "$pri" 30 || { echo "fo: primary $pri has no carrier"; return 1; }
	wait_carrier "$master" 30 || { echo "fo: master $master has no carrier"; return 1; }
	echo "fo: trio $master $sby $pri"
}

# links: one line per netdev but lo, "NAME DRIVER MASTER PHYS_PORT_NAME MAC"
# ("-" where there is none), for guests with more than one pair.
links() {
	local d n drv m p

	for d in /sys/class/net/*; do
		n=${d##*/}
		[ "$n" = lo ] && continue
		drv=$(ethtool -i "$n" 2>/dev/null | sed -n 's/^driver: //p')
		m=-
		[ -e "$d/master" ] && m=$(basename "$(readlink "$d/master")")
		p=$(cat "$d/phys_port_name" 2>/dev/null)
		echo "$n ${drv:--} $m ${p:--} $(cat "$d/address")"
	done
}

# loadnet failover=KO net_failover=KO virtio_net=KO: the modules of a guest
# whose devices need not form one trio (extra guests, lib.sh extra_up).
# Several of its netdevs share one link, each with a subnet of its own: ARP
# answers only for the receiving netdev's addresses (arp_ignore=1) and asks
# from the sending one's (arp_announce=2), so that a peer never learns one
# netdev's MAC for another's address.
loadnet() {
	sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	sysctl -qw net.ipv6.conf.default.accept_ra=0
	load "$@"
}

cmd=$1
shift
"$cmd" "$@"
