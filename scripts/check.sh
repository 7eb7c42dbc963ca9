#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every check the project has, in one run.
#   build (W=1, sparse), ABI CRCs against the stock modules, checkpatch --strict,
#   KUnit (UML lanes), and the lab selftests on every stack they apply to.
# Prints one line per check ("ok - ..." / "not ok - ...") and ends with
# "N passed, N failed"; exits non-zero if anything failed.
#
# CHECK_STACKS="stock ours" limits the stacks (queue items: see stacks());
# CHECK_SKIP="kunit lab realguest" skips
# whole parts (for local iteration only: CI runs everything); CHECK_JOBS sets
# how many labs boot at once (default 2, each guest with one vCPU).

SCRIPTS=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$SCRIPTS/.." && pwd)
SELFTEST_DIR=$REPO/tools/testing/selftests/drivers/net/failover
LAB=$SELFTEST_DIR/qemu/lab.sh
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
"$LAB" deps --all-abis || { nok "deps"; echo "$PASSED passed, $FAILED failed"; exit 1; }
LAB_KERNEL=6.1 "$LAB" deps || nok "deps: the 6.1 lab kernel"

# ---- build and ABI, on every kernel a Debian 12 guest boots ------------------
# The lab's kernel (6.12 generic) builds in the tree, where the lab loads
# it from; the others in copies under out/build/ABI (6.1's lab run loads
# from there).

# build_in KDIR DIR LOG: our modules for KDIR, W=1 and sparse, in DIR.
build_in() {
	local k=$1 d=$2

	if [ "$d" != "$REPO" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		git ls-files -co --exclude-standard -- Kbuild Makefile VERSION include net drivers |
			tar -cf - -T - | tar -C "$d" -xf -
	else
		make -s clean >/dev/null 2>&1
	fi
	make -C "$d" KDIR="$k" W=1 C=2 modules >"$3" 2>&1
}

# abi_check ABI OUR_SYMVERS STOCK_SYMVERS: each symbol our failover and
# net_failover export carries the CRC of that kernel's stock module.
abi_check() {
	local a=$1 ours crc sym path n=0

	while read -r crc sym path _; do
		case $path in net/core/failover|drivers/net/net_failover) ;; *) continue ;; esac
		n=$((n + 1))
		ours=$(awk -v s="$sym" '$2 == s {print $1}' "$2" 2>/dev/null)
		[ "$ours" = "$crc" ]
		result $? "abi[$a]: $sym CRC ${ours:-missing} (stock $crc)"
	done <"$3"
	[ "$n" -gt 0 ] || nok "abi[$a]: no failover symbols in $3"
}

