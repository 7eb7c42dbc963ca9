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
# the lab harness: guest boot, QMP and agent control, traffic helpers
LAB_HOME=$LIB_DIR/qemu
LAB=$LAB_HOME/lab.sh
LABCTL=$LAB_HOME/labctl.py
G=$LAB_HOME/guest/fo.sh
RET=0

if [ -z "$LAB_ENV" ]; then
	LAB_ENV=$("$LAB" up)
	lab_rc=$?
	[ -f "$LAB_ENV" ] && trap '"$LAB" down "$LAB_ENV" >/dev/null' EXIT
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

# beyond DESC CMD...: an assertion of behaviour beyond stock's.  A failed
# one fails the test like a failed check, except where the module that
# provides the behaviour is Debian's own: there it is expected (XFAIL, see
# finish).  A failed check is never expected, so stock parity stays tested.
BEYOND_FAILED=0
beyond() {
	local desc=$1

	shift
	if "$@"; then
		pass "$desc (beyond stock)"
	else
		echo "FAIL: $desc (beyond stock)"
		[ -n "$BEYOND_MOD" ] || BEYOND_FAILED=1
		return 1
	fi
}

# beyond_in MODULE DESC CMD...: beyond, for behaviour that MODULE provides
# in a test whose other beyond assertions are another module's.
BEYOND_IN=
beyond_in() {
	local mod=$1

	shift
	BEYOND_MOD=$mod beyond "$@" && return 0
	BEYOND_IN="$BEYOND_IN $mod"
	return 1
}

# finish [XFAIL-REASON]: exit with the result.  Beyond-stock behaviour lives
# in the master unless finish_beyond names another module.
finish() {
	finish_beyond net_failover "$1"
}

# roles: set MASTER STANDBY PRIMARY from the guest ("-" when absent).
roles() {
	read -r MASTER STANDBY PRIMARY < <(guest "$G" roles)
}

