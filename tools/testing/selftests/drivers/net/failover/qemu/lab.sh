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
#   lab.sh deps [--all-abis]          install packages, kernel image, initramfs
#   lab.sh build                      deps, then build our modules (errors are fatal)
#   lab.sh kdir | abi                 the lab kernel's headers dir | ABI name
#   lab.sh up [--stack S]             boot a lab, print its LAB_ENV file
#   lab.sh down LAB_ENV               collect dmesg, stop, clean up
#   lab.sh selftests [--stack S] [t.sh ...]   run selftests in one boot (TAP)
#
# LAB_KERNEL=6.1|6.12 (default 6.12) picks the guest kernel series, the
# newest of Debian's generic flavour (LAB_FLAVOUR=cloud kernels have neither
# e1000 nor 9p: realguest.sh boots those).  KDIR= names headers instead.
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

# this folder (the lab), the selftests that use it, the project
LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELFTEST_DIR=$(cd "$LAB_HOME/.." && pwd)
REPO=$(cd "$LAB_HOME/../../../../../../.." && pwd)
# Physical path: the guest bind-mounts the module tree from the host root
# shared at /host, where an absolute symlink (a .cache shared between
# worktrees) would resolve against the guest's own root.
CACHE=$(readlink -f "$REPO/.cache")
OUT=$REPO/out
LABCTL=$LAB_HOME/labctl.py
MAC=52:54:00:fa:11:01

die() { echo "lab: $*" >&2; exit 1; }
say() { [ -n "$LAB_QUIET" ] || echo "lab: $*" >&2; }

# The lab's kernel: LAB_KERNEL=6.1|6.12 (default 6.12), LAB_FLAVOUR=
# generic|cloud (default generic).  abi_regex [SERIES [FLAVOUR]] prints the
# pattern of that family's ABI names, anchored by its users: a loose one
# picks the rt or cloud flavour, whose modules refuse ours.
abi_regex() {
	local series=${1:-${LAB_KERNEL:-6.12}} flavour=${2:-${LAB_FLAVOUR:-generic}} f

	case $flavour in
	generic) f= ;;
	cloud) f=cloud- ;;
	*) echo "lab: LAB_FLAVOUR=$flavour: want generic or cloud" >&2; return 1 ;;
	esac
	case $series in
	6.1) echo "6\\.1\\.0-[0-9]+-${f}amd64" ;;
	6.12) echo "6\\.12\\.[0-9]+\\+deb[0-9]+-${f}amd64" ;;
	*) echo "lab: LAB_KERNEL=$series: want 6.1 or 6.12" >&2; return 1 ;;
	esac
}

# The newest installed headers of the family (LAB_SRC: where they live).
kdir_of() {
	local re

	re=$(abi_regex "$@") || return 1
	ls -d "${LAB_SRC:-/usr/src}"/linux-headers-* 2>/dev/null |
		grep -E "/linux-headers-$re\$" | sort -V | tail -n 1
}

