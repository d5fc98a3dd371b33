#!/bin/bash
# Issue 19: the everyday workloads under gw exec --review, with the shipped
# policy: npm install from a local registry, pip into a venv in the
# project, make, git commit. Each leaves the real project byte for byte
# as it was, and after gw apply the host has the result and it works.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
grep -qw overlay /proc/filesystems ||
    skip_all "this kernel has no overlay file system"
command -v npm >/dev/null || skip_all "npm is not installed"
command -v make >/dev/null && command -v cc >/dev/null ||
    skip_all "make or cc is not installed"
setup_user
setup_dirs
STATE=$(mktemp -d /var/tmp/gwtest-state.XXXXXX) || bail "mktemp"
chmod 755 "$STATE"
REG=$T/registry
reg_pid=
rw_cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null
	rm -rf "$STATE"
	cleanup
}
trap rw_cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1",
    0)); print(s.getsockname()[1])')
cp "$GW_SRCDIR/policy.d/00-default.yaml" "$POLICY/00-default.yaml"
printf 'default: true\nnetwork:\n  host_loopback: { allow_ports: [%s] }\n' \
    "$PORT" >"$POLICY/50-test.yaml"
start_daemon --state-dir "$STATE"
PORT=$PORT python3 "$GW_SRCDIR/tests/helpers/local-registry.py" "$REG" \
    "$T/requests" "http://host.greywall.internal:$PORT" >"$T/port" 2>&1 &
reg_pid=$!
wait_for "the local registry" test -s "$T/port"

P=$WORK/proj
gwu() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    env -i -C "$P" PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$TEST_HOME" GREYWALL_SOCKET="$SOCK" \
	    GREYWALL_STATE_DIR="$STATE" "$GW" "$@"
}
asu() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    env -i -C "$P" PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$TEST_HOME" "$@"
}
listing() {
	(cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
review_id() { sed -n 's/^\[greywall\] review \([0-9a-f]*\):.*/\1/p' "$1" |
    head -n 1; }

printf '[user]\n\tname = Grey Tester\n\temail = grey@example.invalid\n' \
    >"$TEST_HOME/.gitconfig"
chown "$TEST_USER:" "$TEST_HOME/.gitconfig"
mkdir -p "$P/src"
printf '{ "name": "app", "version": "1.0.0", "private": true }\n' \
    >"$P/package.json"
printf 'registry=http://host.greywall.internal:%s/\n' "$PORT" >"$P/.npmrc"
printf 'hello: src/hello.c\n\t$(CC) -o $@ src/hello.c\n' >"$P/Makefile"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' \
    >"$P/src/hello.c"
chown -R "$TEST_USER:" "$P"
asu git init -q . && asu git add -A && asu git commit -qm first ||
    bail "git init the project"

plan 20

# run_review NAME COMMAND: under --review; the project must not change;
# then gw apply.
run_review() {
	local name=$1
	shift
	listing "$P" >"$T/before"
	gwu exec --review -- sh -c "$*" >"$T/run.log" 2>&1
	st=$?
	is "$name under --review" $st 0
	[ $st -eq 0 ] || sed 's/^/# /' "$T/run.log"
	listing "$P" >"$T/after"
	ok "$name: the real project is unchanged" \
	    cmp -s "$T/before" "$T/after"
	ID=$(review_id "$T/run.log")
	gwu apply "$ID" >"$T/apply.log" 2>&1
	st=$?
	is "$name: gw apply" $st 0
	[ $st -eq 0 ] || sed 's/^/# /' "$T/apply.log" "$T/run.log"
}

run_review "npm install" npm install gw-a --no-audit --no-fund
ok "npm: the dependency is in the project" \
    test -f "$P/node_modules/gw-b/index.js"
is "npm: the installed package works on the host" \
    "$(asu node -e 'console.log(require("gw-a")())')" "a:b"

run_review "pip into a venv" "python3 -m venv venv &&
    venv/bin/pip install --disable-pip-version-check \
    --index-url http://host.greywall.internal:$PORT/simple/ \
    --trusted-host host.greywall.internal gwdemo-pkg"
ok "pip: the venv's python is a symlink, as the sandbox made it" \
    test -L "$P/venv/bin/python3"
ok "pip: the package is installed in the venv on the host" \
    asu venv/bin/pip show -q gwdemo-pkg

run_review "make" make
is "make: the binary runs on the host" "$(asu ./hello)" hello

run_review "git commit" "echo more >>src/hello.c && git add src/hello.c &&
    git commit -q -m second"
is "git: the commit is in the real repository" \
    "$(asu git log -1 --format=%s)" second
ok "git: the repository is consistent" asu git fsck --no-progress
is "git: the committed file matches the work tree" \
    "$(asu git status --porcelain src)" ""

done_testing
