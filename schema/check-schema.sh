#!/bin/sh
# check-schema.sh - `make check-schema`: the schema compiles, every manifest
# (system/ and tests/manifests/) encodes with `capnp eval --binary` and
# decodes back to the same value as a SystemManifest, and every
# <name>InterfaceId constant in the schema equals the id capnp gives
# interface <Name>. Exits 0 when all hold; prints what failed otherwise.
#
# Usage: sh schema/check-schema.sh <output dir>
set -eu

out=${1:?usage: check-schema.sh <output dir>}
schema=schema/capos.capnp
mkdir -p "$out"

flags="--no-standard-import -I schema"

# shellcheck disable=SC2086
capnp compile $flags -o- "$schema" >/dev/null

# Encode, decode as SystemManifest, compare with the evaluated text: a
# constant of another type, or bytes capnp cannot read back, differ.
for f in system/system.capnp tests/manifests/*.capnp; do
	bin="$out/$(basename "$f" .capnp).bin"
	# shellcheck disable=SC2086
	capnp eval $flags "$f" defaultSystem >"$bin.txt"
	# shellcheck disable=SC2086
	capnp eval --binary $flags "$f" defaultSystem >"$bin"
	# shellcheck disable=SC2086
	capnp convert binary:text $flags "$schema" SystemManifest \
		<"$bin" >"$bin.back.txt"
	if ! cmp -s "$bin.txt" "$bin.back.txt"; then
		echo "check-schema: $f: defaultSystem does not read back as a" \
			"SystemManifest" >&2
		exit 1
	fi
done

# shellcheck disable=SC2086
ids=$(capnp compile $flags -ocapnp "$schema")
consts=$(echo "$ids" | sed -n 's/^const \([a-z][A-Za-z0-9]*\)InterfaceId .*/\1/p')
for c in $consts; do
	iface="$(echo "$c" | cut -c1 | tr a-z A-Z)$(echo "$c" | cut -c2-)"
	want=$(echo "$ids" |
		sed -n "s/^interface $iface @\(0x[0-9a-f]*\) .*/\1/p")
	# shellcheck disable=SC2086
	got=$(capnp eval $flags "$schema" "${c}InterfaceId")
	if [ -z "$want" ]; then
		echo "check-schema: ${c}InterfaceId names no interface $iface" >&2
		exit 1
	fi
	if [ "$(printf '%u' "$want")" != "$got" ]; then
		echo "check-schema: ${c}InterfaceId is $got; interface $iface" \
			"has id $want" >&2
		exit 1
	fi
done
echo "check-schema: schema, $(ls tests/manifests/*.capnp | wc -l) test" \
	"manifests, system manifest and $(echo "$consts" | wc -w) interface" \
	"id constants OK"
