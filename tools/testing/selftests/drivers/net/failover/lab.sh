#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The failover lab: Debian's own 6.12 kernel under QEMU, with QEMU's failover
# support (virtio-net-pci failover=on + a primary with failover_pair_id)
# playing the hypervisor.
#
#   +----------------------------- netns folab-sw-<id> ------------------------+
#   | qemu (guest)                                                             |
#   |  virtio-net-pci failover=on  (standby) ---- tap-sby --+                  |
#   |  e1000 failover_pair_id      (primary) ---- tap-pri --+-- br0 -- veth-br |
#   |  [migration destination qemu: tap-sby2, tap-pri2 on the same br0]    |   |
#   +----------------------------------------------------------------------|---+
#                                                                          |
#   netns folab-peer-<id>:  eth0 198.18.0.2/24 fd00::2/64 -----------------+
#   guest master (net_failover):  198.18.0.1/24 fd00::1/64
#
# The guest is a busybox initramfs that mounts the host root read-only over
# 9p and runs host tools chrooted; a command agent on ttyS1 and QMP are the
# control channels (labctl.py).
#
# Usage:
#   lab.sh deps                       install packages, kernel image, initramfs
#   lab.sh up [--stack S]             boot a lab, print its LAB_ENV file
#   lab.sh down LAB_ENV               collect dmesg, stop, clean up
#   lab.sh selftests [--stack S] [t.sh ...]   run selftests in one boot (TAP)
#   lab.sh demo [--stack S]           the demo timeline
#
# LAB_SMP, LAB_MEM and LAB_QUEUES size the guest; LAB_APPEND adds kernel
# parameters (for example "page_poison=1 slub_debug=FZP" to catch writes to
# freed memory near where they happen).  LAB_SMP defaults to 1: with two
# TCG vCPUs the guest was seen dying of a stray text-patching breakpoint
# ("Oops: int3" at a static-key site in netif_receive_skb_list_internal,
# from e1000 NAPI) on the all-stock stack as on ours.
#
# A stack is "stock", "ours", or a list like
# "failover=ours,net_failover=stock,virtio_net=stock" (unnamed modules: stock).

set -o pipefail

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELFTEST_DIR/../../../../../.." && pwd)
# Physical path: the guest bind-mounts the module tree from the host root
# shared at /host, where an absolute symlink (a .cache shared between
# worktrees) would resolve against the guest's own root.
CACHE=$(readlink -f "$REPO/.cache")
OUT=$REPO/out
LABCTL=$SELFTEST_DIR/labctl.py
MAC=52:54:00:fa:11:01

die() { echo "lab: $*" >&2; exit 1; }
say() { [ -n "$LAB_QUIET" ] || echo "lab: $*" >&2; }

kdir() {
	if [ -n "$KDIR" ]; then
		echo "$KDIR"
		return
	fi
	ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null |
		grep -v -e cloud -e rt- | sort -V | tail -n 1
}

abi() {
	local k

	k=$(kdir)
	[ -n "$k" ] || return 1
	basename "$k" | sed 's/^linux-headers-//'
}

# ---------------------------------------------------------------- deps ----

PKGS="qemu-system-x86 busybox-static cpio iproute2 iputils-ping ethtool iperf3
	sparse bc flex bison libelf-dev libssl-dev xz-utils kmod pciutils python3
	gcc make gnuplot-nox linux-source-6.12 procps"

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	say "apt-get update"
	apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null || die "apt-get update failed"
	apt_updated=1
}

apt_install() {
	apt_update
	say "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=300 --no-install-recommends "$@" \
		>"$CACHE/apt.log" 2>&1 || { tail -20 "$CACHE/apt.log"; die "apt-get install failed"; }
}

# The newest 6.12 ABI for which the archive has both headers and image.
resolve_abi() {
	local a

	apt_update
	for a in $(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' |
		   awk '{print $1}' | sed 's/^linux-headers-//' | sort -V -r); do
		if apt-cache show "linux-image-$a-unsigned" >/dev/null 2>&1; then
			echo "$a"
			return 0
		fi
	done
	return 1
}

