#!/bin/sh
# Run a libFuzzer target over a scratch copy of its committed corpus, so
# the inputs it finds never land in the source tree (tests/fuzz/campaign
# merges finds back). Bounded as CI runs it: 2 million executions or 3
# minutes, whichever comes first. Prints the executions and coverage.
# usage: run-fuzzer.sh FUZZER CORPUS [libFuzzer options...]
set -eu

fuzzer=$1
corpus=$2
shift 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gw-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$corpus"/* "$tmp"/
"$fuzzer" -runs="${GW_FUZZ_RUNS:-2000000}" \
    -max_total_time="${GW_FUZZ_TIME:-180}" -print_final_stats=1 "$@" \
    "$tmp"
