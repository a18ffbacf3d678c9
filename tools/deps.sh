#!/bin/sh
# Installs the Debian packages the build and the tests need, and nothing else.
# Checks first, so on a machine that has them all it costs one dpkg query.
set -eu

PACKAGES="gcc make binutils python3 qemu-system-x86 grub-pc-bin grub-efi-amd64-bin
grub-common xorriso mtools ovmf capnproto libcapnp-dev libcmocka-dev
clang clang-format llvm dpkg-dev xz-utils libc6-dev gdb"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
