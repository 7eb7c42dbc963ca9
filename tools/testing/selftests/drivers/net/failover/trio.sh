#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The failover trio: master (net_failover), standby (virtio-net, "sby") and
# primary (e1000 VF stand-in) share one MAC; traffic rides the primary, moves
# to the standby when the primary's PCI device is removed, and returns when it
# is rescanned.
#
#   peer ns: eth0 198.18.0.2 ---- br0 ---+--- tap-sby --- standby --+
#                                        +--- tap-pri --- primary --+-- master 198.18.0.1

source "$(dirname "$0")/lib.sh"

roles
if ! trio_complete; then
	fail "trio exists (master=$MASTER standby=$STANDBY primary=$PRIMARY)"
	echo "guest modules: $(guest "lsmod | awk 'NR > 1 {print \$1}' | paste -sd' '")"
	echo "guest links: $(guest "ip -br link | awk '{print \$1}' | paste -sd' '")"
	sed 's/^/setup: /' "$LAB_DIR/setup.log"
	finish
fi
pass "trio exists (master=$MASTER standby=$STANDBY primary=$PRIMARY)"

macs=$(guest "cat /sys/class/net/{$MASTER,$STANDBY,$PRIMARY}/address" | sort -u)
check "one MAC on all three ($macs)" [ "$macs" = "$MAC" ]
m_sby=$(guest "basename \$(readlink /sys/class/net/$STANDBY/master)")
m_pri=$(guest "basename \$(readlink /sys/class/net/$PRIMARY/master)")
check "standby's master is $MASTER" [ "$m_sby" = "$MASTER" ]
check "primary's master is $MASTER" [ "$m_pri" = "$MASTER" ]
check "ip -d link shows both lower devices under $MASTER" \
	guest "ip -d link show master $MASTER | grep -q ' $STANDBY:' && ip -d link show master $MASTER | grep -q ' $PRIMARY:'"
check "standby phys_port_name is sby" \
	[ "$(guest cat /sys/class/net/"$STANDBY"/phys_port_name)" = sby ]
drv=$(guest "ethtool -i $MASTER" | sed -n 's/^driver: //p')
check "ethtool -i $MASTER reports net_failover ($drv)" [ "$drv" = net_failover ]

stats "$PRIMARY" "$STANDBY"
eval "p0=\$TX_$PRIMARY s0=\$TX_$STANDBY"
ping_peer 100
check "peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 100 ]
dp=$(delta TX "$PRIMARY" "$p0")
ds=$(delta TX "$STANDBY" "$s0")
check "replies left on the primary (primary tx +$dp, standby tx +$ds)" \
	[ "$dp" -ge 100 -a "$ds" -lt 10 ]
ping_peer 20 "$GUEST_IP6"
check "IPv6 peer -> master: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 20 ]

# Primary leaves: the guest removes its PCI device.
bdf=$(pci_of "$PRIMARY")
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
check "primary $PRIMARY ($bdf) removed" busywait 20000 primary_gone
check "master $MASTER keeps carrier" carrier "$MASTER"
# Until the guest sends on the standby, the host bridge may still forward to
# the primary's tap (stock does not announce the switch): let it send.
check "guest reaches the peer over the standby" busywait 20000 guest_ping_ok
stats "$STANDBY"
eval "s0=\$TX_$STANDBY"
ping_peer 100
check "after removal: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 100 ]
ds=$(delta TX "$STANDBY" "$s0")
check "replies left on the standby (standby tx +$ds)" [ "$ds" -ge 100 ]

# Primary returns: PCI rescan.
guest "echo 1 > /sys/bus/pci/rescan"
check "primary back after rescan" busywait 30000 trio_complete
check "new primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
# The host bridge still forwards to the standby's tap, which stock drops while
# a primary is enslaved, until the guest sends on the primary: let it.
check "guest reaches the peer over the returned primary" busywait 20000 guest_ping_ok
stats "$PRIMARY" "$STANDBY"
eval "p0=\$TX_$PRIMARY s0=\$TX_$STANDBY"
ping_peer 100
check "after return: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 100 ]
dp=$(delta TX "$PRIMARY" "$p0")
ds=$(delta TX "$STANDBY" "$s0")
check "replies left on the primary again (primary tx +$dp, standby tx +$ds)" \
	[ "$dp" -ge 100 -a "$ds" -lt 10 ]

finish