deps_kernel() {
	local a=$1 kd=$CACHE/kernel/$1 tmp

	[ -f "$kd/boot/vmlinuz-$a" ] && [ -f "$kd/lib/modules/$a/modules.dep" ] &&
		[ -f "$kd/lib/modules/$a/kernel/drivers/net/net_failover.ko.xz" ] && return 0
	say "fetching linux-image-$a-unsigned"
	tmp=$(mktemp -d "$CACHE/deb.XXXXXX")
	(cd "$tmp" && apt-get download -qq "linux-image-$a-unsigned" >/dev/null 2>&1) ||
		{ apt_update; (cd "$tmp" && apt-get download -qq "linux-image-$a-unsigned"); } ||
		die "cannot download linux-image-$a-unsigned"
	rm -rf "$kd"
	mkdir -p "$kd"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$kd" || die "cannot extract the kernel image"
	rm -rf "$tmp"
	depmod -b "$kd" "$a" || die "depmod failed"
}

initramfs_path() { echo "$CACHE/initramfs-$1.cpio.gz"; }

deps_initramfs() {
	local a=$1 img tmp m f
	local mt=$CACHE/kernel/$a/lib/modules/$a

	img=$(initramfs_path "$a")
	if [ -f "$img" ] && [ "$img" -nt "$SELFTEST_DIR/guest/init" ] &&
	   [ "$img" -nt "$SELFTEST_DIR/guest/agent" ] &&
	   [ "$img" -nt "$SELFTEST_DIR/guest/mounts" ]; then
		return 0
	fi
	say "building initramfs"
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,sbin,proc,sys,dev,tmp,host,lib/mod}
	cp /bin/busybox "$tmp/bin/busybox"
	for m in $("$tmp/bin/busybox" --list); do
		[ -e "$tmp/bin/$m" ] || ln -s busybox "$tmp/bin/$m"
	done
	for m in netfs 9pnet 9pnet_virtio 9p; do
		f=$(find "$mt/kernel" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || die "module $m not in the kernel image"
		case $f in
		*.xz) xz -dc "$f" >"$tmp/lib/mod/$m.ko" ;;
		*) cp "$f" "$tmp/lib/mod/$m.ko" ;;
		esac
	done
	install -m 755 "$SELFTEST_DIR/guest/init" "$tmp/init"
	install -m 755 "$SELFTEST_DIR/guest/agent" "$tmp/agent"
	install -m 755 "$SELFTEST_DIR/guest/mounts" "$tmp/mounts"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp" &&
		mv "$img.tmp" "$img"
	rm -rf "$tmp"
}

cmd_deps() {
	local missing="" p a

	mkdir -p "$CACHE"
	for p in $PKGS; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			missing="$missing $p"
	done
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt_install $missing

	a=$(abi)
	if [ -z "$a" ]; then
		a=$(resolve_abi) || die "no 6.12 headers+image pair in the archive"
		apt_install "linux-headers-$a"
	fi
	[ "$(abi)" = "$a" ] || die "KDIR $(kdir) does not match ABI $a"
	deps_kernel "$a"
	deps_initramfs "$a"
	[ -x "$CACHE/linux-source-6.12/scripts/checkpatch.pl" ] || {
		say "extracting linux-source-6.12"
		tar -C "$CACHE" -xf /usr/src/linux-source-6.12.tar.xz || die "cannot extract linux-source"
	}
	say "deps ok: kernel $a"
}

# ---------------------------------------------------------------- stack ---

# Prints "failover=PATH net_failover=PATH virtio_net=PATH" for a stack spec.
stack_paths() {
	local spec=$1 a mt m src f out=""

	a=$(abi)
	mt=$CACHE/kernel/$a/lib/modules/$a/kernel
	case $spec in
	stock) spec="failover=stock,net_failover=stock,virtio_net=stock" ;;
	ours) spec="failover=ours,net_failover=ours,virtio_net=ours" ;;
	esac
	for m in failover net_failover virtio_net; do
		src=$(echo ",$spec," | sed -n "s/.*,$m=\\([a-z]*\\),.*/\\1/p")
		case ${src:-stock} in
		ours)
			case $m in
			failover) f=$REPO/net/core/failover.ko ;;
			*) f=$REPO/drivers/net/$m.ko ;;
			esac
			;;
		stock)
			case $m in
			failover) f=$mt/net/core/failover.ko.xz ;;
			*) f=$mt/drivers/net/$m.ko.xz ;;
			esac
			;;
		none) f=none ;;
		*) die "bad stack '$1' (want stock, ours or failover=ours|stock|none,...)" ;;
		esac
		[ "$f" = none ] || [ -f "$f" ] || die "stack $1: $f missing (did you run make?)"
		out="$out $m=$f"
	done
	echo "$out"
}

