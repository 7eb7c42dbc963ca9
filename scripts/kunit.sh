#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: run our KUnit suites on UML kernels built from Debian's
# linux-source-6.12, with our failover core and net_failover swapped in.
#
# Lanes (KUNIT_LANES="um um-debug" by default):
#   um        the suites on a plain UML kernel
#   um-debug  the same with KASAN, lockdep, atomic-sleep checks, RCU
#             checking and kmemleak
#   compile   no tests: builds failover, net_failover and virtio_net in a
#             UML kernel without PCI, which nothing else here configures
#
# Every KUnit case prints "ok - kunit[<lane>]: <suite>.<case>" or
# "not ok - ..."; a kernel log with a splat prints
# "not ok - kunit[<lane>]: log scan: <reason>"; the last line is
# "kunit: N passed, N failed" and the exit status is non-zero on any
# failure. Skipped cases print "ok ... # SKIP" and count as passed.
#
# Everything lives in the repo's git-ignored .cache/: the extracted
# source tree (re-extracted when the package changes) and one build dir
# per lane, so a rerun only rebuilds what changed.

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
mkdir -p "$REPO/.cache"
# Physical path: build dirs record it, and a symlinked .cache reached by
# another path would otherwise rebuild everything.
CACHE=$(cd "$REPO/.cache" && pwd -P)
SRC=$CACHE/linux-source-6.12
STAMP=$CACHE/linux-source-6.12.stamp
TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC_PKG=linux-source-6.12
LANES=${KUNIT_LANES:-um um-debug compile}
JOBS=${KUNIT_JOBS:-2}

# The debug lane's options; kunit.py fails the build if one of them does
# not make it into .config, so nothing here is silently dropped.
DEBUG_CONFIG=(
	CONFIG_DEBUG_KERNEL=y
	CONFIG_KASAN=y
	CONFIG_PROVE_LOCKING=y
	CONFIG_PROVE_RCU=y
	CONFIG_DEBUG_ATOMIC_SLEEP=y
	CONFIG_DEBUG_KMEMLEAK=y
	CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN=y
	CONFIG_DEBUG_LIST=y
	CONFIG_DEBUG_NET=y
)
# kmemleak prints each leak it finds on the console, not only a count,
# so the log scan below sees them. Its first automatic scan comes 60 s
# after boot, but KUnit halts the kernel right after the last suite, and
# nothing in the kernel can ask for a scan earlier: kmemleak only scans
# on a "scan" written to its debugfs file from user space (kernel_write()
# is refused, the file has no write_iter). So only a run that outlives
# that first scan gets its leaks checked.
DEBUG_ARGS=(kmemleak.verbose=1)

PASSED=0
FAILED=0

note() { echo "# kunit: $*"; }

result() {	# result <ok|not ok> <lane> <what>
	echo "$1 - kunit[$2]: $3"
	if [ "$1" = ok ]; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
	fi
}