trio_complete() {
	roles
	# empty names: the agent did not answer
	[ -n "$MASTER" ] && [ -n "$STANDBY" ] && [ -n "$PRIMARY" ] &&
		[ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" != - ]
}

# on_series S: the guest runs a kernel of series S ("6.1").
on_series() { [ "$(guest uname -r | cut -d. -f1,2)" = "$1" ]; }

primary_gone() {
	roles
	[ -n "$MASTER" ] && [ "$PRIMARY" = - ]
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

# ping_peer COUNT [ADDR]: COUNT 5 ms pings; sets SENT (COUNT) and RECEIVED
# (how many of those were answered).  With -W alone ping gives up on the
# last replies after two round trips, and a loaded TCG guest answering one
# late counted as a lost packet; with -w it waits until the deadline, but
# keeps sending until COUNT replies came, so only requests 1..COUNT count.
ping_peer() {
	local out

	out=$(peer ping -c "$1" -i 0.005 -w $((5 + $1 / 100)) "${2:-$GUEST_IP}" 2>&1)
	SENT=$1
	RECEIVED=$(answered "$1" <<<"$out")
}

# answered N: how many of requests 1..N ping's output (stdin) has a reply to.
answered() {
	sed -n 's/.*bytes from.* icmp_seq=\([0-9]*\) .*/\1/p' |
		awk -v n="$1" '$1 <= n && !seen[$1]++' | wc -l
}

ping_ok() { peer ping -q -c 1 -W 1 "${1:-$GUEST_IP}" >/dev/null 2>&1; }

# peer_reaches TIMEOUT_MS DESC: the peer's pings reach the guest within
# TIMEOUT_MS.  Stock net_failover blackholes them after the primary lost its
# carrier (an e1000 MTU change resets the link): the guest's frames went out
# on the standby meanwhile, so the bridge sends the peer's there, and stock
# drops what the standby receives while a primary is enslaved, until the
# guest speaks on the primary again.  So reaching the guest unprompted is
# beyond stock; once the guest has spoken, traffic must flow on any stack.
peer_reaches() {
	busywait "$1" ping_ok && { pass "$2"; return 0; }
	traffic_diag
	beyond "$2: the peer reaches the guest unprompted" false
	check "$2 once the guest has spoken" busywait "$1" traffic_ok
}

traffic_ok() { guest_ping_ok && ping_ok; }

# traffic_diag: where the peer's frames go and what the guest sees, printed
# after a failed traffic check so a CI log says why.
traffic_diag() {
	echo "  diag: bridge fdb for $MAC: $(sw bridge fdb show br br0 2>/dev/null | grep -i "$MAC" | paste -sd';')"
	echo "  diag: peer neigh: $(peer ip neigh show 2>/dev/null | paste -sd';')"
	echo "  diag: guest links: $(guest "ip -br link; ip -br addr" 2>&1 | paste -sd';')"
	echo "  diag: guest counters: $(guest "cd /sys/class/net && for d in *; do echo \$d rx \$(cat \$d/statistics/rx_packets) tx \$(cat \$d/statistics/tx_packets) drop \$(cat \$d/statistics/rx_dropped) carrier \$(cat \$d/carrier 2>/dev/null); done" 2>&1 | paste -sd';')"
	echo "  diag: guest dmesg tail: $(guest "dmesg | tail -n 8" 2>&1 | paste -sd'|')"
}

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

# peer_ping_start [SECONDS]: the peer pings the guest every 5 ms into
# $PING_LOG (ping -D -O, for lost_at and ping_phases), in PING_PID;
# peer_ping_stop ends it.  replies: answers so far; flowing N: N more
# replies than when REPLIES was last set.
peer_ping_start() {
	# not through peer(): ip netns exec execs ping, so $! is ping itself
	ip netns exec "$NS_PEER" ping -D -O -i 0.005 -W 1 -w "${1:-300}" "$GUEST_IP" >"$PING_LOG" 2>&1 &
	PING_PID=$!
	REPLIES=0
}
peer_ping_stop() {
	[ -n "$PING_PID" ] && kill -INT "$PING_PID" 2>/dev/null && wait "$PING_PID" 2>/dev/null
	PING_PID=
}
replies() { grep -c 'bytes from' "$PING_LOG" 2>/dev/null; }
flowing() { [ $(($(replies) - REPLIES)) -ge "$1" ]; }

# lost_at LOG EPOCH: the unanswered requests of a `ping -D -O` log, as
# "seq N at +MS ms" relative to EPOCH (at most 20).
lost_at() {
	awk -v t0="$2" '
	match($0, /^\[[0-9.]+\]/) {
		t = substr($0, 2, RLENGTH - 2) + 0
		if (!match($0, /icmp_seq=[0-9]+/)) next
		s = substr($0, RSTART + 9, RLENGTH - 9) + 0
		# icmp_seq is 16 bits: a long stream wraps (lines come in order)
		if (s + 32768 < raw) wrap += 65536
		raw = s
		s += wrap
		if (s > max) max = s
		if ($0 ~ /bytes from/) rx[s] = 1
		else if (!(s in ts)) ts[s] = t
	}
	END {
		for (s = 1; s < max && n < 20; s++)
			if (!(s in rx)) {
				n++
				if (s in ts) printf "seq %d at %+d ms\n", s, (ts[s] - t0) * 1000
				else printf "seq %d\n", s
			}
	}' "$1"
}

# ping_phases LOG NAME=EPOCH...: loss per phase of a `ping -D -O` log, as
# "phase NAME sent N lost N longest_gap_ms N" lines (the first phase is
# "before") and a "total" line.  Unlike pingstat.py it does not assume ping
# kept its interval (it does not, on a loaded host): each request's send time
# comes from its own reply (timestamp - rtt) or "no answer yet" line.
ping_phases() {
	local log=$1

	shift
	awk -v evs="$*" '
	BEGIN { n = split(evs, e, " "); nb = 0
		for (i = 1; i <= n; i++) { split(e[i], kv, "="); nb++; bn[nb] = kv[1]; bt[nb] = kv[2] + 0 } }
	match($0, /^\[[0-9.]+\]/) {
		t = substr($0, 2, RLENGTH - 2) + 0
		if (!match($0, /icmp_seq=[0-9]+/)) next
		s = substr($0, RSTART + 9, RLENGTH - 9) + 0
		# icmp_seq is 16 bits: a long stream wraps (lines come in order)
		if (s + 32768 < raw) wrap += 65536
		raw = s
		s += wrap
		if (s > max) max = s
		if ($0 ~ /bytes from/) {
			rtt = 0
			if (match($0, /time=[0-9.]+/)) rtt = substr($0, RSTART + 5, RLENGTH - 5) / 1000
			rx[s] = 1
			st = t - rtt
		} else
			st = t
		if (!(s in ts) || st < ts[s]) ts[s] = st
	}
	function phase(tt,   i, p) { p = 0; for (i = 1; i <= nb; i++) if (tt >= bt[i]) p = i; return p }
	END {
		last = 0
		for (s = 1; s <= max; s++) {
			if (s in ts) last = ts[s]; else ts[s] = last
			p = phase(ts[s]); sent[p]++; seen[p] = 1
			if (s in rx) { if (run) { g = ts[s] - rs; if (g > gap[rp]) gap[rp] = g; if (g > tg) tg = g }; run = 0 }
			else { lost[p]++; tl++; if (!run) { rs = ts[s]; rp = p }; run = 1 }
		}
		if (run) { g = last - rs; if (g > gap[rp]) gap[rp] = g; if (g > tg) tg = g }
		bn[0] = "before"
		for (p = 0; p <= nb; p++)
			if (seen[p]) printf "phase %s sent %d lost %d longest_gap_ms %d\n", bn[p], sent[p], lost[p], gap[p] * 1000
		printf "total sent %d lost %d longest_gap_ms %d\n", max, tl, tg * 1000
	}' "$log"
}

# ---- live migration ----------------------------------------------------------
# QEMU refuses to migrate while a 9p export is mounted, so a migration test
# first puts the guest in "bare" mode: host root unmounted, commands run by
# busybox ("@..." agent commands still work, host tools do not).

bare_enter() { guest "@/mounts down"; }
bare_leave() { guest "@/mounts up"; }

# The instance we talk to, and the other one, with its taps.
instance() { basename "$AGENT" -agent.sock; }

# lab_env_set VAR VALUE: update the lab env file, for later tests too.
lab_env_set() {
	sed -i "/^$1=/d" "$LAB_ENV"
	echo "$1=$2" >>"$LAB_ENV"
	printf -v "$1" '%s' "$2"
}

migrate_status() {
	qmp '{"execute":"query-migrate"}' | python3 -c 'import json,sys; print(json.load(sys.stdin).get("status","none"))'
}

# migrate_ramcheck TO: both guests are paused (the source after completing,
# the destination started with -S): dump their RAM and compare it, keeping
# the dumps in $LAB_DIR when they differ.  Sets MIGRATE_RAM_DIFF to the
# number of pages that differ.  QEMU 7.2 under TCG with two vCPUs was seen
# handing the destination stale pages; the guest then crashed in the page or
# slab allocator, which this tells apart from a driver bug.
migrate_ramcheck() {
	local dqmp=$RUN_DIR/$1-qmp.sock src=$LAB_DIR/ram-src.bin dst=$LAB_DIR/ram-dst.bin
	local size=$((${LAB_MEM:-1024} * 1024 * 1024)) save st i

	# "completed" on the source only means it sent everything: wait until
	# the destination has loaded it
	for ((i = 0; i < 100; i++)); do
		st=$(python3 "$LABCTL" qmp "$dqmp" '{"execute":"query-status"}' |
		     python3 -c 'import json,sys; print(json.load(sys.stdin).get("status",""))')
		[ "$st" = inmigrate ] || break
		sleep 0.1
	done
	# q35 keeps up to 2 GiB of RAM below the PCI hole
	[ "$size" -gt $((2048 * 1024 * 1024)) ] && size=$((2048 * 1024 * 1024))
	save='{"execute":"pmemsave","arguments":{"val":0,"size":'$size',"filename":"%s"}}'
	# shellcheck disable=SC2059
	qmp "$(printf "$save" "$src")" >/dev/null
	# shellcheck disable=SC2059
	python3 "$LABCTL" qmp "$dqmp" "$(printf "$save" "$dst")" >/dev/null
	python3 "$LAB_HOME/ramcmp.py" "$src" "$dst" >"$LAB_DIR/ramcmp.txt" ||
		echo -1 >"$LAB_DIR/ramcmp.txt"
	MIGRATE_RAM_DIFF=$(head -n 1 "$LAB_DIR/ramcmp.txt")
	if [ "$MIGRATE_RAM_DIFF" = 0 ]; then
		rm -f "$src" "$dst"
	else
		echo "destination RAM differs from the source's in $MIGRATE_RAM_DIFF pages (address bytes):"
		tail -n +2 "$LAB_DIR/ramcmp.txt"
	fi
	python3 "$LABCTL" qmp "$dqmp" '{"execute":"cont"}' >/dev/null
}

# migrate_live: start a destination QEMU on the other pair of taps, migrate
# the guest to it over loopback TCP, stop the source, and talk to the
# destination from then on.  Sets MIGRATE_DOWNTIME_MS (QEMU's, or from the
# source's stop until the destination runs).  The guest must be bare.
# With LAB_RAMCHECK=1 the destination starts paused and migrate_ramcheck runs
# before it resumes (which lengthens the downtime the peer sees).
migrate_live() {
	local from to tsby tpri port st i syncs paused=()

	from=$(instance)
	if [ "$from" = vm ]; then to=vm2; tsby=tap-sby2; tpri=tap-pri2; else to=vm; tsby=tap-sby; tpri=tap-pri; fi
	port=$((20000 + RANDOM % 20000))
	[ "$LAB_RAMCHECK" = 1 ] && paused=(-S)
	(source "$LAB" &&
	 qemu_start "$to" "$tsby" "$tpri" -incoming "tcp:127.0.0.1:$port" "${paused[@]}") ||
		return 1
	if [ "${LAB_MIGRATE_STOP:-1}" = 1 ]; then
		# QEMU 7.2's TCG loses guest writes that race with a dirty-bitmap
		# sync made while the vCPUs run: a TLB fill or a notdirty write
		# that read the page's dirty bit before the sync cleared it leaves
		# the TLB entry writable without notdirty, and the page's later
		# writes are never sent.  The destination then gets stale pages
		# (LAB_RAMCHECK=1) and crashes.  So the source is stopped before
		# the first pass ends and every sync after setup's runs with the
		# vCPUs stopped (labctl.py migrate-stop); LAB_MIGRATE_STOP=0 lets
		# QEMU complete on its own.
		st=$(python3 "$LABCTL" migrate-stop "$QMP" "$RUN_DIR/$to-qmp.sock" \
			"tcp:127.0.0.1:$port" $((64 << 20)) -t 120) || { echo "$st"; return 1; }
		read -r syncs MIGRATE_DOWNTIME_MS <<<"$st"
		echo "source stopped at dirty sync $syncs, destination resumed ${MIGRATE_DOWNTIME_MS} ms later"
	else
		qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:$port\"}}" >/dev/null || return 1
		for ((i = 0; i < 1200; i++)); do
			st=$(migrate_status)
			case $st in
			completed) break ;;
			failed|cancelled) echo "migration $st"; return 1 ;;
			esac
			sleep 0.1
		done
		[ "$st" = completed ] || { echo "migration still $st"; return 1; }
		MIGRATE_DOWNTIME_MS=$(qmp '{"execute":"query-migrate"}' |
			python3 -c 'import json,sys; print(json.load(sys.stdin).get("downtime",-1))')
	fi
	MIGRATE_RAM_DIFF=
	[ "$LAB_RAMCHECK" = 1 ] && migrate_ramcheck "$to"
	qmp '{"execute":"quit"}' >/dev/null 2>&1
	rm -f "$RUN_DIR/$from.pid"
	lab_env_set AGENT "$RUN_DIR/$to-agent.sock"
	lab_env_set QMP "$RUN_DIR/$to-qmp.sock"
}

