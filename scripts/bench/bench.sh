#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: ours side by side with stock, in one run.
#
# Boots the lab once per stack (stock, then ours; BENCH_STACKS= overrides),
# runs scripts/bench/run_stack.sh against it, and writes bench/results.md (a table of
# median [min-max] over BENCH_REPS repeats, and the ours/stock ratio), PNG
# plots in bench/, and the table into README.md's "## Benchmarks" section.
# The machine is shared and emulated (TCG): only ratios measured in the same
# run mean anything, never the absolute numbers.
#
#   BENCH_REPS=3        repeats of each measurement per stack
#   BENCH_SCALE_N=4096  failover instances for the pairing-scale metric
#   LAB_SMP=1           guest vCPUs (2 host cores are shared with other labs)
#   BENCH_PARTS="time cost"  the timed measurements (loss, gaps, pps, scale)
#                       and the cost per packet (one more boot per stack, with
#                       QEMU counting the guest's instructions: cost.sh)
#   BENCH_COST_REPS=5   repeats of each cost measurement
#   BENCH_ICOUNT=shift=1  QEMU -icount for the cost boot ("" for none)

DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$DIR/../.." && pwd)
LAB=$REPO/tools/testing/selftests/drivers/net/failover/qemu/lab.sh
STACKS=${BENCH_STACKS:-stock ours}
RESULTS=$REPO/bench
export LAB_SMP=${LAB_SMP:-1} LAB_QUIET=1 BENCH_REPS=${BENCH_REPS:-3}
export BENCH_SCALE_N=${BENCH_SCALE_N:-4096}

t_start=$(date +%s)
say() { echo "bench: $*" >&2; }

# Ours is built for the lab's kernel; a failed build stops the run (never
# stock against stock).
"$LAB" build || exit 1
KDIR=$("$LAB" kdir)
say "building the failover_scale test module"
mkdir -p "$REPO/out"
make -s -C "$KDIR" M="$DIR" modules >"$REPO/out/bench-module.log" 2>&1 ||
	say "failover_scale did not build (see out/bench-module.log)"

PARTS=${BENCH_PARTS:-time cost}
RAW=$REPO/out/bench-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RAW" "$RESULTS"
case " $PARTS " in *" time "*) ;; *) TIME_STACKS= ;; esac
for s in ${TIME_STACKS-$STACKS}; do
	t0=$(date +%s)
	say "stack $s: booting the lab"
	env=$(STACK=$s "$LAB" up) || {
		say "stack $s: lab did not come up"
		[ -n "$env" ] && [ -f "$env" ] && "$LAB" down "$env" >/dev/null
		continue
	}
	trap '"$LAB" down "$env" >/dev/null; exit 1' INT TERM
	LAB_ENV=$env "$DIR/run_stack.sh" "$RAW/$s" 2>&1 | tee "$RAW/$s.log" | grep --line-buffered '^bench:' >&2
	say "stack $s: RTNL hold times"
	LAB_ENV=$env "$DIR/rtnl_hold.sh" "$RAW/$s/values" >>"$RAW/$s.log" 2>&1 ||
		echo "fail rtnl_flap rtnl_hold.sh failed (see $s.log)" >>"$RAW/$s/values"
	"$LAB" down "$env" >/dev/null
	trap - INT TERM
	cp "$(dirname "$env")/dmesg.txt" "$RAW/$s/dmesg.txt" 2>/dev/null
	say "stack $s: done in $(($(date +%s) - t0)) s (lab logs: $(dirname "$env"))"
done

# Cost per packet: QEMU counts the guest's instructions (insncount.so) and
# runs the guest's clock off them (icount, BENCH_ICOUNT="" for the host's
# clock), so the figures follow the code executed, not the host's load.
case " $PARTS " in *" cost "*)
	gcc -O2 -Wall -shared -fPIC -o "$REPO/out/insncount.so" "$DIR/insncount.c" ||
		say "insncount.so did not build: no cost figures"
	for s in $STACKS; do
		[ -f "$REPO/out/insncount.so" ] || break
		t0=$(date +%s)
		say "stack $s: booting the lab for the cost per packet"
		env=$(LAB_INSNCOUNT=$REPO/out/insncount.so LAB_ICOUNT=${BENCH_ICOUNT-shift=1} \
			STACK=$s "$LAB" up) || {
			say "stack $s: lab did not come up"
			[ -n "$env" ] && [ -f "$env" ] && "$LAB" down "$env" >/dev/null
			continue
		}
		trap '"$LAB" down "$env" >/dev/null; exit 1' INT TERM
		LAB_ENV=$env "$DIR/cost.sh" "$RAW/cost-$s" 2>&1 | tee "$RAW/cost-$s.log" | grep --line-buffered '^bench:' >&2
		"$LAB" down "$env" >/dev/null
		trap - INT TERM
		cp "$(dirname "$env")/dmesg.txt" "$RAW/cost-$s/dmesg.txt" 2>/dev/null
		say "stack $s: cost done in $(($(date +%s) - t0)) s"
	done
	;;
esac

# Cost alone (BENCH_PARTS=cost): bench/cost.md, results.md untouched.
case " $PARTS " in *" time "*) ;; *)
	{
		echo "# Cost per packet: ours vs stock"
		echo
		echo "Written by \`BENCH_PARTS=cost make bench\` on $(date -u +%Y-%m-%d) at commit" \
			"$(git -C "$REPO" rev-parse --short HEAD), stacks: $STACKS; the method is"
		echo "item 9 of [results.md](results.md).  Median [min-max] over" \
			"${BENCH_COST_REPS:-5} repeats."
		echo
		echo "| metric | ${STACKS// / | } | ratio |"
		echo "|---|---|---|---|"
		# shellcheck disable=SC2086
		python3 "$DIR/costreport.py" "$RAW" "$RESULTS" $STACKS
		echo
		echo "![cost per packet](cost.png)"
	} >"$RESULTS/cost.md"
	cat "$RESULTS/cost.md"
	say "took $(($(date +%s) - t_start)) s; results in bench/cost.md, raw data in ${RAW#"$REPO"/}"
	exit 0
	;;
esac

# shellcheck disable=SC2086
python3 "$DIR/report.py" "$RAW" "$RESULTS" $STACKS >"$RAW/table.txt" || exit 1
case " $PARTS " in *" cost "*)
	# shellcheck disable=SC2086
	python3 "$DIR/costreport.py" "$RAW" "$RESULTS" $STACKS >>"$RESULTS/table.md" &&
		[ -f "$RESULTS/cost.png" ] && echo cost >>"$RESULTS/plots"
	;;
esac
# shellcheck disable=SC2086
"$DIR/results.sh" "$RAW" "$RESULTS" "$REPO/README.md" $STACKS
mv "$RESULTS/table.md" "$RAW/table.md"
cat "$RAW/table.md"
say "took $(($(date +%s) - t_start)) s; results in bench/results.md, raw data in ${RAW#"$REPO"/}"
