#!/bin/sh
# Fetches one pinned Debian source package named in third_party.lock and
# unpacks it, untouched, into build/third_party/<name>-<version>/.
#
#   sh tools/fetch-source.sh NAME
#
# The files come from Debian's archive through `apt-get source -d`, driven by
# a private apt configuration under build/apt/: a copy of this machine's own
# apt sources turned into deb-src entries, with its own lists and cache. The
# system's apt files are only read, never edited, and no archive host is
# named here: whatever mirror the machine uses is the one we use. Every
# downloaded file must match its SHA-256 in the lock file, or nothing is
# unpacked. Idempotent: a stamp holding the lock lines that were verified
# makes a second run a no-op; a changed lock line fetches again.
#
# Exit status 0 when build/third_party/<name>-<version>/ holds the verified,
# unpacked source; non-zero, with a message, otherwise.
set -eu

die() {
	echo "fetch-source: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 NAME"
name=$1
top=$(cd "$(dirname "$0")/.." && pwd)
lock=$top/third_party.lock
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

[ -f "$lock" ] || die "no lock file at $lock"

# Lock lines: NAME SOURCE-PACKAGE VERSION FILE SHA256, one per file.
lines=$(awk -v n="$name" '$1 == n && $1 !~ /^#/' "$lock")
[ -n "$lines" ] || die "$name is not in third_party.lock"
pkg=$(echo "$lines" | awk '{print $2}' | sort -u)
ver=$(echo "$lines" | awk '{print $3}' | sort -u)
[ "$(echo "$pkg" | wc -l)" -eq 1 ] || die "$name: several packages in lock"
[ "$(echo "$ver" | wc -l)" -eq 1 ] || die "$name: several versions in lock"
echo "$lines" | awk 'NF != 5 { exit 1 }' ||
	die "$name: lock lines need 5 fields: name package version file sha256"

dest=$build/third_party/$name-$ver
stamp=$build/third_party/$name-$ver.stamp
if [ -d "$dest" ] && [ -f "$stamp" ] &&
	[ "$(cat "$stamp")" = "$lines" ]; then
	exit 0
fi

# --- private apt configuration ---------------------------------------------
apt=$build/apt
mkdir -p "$apt/etc/sources.list.d" "$apt/lists/partial" \
	"$apt/cache/archives/partial"
rm -f "$apt/etc/sources.list.d/"*

# deb822 files: every stanza that offers binary packages also offers sources.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -E 's/^Types:.*\<deb\>.*$/Types: deb-src/' "$f" \
		>"$apt/etc/sources.list.d/$(basename "$f")"
done
# One-line format: each "deb" line gives the matching "deb-src" line.
: >"$apt/etc/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' "$f" \
		>>"$apt/etc/sources.list"
done

# Only the source lists are ours; apt.conf.d (proxies, keyrings) is the
# system's, so whatever reaches the archive for apt-get install works here.
aptopts() {
	"$@" -o Dir::Etc::SourceList="$apt/etc/sources.list" \
		-o Dir::Etc::SourceParts="$apt/etc/sources.list.d" \
		-o Dir::State::Lists="$apt/lists" \
		-o Dir::Cache="$apt/cache"
}
aptget() {
	aptopts apt-get -q "$@"
}
# Downloads run as the unprivileged _apt user when we are root; it must be
# able to write where the files land.
sandbox() {
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
		chown -R _apt "$@" 2>/dev/null || true
	fi
}

# The lists are refreshed only when they do not know the pinned version. A
# source that offers no deb-src (some third-party repositories) makes update
# complain; that matters only if the version is then still unknown.
have_version() {
	aptopts apt-cache showsrc "$pkg" 2>/dev/null |
		grep -qx "Version: $ver"
}
if ! have_version; then
	echo "fetch-source: updating the private source lists" >&2
	sandbox "$apt/lists"
	aptget update >"$apt/update.log" 2>&1 || true
	if ! have_version; then
		cat "$apt/update.log" >&2
		die "Debian's archive has no $pkg $ver (apt-get update above)"
	fi
fi

# --- download and verify -----------------------------------------------------
dl=$build/third_party/dl/$name-$ver
rm -rf "$dl"
mkdir -p "$dl"
sandbox "$dl"
(cd "$dl" && aptget source --download-only "$pkg=$ver") \
	>"$dl.log" 2>&1 || { cat "$dl.log" >&2; die "apt-get source failed"; }

echo "$lines" | while read -r _ _ _ file sum; do
	[ -f "$dl/$file" ] || die "$file was not downloaded"
	got=$(sha256sum "$dl/$file" | awk '{print $1}')
	[ "$got" = "$sum" ] ||
		die "SHA-256 MISMATCH for $file: lock says $sum, got $got"
done
# Nothing may be used that the lock does not pin.
for f in "$dl"/*; do
	file=$(basename "$f")
	echo "$lines" | awk -v f="$file" '$4 == f { found = 1 } END { exit !found }' ||
		die "$file was downloaded but is not in the lock file"
done

# --- unpack ------------------------------------------------------------------
dsc=$(echo "$lines" | awk '$4 ~ /\.dsc$/ {print $4}')
[ -n "$dsc" ] || die "$name: no .dsc in the lock"
rm -rf "$dest" "$stamp"
dpkg-source --no-copy -x "$dl/$dsc" "$dest" >"$dl.unpack.log" 2>&1 ||
	{ cat "$dl.unpack.log" >&2; die "dpkg-source -x failed"; }
echo "$lines" >"$stamp"
echo "fetch-source: $pkg $ver unpacked in $dest" >&2
