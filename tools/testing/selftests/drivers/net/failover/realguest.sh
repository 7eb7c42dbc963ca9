#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real Debian 12 guest (guest/debian_image.sh: debootstrap, systemd, udev,
# systemd-networkd, cloud-init, Debian's own kernel from the archive; on
# STACK=ours the failover-dkms package installed as an image maintainer
# would, DKMS-built for that kernel) booted from its disk image under QEMU
# (TCG), with QEMU's failover playing the hypervisor.  Standalone: it boots
# its own guest, not lab.sh's busybox one.
#
#   +--------------------------- netns forg-sw-<id> ----------------------------+
#   | qemu: Debian 12 from disk.img (virtio-blk, snapshot=on)                   |
#   |  virtio-net-pci failover=on          (standby) ---- tap-sby --+           |
#   |  e1000|vmxnet3 failover_pair_id      (primary) ---- tap-pri --+-- br0 --+ |
#   |  (guest PCI remove, rescan)                                           |   |
#   +-----------------------------------------------------------------------|---+
#                                                                           |
#   netns forg-peer-<id>: eth0 198.18.0.2/24 fd00::2/64 --------------------+
#                         ping -D -O -i 0.005
#   guest: networkd's 10-failover.network ([Match] Driver=net_failover)
#          puts 198.18.0.1/24 fd00::1/64 on the master, nothing on the lowers
#
# Asserts: the trio forms (master net_failover, standby virtio_net with
# phys_port_name sby, primary e1000 / vmxnet3, both lowers enslaved to the
# master), networkd addressed the master only; the loaded modules are the
# DKMS ones on ours (version, path under updates/dkms, srcversion) and
# Debian's on stock; a 5 ms ping from the peer survives the primary's PCI
# removal and rescan (BEYOND STOCK: none lost in either phase); the guest's
# kernel log is clean.
# User space (BEYOND STOCK: failover-dkms's udev rules and networkd file): the
# lower devices are FAILOVER_LOWER and NM_UNMANAGED in udev's database, the
# primary is named <master>npri at boot and after its return, no rename<N>
# is left, and a catch-all .network (Type=ether) configures the master and
# leaves the lower devices unmanaged.  Parity: no IPv6 address on a lower
# device (6.1's stock core: beyond); cloud-init classifies the trio
# as master, standby, primary and finds no duplicate MAC; iproute2 shows the
# master's kind and the lower devices' slave kind (beyond stock).
#
# Env: REALGUEST_KERNEL=6.1|6.12 (default 6.12), REALGUEST_FLAVOUR=
# generic|cloud (default generic; cloud kernels have no e1000: the primary is
# a vmxnet3), STACK=ours|stock (default ours), REALGUEST_APPEND= more kernel
# parameters.  Logs: out/realguest-<date>-<id>/.
# Exit: 0 pass, 1 fail, 2 XFAIL (stock's losses), 4 skip.

set -o pipefail

# The whole test is one compound command: bash parses it before running it,
# so an edit of this file during a run does not change the run.
{
DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$DIR/../../../../../.." && pwd)
SERIES=${REALGUEST_KERNEL:-6.12}
FLAVOUR=${REALGUEST_FLAVOUR:-generic}
STACK=${STACK:-ours}

case $STACK in
ours|stock) ;;
*) echo "SKIP: STACK=$STACK: a real guest runs ours (failover-dkms) or stock"; exit 4 ;;
esac
case $FLAVOUR in
generic) PRI_DRV=e1000 ;;
cloud) PRI_DRV=vmxnet3 ;;
*) echo "FAIL: REALGUEST_FLAVOUR=$FLAVOUR: want generic or cloud"; exit 1 ;;
esac

# Host tools, quietly when they are there.
host_deps() {
	local p missing=""

	for p in qemu-system-x86 iproute2 iputils-ping python3 bc; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "INFO: installing$missing"
	# shellcheck disable=SC2086
	{ apt-get update -qq -o DPkg::Lock::Timeout=300 &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
		--no-install-recommends $missing; } >/dev/null 2>&1
}
host_deps || { echo "FAIL: cannot install the host's tools"; exit 1; }

