#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. gcc with -Werror: unit and integration tests
#   2. the same suite built with ASan and UBSan
#   3. clang libFuzzer targets, each for 2M executions or 3 minutes
#   4. the Debian package: built, installed, run and purged (package.sh)
# Needs root (the integration tests start greywalld). Prints a final
# "N passed, N failed" line; exits non-zero on any failure, and on any
# skipped test when CI is set, since CI has every kernel feature.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)

[ "$(id -u)" = 0 ] || { echo "tests/run.sh: run as root" >&2; exit 1; }
.ci/install-deps

# setup DIR ARGS...: configure a build directory once, reconfigure after.
setup() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

status=0
setup build-ci --werror -Dbuildtype=debugoptimized
meson test -C build-ci --print-errorlogs || status=1

setup build-asan --werror -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false -Dman=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs || status=1

# Each target for 2 million executions or 3 minutes (run-fuzzer.sh), as
# many at once as there are cores; optimized, to reach more executions.
CC=clang setup build-fuzz --werror -Dfuzz=true -Dman=false \
    -Dbuildtype=debugoptimized
meson test -C build-fuzz --suite fuzz --print-errorlogs \
    --num-processes "$(nproc)" || status=1

# Installs into /usr for a while; it refuses to if greywall is installed.
rc=0
bash tests/package.sh >build-ci/meson-logs/package.tap 2>&1 || rc=$?
echo $rc >build-ci/meson-logs/package.rc
grep -E '^(not ok|Bail)' build-ci/meson-logs/package.tap || true

# Count results over all three runs from meson's JSON logs, and the
# package test as one more.
python3 - "$src" <<'PY' || status=1
import json, os, sys
counts = {}
bad = []
for d in ("build-ci", "build-asan", "build-fuzz"):
    with open(os.path.join(sys.argv[1], d, "meson-logs", "testlog.json")) as f:
        for line in f:
            t = json.loads(line)
            r = t["result"]
            counts[r] = counts.get(r, 0) + 1
            if r not in ("OK", "EXPECTEDFAIL"):
                bad.append("%s %s: %s" % (d, t["name"], r))
logs = os.path.join(sys.argv[1], "build-ci", "meson-logs")
with open(os.path.join(logs, "package.rc")) as f:
    r = "OK" if f.read().strip() == "0" else "FAIL"
    counts[r] = counts.get(r, 0) + 1
if r != "OK":
    bad.append("package.sh: FAIL, its last lines:")
    with open(os.path.join(logs, "package.tap")) as f:
        bad.extend("  " + l.rstrip() for l in f.readlines()[-25:])
# The summary names what did not pass: CI shows only the end of the log.
for b in bad:
    print(b)
passed = counts.pop("OK", 0) + counts.pop("EXPECTEDFAIL", 0)
skipped = counts.pop("SKIP", 0)
failed = sum(counts.values())
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
if failed or (skipped and os.environ.get("CI")):
    if skipped and os.environ.get("CI"):
        print("tests were skipped, but CI has every feature they need")
    sys.exit(1)
PY
exit $status
