#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdeb.sh OUTDIR: build OUTDIR/failover-dkms_<VERSION>_all.deb with Debian's
# own tooling (dpkg-buildpackage, debhelper, dh-dkms) and run lintian on it.
#
# The package tree is assembled in a temporary directory from the work tree's
# files that git tracks or would track (git ls-files), so ignored build
# outputs never get in; MKDEB_REV=<commit> packages a commit instead.  The
# repository is left untouched.  Installs its build dependencies if missing.

set -euo pipefail

die() { echo "mkdeb: $*" >&2; exit 1; }

[[ $# -eq 1 && -n $1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
outdir=$1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel) || die "not in a git work tree"

# Build dependencies: quiet when they are all there.
deps=(debhelper dh-dkms dkms dpkg-dev lintian fakeroot)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f '${db:Status-Status}\n' "$p" 2>/dev/null |
		grep -qx installed || missing+=("$p")
done
if ((${#missing[@]})); then
	[[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}: run as root or install them"
	echo "mkdeb: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt_opts=(-q -o DPkg::Lock::Timeout=600)
	if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends \
		"${missing[@]}" >/dev/null 2>&1; then
		apt-get "${apt_opts[@]}" update -qq >/dev/null
		apt-get "${apt_opts[@]}" install -y --no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
fi

work=$(mktemp -d /tmp/failover-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/failover-dkms
mkdir "$src"

# What DKMS needs to build the three modules, and the docs we ship in
# /usr/share/doc, and the udev and networkd files (tools/net/failover).  Not
# the QEMU lab (tools/testing), bench/, README.md (lab usage).
paths=(Kbuild Kconfig Makefile VERSION include net drivers Documentation/networking tools/net/failover)
if [[ -n ${MKDEB_REV:-} ]]; then
	# A commit, as committed: MKDEB_REV=HEAD, a tag, ...
	rev=$(git -C "$top" rev-parse --verify "$MKDEB_REV^{commit}") ||
		die "MKDEB_REV=$MKDEB_REV is not a commit"
	git -C "$top" archive --format=tar "$rev" -- "${paths[@]}" | tar -x -C "$src"
else
	# The work tree as "make" would build it: tracked files and new ones git
	# does not ignore, never ignored build outputs; a tracked file deleted
	# in the work tree is left out.
	rev=$(git -C "$top" rev-parse --verify HEAD)
	git -C "$top" ls-files -z --cached --others --exclude-standard -- "${paths[@]}" |
		while IFS= read -r -d '' f; do
			[[ -f $top/$f ]] || continue
			mkdir -p "$src/$(dirname "$f")"
			cp -p "$top/$f" "$src/$f"
		done
fi
# failover and net_failover are built from the parts their Makefiles list
for f in drivers/net/virtio_net.c \
	$(sed -n 's@^failover-y[[:blank:]:+]*=[[:blank:]]*\(.*\)\.o$@net/core/\1.c@p' \
		"$src/net/core/Makefile") \
	$(sed -n 's@^net_failover-y[[:blank:]:+]*=[[:blank:]]*\(.*\)\.o$@drivers/net/\1.c@p' \
		"$src/drivers/net/Makefile"); do
	[[ -f $src/$f ]] || die "$f is not tracked by git"
done
[[ -f $src/VERSION ]] || die "VERSION is not tracked by git"
version=$(<"$src/VERSION")
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] ||
	die "VERSION '$version' is not a Debian upstream version"

cp -r "$here/debian" "$src/debian"

# debian/changelog, from VERSION and the commit it was built from.  Its date
# (SOURCE_DATE_EPOCH for the whole build) is the commit's, so two builds of
# one commit give the same package.
commit=$(git -C "$top" rev-parse --short=12 "$rev")
dirty=
if [[ -z ${MKDEB_REV:-} ]] &&
	[[ -n $(git -C "$top" status --porcelain -- "${paths[@]}") ]]; then
	dirty=" plus uncommitted changes"
fi
epoch=$(git -C "$top" log -1 --format=%ct "$rev")
maint=$(sed -n 's/^Maintainer: *//p' "$src/debian/control")
cat > "$src/debian/changelog" <<EOF
failover-dkms ($version) unstable; urgency=medium

  * failover, net_failover and virtio_net $version, from git commit
    $commit$dirty.

 -- $maint  $(date -u -R -d "@$epoch")
EOF

echo "mkdeb: building failover-dkms $version (git $commit$dirty)"
(
	cd "$src"
	export SOURCE_DATE_EPOCH=$epoch
	dpkg-buildpackage -b -us -uc
) > "$work/build.log" 2>&1 || {
	cat "$work/build.log" >&2
	die "dpkg-buildpackage failed"
}

deb=failover-dkms_${version}_all.deb
[[ -f $work/$deb ]] || die "dpkg-buildpackage made no $deb"

echo "mkdeb: lintian"
changes=("$work"/failover-dkms_"${version}"_*.changes)
rc=0
lintian --display-info --fail-on error "${changes[0]}" || rc=$?

mkdir -p "$outdir"
cp "$work/$deb" "$outdir/$deb"
echo "mkdeb: $(cd "$outdir" && pwd)/$deb"
((rc == 0)) || die "lintian found errors"
