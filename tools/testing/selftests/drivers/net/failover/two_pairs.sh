#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two independent failover pairs in one guest (a guest of its own,
# extra_up): two virtio-net failover=on standbys, each with an e1000 primary
# paired with it (failover_pair_id) and sharing its MAC, the two MACs
# different.  The guest must build two masters, each with its own standby
# and its own primary, none crossed (the master link, phys_port_name and MAC
# of every lower device), and each trio must carry its own subnet's traffic
# on its own primary while the other primary stays idle.
#
#   peer ns: eth0 198.18.10.2 198.18.11.2 -- br0 --+
#     +-- hv2-sby0 -- standby A --+                   (MAC A)
#     +-- hv2-pri0 -- primary A --+-- master A 198.18.10.1
#     +-- hv2-sby1 -- standby B --+                   (MAC B)
#     +-- hv2-pri1 -- primary B --+-- master B 198.18.11.1

source "$(dirname "$0")/lib.sh"

NAME=hv2
MACS=(52:54:00:fa:12:11 52:54:00:fa:12:12)
IPS=(198.18.10.1 198.18.11.1)
PEERS=(198.18.10.2 198.18.11.2)

cleanup() {
	trap - EXIT
	extra_down >/dev/null
	peer ip addr del "${PEERS[0]}/24" dev eth0 2>/dev/null
	peer ip addr del "${PEERS[1]}/24" dev eth0 2>/dev/null
	[ -n "${lab_rc+x}" ] && "$LAB" down "$LAB_ENV" >/dev/null
}
trap cleanup EXIT

# trios: LINKS shows two masters, each with one standby and one primary of
# its MAC; sets MAS[i] SBY[i] PRI[i] for MACS[i].
trios() {
	local i m

	links
	for i in 0 1; do
		m=${MACS[$i]}
		MAS[i]=$(link_of net_failover "$m")
		SBY[i]=$(link_of virtio_net "$m")
		PRI[i]=$(link_of e1000 "$m")
		[ -n "${MAS[i]}" ] && [ -n "${SBY[i]}" ] && [ -n "${PRI[i]}" ] &&
			[ "$(field_of "${SBY[i]}" 3)" != - ] &&
			[ "$(field_of "${PRI[i]}" 3)" != - ] || return 1
	done
}

peer ip addr add "${PEERS[0]}/24" dev eth0
peer ip addr add "${PEERS[1]}/24" dev eth0
t0=$(date +%s)
if ! extra_up "$NAME" \
	"standby standby0 nsby0 $NAME-sby0 ${MACS[0]} rp0" \
	"primary primary0 npri0 $NAME-pri0 ${MACS[0]} rp1 standby0" \
	"standby standby1 nsby1 $NAME-sby1 ${MACS[1]} rp2" \
	"primary primary1 npri1 $NAME-pri1 ${MACS[1]} rp3 standby1"; then
	fail "guest $NAME up (two pairs)"
	finish
fi
pass "guest $NAME up in $(($(date +%s) - t0)) s (two pairs)"
out=$(extra_load 2>&1) || echo "$out" | sed 's/^/load: /'

if busywait 30000 trios; then
	pass "two trios formed"
else
	fail "two trios formed"
fi
echo "$LINKS" | sed 's/^/links: /'
check "two net_failover masters, four lower devices, nothing else" \
	[ "$(grep -c ' net_failover ' <<<"$LINKS")" -eq 2 -a "$(wc -l <<<"$LINKS")" -eq 6 ]
check "the masters differ (${MAS[0]}, ${MAS[1]})" \
	[ -n "${MAS[0]}" -a -n "${MAS[1]}" -a "${MAS[0]}" != "${MAS[1]}" ]
for i in 0 1; do
	m=${MACS[$i]} mas=${MAS[$i]} sby=${SBY[$i]} pri=${PRI[$i]}
	if [ -z "$mas" ] || [ -z "$sby" ] || [ -z "$pri" ]; then
		fail "MAC $m: a master, a standby and a primary (${mas:--} ${sby:--} ${pri:--})"
		continue
	fi
	check "MAC $m: standby $sby's master is $mas" [ "$(field_of "$sby" 3)" = "$mas" ]
	check "MAC $m: primary $pri's master is $mas" [ "$(field_of "$pri" 3)" = "$mas" ]
	check "MAC $m: standby $sby has phys_port_name sby" [ "$(field_of "$sby" 4)" = sby ]
	check "MAC $m: standby $sby negotiated STANDBY" standby_negotiated "$sby"
	lowers=$(guest "ip -d link show master $mas" | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | sort | paste -sd' ')
	check "MAC $m: ip -d link shows exactly $sby and $pri under $mas ($lowers)" \
		[ "$lowers" = "$(printf '%s\n' "$sby" "$pri" | sort | paste -sd' ')" ]
	guest "ip link set $mas up && ip addr add ${IPS[$i]}/24 dev $mas"
done

for i in 0 1; do
	[ -n "${MAS[$i]}" ] && [ -n "${PRI[$i]}" ] || continue
	check "primary ${PRI[$i]} has carrier" busywait 30000 carrier "${PRI[$i]}"
	check "master ${MAS[$i]} has carrier" busywait 30000 carrier "${MAS[$i]}"
	# the host bridge learns the primary's tap once the guest sends on it
	check "guest reaches ${PEERS[$i]} from ${MAS[$i]}" busywait 20000 guest_ping_ok "${PEERS[$i]}"
done

for i in 0 1; do
	j=$((1 - i))
	if [ -z "${PRI[0]}" ] || [ -z "${PRI[1]}" ] || [ -z "${SBY[$i]}" ]; then
		fail "traffic to ${IPS[$i]}: no two trios to count on"
		continue
	fi
	tx_counts "${PRI[0]}" "${PRI[1]}" "${SBY[$i]}"
	p0=$(tx_of "${PRI[$i]}") q0=$(tx_of "${PRI[$j]}") s0=$(tx_of "${SBY[$i]}")
	ping_peer 100 "${IPS[$i]}"
	check "peer -> ${IPS[$i]}: $RECEIVED/$SENT replies" [ "$RECEIVED" -eq 100 ]
	tx_counts "${PRI[0]}" "${PRI[1]}" "${SBY[$i]}"
	dp=$(($(tx_of "${PRI[$i]}") - p0))
	dq=$(($(tx_of "${PRI[$j]}") - q0))
	ds=$(($(tx_of "${SBY[$i]}") - s0))
	check "replies left on ${PRI[$i]} (tx +$dp), not on its standby (+$ds) nor on ${PRI[$j]} (+$dq)" \
		[ "$dp" -ge 100 -a "$ds" -lt 10 -a "$dq" -lt 10 ]
	lladdr=$(peer ip neigh show "${IPS[$i]}" dev eth0 | awk '{ print $3 }')
	check "peer resolved ${IPS[$i]} to MAC ${MACS[$i]} ($lladdr)" [ "$lladdr" = "${MACS[$i]}" ]
done

extra_down
finish