# migrate_cancelled: start a migration that cannot finish (a throttled
# stream to nowhere), wait until QEMU has unplugged the primary and the guest
# has ejected it, then cancel; QEMU plugs the primary back.  The guest must be
# bare.  Returns non-zero if the unplug never happened.
migrate_cancelled() {
	local st i

	qmp '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":4096}}' >/dev/null
	qmp '{"execute":"migrate","arguments":{"uri":"exec:cat > /dev/null"}}' >/dev/null || return 1
	for ((i = 0; i < 600; i++)); do
		st=$(migrate_status)
		[ "$st" = active ] && break
		sleep 0.1
	done
	qmp '{"execute":"migrate_cancel"}' >/dev/null
	for ((i = 0; i < 300; i++)); do
		st=$(migrate_status)
		[ "$st" = cancelled ] && break
		sleep 0.1
	done
	qmp '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":134217728}}' >/dev/null
	[ "$st" = cancelled ]
}

# bare_roles: MASTER STANDBY PRIMARY from sysfs with busybox only.
bare_roles() {
	read -r MASTER STANDBY PRIMARY < <(guest '@sby=-; m=-; p=-
for d in /sys/class/net/*; do
	[ "$(cat $d/phys_port_name 2>/dev/null)" = sby ] && sby=${d##*/}
done
[ "$sby" != - ] && [ -e /sys/class/net/$sby/master ] && m=$(basename $(readlink /sys/class/net/$sby/master))
for l in /sys/class/net/$m/lower_*; do
	[ -e "$l" ] && [ "${l##*/lower_}" != "$sby" ] && p=${l##*/lower_}
done
echo "$m $sby $p"')
}

bare_trio_complete() {
	bare_roles
	[ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" != - ]
}

bare_primary_gone() {
	bare_roles
	[ "$PRIMARY" = - ]
}

# trio_whole: like trio_complete, but an agent that did not answer (empty
# roles) does not count as a whole trio.
trio_whole() {
	roles
	[ -n "$MASTER" ] && [ -n "$STANDBY" ] && [ -n "$PRIMARY" ] &&
		[ "$MASTER" != - ] && [ "$STANDBY" != - ] && [ "$PRIMARY" != - ]
}

# kmem_kb: the guest's unreclaimable slab plus per-CPU memory, in kB: what a
# leaked net_device, its queues and its driver's structures would grow.
kmem_kb() {
	guest "awk '/^(SUnreclaim|Percpu):/ { s += \$2 } END { print s }' /proc/meminfo"
}

# kmem_flat BEFORE AFTER CYCLES: growth within what the guest's own activity
# varies by (512 kB) or 1 kB a cycle, whichever is more.  A leaked e1000
# netdev is over 20 kB.
kmem_flat() {
	local bound=$(($3 > 512 ? $3 : 512))

	[ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -le "$bound" ]
}

# stock_module MODULE: true if the stack runs Debian's own MODULE.
stock_module() {
	case $STACK in
	stock) return 0 ;;
	ours) return 1 ;;
	*) [[ ",$STACK," == *",$1=stock,"* ]] ;;
	esac
}

