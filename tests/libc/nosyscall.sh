#!/bin/sh
# Fails if any object or archive named on the command line holds a system
# call instruction (syscall, sysenter, int $0x80): under capOS, libc reaches
# the kernel only through the runtime's __capos_syscall (docs/libc.md).
#
#   sh tests/libc/nosyscall.sh FILE...
#
# Prints each offending instruction as "member: function: instruction".
# Before looking at FILE..., it checks itself on a canary object that holds
# one of each instruction, so a scanner that went blind (objdump output
# changed, say) fails rather than passes.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 FILE..." >&2; exit 2; }

# Prints the system call instructions found in the given files.
scan() {
	objdump -d --no-show-raw-insn "$@" | awk -F'\t' '
		/^In archive / { next }
		/file format/ { member = $1; sub(/:.*/, "", member); next }
		/^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ /, "", fn); next }
		$2 ~ /^(syscall|sysenter|int +\$0x80)( |$)/ {
			print member ": " fn " " $2
		}'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016 # $0x80 is assembly, not a shell expansion
printf 'f:\n\tsyscall\n\tsysenter\n\tint $0x80\n\tcall f\n' >"$tmp/canary.s"
as "$tmp/canary.s" -o "$tmp/canary.o"
n=$(scan "$tmp/canary.o" | wc -l)
if [ "$n" -ne 3 ]; then
	echo "nosyscall: the scanner found $n of the 3 canary instructions" >&2
	exit 1
fi

for f in "$@"; do
	[ -f "$f" ] || { echo "nosyscall: $f does not exist" >&2; exit 1; }
done
found=$(scan "$@")
if [ -n "$found" ]; then
	echo "$found"
	echo "nosyscall: $(echo "$found" | wc -l) system call instruction(s) in: $*" >&2
	exit 1
fi
echo "nosyscall: no system call instruction in $*"