kdir() {
	if [ -n "$KDIR" ]; then
		echo "$KDIR"
		return
	fi
	kdir_of
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
	gcc make gnuplot-nox linux-source-6.12 procps tcpdump"

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

# The newest ABI of a family (abi_regex's arguments) for which the archive
# has both headers and an image.
resolve_abi() {
	local a re

	re=$(abi_regex "$@") || return 1
	apt_update
	for a in $(apt-cache search --names-only "^linux-headers-$re\$" |
		   awk '{print $1}' | sed 's/^linux-headers-//' | sort -V -r); do
		if apt-cache show "linux-image-$a-unsigned" >/dev/null 2>&1; then
			echo "$a"
			return 0
		fi
	done
	return 1
}

# deps_headers [SERIES [FLAVOUR]]: that family's newest headers, installed
# unless some are already.
deps_headers() {
	local a

	[ -n "$(kdir_of "$@")" ] && return 0
	a=$(resolve_abi "$@") || die "no linux-headers + linux-image pair for '$(abi_regex "$@")' in the archive"
	apt_install "linux-headers-$a"
	[ -n "$(kdir_of "$@")" ] || die "linux-headers-$a installed, but not found in ${LAB_SRC:-/usr/src}"
}

deps_kernel() {
	local a=$1 kd=$CACHE/kernel/$1 tmp

	[ -f "$kd/boot/vmlinuz-$a" ] && [ -f "$kd/lib/modules/$a/modules.dep" ] &&
		[ -n "$(mod_file "$a" net_failover)" ] && return 0
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

# mod_file ABI NAME: the stock module's file in the extracted image (6.12
# ships .ko.xz, 6.1 plain .ko).
mod_file() {
	local mt=$CACHE/kernel/$1/lib/modules/$1

	[ -f "$mt/modules.dep" ] || return 0
	sed -n "s@^\\(kernel/.*/$2\\.ko[.a-z]*\\):.*@\\1@p" "$mt/modules.dep" |
		head -n 1 | sed "s@^@$mt/@"
}

# mod_closure ABI NAME...: the modules NAME needs, then NAME, in load order,
# as paths relative to the module tree (modules.dep lists a module's
# dependencies nearest first).
mod_closure() {
	local a=$1 dep=$CACHE/kernel/$1/lib/modules/$1/modules.dep m line d

	shift
	for m in "$@"; do
		line=$(grep -E "/$m\\.ko[.a-z]*:" "$dep" | head -n 1)
		[ -n "$line" ] || continue
		for d in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
			echo "$d"
		done
	done | awk '!seen[$0]++'
}

deps_initramfs() {
	local a=$1 img tmp m f
	local mt=$CACHE/kernel/$a/lib/modules/$a

	img=$(initramfs_path "$a")
	if [ -f "$img" ] && [ "$img" -nt "$LAB_HOME/guest/init" ] &&
	   [ "$img" -nt "$LAB_HOME/guest/agent" ] &&
	   [ "$img" -nt "$LAB_HOME/guest/mounts" ] &&
	   [ "$img" -nt "$LAB_HOME/lab.sh" ]; then
		return 0
	fi
	say "building initramfs for $a"
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,sbin,proc,sys,dev,tmp,host,lib/mod}
	cp /bin/busybox "$tmp/bin/busybox"
	for m in $("$tmp/bin/busybox" --list); do
		[ -e "$tmp/bin/$m" ] || ln -s busybox "$tmp/bin/$m"
	done
	# What init loads before it can mount the host root: 9p, and on 6.1
	# virtio_pci itself (6.12 builds it in; its closure is then empty).
	# In modules.dep order; the order file keeps it.
	for f in $(mod_closure "$a" virtio_pci netfs 9pnet_virtio 9p); do
		m=$(basename "$f")
		m=${m%%.ko*}
		case $f in
		*.xz) xz -dc "$mt/$f" >"$tmp/lib/mod/$m.ko" ;;
		*) cp "$mt/$f" "$tmp/lib/mod/$m.ko" ;;
		esac
		echo "$m" >>"$tmp/lib/mod/order"
	done
	grep -qx 9p "$tmp/lib/mod/order" 2>/dev/null || die "module 9p not in the kernel image $a"
install -m 755 "$LAB_HOME/guest/init" "$tmp/init"
	install -m 755 "$LAB_HOME/guest/agent" "$tmp/agent"
	install -m 755 "$LAB_HOME/guest/mounts" "$tmp/mounts"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp" &&
		mv "$img.tmp" "$img"
	rm -rf "$tmp"
}

# cmd_deps [--all-abis]: packages, the lab kernel's headers, image and
# initramfs; with --all-abis also the headers of every family `make check`
# builds for.
cmd_deps() {
	local missing="" p a f

	mkdir -p "$CACHE"
	abi_regex >/dev/null || exit 1
	for p in $PKGS; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			missing="$missing $p"
	done
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt_install $missing

	if [ -z "$KDIR" ]; then
		deps_headers
	elif [ ! -f "$KDIR/Module.symvers" ]; then
		die "KDIR=$KDIR holds no kernel headers"
	fi
	if [ "$1" = --all-abis ]; then
		for f in "6.1 generic" "6.1 cloud" "6.12 generic" "6.12 cloud"; do
			# shellcheck disable=SC2086
			deps_headers $f
		done
	fi
	a=$(abi)
	deps_kernel "$a"
	deps_initramfs "$a"
	[ -x "$CACHE/linux-source-6.12/scripts/checkpatch.pl" ] || {
		say "extracting linux-source-6.12"
		tar -C "$CACHE" -xf /usr/src/linux-source-6.12.tar.xz || die "cannot extract linux-source"
	}
	say "deps ok: kernel $a"
}