# finish_beyond MODULE REASON: exit with the result; failed beyond
# assertions are expected (XFAIL, with REASON) when MODULE is stock's, on
# the all-stock stack and on mixed ones.
finish_beyond() {
	local m

	[ "$RET" -ne 0 ] && exit "$RET"
	# every module whose beyond assertion failed must be stock's
	for m in $BEYOND_IN; do
		stock_module "$m" || exit $KSFT_FAIL
	done
	if [ "$BEYOND_FAILED" = 1 ] && ! stock_module "$1"; then
		exit $KSFT_FAIL
	fi
	if [ "$BEYOND_FAILED" = 1 ] || [ -n "$BEYOND_IN" ]; then
		[ -n "$2" ] || exit $KSFT_FAIL
		m=$BEYOND_IN
		[ "$BEYOND_FAILED" = 1 ] && m="$m $1"
		echo "XFAIL: $2 (stock $(tr ' ' '\n' <<<"$m" | sort -u | paste -sd' ' | sed 's/^ //'))"
		exit $KSFT_XFAIL
	fi
	exit 0
}

# ---- extra guests --------------------------------------------------------------
# A hypervisor scenario that needs other devices than the lab guest's (a
# primary plugged later, two pairs, an unpaired primary) boots a small guest
# of its own beside it, as migrate_live boots a destination: same kernel,
# initramfs and host root, its own taps on the lab's bridge, one queue pair.
# From extra_up to extra_down, guest() and qmp() talk to that guest.