finish() {
	echo "kunit: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

install_deps() {
	local pkgs=("$SRC_PKG" bc flex bison libelf-dev libssl-dev python3)
	local missing=() p status

	for p in "${pkgs[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
		[ "${status:0:2}" = ii ] || missing+=("$p")
	done
	for p in gcc make; do
		command -v "$p" >/dev/null || missing+=(build-essential)
	done
	[ ${#missing[@]} -eq 0 ] && return 0

	note "installing ${missing[*]}"
	as_root apt-get install -y -q -o DPkg::Lock::Timeout=300 "${missing[@]}" >&2
}

# Extract the tarball into $SRC, keyed on package version and tarball
# size/mtime so that a new linux-source package re-extracts. Extraction
# goes to a scratch dir first: others use $SRC (checkpatch) meanwhile.
extract_source() {
	local key version upstream tmp

	version=$(dpkg-query -W -f='${Version}' "$SRC_PKG") || return 1
	key="$version $(stat -c '%s %Y' "$TARBALL")" || return 1
	if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ] &&
	   [ -f "$SRC/tools/testing/kunit/kunit.py" ]; then
		return 0
	fi

	# A tree extracted before this script kept stamps is adopted if its
	# version matches the package.
	upstream=${version%%-*}
	if [ ! -f "$STAMP" ] && [ -f "$SRC/tools/testing/kunit/kunit.py" ] &&
	   [ "$(make -s -C "$SRC" kernelversion 2>/dev/null)" = "$upstream" ]; then
		echo "$key" > "$STAMP"
		return 0
	fi

	note "extracting $TARBALL (package $version)"
	mkdir -p "$CACHE"
	tmp=$CACHE/.linux-source-6.12.new
	rm -rf "$tmp" && mkdir "$tmp" &&
		tar -xJf "$TARBALL" -C "$tmp" --strip-components=1 || return 1
	rm -rf "$SRC.old"
	[ ! -e "$SRC" ] || mv "$SRC" "$SRC.old"
	mv "$tmp" "$SRC" && rm -rf "$SRC.old" || return 1
	# Extracted files carry the tarball's old mtimes: stale objects in
	# the build dirs would look newer than them.
	rm -rf "$CACHE"/kunit-um "$CACHE"/kunit-um-debug "$CACHE"/kunit-compile
	echo "$key" > "$STAMP"
}

# Copy a file into the tree unless it is already identical there, so
# unchanged files keep their mtime and do not trigger a rebuild.
sync_file() {	# sync_file <repo path>
	[ -f "$REPO/$1" ] || return 0
	mkdir -p "$(dirname "$SRC/$1")"
	cmp -s "$REPO/$1" "$SRC/$1" || cp "$REPO/$1" "$SRC/$1"
}

# Drop the stock entries of the given symbols from a tree Kconfig and
# source our fragment where the first one was, once.
kconfig_swap() {	# kconfig_swap <tree Kconfig> <fragment in tree> <SYMBOL>...
	local kconfig=$SRC/$1 fragment=$2
	shift 2

	grep -q "^source \"$fragment\"" "$kconfig" && return 0
	awk -v syms="$*" -v src="source \"$fragment\"" '
		BEGIN { n = split(syms, s, " "); for (i = 1; i <= n; i++) drop[s[i]] = 1 }
		/^(config|menuconfig|choice|endchoice|comment|menu|endmenu|if|endif|source|#)/ { skip = 0 }
		/^config / && ($2 in drop) {
			skip = 1
			if ($2 == s[1]) { print src; print "" }
			next
		}
		!skip { print }
	' "$kconfig" > "$kconfig.tmp" && mv "$kconfig.tmp" "$kconfig"
}

# The lines of our Makefiles that the tree's lack: the KUnit objects and
# the parts of the composite failover and net_failover objects. The tree's
# own "obj-$(CONFIG_FAILOVER) += failover.o" and "obj-$(CONFIG_NET_FAILOVER)
# += net_failover.o" then link our parts, and its stock failover.c and
# net_failover.c are never compiled.
OUR_MAKEFILE_LINES='FAILOVER_KUNIT_TEST|^net_failover-|^failover-'

# Put our Makefile's lines at the end of the tree's, replacing whatever
# lines of that kind an earlier run (perhaps of another layout) left there.
# The file is rewritten only when that changes it.
makefile_add() {	# makefile_add <dir>
	local mk=$SRC/$1/Makefile

	{
		grep -v -E "$OUR_MAKEFILE_LINES" "$mk"
		grep -E "$OUR_MAKEFILE_LINES" "$REPO/$1/Makefile"
	} > "$mk.new"
	if cmp -s "$mk" "$mk.new"; then
		rm -f "$mk.new"
	else
		mv "$mk.new" "$mk"
	fi
}

# composite_srcs DIR NAME: the sources of our composite NAME object, one
# per "NAME-y := <part>.o" or "NAME-y += <part>.o" line of DIR/Makefile.
composite_srcs() {
	sed -n "s/^$2-y[[:space:]]*[:+]\\{0,1\\}=[[:space:]]*//p" \
		"$REPO/$1/Makefile" | tr -s '[:blank:]' '\n' |
		sed -n "s@^\\(.*\\)\\.o\$@$1/\\1.c@p"
}
net_failover_srcs() { composite_srcs drivers/net net_failover; }
failover_srcs() { composite_srcs net/core failover; }

have() {
	local f

	for f in "$@"; do
		[ -f "$REPO/$f" ] || return 1
	done
}

# Put our sources, Kconfig and Makefile lines into the tree and pick the
# kunitconfigs whose files all exist.
sync_tree() {
	local f srcs fsrcs

	for f in "$REPO"/net/core/failover/*.[ch] \
		 "$REPO"/drivers/net/net_failover/*.[ch] \
		 include/net/failover.h include/net/net_failover.h \
		 include/net/fo_compat.h \
		 include/trace/events/failover.h \
		 include/trace/events/net_failover.h \
		 include/uapi/linux/if_net_failover.h; do
		sync_file "${f#"$REPO"/}"
	done

	cmp -s "$REPO/net/core/Kconfig" "$SRC/net/core/Kconfig" ||
		cp "$REPO/net/core/Kconfig" "$SRC/net/core/Kconfig"
	cmp -s "$REPO/drivers/net/Kconfig" "$SRC/drivers/net/Kconfig.failover" ||
		cp "$REPO/drivers/net/Kconfig" "$SRC/drivers/net/Kconfig.failover"
	kconfig_swap net/Kconfig net/core/Kconfig FAILOVER
	kconfig_swap drivers/net/Kconfig drivers/net/Kconfig.failover \
		NET_FAILOVER VIRTIO_NET
	makefile_add net/core
	makefile_add drivers/net
	# the version our top-level Kbuild passes to every directory
	for f in net/core drivers/net; do
		grep -q FO_VERSION "$SRC/$f/Makefile" ||
			echo "ccflags-y += -DFO_VERSION='\"kunit\"'" >>"$SRC/$f/Makefile"
	done

	KUNITCONFIGS=()
	SUITES=()
	mapfile -t fsrcs < <(failover_srcs)
	if [ ${#fsrcs[@]} -gt 0 ] && have "${fsrcs[@]}" net/core/failover/failover_test.c; then
		KUNITCONFIGS+=("$REPO/net/core/.kunitconfig")
		SUITES+=(failover_)
	else
		note "the failover core's sources or failover_test.c not there yet: failover_* skipped"
	fi
	mapfile -t srcs < <(net_failover_srcs)
	if [ ${#srcs[@]} -gt 0 ] && [ ${#fsrcs[@]} -gt 0 ] &&
	   have "${fsrcs[@]}" "${srcs[@]}" \
		drivers/net/net_failover/net_failover_test.c; then
		KUNITCONFIGS+=("$REPO/drivers/net/.kunitconfig")
		SUITES+=(net_failover_)
	else
		note "net_failover's or the failover core's sources not there yet: net_failover_* skipped"
	fi
}

# Print one line per case from the KTAP in a kernel log, check that the
# expected suites ran, and scan the whole log for kernel splats.
# Prints "counts <passed> <failed>" last.
report() {	# report <lane> <log> <suite prefix>...
	python3 - "$SRC/tools/testing/kunit" "$@" <<'EOF'
import io, re, sys

kunit_dir, lane, log = sys.argv[1:4]
prefixes = sys.argv[4:]
sys.path.insert(0, kunit_dir)
import kunit_parser
from kunit_parser import TestStatus

passed = failed = 0
def out(ok, what):
	global passed, failed
	print(f"{'ok' if ok else 'not ok'} - kunit[{lane}]: {what}")
	if ok:
		passed += 1
	else:
		failed += 1

with open(log, errors='replace') as f:
	lines = f.read().splitlines()

# kunit.py already showed its own summary in kunit.out
kunit_parser.stdout._output = io.StringIO()
root = kunit_parser.parse_run_tests(lines)

def cases(test, name):
	if not test.subtests:
		yield name, test
		return
	for sub in test.subtests:
		yield from cases(sub, f"{name}.{sub.name}" if name else sub.name)

# A crash leaves the cases (or suites) that never ran without a name.
suites = root.subtests
for i, suite in enumerate(suites, 1):
	sname = suite.name or f"<suite {i}, {suite.status.name}>"
	if not suite.subtests:
		out(False, f"{sname}: no cases ({suite.status.name})")
		continue
	for j, case in enumerate(suite.subtests, 1):
		# Parameterised cases report once, with their overall status.
		st = case.status
		what = f"{sname}.{case.name or f'<case {j}, {st.name}>'}"
		if st == TestStatus.SKIPPED:
			out(True, f"{what} # SKIP")
		else:
			out(st == TestStatus.SUCCESS, what)
	if suite.status not in (TestStatus.SUCCESS, TestStatus.SKIPPED) and \
	   all(c.status in (TestStatus.SUCCESS, TestStatus.SKIPPED) for c in suite.subtests):
		out(False, f"{sname}: suite {suite.status.name}")
for p in prefixes:
	if not any(s.name.startswith(p) for s in suites):
		out(False, f"{p}*: no results")

# Log scan. Lines allowed on purpose, each with the line that must
# follow it, and why:
allowed = [
	# UML's virtio-over-PCI (CONFIG_UML_PCI_OVER_VIRTIO, which kunit.py
	# always enables) WARNs at boot when no device is given on the
	# command line; we do not need one.
	(re.compile(r'WARNING: .* at arch/um/drivers/virt-pci\.c:\d+ '),
	 re.compile(r'^No virtio device ID configured for PCI - no PCI support$')),
]
bad = [
	(re.compile(r'\bBUG:'), 'BUG'),
	(re.compile(r'\bWARNING:'), 'WARNING'),
	(re.compile(r'\bINFO:'), 'INFO (lockdep/RCU/hung task)'),
	(re.compile(r'\bKASAN\b'), 'KASAN'),
	(re.compile(r'UBSAN:'), 'UBSAN'),
	(re.compile(r'Kernel panic|\bOops\b|general protection fault|Segfault'), 'panic'),
	(re.compile(r'kmemleak: .*(unreferenced object|suspected memory leak)'), 'kmemleak'),
	(re.compile(r'kmemleak: .*(disabled|[Cc]annot)'), 'kmemleak broken'),
]
reasons = []
for i, line in enumerate(lines):
	nxt = lines[i + 1] if i + 1 < len(lines) else ''
	if any(a.search(line) and b.search(nxt) for a, b in allowed):
		continue
	for rx, why in bad:
		if rx.search(line):
			reasons.append(f"{why}: {line.strip()}")
			break

if root.status == TestStatus.FAILURE_TO_PARSE_TESTS:
	reasons.append('no KTAP output')

for r in reasons[:20]:
	out(False, f"log scan: {r}")
if len(reasons) > 20:
	out(False, f"log scan: ... and {len(reasons) - 20} more")
if not reasons:
	print(f"# kunit[{lane}]: log scan clean ({len(lines)} lines)")
print(f"counts {passed} {failed}")
EOF
}

# The compile lane's options on top of allnoconfig. NET_FAILOVER has no
# PCI dependency and VIRTIO_NET selects it, so both must build without
# PCI. UML's PCI comes only from UML_PCI_OVER_VIRTIO; VIRTIO_UML gives
# VIRTIO without it.
COMPILE_CONFIG=(
	# allnoconfig would build an i386 UML, which needs 32-bit libc
	CONFIG_64BIT=y
	CONFIG_NET=y
	CONFIG_NETDEVICES=y
	CONFIG_NET_CORE=y
	CONFIG_VIRTIO_UML=y
	CONFIG_UML_PCI_OVER_VIRTIO=n
	CONFIG_FAILOVER=y
	CONFIG_NET_FAILOVER=y
	CONFIG_VIRTIO_NET=y
)
# net_failover's parts, each as a single target: "make .../net_failover.o"
# would compile the tree's stock net_failover.c.
mapfile -t COMPILE_OBJS < <(net_failover_srcs | sed 's/\.c$/.o/')
mapfile -t CORE_OBJS < <(failover_srcs | sed 's/\.c$/.o/')
COMPILE_OBJS=("${CORE_OBJS[@]}" "${COMPILE_OBJS[@]}" drivers/net/virtio_net.o)

# Compile-only lane. Its cost is kept small: an allnoconfig UML kernel
# with the options above, of which only "make prepare" and our objects
# are built (about a minute the first time, seconds after that);
# nothing is linked or run.
compile_lane() {
	local lane=compile dir=$CACHE/kunit-compile what
	local want=${COMPILE_CONFIG[*]} c sym val

	what="CONFIG_PCI=n builds failover, net_failover, virtio_net"
	if [ ! -f "$SRC/Makefile" ] || ! have "${COMPILE_OBJS[@]/%.o/.c}"; then
		result ok "$lane" "$what # SKIP kunit tree or sources unavailable"
		return
	fi
	sync_file drivers/net/virtio_net.c

	mkdir -p "$dir"
	if [ ! -f "$dir/.config" ] || [ "$(cat "$dir/config.stamp" 2>/dev/null)" != "$want" ]; then
		note "[$lane] configuring $dir"
		rm -f "$dir/config.stamp"
		make -s -C "$SRC" ARCH=um O="$dir" allnoconfig \
			> "$dir/build.log" 2>&1 || {
			sed 's/^/#   /' "$dir/build.log" | tail -n 20
			result "not ok" "$lane" "$what: allnoconfig failed"
			return
		}
		for c in "${COMPILE_CONFIG[@]}"; do
			sym=${c%%=*}
			val=${c#*=}
			case $val in
			y) "$SRC/scripts/config" --file "$dir/.config" -e "${sym#CONFIG_}" ;;
			n) "$SRC/scripts/config" --file "$dir/.config" -d "${sym#CONFIG_}" ;;
			esac
		done
		make -s -C "$SRC" ARCH=um O="$dir" olddefconfig \
			>> "$dir/build.log" 2>&1
		# a dependency we did not spell out would drop an option silently
		for c in "${COMPILE_CONFIG[@]}" CONFIG_PCI=n; do
			sym=${c%%=*}
			val=${c#*=}
			if [ "$val" = n ]; then
				! grep -q "^$sym=" "$dir/.config" && continue
			else
				grep -qx "$c" "$dir/.config" && continue
			fi
			result "not ok" "$lane" "$what: $c did not make it into .config"
			return
		done
		echo "$want" > "$dir/config.stamp"
	fi

	note "[$lane] building ${COMPILE_OBJS[*]}"
	if make -s -k -C "$SRC" ARCH=um O="$dir" -j"$JOBS" "${COMPILE_OBJS[@]}" \
		> "$dir/build.log" 2>&1; then
		result ok "$lane" "$what"
	else
		result "not ok" "$lane" "$what"
		grep -E 'error|Error' "$dir/build.log" | head -n 20 |
			sed 's/^/#   /'
	fi
}

run_lane() {	# run_lane <lane>
	local lane=$1 build_dir=$CACHE/kunit-$1 args=() c rc start
	local out counts

	if [ "$lane" = compile ]; then
		compile_lane
		return
	fi

	args=(run --arch=um --build_dir="$build_dir" --jobs="$JOBS")
	for c in "${KUNITCONFIGS[@]}"; do
		args+=(--kunitconfig="$c")
	done
	# the boot-time rules failover_rules.for_test_boot_params looks for
	args+=(--kernel_args="failover.pin=02:fa:12:00:00:09=fortest-boot-b"
	       --kernel_args="failover.deny=02:fa:12:00:00:0a")
	case $lane in
	um)
		;;
	um-debug)
		for c in "${DEBUG_CONFIG[@]}"; do
			args+=(--kconfig_add="$c")
		done
		for c in "${DEBUG_ARGS[@]}"; do
			args+=(--kernel_args="$c")
		done
		# KASAN and lockdep are slow.
		args+=(--timeout=900)
		;;
	*)
		result "not ok" "$lane" "unknown lane"
		return
		;;
	esac

	mkdir -p "$build_dir"
	note "[$lane] building and running (output in $build_dir/kunit.out)"
	start=$SECONDS
	rm -f "$build_dir/test.log"
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}") \
		> "$build_dir/kunit.out" 2>&1
	rc=$?
	note "[$lane] kunit.py exited $rc after $((SECONDS - start))s"

	if [ ! -s "$build_dir/test.log" ]; then
		tail -n 30 "$build_dir/kunit.out" | sed 's/^/# /'
		result "not ok" "$lane" "build: kunit.py exited $rc without a kernel log"
		return
	fi

	out=$(report "$lane" "$build_dir/test.log" "${SUITES[@]}") || {
		result "not ok" "$lane" "log scan: report script failed"
		return
	}
	echo "$out" | grep -v '^counts '
	counts=$(echo "$out" | sed -n 's/^counts //p')
	PASSED=$((PASSED + ${counts% *}))
	FAILED=$((FAILED + ${counts#* }))
	if [ "$rc" -ne 0 ] && ! echo "$out" | grep -q '^not ok'; then
		tail -n 30 "$build_dir/kunit.out" | sed 's/^/# /'
		result "not ok" "$lane" "kunit.py exited $rc"
	fi
}

install_deps || { result "not ok" setup "installing packages"; finish; }
# One run at a time: the tree and build dirs are shared.
exec 9> "$CACHE/kunit.lock"
if ! flock -n 9; then
	note "waiting for another kunit.sh run to finish"
	flock 9
fi
extract_source || {
	result "not ok" setup "extracting $TARBALL"
	case " $LANES " in
	*" compile "*)
		result ok compile "CONFIG_PCI=n builds failover, net_failover, virtio_net # SKIP no kunit tree"
		;;
	esac
	finish
}
sync_tree

if [ ${#KUNITCONFIGS[@]} -eq 0 ]; then
	note "no suite has its files yet, nothing to run"
	finish
fi

for lane in $LANES; do
	run_lane "$lane"
done
finish
