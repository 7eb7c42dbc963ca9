#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real Debian 12 (bookworm) guest for the failover lab: an ext4 disk image
# made with debootstrap from the archive apt uses, booted by realguest.sh.
#
# Usage:
#   debian_image.sh build SERIES FLAVOUR STACK
#       SERIES 6.1|6.12, FLAVOUR generic|cloud, STACK ours|stock.  Builds
#       (once) and prints, as shell assignments on stdout:
#         IMAGE=... KERNEL=... INITRD=... ABI=... DKMS=built|skipped|none
#       and the times measured when each layer was built (*_S, seconds).
#   debian_image.sh key SERIES FLAVOUR STACK   the cache key, nothing built
# STACK=ours packages the work tree (scripts/package/mkdeb.sh), or the
# commit MKDEB_REV names (MKDEB_REV=HEAD: what is committed).
#
# Layers, each cached under .cache/images/ and keyed by its inputs (the
# mirror and suites, the package list, the kernel ABI, the files copied in,
# the .deb's contents, and the text of the function that builds the layer),
# so that a change of any of them rebuilds that layer and those above it:
#   base-KEY/rootfs      debootstrap --variant=minbase, then apt in the
#                        chroot: systemd, udev, iproute2, ethtool, ping,
#                        networkd, cloud-init, kmod, initramfs-tools
#   kern-ABI-KEY/rootfs  cp -a base, apt: linux-image-ABI, linux-headers-ABI
#   SERIES-FLAVOUR-STACK-KEY/{disk.img,vmlinuz,initrd.img,env}
#                        cp -a kern, the lab's files (agent unit, networkd,
#                        cloud-init config), on ours failover-dkms (apt
#                        install of the .deb, DKMS builds for the image's
#                        kernel), update-initramfs -u -k all, mkfs.ext4 -d
# The image is never mounted (mkfs.ext4 -d).  /proc, /sys and /dev are
# mounted in a chroot only while apt or update-initramfs runs there.
#
# The kernel: the newest linux-image-ABI of the family (6.1.0-N-amd64,
# 6.1.0-N-cloud-amd64, 6.12.N+deb12-amd64, 6.12.N+deb12-cloud-amd64; no rt,
# no dbg) for which the archive has headers too, from the host's apt-cache.

set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../../../../../.." && pwd)
IMAGES=$REPO/.cache/images
FILES=$HERE/guest/debian
SUITE=bookworm

die() { echo "debian_image: $*" >&2; exit 1; }
say() { echo "debian_image: $*" >&2; }

# The userland of the image (the kernel comes in its own layer).
BASE_PKGS="systemd systemd-sysv udev dbus iproute2 ethtool iputils-ping kmod
	initramfs-tools cloud-init procps less ca-certificates"

# ---------------------------------------------------------------- host ----

host_deps() {
	local p missing=""

	for p in debootstrap e2fsprogs debian-archive-keyring coreutils; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
		--no-install-recommends $missing >/dev/null 2>&1 ||
		{ apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
			--no-install-recommends $missing >/dev/null; } ||
		die "cannot install$missing"
}

# apt_sources: the host's Debian entries for bookworm, one "URI SUITE
# COMPONENTS..." line each, from /etc/apt/sources.list and sources.list.d
# (one-line and deb822 formats).  Third-party repositories are left out:
# only suites named bookworm or bookworm-*.
apt_sources() {
	local f

	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" { s = $2 " " $3; for (i = 4; i <= NF; i++) s = s " " $i; print s }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(  i, j, n, m, u, s) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(uris, u, " "); m = split(suites, s, " ")
				for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i] " " s[j] " " comps
			}
			types = uris = suites = comps = ""; enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{ k = tolower($1); sub(/:$/, "", k); $1 = ""; sub(/^ +/, "")
		  if (k == "types") types = $0; else if (k == "uris") uris = $0
		  else if (k == "suites") suites = $0; else if (k == "components") comps = $0
		  else if (k == "enabled") enabled = tolower($0) }
		END { flush() }' "$f"
	done | awk -v s="$SUITE" '$2 == s || index($2, s "-") == 1' | sort -u
}

mirror() {
	apt_sources | awk -v s="$SUITE" '$2 == s { print $1; exit }'
}