EXTRA=
EXTRA_TAPS=

# extra_tap TAP: a tap on the lab's bridge for the extra guest (a NIC spec
# names its taps; a primary hotplugged by QMP needs one made beforehand).
extra_tap() {
	ip -n "$NS_SW" tuntap add "$1" mode tap &&
		ip -n "$NS_SW" link set "$1" master br0 up &&
		EXTRA_TAPS="$EXTRA_TAPS $1"
}

# extra_up NAME NIC...: boot the extra guest NAME with one NIC per spec,
# "standby ID NETDEV TAP MAC BUS [off]" or "primary ID NETDEV TAP MAC BUS
# STANDBY [MODEL]" (lab.sh nic_standby, nic_primary; buses rp0-rp3), and wait for
# its agent.  The taps are created here.
extra_up() {
	local name=$1 n w

	shift
	for n in "$@"; do
		read -r -a w <<<"$n"
		extra_tap "${w[3]}" || return 1
	done
	LAB_AGENT=$AGENT
	LAB_QMP=$QMP
	EXTRA=$name
	(
		# shellcheck disable=SC1091
		source "$LAB" || exit 1
		# single-queue taps (extra_tap); nic_standby reads it
		# shellcheck disable=SC2034
		LAB_QUEUES=1
		nics=
		for n in "$@"; do
			read -r kind spec <<<"$n"
			# shellcheck disable=SC2086
			nics="$nics $("nic_$kind" $spec)"
		done
		LAB_NICS=$nics LAB_MEM=512 qemu_start "$name" - -
	) || return 1
	AGENT=$RUN_DIR/$name-agent.sock
	QMP=$RUN_DIR/$name-qmp.sock
	# The agent drops what arrives before it listens, and labctl retries a
	# ping only every 5 s: the console says when it listens.
	busywait 180000 grep -q 'folab: agent ready' "$LAB_DIR/$name-console.log"
	python3 "$LABCTL" ping "$AGENT" -t 60 2>/dev/null
}

