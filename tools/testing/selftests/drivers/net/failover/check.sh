#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every check the project has, in one run.
#   build (W=1, sparse), ABI CRCs against the stock modules, checkpatch --strict,
#   KUnit (UML lanes), and the lab selftests on every stack they apply to.
# Prints one line per check ("ok - ..." / "not ok - ...") and ends with
# "N passed, N failed"; exits non-zero if anything failed.
#
# CHECK_STACKS="stock ours" limits the stacks; CHECK_SKIP="kunit lab" skips
# whole parts (for local iteration only: CI runs everything); CHECK_JOBS sets
# how many labs boot at once (default 2, each guest with one vCPU).

SELFTEST_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$SELFTEST_DIR/../../../../../.." && pwd)
LAB=$SELFTEST_DIR/lab.sh
LOG=$REPO/out/check
PASSED=0
FAILED=0
SKIPPED=0

mkdir -p "$LOG"
cd "$REPO" || exit 1

ok() { echo "ok - $*"; PASSED=$((PASSED + 1)); }
nok() { echo "not ok - $*"; FAILED=$((FAILED + 1)); }
result() { # result RC DESC
	local rc=$1

	shift
	if [ "$rc" -eq 0 ]; then ok "$@"; else nok "$@"; fi
}
skipping() { CHECK_SKIP=${CHECK_SKIP:-}; [[ " $CHECK_SKIP " == *" $1 "* ]]; }

t_start=$(date +%s)
"$LAB" deps || { nok "deps"; echo "$PASSED passed, $FAILED failed"; exit 1; }
KDIR=$(ls -d /usr/src/linux-headers-6.12.*-amd64 | grep -v -e cloud -e rt- | sort -V | tail -n 1)
SYMVERS_STOCK=$KDIR/Module.symvers

# ---- build -----------------------------------------------------------------
make -s clean >/dev/null 2>&1
make W=1 C=2 >"$LOG/build.log" 2>&1
rc=$?
cp Module.symvers "$LOG/Module.symvers" 2>/dev/null
result $rc "build: make W=1 C=2"
if [ $rc -ne 0 ]; then
	grep -E 'error|Error' "$LOG/build.log" | head -20 | sed 's/^/#   /'
fi
warn=$(grep -c -E '(warning|error):' "$LOG/build.log")
result "$warn" "build: no compiler or sparse warnings ($warn)"
[ "$warn" -eq 0 ] || grep -E '(warning|error):' "$LOG/build.log" | head -20 | sed 's/^/#   /'

# ---- ABI: our exported symbols carry the stock CRCs ---------------------------
for ko in net/core/failover.ko drivers/net/net_failover.ko; do
	[ -f "$ko" ] || { nok "abi: $ko not built"; continue; }
	mod=${ko%.ko}
	while read -r crc sym path _; do
		[ "$path" = "$mod" ] || continue
		ours=$(awk -v s="$sym" '$2 == s {print $1}' "$LOG/Module.symvers")
		[ "$ours" = "$crc" ]
		result $? "abi: $sym CRC ${ours:-missing} (stock $crc)"
	done <"$SYMVERS_STOCK"
done

# ---- checkpatch --strict -------------------------------------------------------
CHECKPATCH=$REPO/.cache/linux-source-6.12/scripts/checkpatch.pl
for f in $(git ls-files '*.c' '*.h'); do
	out=$("$CHECKPATCH" --strict --no-tree --quiet --show-types -f "$f" 2>&1)
	rc=$?
	result $rc "checkpatch --strict: $f"
	[ $rc -eq 0 ] || echo "$out" | head -20 | sed 's/^/#   /'
done

# ---- KUnit (in the background, beside the lab) ----------------------------------
# The UML builds are CPU-bound and the lab mostly waits on its guests, so
# the two overlap.
KUNIT_PID=
if ! skipping kunit && [ -x "$SELFTEST_DIR/kunit.sh" ]; then
	"$SELFTEST_DIR/kunit.sh" >"$LOG/kunit.log" 2>&1 &
	KUNIT_PID=$!
fi

