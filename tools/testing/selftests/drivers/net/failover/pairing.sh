#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pairing beyond "the first device with the MAC": a second e1000 with the
# trio's MAC, without failover_pair_id, is plugged beside the trio (QEMU lets
# two devices share a MAC when one is not paired).  Then the operator's rules
# in /sys/class/net/<master>/failover/: pin (the one device the master may
# take), deny (never these).
#
#   peer ns: eth0 198.18.0.2 --- br0 --+-- tap-sby --- standby --+
#            198.18.13.2 (dup)          +-- tap-pri --- primary --+-- master 198.18.0.1
#                                       +-- tap-dup --- dup e1000 (QMP device_add, rp2)
#                                                       198.18.13.1 once denied
#
# Parity: without rules the first registered device stays the primary and the
# second is left alone, unflagged.  Beyond stock (the failover core): the log
# names both; a pin (by PCI slot name) moves the primary to the pinned device,
# whatever came first; a deny releases a device and keeps it an independent NIC that
# carries its own traffic; while the pin names a device that is not there,
# nothing else pairs, and clearing the pin pairs the remaining device; a bad
# rule is refused with a reason in dmesg and changes nothing; the failover
# module's deny parameter, written at run time, releases a device from every
# master, and cleared pairs it again.

source "$(dirname "$0")/lib.sh"

TAP=tap-dup
DUP_MAC=52:54:00:fa:13:99
DUP_IP=198.18.13.1
DUP_PEER=198.18.13.2

roles
trio_complete || skip "no trio (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
M0=$MASTER S0=$STANDBY P0=$PRIMARY
BDF_P=$(pci_of "$P0")
RULES=/sys/class/net/$M0/failover

