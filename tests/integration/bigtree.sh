#!/bin/bash
# Issue 14: a project whose node_modules holds 1,000,000 entries starts
# (never refused for its size) and its own .env is still masked; the
# mask walk does not look into node_modules (greywall-policy(5)).
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
cp "$GW_SRCDIR/policy.d/00-default.yaml" "$POLICY/00-test.yaml"
STATE=$(mktemp -d /var/tmp/gwtest-state.XXXXXX) || bail "mktemp"
chmod 755 "$STATE"
trap 'rm -rf "$STATE"; cleanup' EXIT
start_daemon --state-dir "$STATE"

plan 5

# 1000 packages of 999 files each, plus the 1000 directories: 1,000,000.
mkdir "$WORK/big" "$WORK/small"
python3 - "$WORK/big/node_modules" <<'PY' || bail "cannot make the tree"
import os, sys
top = sys.argv[1]
os.mkdir(top)
for d in range(1000):
    p = "%s/p%d" % (top, d)
    os.mkdir(p)
    for f in range(999):
        os.close(os.open("%s/f%d" % (p, f), os.O_CREAT | os.O_WRONLY, 0o644))
# A .env inside node_modules: not looked at, so not masked (documented).
with open(top + "/p0/.env", "w") as f:
    f.write("PKG=1\n")
PY
is "the tree holds 1,000,000 entries" \
    "$(find "$WORK/big/node_modules" -mindepth 1 | wc -l)" 1000001
printf 'SECRET=1\n' >"$WORK/big/.env"
chown -R "$TEST_USER:" "$WORK/big" "$WORK/small"

t0=$(date +%s%N)
out=$(gw_exec sh -c 'cd big && wc -c < .env' 2>&1)
t1=$(date +%s%N)
is "a project with a 1,000,000-entry node_modules starts, .env masked" \
    "$out" 0
gw_exec sh -c 'cd small && true'
t2=$(date +%s%N)
gw_exec sh -c 'cd small && true'
t3=$(date +%s%N)
diag "start: big $(( (t1 - t0) / 1000000 )) ms, empty $(( (t3 - t2) / 1000000 )) ms (loaded machine; bench/workloads measures)"
is "the package's own .env is not looked at" \
    "$(gw_exec cat big/node_modules/p0/.env 2>&1)" "PKG=1"
ok "and the real .env is intact" grep -q SECRET=1 "$WORK/big/.env"
# The walk does not descend: startup within a second of the empty one
# even on a loaded machine (the bench gives the real figure).
ok "no walk through node_modules (within 1 s of an empty project)" \
    test $(( (t1 - t0) - (t3 - t2) )) -lt 1000000000

done_testing
