#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Primary carrier storm: the host toggles the primary's link (QMP set_link on
# npri) off and on FLAPS times (default 20, STRESS=full: 200), 200 ms apart,
# while the peer pings the guest every 5 ms.
#
# Parity: the system stays consistent (trio whole, primary enslaved with
# carrier, one MAC), traffic flows via the primary once the guest has sent on
# it, no splat.  Stock blackholes the peer's frames that the bridge sends to
# the standby while the carrierless primary is enslaved (it drops standby
# frames whenever a primary is enslaved), so only that is parity.
# Beyond stock: the peer's traffic resumes after the storm without the guest
# sending first, and the storm loses at most MAX_LOSS_PCT of the pings.

source "$(dirname "$0")/lib.sh"

FLAPS=${FLAPS:-20}
[ "$STRESS" = full ] && FLAPS=${FLAPS_FULL:-200}
GAP=${FLAP_GAP:-0.2}
MAX_LOSS_PCT=${MAX_LOSS_PCT:-5}
PING_LOG=$LAB_DIR/flap-ping.log

set_link() {
	qmp "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"npri\",\"up\":$1}}" >/dev/null
}

if ! trio_whole; then
	fail "trio complete before the storm ($MASTER $STANDBY $PRIMARY)"
	finish
fi
pass "trio complete before the storm ($MASTER $STANDBY $PRIMARY)"
master0=$MASTER sby0=$STANDBY pri0=$PRIMARY

ip netns exec "$NS_PEER" ping -D -O -i 0.005 -W 1 "$GUEST_IP" >"$PING_LOG" 2>&1 &
ping_pid=$!
sleep 1
t_storm=$(date +%s.%N)
# One QMP connection for the whole storm: a labctl call per toggle costs
# more than the gap on a loaded host.
python3 - "$LAB_HOME" "$QMP" "$FLAPS" "$GAP" <<'PY' || fail "QMP set_link storm"
import sys, time
sys.path.insert(0, sys.argv[1])
from labctl import Qmp
q = Qmp(sys.argv[2], 10)
gap = float(sys.argv[4])
for i in range(int(sys.argv[3])):
    for up in (False, True):
        r = q.cmd({"execute": "set_link", "arguments": {"name": "npri", "up": up}})
        if "error" in r:
            sys.exit("set_link: %s" % r["error"])
        time.sleep(gap)
PY
t_end=$(date +%s.%N)
set_link true
echo "flap: $FLAPS flaps in $(echo "$t_end - $t_storm" | bc | cut -c1-5) s"

check "primary $PRIMARY has carrier after the storm" busywait 30000 carrier "$PRIMARY"
check "master $MASTER has carrier" busywait 10000 carrier "$MASTER"
# Beyond stock, measured before the guest sends anything on purpose.
t_after=$(date +%s.%N)
busywait 5000 ping_ok
resumed=$?
sleep 1
kill -INT "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null
read -r _ _ _ ssent _ slost _ sgap < <(ping_phases "$PING_LOG" storm="$t_storm" after="$t_after" | grep '^phase storm')
read -r _ _ _ asent _ alost _ agap < <(ping_phases "$PING_LOG" storm="$t_storm" after="$t_after" | grep '^phase after')
echo "flap: storm lost ${slost:-?} of ${ssent:-?} pings (longest gap ${sgap:-?} ms)," \
	"after it ${alost:-?} of ${asent:-?} (longest gap ${agap:-?} ms)"

# Parity.
check "trio whole and unchanged after the storm" \
	eval 'trio_whole && [ "$MASTER $STANDBY $PRIMARY" = "$master0 $sby0 $pri0" ]'
macs=$(guest "cat /sys/class/net/{$MASTER,$STANDBY,$PRIMARY}/address" | sort -u)
check "one MAC on all three ($macs)" [ "$macs" = "$MAC" ]
check "guest reaches the peer" busywait 20000 guest_ping_ok
stats "$PRIMARY"
eval "p0=\$TX_${PRIMARY//[^a-zA-Z0-9]/_}"
ping_peer 100
dp=$(delta TX "$PRIMARY" "$p0")
check "after the storm: $RECEIVED/$SENT replies, on the primary (tx +$dp)" \
	test "$RECEIVED" -eq 100 -a "$dp" -ge 100
check "MTU of $MASTER still 1500" [ "$(guest cat "/sys/class/net/$MASTER/mtu")" = 1500 ]
parity=$RET
[ "$parity" -eq 0 ] || finish

# Beyond stock.
beyond "peer's traffic resumed within 5 s without the guest sending first" [ "$resumed" -eq 0 ]
beyond "storm lost ${slost:-?}/${ssent:-?} pings <= $MAX_LOSS_PCT%" \
	test "${slost:-99999}" -le $(( ${ssent:-0} * MAX_LOSS_PCT / 100 ))
finish_beyond net_failover "stock drops the standby's frames while the carrierless primary is enslaved"