# Canonical name: stock, ours, or the explicit list.
stack_name() {
	local p kv list="" n=0

	p=$(stack_paths "$1") || return 1
	for kv in $p; do
		case $kv in
		*.ko) list="$list,${kv%%=*}=ours"; n=$((n + 1)) ;;
		*=none) list="$list,$kv"; n=-9 ;;
		*) list="$list,${kv%%=*}=stock" ;;
		esac
	done
	case $n in
	0) [ "$list" = "${list/none/}" ] && echo stock || echo "${list#,}" ;;
	3) echo ours ;;
	*) echo "${list#,}" ;;
	esac
}

# ---------------------------------------------------------------- up/down -

accel() {
	local a=$1 probe=$CACHE/kvm-probe

	if [ -n "$LAB_ACCEL" ]; then
		echo "$LAB_ACCEL"
		return
	fi
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	if [ ! -f "$probe" ]; then
		# A guest that boots under KVM prints the marker and powers off.
		if timeout 30 qemu-system-x86_64 -M q35 -accel kvm -cpu host -m 256 \
			-nographic -no-reboot -kernel "$CACHE/kernel/$a/boot/vmlinuz-$a" \
			-initrd "$(initramfs_path "$a")" \
			-append "console=ttyS0 panic=-1 folab_probe=1" 2>&1 |
			grep -q "folab: probe boot ok"; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	cat "$probe"
}

# nic_standby ID NETDEV TAP MAC BUS [FAILOVER]: the QEMU args of a
# virtio-net standby on TAP, failover=on unless FAILOVER is "off".
nic_standby() {
	local q=${LAB_QUEUES:-2} mq=""

	[ "$q" -gt 1 ] && mq=",mq=on,vectors=$((2 * q + 2))"
	echo -netdev tap,id="$2",ifname="$3",script=no,downscript=no,queues="$q" \
		-device virtio-net-pci,netdev="$2",id="$1",mac="$4",failover="${6:-on}",bus="$5",romfile=$mq
}

# nic_primary ID NETDEV TAP MAC BUS STANDBY: an e1000 primary on TAP paired
# with STANDBY.  No ROM: migration needs the hidden primary's RAM blocks to
# match on both sides.
nic_primary() {
	echo -netdev tap,id="$2",ifname="$3",script=no,downscript=no \
		-device e1000,netdev="$2",id="$1",failover_pair_id="$6",mac="$4",bus="$5",romfile=
}

# qemu_args NAME TAPSBY TAPPRI [extra...]: a guest wired for failover, one
# standby on TAPSBY and its primary on TAPPRI.  LAB_NICS (nic_standby and
# nic_primary output) replaces that pair, for a guest with other devices.
qemu_args() {
	local name=$1 tsby=$2 tpri=$3 a acc cpu nics

	shift 3
	nics=${LAB_NICS:-"$(nic_standby standby0 nsby "$tsby" $MAC rp0) $(nic_primary primary0 npri "$tpri" $MAC rp1 standby0)"}
	a=$(abi)
	acc=$(accel "$a")
	cpu=max
	[ "$acc" = kvm ] && cpu=host
	# watchdog_thresh=60: under TCG on a loaded host a vCPU thread can be
	# starved for 20-50 s (soft lockups in clear_page_erms on every stack);
	# a real lockup is still reported, after 120 s instead of 20.
	# No accelerator setting keeps live migration from handing the
	# destination stale pages: a dirty-bitmap sync races with TCG's TLB
	# (QEMU 7.2), and vCPUs run without the BQL in thread=single too.
	# migrate_live (lib.sh) stops the source for those syncs instead.
	# LAB_RAMCHECK=1, QEMU's own switchover: MTTCG 2 of 20 migrations
	# differed (1 and 13 pages), thread=single 0 of 10 (too few to tell).
	echo -M q35 -accel "$acc" -cpu "$cpu" -smp "${LAB_SMP:-1}" -m "${LAB_MEM:-1024}" \
		-display none -no-reboot \
		-kernel "$CACHE/kernel/$a/boot/vmlinuz-$a" -initrd "$(initramfs_path "$a")" \
		-append "'console=ttyS0 panic=-1 watchdog_thresh=60 folab_repo=$REPO folab_modtree=$CACHE/kernel/$a/lib/modules/$a${LAB_APPEND:+ $LAB_APPEND}'" \
		-device pcie-root-port,id=rp0,chassis=1 -device pcie-root-port,id=rp1,chassis=2 \
		-device pcie-root-port,id=rp2,chassis=3 -device pcie-root-port,id=rp3,chassis=4 \
		$nics \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-virtfs local,path="$LAB_DIR/share",mount_tag=labshare,security_model=none \
		-chardev socket,id=qmp,path="$RUN_DIR/$name-qmp.sock",server=on,wait=off \
		-mon chardev=qmp,mode=control \
		-chardev file,id=con,path="$LAB_DIR/$name-console.log" -serial chardev:con \
		-chardev socket,id=ag,path="$RUN_DIR/$name-agent.sock",server=on,wait=off \
		-serial chardev:ag \
		-pidfile "$RUN_DIR/$name.pid" -daemonize "$@"
}

