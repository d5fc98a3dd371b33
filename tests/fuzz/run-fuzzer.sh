#!/bin/sh
# Run a libFuzzer target for a bounded time over a scratch copy of its seed
# corpus, so the inputs it finds never land in the source tree.
# usage: run-fuzzer.sh FUZZER CORPUS [libFuzzer options...]
set -eu

fuzzer=$1
corpus=$2
shift 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gw-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$corpus"/* "$tmp"/
"$fuzzer" -max_total_time=20 "$@" "$tmp"
