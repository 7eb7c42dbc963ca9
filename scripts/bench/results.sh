#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# results.sh RAW_DIR RESULTS_DIR README STACK...: bench/results.md from the
# table report.py made, and the "## Benchmarks" section of README.md (only
# that section is rewritten; it is appended if missing).

RAW=$1
RES=$2
README=$3
shift 3
STACKS="$*"
TABLE=$(cat "$RES/table.md")
PLOTS=$(cat "$RES/plots" 2>/dev/null)
rm -f "$RES/plots"
REPS=${BENCH_REPS:-3}
KVER=$(sed -n 's/^Linux version \([^ ]*\).*/\1/p' "$RAW"/*/dmesg.txt 2>/dev/null | head -n 1)
COMMIT=$(git -C "$(dirname "$README")" rev-parse --short HEAD 2>/dev/null)

{
cat <<EOF2
# Benchmarks: ours vs stock

Written by \`make bench\` (scripts/bench/bench.sh)
on $(date -u +%Y-%m-%d) at commit $COMMIT, guest kernel ${KVER:-Debian 6.12}, stacks: $STACKS
(each a fresh boot of the QEMU lab, TCG, $LAB_SMP vCPU, in the same run).

The host has 2 cores shared with other labs and QEMU emulates the CPU: absolute
numbers are slow and noisy, so only the ratio of two stacks measured in the same
run means something.  Each cell is the median over $REPS repeats [min-max]; the
ratio is ours/stock of the medians.  ">X never" means the event did not happen
within the measurement window (X is the window): stock's known behaviour, not a
failure.  "failed: ..." means the measurement could not be taken on that stack.

$TABLE

![receive rate across a planned unplug and replug](unplug.png)

EOF2
for p in $PLOTS; do
	[ "$p" = unplug ] || echo "![$p]($p.png)"
done
cat <<'EOF2'

## Method

The lab (lab.sh) is a Debian 6.12 guest under QEMU 7.2 with QEMU's failover
pairing: standby virtio-net-pci failover=on, primary e1000 with
failover_pair_id, both on taps in one bridge with the peer namespace.

* **Stream** (metrics 1, 2, 3, 7, 8): the peer sends 1000 ICMP echo requests
  per second (bench/stream.py), each carrying a 64-bit sequence number and its
  send time; the guest's kernel answers them, so the stream also runs while the
  guest is in bare mode (9p unmounted, needed for migration) and counts loss on
  both paths at the receiving peer.  A request is lost if no reply came within
  1 s.  "Longest gap" is the longest run of lost requests, from the send time
  of its first request to that of the next answered one.  The peer never
  sends unless asked and the guest only answers, so a switch that still points
  at a dead port stays wrong: that is the "stock never recovers here without
  guest traffic" case, shown as ">X never".  Between measurements the guest
  pings the peer once (outside the windows) so that every measurement starts
  from a working path.
* **Which NIC carries the traffic**: rx_packets of the primary's and the
  standby's taps on the host, every 10 ms.  "Traffic back on the primary"
  is the first 100 ms in which at least 30% of the stream leaves on the
  primary's tap and the standby's tap is about idle.
* **1. Planned unplug**: QMP migrate to a stream that cannot finish
  (max-bandwidth 4 KiB/s), which makes QEMU unplug the primary and wait for the
  guest to eject it (status wait-unplug, then active); 1 s later
  migrate_cancel, and QEMU plugs the primary back.  Loss is counted from the
  migrate command to the cancel; **2.** the return from the cancel over the
  next 8 s.  The return by PCI rescan is the guest removing the primary's PCI
  device (`/sys/bus/pci/devices/*/remove`, a surprise removal, also reported)
  and rescanning 2 s later, loss over the next 8 s.
* **3. Carrier loss**: QMP set_link npri off for 5 s, then on for 5 s.
* **4. Master transmit overhead**: pktgen in the guest, `xmit_mode
  queue_xmit` (the qdisc path every sender uses, so the master's extra
  dev_queue_xmit() hop is what is measured), 60-byte UDP to the peer's MAC,
  clone_skb 0, 2 s per run, alternating master and primary within a repeat.
  "Direct" is pktgen on the e1000 itself while it is enslaved (transmit does
  not go through the master's rx handler, so this is the device without the
  master).  The bond rows come at the end of each boot: the failover stack is
  unloaded (rmmod virtio_net net_failover failover), the e1000 is enslaved
  alone to an active-backup bond, and bond and e1000 are measured the same
  way; they are the same in both columns by construction and show the noise.
* **5. virtio_net throughput**: the primary's PCI device is removed, so the
  master transmits and receives on the virtio-net standby; iperf3 TCP for 3 s
  (1 s omitted) guest->peer and peer->guest (-R).  "ours" is the whole stack
  of ours, so the master's hop is included on both sides.
* **6. Pairing scale**: bench/failover_scale.ko (out-of-tree, built against
  the kernel headers; it uses only the failover API, whose CRCs are equal for
  both cores, so one build loads on either) registers N dummy netdevs with
  distinct permanent MACs and failover_register()s each with trivial ops, then
  11 times registers a new netdev with the permanent MAC of the last instance
  (the worst case for a list walk) and one with a MAC no instance has.  A
  kretprobe on the core's netdev notifier (failover_event, in both cores)
  times the core's NETDEV_REGISTER handling of that netdev: the lookup and, on
  a hit, the enslavement.  The cell is the median of the 11 probes per run.
  register_netdev() as a whole is reported too: it grows with the number of
  netdevs for reasons that are not failover's (sysfs, sysctl, ...).  Knobs
  are in debugfs (failover_scale/run, result); console logging is turned
  down during the test (dmesg -n 1), as 2N "registered" lines would
  otherwise time the serial console.
* **7. Trio formation**: the guest rescans the PCI bus (the e1000 is probed
  and paired inside the write) and polls sysfs until the new primary is
  enslaved and has carrier (guest clock); "traffic on the primary" is from
  the host taps, counted from the host's rescan request (includes the agent's
  round trip).
* **8. Live migration**: migrate_live (lib.sh) to a second QEMU on loopback
  with the guest in bare mode; loss from the migrate command to 8 s after
  completion; downtime as QEMU reports it.

* **9. Cost per packet**: one more boot per stack, with QEMU loading
  scripts/bench/insncount.c, a TCG plugin that adds each translated block's
  length to a counter (kernel and user apart, by address) every time the
  block runs, in a file the host reads while the guest runs (cost.sh).  The
  count follows the code the guest executes, not time: on a quiet host 5
  repeats agree within about 1-2% for transmit and 3% for receive.  It is
  not immune to load: with every host core busy, transmit through the
  master counted about 13% more (timer ticks and interrupts per packet grow
  as the guest slows), so compare stacks from one quiet run (item 10).  Transmit: pktgen queue_xmit sends
  20000 and then 100000 frames; the cost is the difference of the two
  runs' kernel instructions over 80000 (the agent's command and pktgen's
  setup cancel out).  Receive: the peer sends 300 UDP frames/s to an address
  the guest does not have, with the guest's MAC, dropped after the route
  lookup (forwarding off); rxcost.py counts the kernel instructions per
  0.25 s slice less the idle rate and takes the median over the slices.  At
  300/s every frame wakes the CPU on its own, so the figure includes the
  interrupt and the way out of idle; it is what one frame costs, not a
  saturated rate.  The e1000 alone and the bond come at the end of the boot
  with the stack unloaded: the same in both columns by construction.
  Ratios are per repeat (master and direct measured back to back).
  Profile a path with LAB_INSNPROF=1 and scripts/bench/insnprof.py (per
  function, from two snapshots and the guest's /proc/kallsyms).
* **11. TCP across a switch** (tcp_switch.sh): an iperf3 stream from the
  peer to the guest's master, 15 s, with the guest removing its primary 4 s
  in and rescanning it 5 s later; in a second stream, set_link takes the
  primary's carrier away and gives it back, 5 s apart.  tcpdump on the
  peer's interface keeps the headers; tcpswitch.py counts, in the 4.5 s
  after each event, the peer's segments sent again (by sequence number, in
  1448 B units) and the longest time the guest acknowledged nothing new,
  and the goodput (the guest's cumulative ACKs) in the second before and
  after.  ">" marks a stall that lasted to the window's end.

Raw data of this run: out/ (not committed); rerun with `make bench`.
EOF2
} >"$RES/results.md"

# README: replace or append the "## Benchmarks" section.
SECTION=$(mktemp)
{
	echo "## Benchmarks"
	echo
	echo "\`make bench\` (about 15 minutes) boots the lab once per stack and measures"
	echo "ours against stock in the same run; see [bench/results.md](bench/results.md)"
	echo "for the method. Latest results (median [min-max] over the repeats;"
	echo "emulated and shared machine, so compare ratios, not absolute numbers):"
	echo
	cat "$RES/table.md"
	echo
	echo "![receive rate across a planned unplug and replug](bench/unplug.png)"
} >"$SECTION"
python3 - "$README" "$SECTION" <<'PY'
import re, sys
readme, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
text = open(readme).read()
m = re.search(r"^## Benchmarks\n", text, re.M)
if m:
    n = re.search(r"^## ", text[m.end():], re.M)
    end = m.end() + n.start() if n else len(text)
    rest = text[end:]
    text = text[:m.start()] + section + ("\n" + rest if rest else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(readme, "w").write(text)
PY
rm -f "$SECTION"