net_up() {
	ip netns add "$NS_SW" || die "cannot create netns $NS_SW"
	ip netns add "$NS_PEER" || die "cannot create netns $NS_PEER"
	ip -n "$NS_SW" link set lo up
	ip -n "$NS_PEER" link set lo up
	ip -n "$NS_SW" link add br0 type bridge forward_delay 0 stp_state 0
	ip -n "$NS_SW" link set br0 up
	for t in tap-sby tap-pri tap-sby2 tap-pri2; do
		case $t in
		tap-sby*)
			# QEMU opens a multi-queue tap only with queues > 1
			if [ "${LAB_QUEUES:-2}" -gt 1 ]; then
				ip -n "$NS_SW" tuntap add "$t" mode tap multi_queue
			else
				ip -n "$NS_SW" tuntap add "$t" mode tap
			fi
			;;
		*) ip -n "$NS_SW" tuntap add "$t" mode tap ;;
		esac
		ip -n "$NS_SW" link set "$t" master br0 up
	done
	ip link add veth-br netns "$NS_SW" type veth peer name eth0 netns "$NS_PEER"
	ip -n "$NS_SW" link set veth-br master br0 up
	ip -n "$NS_PEER" link set eth0 up
	ip -n "$NS_PEER" addr add 198.18.0.2/24 dev eth0
	ip -n "$NS_PEER" addr add fd00::2/64 dev eth0 nodad
}

# Boot QEMU NAME on the two taps and wait for its agent.
qemu_start() {
	local name=$1 tsby=$2 tpri=$3 args

	shift 3
	args=$(qemu_args "$name" "$tsby" "$tpri" "$@")
	echo "qemu-system-x86_64 $args" >"$LAB_DIR/$name-cmdline"
	eval ip netns exec "$NS_SW" qemu-system-x86_64 "$args" \
		2>"$LAB_DIR/$name-qemu.log" || {
		cat "$LAB_DIR/$name-qemu.log" >&2
		die "qemu failed to start"
	}
}

write_env() {
	cat >"$LAB_ENV" <<EOF
LAB_DIR=$LAB_DIR
RUN_DIR=$RUN_DIR
LAB_ENV=$LAB_ENV
NS_SW=$NS_SW
NS_PEER=$NS_PEER
STACK=$STACK
STACK_PATHS="$STACK_PATHS"
AGENT=$RUN_DIR/vm-agent.sock
QMP=$RUN_DIR/vm-qmp.sock
MAC=$MAC
GUEST_IP=198.18.0.1
GUEST_IP6=fd00::1
PEER_IP=198.18.0.2
PEER_IP6=fd00::2
REPO=$REPO
SELFTEST_DIR=$SELFTEST_DIR
EOF
}

cmd_up() {
	local id t0

	t0=$(date +%s.%N)
	id=$$$RANDOM
	STACK=$(stack_name "${STACK:-ours}") || exit 1
	STACK_PATHS=$(stack_paths "$STACK") || exit 1
	mkdir -p "$OUT"
	LAB_DIR=$OUT/lab-$(date +%Y%m%d-%H%M%S)-$id
	RUN_DIR=/tmp/folab.$id
	NS_SW=folab-sw-$id
	NS_PEER=folab-peer-$id
	LAB_ENV=$LAB_DIR/env
	mkdir -p "$LAB_DIR/share" "$RUN_DIR"
	write_env
	net_up
	qemu_start vm tap-sby tap-pri
	python3 "$LABCTL" ping "$RUN_DIR/vm-agent.sock" -t 180 2>/dev/null || {
		tail -30 "$LAB_DIR/vm-console.log" >&2
		cmd_down "$LAB_ENV"
		die "guest agent did not answer"
	}
	say "guest up in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s ($(accel "$(abi)"))"
	# shellcheck disable=SC2086
	python3 "$LABCTL" guest "$RUN_DIR/vm-agent.sock" -t 120 \
		"$SELFTEST_DIR/guest/fo.sh" setup $STACK_PATHS >"$LAB_DIR/setup.log" 2>&1 || {
		# The tests still run and report what is missing.
		say "stack $STACK setup failed:"
		[ -n "$LAB_QUIET" ] || sed 's/^/lab:   /' "$LAB_DIR/setup.log" >&2
		echo "SETUP_FAILED=1" >>"$LAB_ENV"
	}
	say "stack $STACK up in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s"
	echo "$LAB_ENV"
}

