#!/bin/sh
# run.sh - runs the capnpc-c plugin on one schema through the reference
# compiler and clang-formats the headers it wrote (mk/gen.mk uses it for
# gen/ and for the test schemas).
#
# Usage: sh tools/capnpc-c/run.sh <plugin> <outdir> <schema.capnp> \
#            [capnp compile flags, e.g. --src-prefix=schema -I schema]
# Exits with capnp's status: the plugin's message is on stderr.
set -eu

plugin=${1:?usage: run.sh <plugin> <outdir> <schema.capnp> [flags]}
out=${2:?usage: run.sh <plugin> <outdir> <schema.capnp> [flags]}
schema=${3:?usage: run.sh <plugin> <outdir> <schema.capnp> [flags]}
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$out"
capnp compile "$@" -o"$(realpath "$plugin")":"$out" "$schema"
clang-format -style=file:"$root/.clang-format" -i "$out"/*.h
