#!/bin/sh
# Fetches the Linux baseline's kernel (issue #8, docs/linux-baseline.md):
# Debian 12's own kernel image package, pinned in third_party.lock under the
# name linux-baseline, downloaded with `apt-get download` (never installed),
# checked against its SHA-256 and unpacked with `dpkg -x`. Only boot/ is
# kept (vmlinuz, config, System.map): no modules are needed.
#
#   sh tools/linux-baseline/fetch-kernel.sh             fetch the pinned one
#   sh tools/linux-baseline/fetch-kernel.sh --print-lock
#       download the package that linux-image-amd64 depends on today and
#       print its lock line, for re-pinning when the archive has dropped
#       the pinned version (Debian keeps only the newest kernel upload)
#
# Result: build/linux-baseline/vmlinuz (a copy of boot/vmlinuz-*) and the
# unpacked boot/ under build/linux-baseline/kernel/. Idempotent: a stamp
# holding the verified lock line makes a second run a no-op; a changed lock
# line fetches again. apt uses the machine's own sources; no archive host is
# named here. Exit status 0 when build/linux-baseline/vmlinuz is the
# verified kernel; non-zero, with a message, otherwise.
set -eu

die() {
	echo "fetch-kernel: $*" >&2
	exit 1
}

name=linux-baseline
top=$(cd "$(dirname "$0")/../.." && pwd)
lock=$top/third_party.lock
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
out=$build/linux-baseline
dl=$out/dl

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get download runs as the unprivileged _apt user when we are root; it
# must be able to write where the file lands.
sandbox() {
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
		chown -R _apt "$@" 2>/dev/null || true
	fi
}

# known PKG VER: true when apt's lists offer that exact version.
known() {
	apt-cache show "$1" 2>/dev/null | grep -qx "Version: $2"
}

# download PKG VER: leaves PKG_VER_amd64.deb (and nothing else) in $dl.
download() {
	if ! known "$1" "$2"; then
		echo "fetch-kernel: updating apt's lists" >&2
		as_root apt-get -qq update >&2 || true
		known "$1" "$2" || return 1
	fi
	rm -rf "$dl" && mkdir -p "$dl" && sandbox "$dl"
	(cd "$dl" && apt-get -q download "$1=$2") >"$out/download.log" 2>&1 ||
		{ cat "$out/download.log" >&2; die "apt-get download $1=$2 failed"; }
}

mkdir -p "$out"

if [ "${1:-}" = "--print-lock" ]; then
	as_root apt-get -qq update >&2 || true
	meta=linux-image-amd64
	pkg=$(apt-cache depends "$meta" | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
	[ -n "$pkg" ] || die "cannot tell what $meta depends on"
	ver=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		die "no candidate for $pkg"
	fi
	download "$pkg" "$ver" || die "apt offers no $pkg $ver"
	set -- "$dl"/*.deb
	if [ $# -ne 1 ] || [ ! -f "$1" ]; then
		die "expected one .deb in $dl"
	fi
	deb=$(basename "$1")
	echo "$name $pkg $ver $deb $(sha256sum "$dl/$deb" | awk '{print $1}')"
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [--print-lock]"

# --- the pin ------------------------------------------------------------------
[ -f "$lock" ] || die "no lock file at $lock"
line=$(awk -v n="$name" '$1 == n' "$lock")
[ -n "$line" ] || die "$name is not in third_party.lock"
[ "$(echo "$line" | wc -l)" -eq 1 ] || die "$name: one lock line expected"
# shellcheck disable=SC2086
set -- $line
[ $# -eq 5 ] || die "$name: lock line needs 5 fields: name package version file sha256"
pkg=$2 ver=$3 file=$4 sum=$5

stamp=$out/kernel.stamp
if [ -f "$out/vmlinuz" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$line" ]; then
	exit 0
fi
rm -f "$stamp" "$out/vmlinuz"

# --- download and verify ------------------------------------------------------
if ! download "$pkg" "$ver"; then
	die "Debian's archive no longer offers the pinned $pkg $ver.
Re-pin: run  sh tools/linux-baseline/fetch-kernel.sh --print-lock
and replace the $name line of third_party.lock with the line it prints."
fi
[ -f "$dl/$file" ] || die "$file was not downloaded (see $out/download.log)"
# Nothing may be used that the lock does not pin.
for f in "$dl"/*; do
	[ "$f" = "$dl/$file" ] || die "$(basename "$f") was downloaded but is not in the lock file"
done
got=$(sha256sum "$dl/$file" | awk '{print $1}')
if [ "$got" != "$sum" ]; then
	rm -f "$dl/$file"
	die "SHA-256 MISMATCH for $file: lock says $sum, got $got"
fi

# --- unpack -------------------------------------------------------------------
rm -rf "$out/unpack" "$out/kernel"
dpkg -x "$dl/$file" "$out/unpack" || die "dpkg -x $file failed"
mv "$out/unpack/boot" "$out/kernel" 2>/dev/null || die "$file has no boot/"
rm -rf "$out/unpack"
set -- "$out"/kernel/vmlinuz-*
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	die "$file: expected one boot/vmlinuz-*, found: $*"
fi
cp "$1" "$out/vmlinuz"
rm -f "$dl/$file"
echo "$line" >"$stamp"
echo "fetch-kernel: $pkg $ver: $(basename "$1") in $out/vmlinuz" >&2