# Fails if the guest kernel log shows a splat.
dmesg_check() {
	local log=$1

	grep -n -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|unregister_netdevice: waiting|INFO: (possible|trying|task|rcu|lockdep)|lockdep|general protection|kernel BUG|Call Trace:' \
		"$log"
	[ $? -ne 0 ]
}

cmd_down() {
	local env=$1 p

	# shellcheck disable=SC1090
	. "$env" || return 1
	python3 "$LABCTL" guest "$AGENT" -t 20 dmesg >"$LAB_DIR/dmesg.txt" 2>/dev/null ||
		cp "$LAB_DIR/vm-console.log" "$LAB_DIR/dmesg.txt"
	for p in "$RUN_DIR"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.2
	for p in "$RUN_DIR"/*.pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	ip netns del "$NS_SW" 2>/dev/null
	ip netns del "$NS_PEER" 2>/dev/null
	rm -rf "$RUN_DIR"
	return 0
}

# ---------------------------------------------------------------- tests ---

# run_tests: TAP for each test in one boot, then the dmesg check.
cmd_selftests() {
	local tests=("$@") n=0 fail=0 t rc env reason

	if [ ${#tests[@]} -eq 0 ]; then
		mapfile -t tests < <(sed -n 's/^TEST_PROGS += \(.*\)/\1/p; s/^TEST_PROGS := \(.*\)/\1/p' \
			"$SELFTEST_DIR/Makefile" | tr ' ' '\n' | grep .)
	fi
	echo "TAP version 13"
	echo "1..$((${#tests[@]} + 1))"
	env=$(LAB_QUIET=1 cmd_up) || {
		echo "# lab setup failed on stack ${STACK}:"
		[ -n "$env" ] && [ -f "$env" ] && sed 's/^/#   /' "$(dirname "$env")/setup.log"
		for t in "${tests[@]}" dmesg; do
			n=$((n + 1))
			echo "not ok $n $t # lab setup failed"
		done
		[ -n "$env" ] && [ -f "$env" ] && cmd_down "$env"
		return 1
	}
	echo "# stack: $(. "$env"; echo "$STACK"), logs: $(dirname "$env")"
	trap 'cmd_down "$env"; exit 1' INT TERM
	for t in "${tests[@]}"; do
		n=$((n + 1))
		LAB_ENV=$env "$SELFTEST_DIR/$t" 2>&1 | tee "$(dirname "$env")/$t.log" | sed 's/^/# /'
		rc=${PIPESTATUS[0]}
		reason=$(sed -n 's/^XFAIL: //p; s/^SKIP: //p' "$(dirname "$env")/$t.log" | head -n 1)
		case $rc in
		0) echo "ok $n $t" ;;
		2)
			# bash also exits 2 on a syntax error: only a declared XFAIL counts
			if grep -q '^XFAIL: ' "$(dirname "$env")/$t.log"; then
				echo "ok $n $t # XFAIL $reason"
			else
				echo "not ok $n $t # exit 2 without XFAIL"
				fail=1
			fi
			;;
		4) echo "ok $n $t # SKIP $reason" ;;
		*) echo "not ok $n $t"; fail=1 ;;
		esac
	done
	trap - INT TERM
	cmd_down "$env"
	n=$((n + 1))
	if dmesg_check "$(dirname "$env")/dmesg.txt" >"$(dirname "$env")/splats.txt"; then
		echo "ok $n dmesg clean"
	else
		sed 's/^/# /' "$(dirname "$env")/splats.txt" | head -n 20
		echo "not ok $n dmesg clean"
		fail=1
	fi
	return $fail
}

usage() { sed -n '23,35p' "$0" | sed 's/^# \{0,1\}//'; }

main() {
	local verb=${1:-help}

	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--stack) STACK=$2; shift 2 ;;
		--stack=*) STACK=${1#--stack=}; shift ;;
		*) break ;;
		esac
	done
	case $verb in
	deps) cmd_deps ;;
	up) cmd_up ;;
	down) cmd_down "$1" ;;
	selftests) cmd_selftests "$@" ;;
	demo) "$SELFTEST_DIR/demo.sh" "$@" ;;
	abi) abi ;;
	stack) stack_name "${STACK:-ours}" ;;
	help|-h|--help) usage ;;
	*) usage; exit 2 ;;
	esac
}

# One line, so that bash never reads past it while a run is going on.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; exit $?; fi