PLUGGED=
cleanup() {
	trap - EXIT
	if [ -n "$PLUGGED" ]; then
		qmp '{"execute":"device_del","arguments":{"id":"dup0"}}' >/dev/null 2>&1
		busywait 20000 eval '[ "$(e1000_devices)" -eq 1 ]'
		qmp '{"execute":"netdev_del","arguments":{"id":"ndup"}}' >/dev/null 2>&1
	fi
	# a rule written pairs again: the primary, if a rule kept it away
	guest "echo > $RULES/pin; echo > $RULES/deny; echo > /sys/module/failover/parameters/deny" >/dev/null 2>&1
	sw ip link del "$TAP" 2>/dev/null
	peer ip addr del "$DUP_PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

master_of() { guest "basename \$(readlink /sys/class/net/$1/master 2>/dev/null) 2>/dev/null"; }
slave() { (($(guest "cat /sys/class/net/$1/flags") & 0x800)); }
free_nic() { [ -z "$(master_of "$1")" ] && ! slave "$1"; }
primary_is() { roles && [ "$PRIMARY" = "$1" ]; }
rule() { guest "{ echo '$2' > $RULES/$1; } 2>&1"; }
# via DEV: 100 pings from the peer to the master answered, the replies left
# on DEV
via() {
	local t0

	busywait 20000 carrier "$1" && busywait 20000 guest_ping_ok || return 1
	tx_counts "$1"
	t0=$(tx_of "$1")
	ping_peer 100
	tx_counts "$1"
	DT=$(($(tx_of "$1") - t0))
	[ "$RECEIVED" -eq 100 ] && [ "$DT" -ge 100 ]
}
# the e1000 netdev with the trio's MAC that is not $P0
dup_dev() {
	links
	DUP=$(awk -v m="$MAC" -v p="$P0" '$2 == "e1000" && $5 == m && $1 != p { print $1 }' <<<"$LINKS")
	[ -n "$DUP" ]
}

# --- no rules: the first registered stays the primary ---
guest "dmesg -c >/dev/null"
sw ip tuntap add "$TAP" mode tap && sw ip link set "$TAP" master br0 up
check "QMP netdev_add ndup" \
	qmp_ok '{"execute":"netdev_add","arguments":{"type":"tap","id":"ndup","ifname":"'"$TAP"'","script":"no","downscript":"no"}}'
check "QMP device_add e1000 dup0 with the trio's MAC, no failover_pair_id" \
	qmp_ok '{"execute":"device_add","arguments":{"driver":"e1000","id":"dup0","netdev":"ndup","mac":"'"$MAC"'","bus":"rp2","romfile":""}}'
PLUGGED=1
check "a second e1000 netdev with MAC $MAC" busywait 30000 dup_dev
BDF_D=$(pci_of "$DUP")
echo "primary $P0 at $BDF_P, duplicate $DUP at $BDF_D"
check "without rules $P0 stays the primary of $M0" primary_is "$P0"
check "the duplicate $DUP is left alone: no master, no SLAVE flag" busywait 5000 free_nic "$DUP"
log=$(guest "dmesg")
beyond_in net_failover "the log names both ($(grep -m1 "$DUP" <<<"$log" | sed 's/^\[[^]]*\] //'))" \
	eval 'grep "$DUP" <<<"$log" | grep -q "$P0"'

if ! beyond_in failover "the master has rules in sysfs ($RULES)" \
	guest "test -f $RULES/pin && test -f $RULES/deny"; then
	finish_beyond failover "stock pairs by MAC alone (no pin, no deny), and stock net_failover does not name both devices"
fi

# --- pin: the pinned device, whatever came first; by its PCI slot's name ---
# (QEMU's root ports have hot-plug slots, /sys/bus/pci/slots/<name>/address)
SLOT_D=$(guest "for s in /sys/bus/pci/slots/*; do [ \"\$(cat \$s/address)\" = ${BDF_D%.*} ] && basename \$s; done" | head -n 1)
PIN=${SLOT_D:-$BDF_D}
echo "the duplicate's slot: ${SLOT_D:-none}"
out=$(rule pin "$PIN")
check "pin $PIN${out:+: $out}" [ -z "$out" ]
check "pin reads back $(guest cat $RULES/pin)" [ "$(guest cat $RULES/pin)" = "$PIN" ]
beyond_in failover "pinned: $DUP is the primary" busywait 10000 primary_is "$DUP"
beyond_in failover "pinned: $P0 is released and left alone" busywait 5000 free_nic "$P0"
# the released one stays up with the same MAC: the host's bridge would learn it
guest "ip link set $P0 down"
via "$DUP"
beyond_in failover "pinned: traffic rides $DUP ($RECEIVED/100 replies, $DUP tx +$DT)" [ $? -eq 0 ]

# --- bad rules: refused, with the reason, nothing changed ---
guest "dmesg -c >/dev/null"
out=$(rule pin "$BDF_P $BDF_D")
reason=$(guest "dmesg | grep 'failover pin'" | tail -n 1 | sed 's/^\[[^]]*\] //')
beyond_in failover "two pins refused (${out##*: }): $reason" \
	eval '[ -n "$out" ] && [ -n "$reason" ]'
check "the pin is unchanged ($(guest cat $RULES/pin))" [ "$(guest cat $RULES/pin)" = "$PIN" ]
check "and $DUP still the primary" primary_is "$DUP"

# --- deny the pinned one: released; the pin keeps the other away ---
guest "ip link set $P0 up"
out=$(rule deny "$BDF_D")
check "deny $BDF_D${out:+: $out}" [ -z "$out" ]
beyond_in failover "denied: $DUP is released and left alone" busywait 10000 free_nic "$DUP"
beyond_in failover "the pin names $PIN: $P0 is not paired instead" eval 'sleep 1; free_nic "$P0"'
check "the master keeps its standby ($(master_of "$S0"))" [ "$(master_of "$S0")" = "$M0" ]

# --- clearing the pin pairs the remaining device ---
out=$(rule pin "")
check "clear the pin${out:+: $out}" [ -z "$out" ]
beyond_in failover "unpinned: $P0 is the primary again" busywait 10000 primary_is "$P0"
beyond_in failover "the denied $DUP stays alone" free_nic "$DUP"
via "$P0"
check "traffic rides $P0 ($RECEIVED/100 replies, $P0 tx +$DT)" [ $? -eq 0 ]

# --- the denied device is an independent NIC ---
peer ip addr add "$DUP_PEER/24" dev eth0
guest "ip link set $DUP down; ip link set $DUP address $DUP_MAC; ip addr add $DUP_IP/24 dev $DUP; ip link set $DUP up"
dup_ping() { guest "ping -q -c 1 -W 1 -I $DUP $DUP_PEER" >/dev/null 2>&1; }
beyond_in failover "denied $DUP, with its own MAC and $DUP_IP, reaches the peer" \
	busywait 20000 dup_ping
beyond_in failover "and stays alone ($(master_of "$DUP"))" free_nic "$DUP"
via "$P0"
check "the master's traffic still rides $P0 ($RECEIVED/100 replies, $P0 tx +$DT)" [ $? -eq 0 ]
guest "ip addr flush dev $DUP; ip link set $DUP down"

# --- the module's deny parameter: every master, at once ---
guest "echo > $RULES/deny"
qmp '{"execute":"device_del","arguments":{"id":"dup0"}}' >/dev/null
check "QMP device_del dup0: one e1000 left" busywait 20000 eval '[ "$(e1000_devices)" -eq 1 ]'
qmp '{"execute":"netdev_del","arguments":{"id":"ndup"}}' >/dev/null
PLUGGED=
PARAM=/sys/module/failover/parameters/deny
out=$(guest "{ echo $BDF_P > $PARAM; } 2>&1")
check "failover.deny=$BDF_P${out:+: $out}" [ -z "$out" ]
beyond_in failover "the deny parameter releases $P0" busywait 10000 free_nic "$P0"
out=$(guest "{ echo > $PARAM; } 2>&1")
check "failover.deny cleared${out:+: $out}" [ -z "$out" ]
beyond_in failover "cleared: $P0 is the primary again" busywait 10000 primary_is "$P0"
via "$P0"
check "traffic rides $P0 ($RECEIVED/100 replies, $P0 tx +$DT)" [ $? -eq 0 ]

finish_beyond failover "stock pairs by MAC alone (no pin, no deny), and stock net_failover does not name both devices"