ID=$$$RANDOM
LAB_DIR=$REPO/out/realguest-$(date +%Y%m%d-%H%M%S)-$ID
RUN_DIR=/tmp/forg.$ID
NS_SW=forg-sw-$ID
NS_PEER=forg-peer-$ID
LAB_ENV=$LAB_DIR/env
mkdir -p "$LAB_DIR" "$RUN_DIR"

echo "INFO: Debian 12 guest, kernel $SERIES $FLAVOUR, stack $STACK, logs $LAB_DIR"
T_IMG=$(date +%s.%N)
if ! IMG_ENV=$("$DIR/qemu/debian_image.sh" build "$SERIES" "$FLAVOUR" "$STACK" 2>"$LAB_DIR/image.log"); then
	sed 's/^/image: /' "$LAB_DIR/image.log" | tail -n 30
	echo "FAIL: guest image $SERIES $FLAVOUR $STACK built (see $LAB_DIR/image.log)"
	exit 1
fi
echo "$IMG_ENV" >"$LAB_DIR/image.env"
eval "$IMG_ENV"
echo "INFO: image $IMAGE (kernel $ABI, dkms ${DKMS:-none}), ready in $(echo "$(date +%s.%N) - $T_IMG" | bc | cut -c1-6) s"

# lab.sh: net_up, nic_standby, dmesg_check, write_env (the LAB_ENV file
# lib.sh reads).  lib.sh (LAB_ENV set: it boots nothing): check, beyond,
# finish, busywait, guest, ping_phases, bare_roles.
# shellcheck disable=SC1091
source "$DIR/qemu/lab.sh" || exit 1
write_env
# shellcheck disable=SC1091
source "$DIR/lib.sh" || exit 1