# extra_load: the stack's modules in the extra guest (fo.sh loadnet: no trio
# awaited, ARP per netdev).
extra_load() {
	# shellcheck disable=SC2086
	GUEST_TIMEOUT=120 guest "$G" loadnet $STACK_PATHS
}

# extra_down: the extra guest's kernel log to $LAB_DIR/NAME-dmesg.txt, and
# checked like the runner checks the lab guest's (a splat fails the test);
# then the guest stopped, its taps deleted, guest() and qmp() back on the lab
# guest.
extra_down() {
	local name=$EXTRA log pid t

	[ -n "$name" ] || return 0
	log=$LAB_DIR/$name-dmesg.txt
	GUEST_TIMEOUT=20 guest dmesg >"$log" 2>/dev/null ||
		cp "$LAB_DIR/$name-console.log" "$log"
	pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null)
	qmp '{"execute":"quit"}' >/dev/null 2>&1
	if [ -n "$pid" ] && ! busywait 10000 eval "! kill -0 $pid 2>/dev/null"; then
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$RUN_DIR/$name.pid"
	for t in $EXTRA_TAPS; do
		ip -n "$NS_SW" link del "$t" 2>/dev/null
	done
	EXTRA=
	EXTRA_TAPS=
	AGENT=$LAB_AGENT
	QMP=$LAB_QMP
	# shellcheck disable=SC1091
	if (source "$LAB" && dmesg_check "$log") >"$LAB_DIR/$name-splats.txt"; then
		pass "$name: guest kernel log clean"
	else
		head -n 20 "$LAB_DIR/$name-splats.txt" | sed "s/^/$name dmesg: /"
		fail "$name: guest kernel log clean (see $log)"
	fi
}

# qmp_ok JSON: one QMP command, its answer printed only when it is an error.
qmp_ok() {
	local out

	out=$(qmp "$1") || { echo "$out"; return 1; }
}

# tx_counts DEV...: like stats, for the tx counters only, in one guest call
# (a guest call costs about a second under TCG).  Sets TX_<dev>.
tx_counts() {
	local d out v

	out=$(guest "for d in $*; do echo \$d \$(cat /sys/class/net/\$d/statistics/tx_packets 2>/dev/null); done")
	for d in "$@"; do
		v=$(awk -v d="$d" '$1 == d { print $2 }' <<<"$out")
		printf -v "TX_${d//[^a-zA-Z0-9]/_}" '%s' "${v:-0}"
	done
}

# tx_of DEV: TX_<dev> as tx_counts last set it.
tx_of() { local v="TX_${1//[^a-zA-Z0-9]/_}"; echo "${!v:-0}"; }

# links: LINKS, the guest's "NAME DRIVER MASTER PHYS_PORT_NAME MAC" lines.
links() { LINKS=$(guest "$G" links); }

# link_of DRIVER MAC: the name of the guest netdev of DRIVER with MAC (of
# LINKS), empty if none.
link_of() { awk -v d="$1" -v m="$2" '$2 == d && $5 == m { print $1 }' <<<"$LINKS"; }

# field_of NAME N: field N of NAME's line of LINKS.
field_of() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$LINKS"; }

# standby_negotiated DEV: the guest's virtio device under DEV negotiated
# VIRTIO_NET_F_STANDBY (bit 62 of its features).
standby_negotiated() {
	[ "$(guest "cut -c63 /sys/class/net/$1/device/features")" = 1 ]
}

# e1000_devices: how many e1000 PCI functions (8086:100e) the guest has.
e1000_devices() {
	guest "grep -l 0x100e /sys/bus/pci/devices/*/device | while read -r f; do grep -q 0x8086 \${f%/device}/vendor && echo; done | wc -l"
}
