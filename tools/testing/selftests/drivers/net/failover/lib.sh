# SPDX-License-Identifier: GPL-2.0
#
# Host-side library for the failover lab selftests.  A test runs against the
# lab named by $LAB_ENV (lab.sh selftests sets it); run by hand without it, the
# test boots a lab of its own on $STACK (default: ours) and tears it down.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_XFAIL=2
KSFT_SKIP=4

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABCTL=$LIB_DIR/labctl.py
G=$LIB_DIR/guest/fo.sh
RET=0

if [ -z "$LAB_ENV" ]; then
	LAB_ENV=$("$LIB_DIR/lab.sh" up)
	lab_rc=$?
	[ -f "$LAB_ENV" ] && trap '"$LIB_DIR/lab.sh" down "$LAB_ENV" >/dev/null' EXIT
	[ $lab_rc -eq 0 ] || exit $KSFT_FAIL
fi
# shellcheck disable=SC1090
. "$LAB_ENV"

guest() { python3 "$LABCTL" guest "$AGENT" -t "${GUEST_TIMEOUT:-60}" "$*"; }
qmp() { python3 "$LABCTL" qmp "$QMP" "$1"; }
peer() { ip netns exec "$NS_PEER" "$@"; }
sw() { ip netns exec "$NS_SW" "$@"; }

# busywait TIMEOUT_MS CMD...: retry CMD until it succeeds or time runs out.
busywait() {
	local timeout_ms=$1 start now

	shift
	start=$(date +%s%3N)
	while :; do
		"$@" && return 0
		now=$(date +%s%3N)
		[ $((now - start)) -ge "$timeout_ms" ] && return 1
		sleep 0.1
	done
}

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; RET=$KSFT_FAIL; }

# check DESC CMD...: one assertion.
check() {
	local desc=$1

	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }

# finish [XFAIL-REASON]: exit with the result; a beyond-stock test passes the
# reason, so that on the stock stack its failure is reported as expected.
finish() {
	if [ $RET -ne 0 ] && [ -n "$1" ] && [ "$STACK" = stock ]; then
		echo "XFAIL: $1"
		exit $KSFT_XFAIL
	fi
	exit $RET
}

# roles: set MASTER STANDBY PRIMARY from the guest ("-" when absent).
roles() {
	read -r MASTER STANDBY PRIMARY < <(guest "$G" roles)
}

trio_complete() {
	roles
	[ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" != - ]
}

primary_gone() {
	roles
	[ "$PRIMARY" = - ]
}

carrier() { [ "$(guest cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ]; }

# stats DEV...: "dev rx_packets tx_packets" lines; sets RX_<dev>/TX_<dev>.
stats() {
	local d line

	for d in "$@"; do
		line=$(guest "cat /sys/class/net/$d/statistics/rx_packets /sys/class/net/$d/statistics/tx_packets 2>/dev/null | paste -sd' '")
		read -r rx tx <<<"$line"
		printf -v "RX_${d//[^a-zA-Z0-9]/_}" '%s' "${rx:-0}"
		printf -v "TX_${d//[^a-zA-Z0-9]/_}" '%s' "${tx:-0}"
	done
}

delta() { # delta RX|TX DEV BEFORE -> prints now - before
	local v

	stats "$2"
	v=${1}_${2//[^a-zA-Z0-9]/_}
	echo $((${!v} - $3))
}

# ping_peer COUNT [ADDR]: sets SENT and RECEIVED for COUNT 5 ms pings.
ping_peer() {
	local out

	out=$(peer ping -q -c "$1" -i 0.005 -W 1 "${2:-$GUEST_IP}" 2>&1)
	SENT=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
	RECEIVED=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	SENT=${SENT:-0}
	RECEIVED=${RECEIVED:-0}
}

ping_ok() { peer ping -q -c 1 -W 1 "${1:-$GUEST_IP}" >/dev/null 2>&1; }

guest_ping_ok() { guest "ping -q -c 1 -W 1 ${1:-$PEER_IP}" >/dev/null 2>&1; }

# pci_of DEV: the PCI address of a guest netdev.
pci_of() { guest "basename \$(readlink /sys/class/net/$1/device)"; }

# primary_remove: the guest removes the primary's PCI device; waits until the
# trio has lost it.
primary_remove() {
	local bdf

	roles
	bdf=$(pci_of "$PRIMARY")
	guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
	busywait "${1:-20000}" primary_gone
}

# primary_rescan: PCI rescan; waits for the trio, the primary's carrier and a
# guest ping over it (which makes the host bridge learn the primary's port).
primary_rescan() {
	guest "echo 1 > /sys/bus/pci/rescan"
	busywait 30000 trio_complete &&
		busywait 30000 carrier "$PRIMARY" &&
		busywait 20000 guest_ping_ok
}

# mtu_of DEV...: "mtu minmtu maxmtu" of each guest DEV, one line each.
mtu_of() {
	local d cmd=""

	for d in "$@"; do
		cmd="$cmd ip -d link show dev $d | grep -o -e ' mtu [0-9]*' -e 'minmtu [0-9]*' -e 'maxmtu [0-9]*' | awk '{print \$2}' | paste -sd' ';"
	done
	guest "$cmd"
}