# family_regex SERIES FLAVOUR: the ABI names of a kernel family.
family_regex() {
	local f

	case $2 in
	generic) f= ;;
	cloud) f=cloud- ;;
	*) die "FLAVOUR=$2: want generic or cloud" ;;
	esac
	case $1 in
	6.1) echo "6\\.1\\.0-[0-9]+-${f}amd64" ;;
	6.12) echo "6\\.12\\.[0-9]+\\+deb[0-9]+-${f}amd64" ;;
	*) die "SERIES=$1: want 6.1 or 6.12" ;;
	esac
}

# resolve_abi SERIES FLAVOUR: the newest ABI of the family with both
# linux-image-ABI and linux-headers-ABI in the archive.
resolve_abi() {
	local re a search

	re=$(family_regex "$1" "$2") || exit 1
	search=$(apt-cache search --names-only "^linux-(image|headers)-$re\$" 2>/dev/null | awk '{print $1}')
	if [ -z "$search" ]; then
		apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1
		search=$(apt-cache search --names-only "^linux-(image|headers)-$re\$" 2>/dev/null | awk '{print $1}')
	fi
	for a in $(echo "$search" | sed -n 's/^linux-image-//p' | grep -v -e '-rt-' -e '-dbg' | sort -V -r); do
		if echo "$search" | grep -qx "linux-headers-$a"; then
			echo "$a"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------- chroot --

MOUNTED=()
chroot_mount() {
	local r=$1 d

	for d in proc sys dev dev/pts; do
		mkdir -p "$r/$d"
		case $d in
		proc) mount -t proc proc "$r/proc" ;;
		sys) mount -t sysfs sys "$r/sys" ;;
		dev) mount -o bind /dev "$r/dev" ;;
		dev/pts) mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" ;;
		esac || { chroot_umount; die "cannot mount $d in $r"; }
		MOUNTED+=("$r/$d")
	done
	# No daemons start in the chroot; DNS is the host's while apt runs.
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
	chmod 755 "$r/usr/sbin/policy-rc.d"
	rm -f "$r/etc/resolv.conf"
	cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
}

chroot_umount() {
	local i r

	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null
	done
	for r in "${MOUNTED[@]}"; do
		case $r in */proc) rm -f "${r%/proc}/usr/sbin/policy-rc.d" ;; esac
	done
	MOUNTED=()
}