# cmd_build: deps, then our modules for the lab's kernel, in the tree (as
# `make` does).  A failed build is an error, with the compiler's lines: the
# demo and the benchmarks never fall back to stock modules unasked.
cmd_build() {
	local log f

	cmd_deps || exit 1
	mkdir -p "$OUT"
	log=$OUT/build-$(abi).log
	say "building our modules for $(abi) ($(kdir))"
	if ! make -C "$REPO" KDIR="$(kdir)" modules >"$log" 2>&1; then
		grep -E 'error|warning|Error' "$log" | head -n 30 >&2
		die "our modules did not build for $(abi) (whole log: $log)"
	fi
	for f in $(ours_files); do
		[ -f "$f" ] || die "build finished but $f is missing"
	done
}

# ---------------------------------------------------------------- stack ---

# Where our modules for the lab's ABI are: the tree when `make` built them
# for it, else out/build/ABI (check.sh's builds for the other kernels).
ours_dir() {
	local a v

	a=$(abi)
	v=$(modinfo -F vermagic "$REPO/net/core/failover.ko" 2>/dev/null)
	if [ "${v%% *}" = "$a" ]; then
		echo "$REPO"
	else
		echo "$OUT/build/$a"
	fi
}

ours_file() {
	case $1 in
	failover) echo "$(ours_dir)/net/core/failover.ko" ;;
	*) echo "$(ours_dir)/drivers/net/$1.ko" ;;
	esac
}

ours_files() {
	local m

	for m in failover net_failover virtio_net; do
		ours_file "$m"
	done
}

# Prints "failover=PATH net_failover=PATH virtio_net=PATH" for a stack spec.
stack_paths() {
	local spec=$1 a m src f out=""

	a=$(abi)
	case $spec in
	stock) spec="failover=stock,net_failover=stock,virtio_net=stock" ;;
	ours) spec="failover=ours,net_failover=ours,virtio_net=ours" ;;
	esac
	for m in failover net_failover virtio_net; do
		src=$(echo ",$spec," | sed -n "s/.*,$m=\\([a-z]*\\),.*/\\1/p")
		case ${src:-stock} in
		ours) f=$(ours_file "$m") ;;
		stock) f=$(mod_file "$a" "$m") ;;
		none) f=none ;;
		*) die "bad stack '$1' (want stock, ours or failover=ours|stock|none,...)" ;;
		esac
		[ "$f" = none ] || [ -f "$f" ] ||
			die "stack $1: ${f:-stock $m for $a} missing (run make, or lab.sh deps)"
		out="$out $m=$f"
	done
	echo "$out"
}

# Canonical name: stock, ours, or the explicit list.
stack_name() {
	local p kv list="" n=0

	p=$(stack_paths "$1") || return 1
	for kv in $p; do
		# by the exact file: the stock modules' cache may lie in the tree
		if [ "${kv#*=}" = none ]; then
			list="$list,$kv"
			n=-9
		elif [ "${kv#*=}" = "$(ours_file "${kv%%=*}")" ]; then
			list="$list,${kv%%=*}=ours"
			n=$((n + 1))
		else
			list="$list,${kv%%=*}=stock"
		fi
	done
	case $n in
	0) echo stock ;;
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
		mkdir -p "$CACHE"
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