LAB_ABI=$("$LAB" abi)
for fam in "6.12 generic" "6.1 generic" "6.12 cloud" "6.1 cloud"; do
	# shellcheck disable=SC2086
	k=$(. "$LAB" && kdir_of $fam)
	a=${k##*/linux-headers-}
	[ -n "$k" ] || { nok "build[$fam]: no headers installed"; continue; }
	d=$REPO/out/build/$a
	[ "$a" = "$LAB_ABI" ] && d=$REPO
	build_in "$k" "$d" "$LOG/build-$a.log"
	rc=$?
	result $rc "build[$a]: make W=1 C=2"
	[ $rc -eq 0 ] || grep -E 'error|Error' "$LOG/build-$a.log" | head -20 | sed 's/^/#   /'
	warn=$(grep -c -E '(warning|error):' "$LOG/build-$a.log")
	result "$warn" "build[$a]: no compiler or sparse warnings ($warn)"
	[ "$warn" -eq 0 ] || grep -E '(warning|error):' "$LOG/build-$a.log" | head -20 | sed 's/^/#   /'
	cp "$d/Module.symvers" "$LOG/Module.symvers-$a" 2>/dev/null
	abi_check "$a" "$LOG/Module.symvers-$a" "$k/Module.symvers"
done

# ---- the newcomer's build path ------------------------------------------------
# make demo, make bench and make check build through `lab.sh build`.  A
# fresh clone with KDIR= empty in the environment (what an outer make once
# exported before the headers were installed) must build ours for the lab's
# kernel; with no headers to be found it must fail loudly, never fall back.
fresh=$(mktemp -d)
git ls-files -co --exclude-standard | tar -cf - -T - | tar -C "$fresh" -xf -
ln -s "$REPO/.cache" "$fresh/.cache"	# the kernel image, not fetched again
out=$(cd "$fresh" && KDIR= make -s modules 2>&1)
rc=$?
v=$(modinfo -F vermagic "$fresh/net/core/failover.ko" 2>/dev/null)
[ $rc -eq 0 ] && [ "${v%% *}" = "$LAB_ABI" ]
result $? "build path: make with KDIR= empty in the environment finds the lab kernel's headers (vermagic '${v%% *}')"
[ $rc -eq 0 ] || echo "$out" | tail -n 5 | sed 's/^/#   /'
rm -f "$fresh"/drivers/net/*.ko "$fresh"/net/core/*.ko
out=$(cd "$fresh" && KDIR= make -s build 2>&1)
rc=$?
v=$(modinfo -F vermagic "$fresh/drivers/net/virtio_net.ko" 2>/dev/null)
[ $rc -eq 0 ] && [ "${v%% *}" = "$LAB_ABI" ] && ! grep -qi 'using what is built' <<<"$out"
result $? "build path: a fresh clone with KDIR= empty builds ours for $LAB_ABI (vermagic '${v%% *}')"
[ $rc -eq 0 ] || echo "$out" | tail -n 5 | sed 's/^/#   /'
rm -f "$fresh"/drivers/net/*.ko "$fresh"/net/core/*.ko
out=$(cd "$fresh" && KDIR= LAB_SRC=/nonexistent make -s modules 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q 'no kernel headers' <<<"$out" && [ ! -f "$fresh/net/core/failover.ko" ]
result $? "build path: with no headers found the build fails and says so (exit $rc: $(head -n 1 <<<"$out"))"
rm -rf "$fresh"

# ---- the failover-dkms package ---------------------------------------------------
VER=$(cat "$REPO/VERSION")
DEB=$REPO/out/deb/failover-dkms_${VER}_all.deb
rm -f "$DEB"
make -s deb >"$LOG/deb.log" 2>&1
result $? "deb: make deb builds failover-dkms_${VER}_all.deb"
# every file the modules build from, as git tracks them, and dkms.conf
want=$(git ls-files -- Kbuild Kconfig Makefile VERSION include net drivers; echo dkms.conf)
shipped=$(dpkg-deb -c "$DEB" 2>/dev/null | awk '{print $6}' | sed -n "s@^\./usr/src/failover-$VER/@@p")
n=$(grep -c . <<<"$want")
c=$(grep -cxF -f <(echo "$shipped") <<<"$want")
dep=$(dpkg-deb -f "$DEB" Depends 2>/dev/null)
[ "$c" -eq "$n" ] && [[ "$dep" == dkms* ]]
result $? "deb: ships dkms.conf and the modules' sources under /usr/src/failover-$VER ($c of $n), depends on '$dep'"
# the user-space integration (tools/net/failover), where udev and networkd look
want="./lib/udev/rules.d/75-net-failover.rules -rw-r--r--
./lib/udev/net-failover-name -rwxr-xr-x
./lib/systemd/network/05-net-failover-lower.network -rw-r--r--"
got=$(dpkg-deb -c "$DEB" 2>/dev/null | awk '{print $6, $1}' | grep -xF -f <(echo "$want") | sort)
[ "$got" = "$(sort <<<"$want")" ]
result $? "deb: ships the udev rules, their helper and the networkd file ($(grep -c . <<<"$got") of 3)"
tags=$(grep -c -E '^[EWIXP]: ' "$LOG/deb.log")
result "$tags" "deb: lintian reports no tags ($tags)"
[ "$tags" -eq 0 ] || grep -E '^[EWIXP]: ' "$LOG/deb.log" | head -10 | sed 's/^/#   /'

# ---- checkpatch --strict -------------------------------------------------------
CHECKPATCH=$REPO/.cache/linux-source-6.12/scripts/checkpatch.pl
for f in $(git ls-files '*.c' '*.h'); do
	ign=
	# The compat header is the one place version checks belong (in-tree,
	# they would be the warnings checkpatch means); nothing else is waived.
	[ "$f" = include/net/fo_compat.h ] && ign="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# A QEMU plugin, user space: QEMU's plugin ABI dictates its typedef,
	# stdint types and the prototypes it declares (Debian ships no header).
	[ "$f" = scripts/bench/insncount.c ] && ign="--ignore PREFER_KERNEL_TYPES,AVOID_EXTERNS,NEW_TYPEDEFS"
	# shellcheck disable=SC2086
	out=$("$CHECKPATCH" --strict --no-tree --quiet --show-types $ign -f "$f" 2>&1)
	rc=$?
	result $rc "checkpatch --strict: $f"
	[ $rc -eq 0 ] || echo "$out" | head -20 | sed 's/^/#   /'
done

# ---- KUnit (in the background, beside the lab) ----------------------------------
# The UML builds are CPU-bound and the lab mostly waits on its guests, so
# the two overlap.
KUNIT_PID=
if ! skipping kunit && [ -x "$SCRIPTS/kunit.sh" ]; then
	# its status in a file: bash may have forgotten it by the time the
	# lab's thousands of children are done ("wait" then returns 127)
	rm -f "$LOG/kunit.rc"
	{ "$SCRIPTS/kunit.sh" >"$LOG/kunit.log" 2>&1; echo $? >"$LOG/kunit.rc"; } &
	KUNIT_PID=$!
fi

kunit_collect() {
	local rc p f

	[ -n "$KUNIT_PID" ] || return
	wait "$KUNIT_PID"
	rc=$(cat "$LOG/kunit.rc" 2>/dev/null || echo 1)
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
# make check runs the whole suite on ours.  On stock it runs the tests
# that are expected failures there (a beyond-stock test must be seen to
# fail on stock); on our virtio_net under
# Debian's failover and net_failover, the tests where the stock master
# meets our driver (pairing, carrier, unplug, replug, migration, rebind,
# module load, our driver's own knobs); the other mixed stacks and 6.1 the
# tests that exercise the interface they mix.  That keeps CI within its
# time.  CHECK_FULL=1 runs the whole suite on every stack (it proves the
# parity tests on stock: run it when a test changes).  A stack is tested
# when all of its "ours" modules were built.
all_tests() {
	sed -n 's/^TEST_PROGS [+:]= \(.*\)/\1/p' "$SELFTEST_DIR/Makefile" | tr ' ' '\n' | grep .
}

# A queue item is STACK or STACK@SERIES (the lab on another kernel series).
stack_tests() {
	local want t

	case $1 in
	stock@6.1) want="trio.sh link.sh unplug.sh migrate.sh" ;;
	*@6.1) want="trio.sh link.sh unplug.sh roles.sh badinput.sh migrate.sh" ;;
	ours) all_tests; return ;;
	stock) want="trio.sh rx_flags.sh stats.sh link.sh unplug.sh unplug_rtnl.sh netns.sh
		     netconsole.sh roles.sh vlan_challenged.sh flap.sh
		     pairing.sh badinput.sh migrate.sh" ;;
	virtio_net=ours) want="trio.sh link.sh unplug.sh standby_refused.sh
		     virtio_hang.sh virtio_rebind.sh hotplug.sh modload.sh migrate.sh" ;;
	failover=ours) want="trio.sh order.sh hotplug.sh migrate.sh badinput.sh pairing.sh" ;;
	failover=ours,net_failover=ours) want="trio.sh link.sh unplug.sh migrate.sh roles.sh" ;;
	net_failover=ours) want="trio.sh link.sh unplug.sh roles.sh" ;;
	esac
	# pairing by MAC is the failover core's: two pairs at once on its mix too
	[ "$1" = failover=ours ] && want="$want two_pairs.sh"
	[ -n "$CHECK_FULL" ] && { all_tests; return; }
	want=$(echo $want)
	# in the Makefile's order: migrations last
	for t in $(all_tests); do
		[[ " $want " == *" $t "* ]] && echo "$t"
	done
}

# The queue: the three whole-suite stacks first (queues take the longest
# work first), real Debian guests among the rest, so that their image
# builds (serialised by debian_image.sh's lock) overlap other labs' boots.
# A lab stack is tested when all of its "ours" modules were built.
# real:STACK@SERIES[-cloud] is realguest.sh on a debootstrapped image:
# ours on every series and on 6.12 cloud, stock on 6.12 (its losses are
# the XFAIL); check-full adds stock on 6.1 and ours on 6.1 cloud.
stacks() {
	local s

	for s in stock \
		 ours \
		 real:ours@6.12 \
		 virtio_net=ours \
		 real:stock@6.12 \
		 stock@6.1 \
		 ours@6.1 \
		 real:ours@6.1 \
		 real:ours@6.12-cloud \
		 failover=ours \
		 failover=ours,net_failover=ours \
		 net_failover=ours; do
		case $s in
		real:*) skipping realguest || echo "$s" ;;
		*) item_lab "$s" stack >/dev/null 2>&1 && echo "$s" ;;
		esac
	done
	if [ -n "$CHECK_FULL" ] && ! skipping realguest; then
		echo real:stock@6.1
		echo real:ours@6.1-cloud
	fi
}

# item_lab ITEM VERB [ARGS]: lab.sh VERB for a queue item's stack and kernel.
item_lab() {
	local item=$1 series=6.12

	shift
	[ "${item#*@}" != "$item" ] && series=${item#*@}
	LAB_KERNEL=$series "$LAB" "$1" --stack "${item%@*}" "${@:2}"
}

# A log name for a queue item.
item_file() { local f=${1//[=,:]/_}; echo "${f//@/-}"; }

# real_guest STACK@SERIES[-cloud]: realguest.sh as a one-test TAP log.
real_guest() {
	local stack=${1%@*} k=${1#*@} fl=generic out rc reason

	[ "${k%-cloud}" != "$k" ] && fl=cloud
	out=$LOG/realguest-$(item_file "$1").out
	echo "TAP version 13"
	echo "1..1"
	STACK=$stack REALGUEST_KERNEL=${k%-cloud} REALGUEST_FLAVOUR=$fl \
		"$SELFTEST_DIR/realguest.sh" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	reason=$(sed -n 's/^XFAIL: //p; s/^SKIP: //p' "$out" | head -n 1)
	case $rc in
	0) echo "ok 1 realguest.sh" ;;
	2) if grep -q '^XFAIL: ' "$out"; then echo "ok 1 realguest.sh # XFAIL $reason"
	   else echo "not ok 1 realguest.sh # exit 2 without XFAIL"; fi ;;
	4) echo "ok 1 realguest.sh # SKIP $reason" ;;
	*) echo "not ok 1 realguest.sh" ;;
	esac
}

# run_queue STACK...: the stacks one after another, each in its own boot,
# skipping those another queue has claimed: a queue that finishes early
# takes the next unclaimed stack, so the queues end at about the same time.
run_queue() {
	local s t0

	for s in "$@"; do
		mkdir "$CLAIMS/$(item_file "$s")" 2>/dev/null || continue
		t0=$(date +%s)
		case $s in
		real:*) real_guest "${s#real:}" ;;
		# shellcheck disable=SC2046
		*) item_lab "$s" selftests $(stack_tests "$s") ;;
		esac >"$LOG/selftests-$(item_file "$s").log" 2>&1
		echo "$(($(date +%s) - t0))" >"$LOG/selftests-$(item_file "$s").time"
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
		f=$LOG/selftests-$(item_file "$s")
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