in_chroot() {
	local r=$1

	shift
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

chroot_apt() {
	local r=$1

	shift
	in_chroot "$r" apt-get -y -q -o DPkg::Lock::Timeout=300 \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

TMPDIRS=()
cleanup() {
	chroot_umount
	[ ${#TMPDIRS[@]} -gt 0 ] && rm -rf "${TMPDIRS[@]}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc | awk '{printf "%.1f", $1}'; }

hash_of() { sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- layers --

# base_build DIR: debootstrap, then the userland, into DIR/rootfs.
base_build() {
	local d=$1 r=$1/rootfs m t0 src

	m=$(mirror)
	[ -n "$m" ] || die "no Debian $SUITE entry in /etc/apt/sources.list{,.d}"
	say "debootstrap $SUITE from $m"
	t0=$(now)
	debootstrap --variant=minbase --components=main "$SUITE" "$r" "$m" \
		>"$d/debootstrap.log" 2>&1 || { tail -20 "$d/debootstrap.log" >&2; die "debootstrap failed"; }
	echo "DEBOOTSTRAP_S=$(secs "$t0")" >>"$d/times"
	# The same Debian suites as the host (updates, security).
	apt_sources | while read -r src; do
		echo "deb $src"
	done >"$r/etc/apt/sources.list"
	say "installing the userland in the chroot"
	t0=$(now)
	chroot_mount "$r"
	{ chroot_apt "$r" update &&
	  # shellcheck disable=SC2086
	  chroot_apt "$r" install --no-install-recommends $BASE_PKGS &&
	  chroot_apt "$r" clean; } >"$d/install.log" 2>&1 ||
		{ tail -30 "$d/install.log" >&2; die "apt in the chroot failed (userland)"; }
	chroot_umount
	echo "BASE_INSTALL_S=$(secs "$t0")" >>"$d/times"
}

# kern_build DIR BASE ABI: the base plus Debian's kernel ABI and its headers.
kern_build() {
	local d=$1 r=$1/rootfs a=$3 t0

	say "copying the base rootfs"
	cp -a "$2/rootfs" "$r" || die "cp -a failed"
	say "installing linux-image-$a and linux-headers-$a in the chroot"
	t0=$(now)
	chroot_mount "$r"
	# The kernel's postinst builds an initramfs: MODULES=most carries
	# virtio_blk and virtio_pci (6.1 builds it as a module).
	sed -i 's/^MODULES=.*/MODULES=most/' "$r/etc/initramfs-tools/initramfs.conf"
	{ chroot_apt "$r" update &&
	  chroot_apt "$r" install --no-install-recommends "linux-image-$a" "linux-headers-$a" &&
	  chroot_apt "$r" clean; } >"$d/install.log" 2>&1 ||
		{ tail -30 "$d/install.log" >&2; die "apt in the chroot failed (kernel $a)"; }
	chroot_umount
	[ -f "$r/boot/vmlinuz-$a" ] || die "no /boot/vmlinuz-$a in the chroot"
	echo "KERNEL_INSTALL_S=$(secs "$t0")" >>"$d/times"
}

# lab_files ROOT: what makes the image a lab guest.
lab_files() {
	local r=$1

	install -D -m 755 "$HERE/guest/agent" "$r/usr/local/lib/folab/agent"
	install -D -m 644 "$FILES/folab-agent.service" "$r/etc/systemd/system/folab-agent.service"
	install -D -m 644 "$FILES/10-failover.network" "$r/etc/systemd/network/10-failover.network"
	install -D -m 644 "$FILES/99-folab.cfg" "$r/etc/cloud/cloud.cfg.d/99-folab.cfg"
	mkdir -p "$r/etc/systemd/system/sysinit.target.wants" \
		"$r/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/folab-agent.service \
		"$r/etc/systemd/system/sysinit.target.wants/folab-agent.service"
	in_chroot "$r" systemctl enable systemd-networkd.service >/dev/null 2>&1 ||
		die "cannot enable systemd-networkd"
	# No periodic jobs in a lab guest.
	in_chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer fstrim.timer >/dev/null 2>&1
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$r/etc/fstab"
	echo folab-guest >"$r/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 folab-guest\n::1 localhost\n' >"$r/etc/hosts"
	# A fixed machine id: no first-boot setup (systemd-firstboot) to wait for.
	echo "$(echo folab-guest | md5sum | cut -c1-32)" >"$r/etc/machine-id"
	: >"$r/etc/resolv.conf"
}

# image_build DIR KERN ABI STACK DEB: the lab's files, on ours the package,
# a fresh initramfs, then DIR/disk.img.
image_build() {
	local d=$1 r=$1/rootfs a=$3 stack=$4 deb=$5 t0 size dk=none

	say "copying the kernel rootfs"
	cp -a "$2/rootfs" "$r" || die "cp -a failed"
	lab_files "$r"
	chroot_mount "$r"
	if [ "$stack" = ours ]; then
		# As an image maintainer bakes it: apt installs the package and
		# its dependencies (dkms, a compiler), then dkms builds for the
		# image's kernel in the package's postinst.
		say "installing dkms in the chroot"
		t0=$(now)
		chroot_apt "$r" install --no-install-recommends dkms >"$d/install.log" 2>&1 ||
			{ tail -30 "$d/install.log" >&2; die "apt install dkms failed"; }
		echo "DKMS_DEPS_INSTALL_S=$(secs "$t0")" >>"$d/times"
		cp "$deb" "$r/tmp/"
		say "installing $(basename "$deb") in the chroot (dkms builds for $a)"
		t0=$(now)
		chroot_apt "$r" install --no-install-recommends "/tmp/$(basename "$deb")" \
			>"$d/dkms.log" 2>&1 ||
			{ tail -40 "$d/dkms.log" >&2; die "installing failover-dkms failed"; }
		echo "DKMS_INSTALL_S=$(secs "$t0")" >>"$d/times"
		rm -f "$r/tmp/$(basename "$deb")"
		chroot_apt "$r" clean >/dev/null 2>&1
		in_chroot "$r" dkms status >>"$d/dkms.log" 2>&1
		if ls "$r/lib/modules/$a/updates/dkms/"net_failover.ko* >/dev/null 2>&1; then
			dk=built
		else
			dk=skipped
			say "dkms built nothing for $a (see $d/dkms.log)"
		fi
	fi
	say "update-initramfs -u -k all"
	t0=$(now)
	in_chroot "$r" update-initramfs -u -k all >"$d/initramfs.log" 2>&1 ||
		{ tail -20 "$d/initramfs.log" >&2; die "update-initramfs failed"; }
	echo "INITRAMFS_S=$(secs "$t0")" >>"$d/times"
	chroot_umount
	cp "$r/boot/vmlinuz-$a" "$d/vmlinuz" && cp "$r/boot/initrd.img-$a" "$d/initrd.img" ||
		die "no kernel or initrd for $a in the image"
	rm -rf "$r/tmp/"* "$r/var/tmp/"*
	# Room for the guest to run: 25% plus 256 MiB over what is in it.
	size=$(du -sm "$r" | awk '{print int($1 * 1.25 + 256)}')
	say "mkfs.ext4 -d (${size} MiB)"
	t0=$(now)
	rm -f "$d/disk.img"
	mkfs.ext4 -q -F -L folab-root -d "$r" "$d/disk.img" "${size}M" >"$d/mkfs.log" 2>&1 ||
		{ cat "$d/mkfs.log" >&2; die "mkfs.ext4 -d failed"; }
	echo "MKFS_S=$(secs "$t0")" >>"$d/times"
	echo "DKMS=$dk" >>"$d/times"
	rm -rf "$r"
}

# ---------------------------------------------------------------- deb -----

# deb_key: the package's inputs as mkdeb.sh takes them: the work tree's
# tracked and untracked, not ignored, files, or with MKDEB_REV=<commit> (which
# mkdeb.sh honours too) that commit's; and the packaging itself.
DEB_PATHS="Kbuild Kconfig Makefile VERSION include net drivers Documentation/networking tools/net/failover"
deb_key() {
	{
		if [ -n "$MKDEB_REV" ]; then
			# shellcheck disable=SC2086
			git -C "$REPO" ls-tree -r "$MKDEB_REV" -- $DEB_PATHS ||
				die "MKDEB_REV=$MKDEB_REV is not a commit"
			set -- scripts/package
		else
			# shellcheck disable=SC2086
			set -- $DEB_PATHS scripts/package
		fi
		git -C "$REPO" ls-files -z --cached --others --exclude-standard -- "$@" | sort -z |
			while IFS= read -r -d '' f; do
				[ -f "$REPO/$f" ] && echo "$f $(sha256sum <"$REPO/$f" | cut -c1-64)"
			done
	} | hash_of
}

# deb_path: the failover-dkms .deb, made by scripts/package/mkdeb.sh once
# per content of its inputs.
deb_path() {
	local k d v

	[ -x "$REPO/scripts/package/mkdeb.sh" ] ||
		die "STACK=ours: scripts/package/mkdeb.sh is not there yet"
	v=$(cat "$REPO/VERSION")
	k=$(deb_key)
	d=$IMAGES/deb-$k
	if [ ! -f "$d/failover-dkms_${v}_all.deb" ]; then
		say "building failover-dkms $v (scripts/package/mkdeb.sh)"
		rm -rf "$d.tmp"
		"$REPO/scripts/package/mkdeb.sh" "$d.tmp" >"$IMAGES/mkdeb-$k.log" 2>&1 ||
			{ tail -30 "$IMAGES/mkdeb-$k.log" >&2; die "mkdeb.sh failed"; }
		[ -f "$d.tmp/failover-dkms_${v}_all.deb" ] ||
			die "mkdeb.sh made no failover-dkms_${v}_all.deb"
		rm -rf "$d"
		mv "$d.tmp" "$d"
		mv "$IMAGES/mkdeb-$k.log" "$d/mkdeb.log"
		# older packages
		for k in "$IMAGES"/deb-*; do
			[ "$k" = "$d" ] || rm -rf "$k"
		done
	fi
	echo "$d/failover-dkms_${v}_all.deb"
}

# ---------------------------------------------------------------- build ---

# layer NAME KEY-INPUT: the cache dir of a layer, named by a hash of its
# inputs.
keyed() { echo "$1-$(echo "$2" | hash_of)"; }

base_key() {
	echo "base $SUITE $(apt_sources | paste -sd'|') $BASE_PKGS $(declare -f base_build chroot_apt)"
}

kern_key() {
	echo "$(base_key) kern $1 $(declare -f kern_build)"
}

files_key() {
	(cd "$HERE/guest" && cat agent debian/*) | hash_of
}

image_key() {
	local series=$1 flavour=$2 stack=$3 a=$4 deb=$5

	echo "$(kern_key "$a") image $series $flavour $stack $a $(files_key)" \
		"$(declare -f lab_files image_build)" \
		"${deb:+$(sha256sum <"$deb" | cut -c1-64)}"
}

# fresh DIR: a layer is done when its stamp exists.
fresh() { [ -f "$1/done" ]; }

# prune GLOB KEEP: stale layers of the same kind.
prune() {
	local x

	for x in $1; do
		[ -d "$x" ] && [ "$x" != "$2" ] && rm -rf "$x"
	done
}

cmd_build() {
	local series=$1 flavour=$2 stack=$3 a deb="" base kern img t0 lock

	[ $# -eq 3 ] || die "usage: debian_image.sh build SERIES FLAVOUR STACK"
	[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot)"
	case $stack in ours|stock) ;; *) die "STACK=$stack: want ours or stock" ;; esac
	family_regex "$series" "$flavour" >/dev/null || exit 1
	mkdir -p "$IMAGES"
	exec {lock}>"$IMAGES/.lock"
	flock "$lock"
	a=$(resolve_abi "$series" "$flavour") ||
		die "no linux-image + linux-headers pair for $series $flavour in the archive"
	[ "$stack" = ours ] && { deb=$(deb_path) || exit 1; }
	img=$IMAGES/$(keyed "$series-$flavour-$stack" "$(image_key "$series" "$flavour" "$stack" "$a" "$deb")")
	if ! fresh "$img"; then
		host_deps
		t0=$(now)
		base=$IMAGES/$(keyed base "$(base_key)")
		if ! fresh "$base"; then
			rm -rf "$base"
			mkdir -p "$base"
			TMPDIRS+=("$base")
			base_build "$base"
			touch "$base/done"
			TMPDIRS=()
			prune "$IMAGES/base-*" "$base"
		fi
		kern=$IMAGES/$(keyed "kern-$a" "$(kern_key "$a")")
		if ! fresh "$kern"; then
			rm -rf "$kern"
			mkdir -p "$kern"
			TMPDIRS+=("$kern")
			kern_build "$kern" "$base" "$a"
			touch "$kern/done"
			TMPDIRS=()
			prune "$IMAGES/kern-$a-*" "$kern"
		fi
		rm -rf "$img"
		mkdir -p "$img"
		TMPDIRS+=("$img")
		image_build "$img" "$kern" "$a" "$stack" "$deb"
		{
			echo "ABI=$a"
			echo "IMAGE=$img/disk.img"
			echo "KERNEL=$img/vmlinuz"
			echo "INITRD=$img/initrd.img"
			# each layer's times, measured when it was built
			cat "$base/times" "$kern/times" "$img/times"
			echo "IMAGE_MB=$(( $(stat -c %s "$img/disk.img") >> 20 ))"
			echo "IMAGE_USED_MB=$(( $(du -k "$img/disk.img" | cut -f1) >> 10 ))"
			echo "BUILD_S=$(secs "$t0")"
			[ -n "$deb" ] && echo "DEB=$deb"
		} >"$img/env"
		touch "$img/done"
		TMPDIRS=()
		prune "$IMAGES/$series-$flavour-$stack-*" "$img"
	fi
	cat "$img/env"
}

main() {
	local a deb

	case $1 in
	build) shift; cmd_build "$@" ;;
	key)
		shift
		a=$(resolve_abi "$1" "$2") || exit 1
		deb=
		[ "$3" = ours ] && { deb=$(deb_path) || exit 1; }
		keyed "$1-$2-$3" "$(image_key "$1" "$2" "$3" "$a" "$deb")"
		;;
	*) sed -n '/^# Usage:/,/^# Layers/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'; exit 2 ;;
	esac
}

# One line, so that bash never reads past it while a build is going on.
main "$@"; exit $?
