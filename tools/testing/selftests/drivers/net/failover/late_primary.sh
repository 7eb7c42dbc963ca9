#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A primary plugged after the guest negotiated STANDBY: a guest of its own
# (extra_up) starts with the standby only; once its master and standby
# exist, the hypervisor plugs the primary (QMP netdev_add + device_add of an
# e1000 with failover_pair_id=standby0 and the standby's MAC).  The guest
# must enslave it as the primary, and traffic must ride it.  (A primary
# present before the standby is probed: order.sh.)
#
#   peer ns: eth0 198.18.10.2 -- br0 --+-- hv1-sby -- standby --+
#                                      +-- hv1-pri -- primary --+-- master 198.18.10.1
#                                          (QMP device_add, after STANDBY)

source "$(dirname "$0")/lib.sh"

NAME=hv1
M=52:54:00:fa:12:01
IP=198.18.10.1
PEER=198.18.10.2

# master_alone: a master with its standby and no primary.
master_alone() {
	roles
	[ -n "$MASTER" ] && [ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" = - ]
}

cleanup() {
	trap - EXIT
	extra_down >/dev/null
	peer ip addr del "$PEER/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

peer ip addr add "$PEER/24" dev eth0
t0=$(date +%s)
if ! extra_up "$NAME" "standby standby0 nsby $NAME-sby $M rp0"; then
	fail "guest $NAME up (standby only)"
	finish
fi
pass "guest $NAME up in $(($(date +%s) - t0)) s (standby only)"
check "no e1000 PCI function before the plug ($(e1000_devices))" [ "$(e1000_devices)" -eq 0 ]
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'

# master and standby, no primary
check "master and standby exist, no primary" busywait 30000 master_alone
check "standby $STANDBY negotiated STANDBY" standby_negotiated "$STANDBY"
guest "ip link set $MASTER up && ip addr add $IP/24 dev $MASTER"
check "master $MASTER has carrier over the standby" busywait 20000 carrier "$MASTER"
check "guest reaches the peer over the standby" busywait 20000 guest_ping_ok "$PEER"

# the hypervisor plugs the primary
extra_tap "$NAME-pri"
check "QMP netdev_add npri" \
	qmp_ok '{"execute":"netdev_add","arguments":{"type":"tap","id":"npri","ifname":"'"$NAME-pri"'","script":"no","downscript":"no"}}'
check "QMP device_add e1000 primary0 failover_pair_id=standby0" \
	qmp_ok '{"execute":"device_add","arguments":{"driver":"e1000","id":"primary0","netdev":"npri","mac":"'"$M"'","bus":"rp1","failover_pair_id":"standby0","romfile":""}}'
check "e1000 plugged into the guest" busywait 30000 eval '[ "$(e1000_devices)" -eq 1 ]'
if busywait 30000 trio_complete; then
	pass "guest enslaved the plugged primary ($MASTER $STANDBY $PRIMARY)"
else
	fail "guest enslaved the plugged primary ($MASTER $STANDBY $PRIMARY)"
	guest "ip -d link" | sed 's/^/guest: /'
fi
links
check "primary $PRIMARY is an e1000 with the standby's MAC ($(field_of "$PRIMARY" 2) $(field_of "$PRIMARY" 5))" \
	[ "$(field_of "$PRIMARY" 2)" = e1000 -a "$(field_of "$PRIMARY" 5)" = "$M" ]
check "ip -d link shows both lower devices under $MASTER" \
	guest "ip -d link show master $MASTER | grep -q ' $STANDBY:' && ip -d link show master $MASTER | grep -q ' $PRIMARY:'"
check "primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
# the host bridge learns the primary's tap once the guest sends on it
check "guest reaches the peer over the primary" busywait 20000 guest_ping_ok "$PEER"

tx_counts "$PRIMARY" "$STANDBY"
p0=$(tx_of "$PRIMARY") s0=$(tx_of "$STANDBY")
ping_peer 100 "$IP"
check "peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 100 ]
tx_counts "$PRIMARY" "$STANDBY"
dp=$(($(tx_of "$PRIMARY") - p0))
ds=$(($(tx_of "$STANDBY") - s0))
check "replies left on the primary (primary tx +$dp, standby tx +$ds)" \
	[ "$dp" -ge 100 -a "$ds" -lt 10 ]

extra_down
finish