# nic_standby ID NETDEV TAP MAC BUS [FAILOVER [PROPS]]: the QEMU args of a
# virtio-net standby on TAP, failover=on unless FAILOVER is "off"; PROPS are
# more device properties ("mrg_rxbuf=off,host_mtu=65000").
nic_standby() {
	local q=${LAB_QUEUES:-2} mq=""

	[ "$q" -gt 1 ] && mq=",mq=on,vectors=$((2 * q + 2))"
	echo -netdev tap,id="$2",ifname="$3",script=no,downscript=no,queues="$q" \
		-device virtio-net-pci,netdev="$2",id="$1",mac="$4",failover="${6:-on}",bus="$5",romfile=$mq${7:+,$7}
}

# nic_primary ID NETDEV TAP MAC BUS STANDBY [MODEL]: an e1000 (or MODEL)
# primary on TAP paired with STANDBY.  No ROM: migration needs the hidden
# primary's RAM blocks to match on both sides.
nic_primary() {
	echo -netdev tap,id="$2",ifname="$3",script=no,downscript=no \
		-device "${7:-e1000}",netdev="$2",id="$1",failover_pair_id="$6",mac="$4",bus="$5",romfile=
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

# LAB_INSNCOUNT=PLUGIN.so (scripts/bench/insncount.c): QEMU counts the guest
# instructions executed into $LAB_DIR/NAME-insns, for cost measurements;
# LAB_INSNPROF=1 adds a profile of the kernel's blocks in NAME-prof.
# LAB_ICOUNT=shift=N runs the guest's clock off its instructions (2^N ns
# each) while it is busy, not the host's: timer ticks per packet, and a
# guest-measured rate, then do not follow host load (QEMU's -icount value).
insncount_args() {
	[ -n "$LAB_INSNCOUNT" ] || return 0
	[ -f "$LAB_INSNCOUNT" ] || die "LAB_INSNCOUNT=$LAB_INSNCOUNT: no such plugin"
	[ "${LAB_SMP:-1}" = 1 ] || die "LAB_INSNCOUNT needs LAB_SMP=1"
	echo -plugin "$LAB_INSNCOUNT,out=$LAB_DIR/$1-insns${LAB_INSNPROF:+,prof=$LAB_DIR/$1-prof}"
	[ -z "$LAB_ICOUNT" ] || echo -icount "$LAB_ICOUNT"
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
INSNS=${LAB_INSNCOUNT:+$LAB_DIR/vm-insns}
ICOUNT=${LAB_INSNCOUNT:+$LAB_ICOUNT}
EOF
}

cmd_up() {
	local id t0

	t0=$(date +%s.%N)
	id=$$$RANDOM
	[ "${LAB_FLAVOUR:-generic}" = generic ] ||
		die "LAB_FLAVOUR=$LAB_FLAVOUR: this lab's guest needs e1000 and 9p, which cloud kernels lack (realguest.sh boots them)"
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
	# shellcheck disable=SC2046
	qemu_start vm tap-sby tap-pri $(insncount_args vm)
	python3 "$LABCTL" ping "$RUN_DIR/vm-agent.sock" -t 180 2>/dev/null || {
		tail -30 "$LAB_DIR/vm-console.log" >&2
		cmd_down "$LAB_ENV"
		die "guest agent did not answer"
	}
	say "guest up in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s ($(accel "$(abi)"))"
	# shellcheck disable=SC2086
	python3 "$LABCTL" guest "$RUN_DIR/vm-agent.sock" -t 120 \
		"$LAB_HOME/guest/fo.sh" setup $STACK_PATHS >"$LAB_DIR/setup.log" 2>&1 || {
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

usage() { sed -n '/^# Usage:/,/^# A stack is/p' "$0" | sed 's/^# \{0,1\}//'; }

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
	deps) cmd_deps "$@" ;;
	build) cmd_build ;;
	kdir) kdir ;;
	up) cmd_up ;;
	down) cmd_down "$1" ;;
	selftests) cmd_selftests "$@" ;;
	abi) abi ;;
	stack) stack_name "${STACK:-ours}" ;;
	help|-h|--help) usage ;;
	*) usage; exit 2 ;;
	esac
}

# One line, so that bash never reads past it while a run is going on.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; exit $?; fi