PING_PID=
DMESG_DONE=
cleanup() {
	local rc=$? pid

	trap - EXIT INT TERM
	[ -n "$PING_PID" ] && kill -INT "$PING_PID" 2>/dev/null && wait "$PING_PID" 2>/dev/null
	pid=$(cat "$RUN_DIR/vm.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		[ -n "$DMESG_DONE" ] ||
			GUEST_TIMEOUT=20 guest dmesg >"$LAB_DIR/dmesg.txt" 2>/dev/null
		qmp '{"execute":"quit"}' >/dev/null 2>&1
		busywait 10000 eval "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null
	fi
	ip netns del "$NS_SW" 2>/dev/null
	ip netns del "$NS_PEER" 2>/dev/null
	rm -rf "$RUN_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# nic_primary_of DRIVER ID NETDEV TAP MAC BUS STANDBY: the primary, an
# e1000 or a vmxnet3, no option ROM (as lab.sh's nic_primary).
nic_primary_of() {
	echo -netdev tap,id="$3",ifname="$4",script=no,downscript=no \
		-device "$1",netdev="$3",id="$2",failover_pair_id="$7",mac="$5",bus="$6",romfile=
}

# ---- boot ----------------------------------------------------------------

net_up
ARGS="-M q35 -accel tcg -cpu max -smp 1 -m 1024 -display none -vga none -no-reboot
	-kernel $KERNEL -initrd $INITRD
	-append 'root=/dev/vda rw console=ttyS0 panic=-1 watchdog_thresh=60${REALGUEST_APPEND:+ $REALGUEST_APPEND}'
	-drive file=$IMAGE,if=virtio,format=raw,snapshot=on
	-device pcie-root-port,id=rp0,chassis=1 -device pcie-root-port,id=rp1,chassis=2
	-device pcie-root-port,id=rp2,chassis=3 -device pcie-root-port,id=rp3,chassis=4
	$(nic_standby standby0 nsby tap-sby "$MAC" rp0)
	$(nic_primary_of "$PRI_DRV" primary0 npri tap-pri "$MAC" rp1 standby0)
	-chardev socket,id=qmp,path=$QMP,server=on,wait=off -mon chardev=qmp,mode=control
	-chardev file,id=con,path=$LAB_DIR/vm-console.log -serial chardev:con
	-chardev socket,id=ag,path=$AGENT,server=on,wait=off -serial chardev:ag
	-pidfile $RUN_DIR/vm.pid -daemonize"
# one line: eval runs each line as a command of its own
ARGS=$(echo "$ARGS" | tr -s '\t\n' '  ')
echo "qemu-system-x86_64 $ARGS" >"$LAB_DIR/vm-cmdline"
T_BOOT=$(date +%s.%N)
if ! eval ip netns exec "$NS_SW" qemu-system-x86_64 "$ARGS" 2>"$LAB_DIR/vm-qemu.log"; then
	sed 's/^/qemu: /' "$LAB_DIR/vm-qemu.log"
	fail "qemu started"
	finish
fi
# The agent drops what arrives before it listens, and labctl retries only
# every 5 s: the console says when it starts.
if ! busywait 600000 grep -q 'folab: agent ready' "$LAB_DIR/vm-console.log" ||
   ! python3 "$LABCTL" ping "$AGENT" -t 60 2>/dev/null; then
	tail -n 30 "$LAB_DIR/vm-console.log" | sed 's/^/console: /'
	fail "guest agent answers"
	finish
fi
BOOT_S=$(echo "$(date +%s.%N) - $T_BOOT" | bc | awk '{printf "%.1f", $1}')
pass "Debian guest booted to its agent in $BOOT_S s (TCG, 1 vCPU)"
grep -q 'Reached target.*Multi-User\|Reached target.*multi-user' "$LAB_DIR/vm-console.log" &&
	echo "INFO: multi-user.target already reached"

KVER=$(guest uname -r)
check "guest runs Debian's kernel $ABI ($KVER)" [ "$KVER" = "$ABI" ]
echo "INFO: guest: $(guest 'cat /etc/debian_version; systemctl --version | head -n 1' | paste -sd' ')"

# ---- the trio --------------------------------------------------------------

# drv DEV: the guest netdev's driver (ethtool -i, as udev's Driver= sees it).
drv() { guest "ethtool -i $1 2>/dev/null | sed -n 's/^driver: //p'"; }
master_of() { guest "basename \$(readlink /sys/class/net/$1/master 2>/dev/null) 2>/dev/null"; }

# udev renames the lower devices after they are linked (the package's rules
# name the primary <master>npri): read the names once udev is done
settled_trio() { guest "udevadm settle --timeout=30" >/dev/null 2>&1; bare_trio_complete; }
if busywait 60000 settled_trio; then
	pass "trio formed (master $MASTER, standby $STANDBY, primary $PRIMARY)"
else
	fail "trio formed (master $MASTER, standby $STANDBY, primary $PRIMARY)"
	guest "ip -d link" | sed 's/^/guest: /'
	finish
fi
d=$(drv "$MASTER")
check "master $MASTER: driver $d" [ "$d" = net_failover ]
d=$(drv "$STANDBY")
check "standby $STANDBY: driver $d, phys_port_name $(guest cat /sys/class/net/$STANDBY/phys_port_name)" \
	[ "$d" = virtio_net ]
d=$(drv "$PRIMARY")
check "primary $PRIMARY: driver $d (want $PRI_DRV)" [ "$d" = "$PRI_DRV" ]
m1=$(master_of "$STANDBY") m2=$(master_of "$PRIMARY")
check "both lower devices' master is $MASTER (standby: $m1, primary: $m2)" \
	[ "$m1" = "$MASTER" -a "$m2" = "$MASTER" ]

# networkd: the master has the lab address, the lower devices nothing but
# (at most) a link-local address.
has_addr() { guest "ip -4 -br addr show dev $1" | grep -q "$GUEST_IP/24"; }
if busywait 60000 has_addr "$MASTER"; then
	pass "networkd put $GUEST_IP/24 on the master $MASTER"
else
	fail "networkd put $GUEST_IP/24 on the master $MASTER"
	guest "networkctl list --no-pager; ip -br addr" | sed 's/^/guest: /'
fi
with=$(guest "ip -br addr | awk '/ $GUEST_IP\\// { print \$1 }'" | sed 's/@.*//' | paste -sd' ')
check "$GUEST_IP on the master only (on: ${with:-none})" [ "$with" = "$MASTER" ]
lower4=$(guest "ip -4 -o addr show dev $STANDBY; ip -4 -o addr show dev $PRIMARY" | wc -l)
check "no IPv4 address on the lower devices ($lower4)" [ "$lower4" -eq 0 ]
echo "INFO: guest addresses: $(guest 'ip -br addr' | paste -sd';')"

# ---- the modules -------------------------------------------------------------

VERSION=$(cat "$REPO/VERSION")
# "name version srcversion file file-srcversion", "-" for what is absent
# (Debian's own modules have neither a version nor a srcversion).
mods=$(guest 'for m in failover net_failover virtio_net; do
	v=$(cat /sys/module/$m/version 2>/dev/null)
	s=$(cat /sys/module/$m/srcversion 2>/dev/null)
	f=$(modinfo -n $m 2>/dev/null)
	fs=$(modinfo -F srcversion $m 2>/dev/null)
	echo "$m ${v:--} ${s:--} ${f:--} ${fs:--}"
done')
echo "$mods" | sed 's/^/INFO: module (name version srcversion file file-srcversion): /'
if [ "$STACK" = ours ] && [ "${DKMS:-none}" != built ]; then
	echo "INFO: dkms status: $(guest 'dkms status 2>&1' | paste -sd';')"
	skip "failover-dkms built no modules for $ABI (the package's BUILD_EXCLUSIVE_KERNEL: $(guest "sed -n 's/^BUILD_EXCLUSIVE_KERNEL=//p' /usr/src/failover-*/dkms.conf" | head -n 1))"
fi
while read -r m ver src file fsrc; do
	[ -n "$m" ] || continue
	if [ "$STACK" = ours ]; then
		check "$m: /sys/module/$m/version $ver = VERSION $VERSION" [ "$ver" = "$VERSION" ]
		check "$m: modinfo -n $file under /lib/modules/$ABI/updates/dkms/" \
			eval '[[ $file == /lib/modules/$ABI/updates/dkms/* ]]'
		check "$m: loaded srcversion $src = the file's $fsrc" [ "$src" = "$fsrc" -a "$src" != - ]
	else
		check "$m: Debian's (version file: $ver; $file under kernel/; srcversion $src = $fsrc)" \
			eval '[ "$ver" = - ] && [[ $file == /lib/modules/$ABI/kernel/* ]] && [ "$src" = "$fsrc" ]'
	fi
done <<<"$mods"

# ---- user space: udev, iproute2, cloud-init ---------------------------------

# prop DEV NAME=VALUE: udev's database has it for DEV
prop() { guest "udevadm info -q property -p /sys/class/net/$1" | grep -qxF "$2"; }
lower_props() { prop "$1" FAILOVER_LOWER=1 && prop "$1" NM_UNMANAGED=1; }
# named_after_master: the primary is <master>npri (udev renames it, maybe
# after bare_trio_complete first saw it)
named_after_master() { bare_trio_complete && [ "$PRIMARY" = "${MASTER}npri" ]; }
no_leftover() { ! guest "ip -o link" | grep -q ': rename[0-9]*[:@]'; }
udev_log() { guest "journalctl -b -o cat -u systemd-udevd --no-pager" 2>/dev/null; }

no_ipv6() { [ -z "$(guest "ip -6 -o addr show dev $STANDBY; ip -6 -o addr show dev $PRIMARY")" ]; }
# 6.1's stock core lets the lower devices autoconfigure IPv6 (ipv6.sh)
ipv6_check() {
	if [ "$STACK" = stock ] && [ "$SERIES" = 6.1 ]; then beyond "$@"; else check "$@"; fi
}

roles_userspace() {
	local when=$1

	beyond "$when: the primary is named after its master (${MASTER}npri: $PRIMARY)" \
		busywait 15000 named_after_master
	beyond "$when: udev has FAILOVER_LOWER=1 NM_UNMANAGED=1 on $STANDBY and $PRIMARY" \
		eval 'lower_props "$STANDBY" && lower_props "$PRIMARY"'
	check "$when: and not on the master $MASTER" eval '! prop "$MASTER" FAILOVER_LOWER=1'
	check "$when: no rename<N> device is left" no_leftover
	ipv6_check "$when: no IPv6 address on $STANDBY or $PRIMARY" no_ipv6
	check "$when: udevd renamed nothing into an error" \
		eval '! udev_log | grep -i -E "failed to rename|device or resource busy"'
}
roles_userspace boot
echo "INFO: names: master $MASTER, standby $STANDBY, primary $PRIMARY"

# iproute2's JSON: the kinds (the attributes are roles.sh's, in the lab)
kinds=$(guest "ip -j -d link" | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    i = l.get("linkinfo", {})
    print(l["ifname"], i.get("info_kind", "-"), i.get("info_slave_kind", "-"))')
echo "$kinds" | sed 's/^/INFO: ip -j -d link (name kind slave_kind): /'
beyond "ip -j -d link: $MASTER kind net_failover, $STANDBY and $PRIMARY slave kind net_failover" \
	eval 'grep -qx "$MASTER net_failover -" <<<"$kinds" &&
	      grep -qx "$STANDBY - net_failover" <<<"$kinds" &&
	      grep -qx "$PRIMARY - net_failover" <<<"$kinds"'

# cloud-init's own classification, as its network code uses it
CI_PY=$(base64 -w0 <<'PY'
import sys
from cloudinit import net
for d in sys.argv[1:]:
    r = [k for k, f in (("master", net.is_netfail_master),
                        ("standby", net.is_netfail_standby),
                        ("primary", net.is_netfail_primary)) if f(d)]
    print(d, ",".join(r) or "-")
try:
    net.get_interfaces_by_mac()
    print("by_mac ok")
except RuntimeError as e:
    print("by_mac", e)
PY
)
ci=$(guest "echo $CI_PY | base64 -d | python3 - $MASTER $STANDBY $PRIMARY 2>&1")
echo "$ci" | sed 's/^/INFO: cloud-init: /'
check "cloud-init: $MASTER is a netfail master, $STANDBY standby, $PRIMARY primary" \
	eval 'grep -qx "$MASTER master" <<<"$ci" && grep -qx "$STANDBY standby" <<<"$ci" &&
	      grep -qx "$PRIMARY primary" <<<"$ci"'
check "cloud-init: get_interfaces_by_mac() finds no duplicate MAC" grep -qx "by_mac ok" <<<"$ci"

# ---- traffic across the primary's removal and return ----------------------

PING_LOG=$LAB_DIR/ping.log
replies() { grep -c 'bytes from' "$PING_LOG" 2>/dev/null; }
# flowing N: N more replies than when REPLIES was last set.
flowing() { [ $(($(replies) - REPLIES)) -ge "$1" ]; }
tx_of() { guest cat "/sys/class/net/$1/statistics/tx_packets" 2>/dev/null || echo 0; }
grows() { [ $(($(tx_of "$1") - TX0)) -ge "$2" ]; }

# Not through peer(): ip netns exec execs ping, so $! is ping itself.
ip netns exec "$NS_PEER" ping -D -O -i 0.005 -W 1 -w 600 "$GUEST_IP" >"$PING_LOG" 2>&1 &
PING_PID=$!
REPLIES=0
check "steady state: the peer's pings are answered" busywait 30000 flowing 200

bdf=$(guest "basename \$(readlink /sys/class/net/$PRIMARY/device)")
T_RM=$(date +%s.%N)
guest "echo 1 > /sys/bus/pci/devices/$bdf/remove"
check "primary $PRIMARY ($bdf) removed by the guest" busywait 30000 bare_primary_gone
REPLIES=$(replies)
TX0=$(tx_of "$STANDBY")
# Stock leaves the host's switch on the primary's port until the guest
# sends on the standby: then the guest pings the peer, and traffic must flow.
if ! beyond "after removal: pings answered again, the guest silent" busywait 20000 flowing 100; then
	busywait 20000 guest_ping_ok
	check "after removal: pings answered once the guest sent" busywait 20000 flowing 100
fi
check "after removal: replies leave on the standby $STANDBY" busywait 10000 grows "$STANDBY" 100

T_RS=$(date +%s.%N)
guest "echo 1 > /sys/bus/pci/rescan"
check "primary back after rescan" busywait 60000 settled_trio
check "returned primary $PRIMARY has carrier" busywait 30000 carrier "$PRIMARY"
TX0=$(tx_of "$PRIMARY")
REPLIES=$(replies)
if ! busywait 5000 grows "$PRIMARY" 100; then
	echo "INFO: no traffic on the returned primary 5 s after carrier: the guest pings the peer"
	busywait 20000 guest_ping_ok
fi
check "after return: replies leave on the primary $PRIMARY" busywait 20000 grows "$PRIMARY" 100
check "after return: pings answered" busywait 10000 flowing 100
roles_userspace "after return"
T_END=$(date +%s.%N)
kill -INT "$PING_PID" 2>/dev/null
wait "$PING_PID" 2>/dev/null
PING_PID=

# Requests sent in the last second before the end may still be in flight.
stats=$(ping_phases "$PING_LOG" removal="$T_RM" return="$T_RS" tail="$(echo "$T_END - 1" | bc)")
echo "$stats" | sed 's/^/INFO: pings: /'
echo "$stats" >"$LAB_DIR/ping-phases.txt"
lost_rm=$(echo "$stats" | sed -n 's/^phase removal sent [0-9]* lost \([0-9]*\).*/\1/p')
lost_rs=$(echo "$stats" | sed -n 's/^phase return sent [0-9]* lost \([0-9]*\).*/\1/p')
echo "INFO: lost on removal: ${lost_rm:-?}, lost on return: ${lost_rs:-?}"
lost_at "$PING_LOG" "$T_RM" | sed 's/^/INFO: lost: /'
beyond "no ping lost on removal (${lost_rm:-?})" [ "${lost_rm:-1}" -eq 0 ]
beyond "no ping lost on return (${lost_rs:-?})" [ "${lost_rs:-1}" -eq 0 ]

# ---- a catch-all .network ------------------------------------------------------

# As a MAC or type match (cloud-init's, an image's default) would: every
# Ethernet device.  The master matches 10-failover.network first.
CATCH_IP=198.19.255.1
guest "printf '[Match]\\nType=ether\\n\\n[Network]\\nAddress=$CATCH_IP/24\\n' \
	>/etc/systemd/network/99-folab-any.network && networkctl reload"
# state DEV: networkd's setup state of DEV
state() { guest "networkctl list --no-legend --no-pager $1" | awk '{ print $5 }'; }
settled() { local s; s=$(state "$1"); [ -n "$s" ] && [[ $s != *ing ]] && [ "$s" != pending ]; }
busywait 10000 eval 'settled "$STANDBY" && settled "$PRIMARY"'
ss=$(state "$STANDBY") sp=$(state "$PRIMARY") sm=$(state "$MASTER")
echo "INFO: networkctl after the catch-all: $(guest 'networkctl list --no-legend --no-pager' | paste -sd';')"
check "catch-all: the master $MASTER is still configured ($sm)" [ "$sm" = configured ]
beyond "catch-all: networkd leaves $STANDBY ($ss) and $PRIMARY ($sp) unmanaged" \
	[ "$ss" = unmanaged -a "$sp" = unmanaged ]
with=$(guest "ip -br addr | awk '/ $CATCH_IP\\// { print \$1 }'" | sed 's/@.*//' | paste -sd' ')
beyond "catch-all: $CATCH_IP on no lower device (on: ${with:-none})" [ -z "$with" ]
ipv6_check "catch-all: no IPv6 address on $STANDBY or $PRIMARY" no_ipv6

# ---- the guest's kernel log -------------------------------------------------

if GUEST_TIMEOUT=30 guest dmesg >"$LAB_DIR/dmesg.txt"; then
	DMESG_DONE=1
else
	cp "$LAB_DIR/vm-console.log" "$LAB_DIR/dmesg.txt"
fi
if dmesg_check "$LAB_DIR/dmesg.txt" >"$LAB_DIR/splats.txt"; then
	pass "guest kernel log clean"
else
	head -n 20 "$LAB_DIR/splats.txt" | sed 's/^/dmesg: /'
	fail "guest kernel log clean (see $LAB_DIR/dmesg.txt)"
fi

echo "INFO: boot ${BOOT_S} s, lost removal ${lost_rm:-?} return ${lost_rs:-?}, kernel $ABI, stack $STACK"
finish "stock loses pings while the primary leaves (${lost_rm:-?}) and returns (${lost_rs:-?}); Debian ships no rules: the primary keeps $PRIMARY, networkd configures the lower devices (${with:-none})"
exit
}