kunit_collect() {
	local rc p f

	[ -n "$KUNIT_PID" ] || return
	wait "$KUNIT_PID"
	rc=$?
	p=$(grep -c '^ok - ' "$LOG/kunit.log")
	f=$(grep -c '^not ok - ' "$LOG/kunit.log")
	grep -E '^(not )?ok - ' "$LOG/kunit.log"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		nok "kunit: kunit.sh exited $rc (see out/check/kunit.log)"
		tail -20 "$LOG/kunit.log" | sed 's/^/#   /'
	fi
}

# ---- lab selftests on each stack -----------------------------------------------
# The whole suite runs on stock (that proves the tests), on ours, and on our
# virtio_net under Debian's failover and net_failover (our driver must stand
# in for Debian's under the stock master, and every test drives traffic or
# control through the standby); the other mixed stacks run the tests that
# exercise the interface they mix, to stay within CI's time.  A stack is
# tested when all of its "ours" modules were built.  CHECK_FULL=1 runs the
# whole suite on every stack.
all_tests() {
	sed -n 's/^TEST_PROGS [+:]= \(.*\)/\1/p' "$SELFTEST_DIR/Makefile" | tr ' ' '\n' | grep .
}

stack_tests() {
	local want t

	case $1 in
	stock|ours|virtio_net=ours) all_tests; return ;;
	failover=ours) want="trio.sh order.sh hotplug.sh migrate.sh badinput.sh" ;;
	failover=ours,net_failover=ours) want="trio.sh link.sh unplug.sh migrate.sh" ;;
	net_failover=ours) want="trio.sh link.sh unplug.sh" ;;
	esac
	# pairing by MAC is the failover core's: two pairs at once on its mix too
	[ "$1" = failover=ours ] && want="$want two_pairs.sh"
	[ -n "$CHECK_FULL" ] && { all_tests; return; }
	# in the Makefile's order: migrations last
	for t in $(all_tests); do
		[[ " $want " == *" $t "* ]] && echo "$t"
	done
}

# The three whole-suite stacks first: queues take the longest work first.
stacks() {
	local s

	for s in stock \
		 ours \
		 virtio_net=ours \
		 failover=ours \
		 failover=ours,net_failover=ours \
		 net_failover=ours; do
		"$LAB" stack --stack "$s" >/dev/null 2>&1 && echo "$s"
	done
}

# run_queue STACK...: the stacks one after another, each in its own boot,
# skipping those another queue has claimed: a queue that finishes early
# takes the next unclaimed stack, so the queues end at about the same time.
run_queue() {
	local s t0

	for s in "$@"; do
		mkdir "$CLAIMS/${s//[=,]/_}" 2>/dev/null || continue
		t0=$(date +%s)
		# shellcheck disable=SC2046
		"$LAB" selftests --stack "$s" $(stack_tests "$s") \
			>"$LOG/selftests-${s//[=,]/_}.log" 2>&1
		echo "$(($(date +%s) - t0))" >"$LOG/selftests-${s//[=,]/_}.time"
	done
}

# CHECK_JOBS labs at a time (default 2), each queue going down the same
# list (longest stacks first) and claiming stacks as it goes.
if ! skipping lab; then
	mapfile -t all < <(for s in ${CHECK_STACKS:-$(stacks)}; do echo "$s"; done)
	jobs_n=${CHECK_JOBS:-2}
	CLAIMS=$LOG/claims
	rm -rf "$CLAIMS"
	mkdir -p "$CLAIMS"
	pids=()
	for ((q = 0; q < jobs_n && q < ${#all[@]}; q++)); do
		run_queue "${all[@]}" &
		pids+=($!)
	done
	wait "${pids[@]}"
	rm -rf "$CLAIMS"
	for s in "${all[@]}"; do
		f=$LOG/selftests-${s//[=,]/_}
		while read -r line; do
			case $line in
			"ok "*"# SKIP"*) echo "ok - [$s] ${line#ok [0-9]* }"; SKIPPED=$((SKIPPED + 1)) ;;
			"ok "*) ok "[$s] ${line#ok [0-9]* }" ;;
			"not ok "*) nok "[$s] ${line#not ok [0-9]* }" ;;
			"# FAIL"*|"# lab"*|"#   "*) echo "$line" ;;
			esac
		done <"$f.log"
		echo "# [$s] took $(cat "$f.time" 2>/dev/null)s"
	done
fi

kunit_collect

echo "# check took $(($(date +%s) - t_start))s; logs in out/check and out/lab-*"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
