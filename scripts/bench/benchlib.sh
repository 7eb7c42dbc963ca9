# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by run_stack.sh and tcp_switch.sh, sourced after the
# selftests' lib.sh with EV (events) and VAL (values) set.

ev() { echo "$(date +%s.%N) $*" >>"$EV"; }
failed() { echo "fail $1 ${*:2}" >>"$VAL"; echo "bench: $STACK: $1 failed: ${*:2}" >&2; }
# ev_time NAME REP: the time of the last event NAME of repeat REP
ev_time() { awk -v n="$1" -v r="$2" '$2 == n && $3 == r {print $1}' "$EV" | tail -n 1; }
# sleep_until EPOCH SECS: until SECS after EPOCH
sleep_until() {
	local left

	left=$(echo "$1 + $2 - $(date +%s.%N)" | bc)
	[ "$(echo "$left > 0" | bc)" = 1 ] && sleep "$left"
}
set_link() { qmp "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"npri\",\"up\":$1}}" >/dev/null; }
