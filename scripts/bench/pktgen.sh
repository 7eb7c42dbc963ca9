#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pktgen.sh DEV DST DST_MAC SIZE COUNT [SECS]: runs in the guest (bench
# scripts copy it to the lab's share).  pktgen, xmit_mode queue_xmit (the
# qdisc path every sender uses), SIZE-byte UDP frames to DST at DST_MAC,
# clone_skb 0.  With SECS, it sends for SECS seconds (COUNT 0: no limit);
# without, until COUNT frames are out.  Prints "SENT ERRORS PPS".

DEV=$1 DST=$2 DMAC=$3 SIZE=$4 COUNT=$5 SECS=$6
PG=/proc/net/pktgen

modprobe pktgen || exit 1
echo rem_device_all >$PG/kpktgend_0
echo "add_device $DEV" >$PG/kpktgend_0 || exit 1
for c in "count $COUNT" "clone_skb 0" "pkt_size $SIZE" "delay 0" "dst $DST" \
	"dst_mac $DMAC" "udp_dst_min 9" "udp_dst_max 9" "xmit_mode queue_xmit"; do
	echo "$c" >"$PG/$DEV" || exit 1
done
if [ -n "$SECS" ]; then
	(echo start >$PG/pgctrl) &
	sleep "$SECS"
	echo stop >$PG/pgctrl
	wait
else
	echo start >$PG/pgctrl
fi
# one read (the guest has no /dev/fd for process substitution)
out=$(cat "$PG/$DEV")
[[ $out =~ pkts-sofar:\ *([0-9]+) ]] && sent=${BASH_REMATCH[1]}
[[ $out =~ ([0-9]+)pps[^$'\n']*errors:\ *([0-9]+) ]] &&
	pps=${BASH_REMATCH[1]} errors=${BASH_REMATCH[2]}
echo "${sent:--} ${errors:--} ${pps:--}"
echo rem_device_all >$PG/kpktgend_0
