#!/bin/bash
# Issue 14: under the shipped policy, with a fresh user's empty home and
# nothing configured, npm, pip, git and make work in a project, from any
# directory of it; caches persist in greywall's store, never in the real
# home; missing write paths; host services by name. Every check is on the
# host: the real home unchanged, the registry's request log, files made.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v npm >/dev/null || skip_all "npm is not installed"
command -v make >/dev/null && command -v cc >/dev/null ||
    skip_all "make or cc is not installed"
# A fresh user of this test's own, so that no other test's files are in
# the home whose bytes are compared; removed at the end.
TEST_USER=${GW_TEST_USER:-gwtest}h
userdel -r "$TEST_USER" >/dev/null 2>&1
setup_user
setup_dirs
STATE=$(mktemp -d /var/tmp/gwtest-state.XXXXXX) || bail "mktemp"
chmod 755 "$STATE"
REG=$T/registry
reg_pid=
home_cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null
	rm -rf "$STATE" "${TEST_HOME2:-/nonexistent}/w14"
	cleanup
	userdel -r "$TEST_USER" >/dev/null 2>&1
}
trap home_cleanup EXIT

# The shipped policy, and the registry's port on the host's loopback.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1",
    0)); print(s.getsockname()[1])')
cp "$GW_SRCDIR/policy.d/00-default.yaml" "$POLICY/00-default.yaml"
cat >"$POLICY/50-test.yaml" <<EOF
default: true
network:
  host_loopback: { allow_ports: [$PORT] }
EOF
start_daemon --state-dir "$STATE"

PORT=$PORT python3 "$GW_SRCDIR/tests/helpers/local-registry.py" "$REG" \
    "$T/requests" "http://host.greywall.internal:$PORT" >"$T/port" 2>&1 &
reg_pid=$!
wait_for "the local registry" test -s "$T/port"

plan 32

# The real home, as a fresh user's with a git identity and real caches
# that nothing in a sandbox may touch.
printf '[user]\n\tname = Grey Tester\n\temail = grey@example.invalid\n' \
    >"$TEST_HOME/.gitconfig"
mkdir -p "$TEST_HOME/.npm" "$TEST_HOME/.cache/pip"
echo real >"$TEST_HOME/.npm/sentinel"
echo real >"$TEST_HOME/.cache/pip/sentinel"
chown -R "$TEST_USER:" "$TEST_HOME/.gitconfig" "$TEST_HOME/.npm" \
    "$TEST_HOME/.cache"
snapshot() {
	(cd "$TEST_HOME" && find . -path "./${WORK##*/}" -prune -o \
	    -printf '%p %m %u %s %T@\n' | sort && find . -path \
	    "./${WORK##*/}" -prune -o -type f -exec sha256sum {} + | sort)
}
snapshot >"$T/home.before"

# --- npm, from the local registry, then offline from the cache --------------
mkdir "$WORK/app"
cat >"$WORK/app/package.json" <<'EOF'
{ "name": "app", "version": "1.0.0", "private": true }
EOF
printf 'registry=http://host.greywall.internal:%s/\n' "$PORT" \
    >"$WORK/app/.npmrc"
chown -R "$TEST_USER:" "$WORK/app"
gw_exec sh -c 'cd app && npm install gw-a --no-audit --no-fund' \
    >"$T/npm1.log" 2>&1
st=$?
is "npm install of a package with a dependency and a postinstall" $st 0
[ $st -eq 0 ] || sed 's/^/# /' "$T/npm1.log"
ok "the dependency is installed on the host" \
    test -f "$WORK/app/node_modules/gw-b/index.js"
ok "the postinstall script ran" \
    test -f "$WORK/app/node_modules/gw-a/postinstall-ran"
out=$(gw_exec sh -c 'cd app && node -e "console.log(require(\"gw-a\")())"')
is "the installed package works" "$out" "a:b"
ok "the registry was asked for the tarballs" grep -q 'gw-b-1.0.0.tgz' \
    "$T/requests"
ok "npm's cache is in greywall's store" test -n "$(find \
    "$STATE/users/$TEST_UID/caches/.npm" -type f 2>/dev/null | head -1)"

: >"$T/requests"
rm -rf "$WORK/app/node_modules" "$WORK/app/package-lock.json"
gw_exec sh -c 'cd app && npm install gw-a --offline --no-audit --no-fund' \
    >"$T/npm2.log" 2>&1
st=$?
is "npm install again, offline, from the cache" $st 0
[ $st -eq 0 ] || sed 's/^/# /' "$T/npm2.log"
is "and the registry saw no request" "$(cat "$T/requests")" ""

# --- pip from a local index into a venv, then from the cache ----------------
gw_exec python3 -m venv venv >"$T/venv.log" 2>&1 ||
    sed 's/^/# /' "$T/venv.log"
: >"$T/requests"
pip_install() {
	gw_exec venv/bin/pip install --disable-pip-version-check \
	    --index-url "http://host.greywall.internal:$PORT/simple/" \
	    --trusted-host host.greywall.internal \
	    gwdemo-pkg
}
pip_install >"$T/pip1.log" 2>&1
st=$?
is "pip install from the local index" $st 0
[ $st -eq 0 ] || sed 's/^/# /' "$T/pip1.log"
ok "the wheel was downloaded" grep -q '\.whl' "$T/requests"
gw_exec venv/bin/pip uninstall -y gwdemo-pkg >/dev/null 2>&1
: >"$T/requests"
pip_install >"$T/pip2.log" 2>&1
is "pip install again" $? 0
ok "the second time from pip's cache: no download" \
    sh -c "! grep -q '\\.whl' '$T/requests'"

# --- gw cache lists and clears the user's store ------------------------------
out=$(as_user env GREYWALL_STATE_DIR="$STATE" "$GW" cache list 2>&1)
contains "gw cache list shows the npm cache" "$out" "~/.npm"
as_user env GREYWALL_STATE_DIR="$STATE" "$GW" cache clear "~/.npm" \
    >/dev/null 2>&1
ok "gw cache clear ~/.npm empties it in the store" \
    test ! -e "$STATE/users/$TEST_UID/caches/.npm"

# --- git with the identity of ~/.gitconfig; make; from a subdirectory --------
mkdir -p "$WORK/tmpl/src"
cat >"$WORK/tmpl/Makefile" <<'EOF'
all: hello
hello: src/hello.o src/world.o
	$(CC) -o $@ src/hello.o src/world.o
check: hello
	test "$$(./hello)" = "hello world"
clean:
	rm -f hello src/*.o
EOF
printf '#include <stdio.h>\nconst char *world(void);\nint main(void)'\
' { printf("hello %%s\\n", world()); return 0; }\n' >"$WORK/tmpl/src/hello.c"
printf 'const char *world(void) { return "world"; }\n' \
    >"$WORK/tmpl/src/world.c"
chown -R "$TEST_USER:" "$WORK/tmpl"
# git init in a new directory: one that existed may not get a .git
# (filesystem.protected, Git repositories).
out=$(gw_exec sh -c 'mkdir proj && cp -r tmpl/. proj/ && cd proj &&
    git init -q && git add Makefile src && git commit -q -m first &&
    git log --format=%an' 2>&1)
printf 'SECRET=1\n' >"$WORK/proj/.env"
chown "$TEST_USER:" "$WORK/proj/.env"
is "git init, add, commit with the identity from ~/.gitconfig" "$out" \
    "Grey Tester"
gw_exec sh -c 'cd proj && make -j2 && make check' >"$T/make.log" 2>&1
is "make -j2 && make check" $? 0
out=$(cd "$WORK/proj/src" && setpriv --reuid="$TEST_USER" \
    --regid="$TEST_USER" --init-groups env -i PATH=/usr/bin:/bin \
    HOME="$TEST_HOME" GREYWALL_SOCKET="$SOCK" "$GW" exec sh -c \
    'git rev-parse --show-toplevel; git status --porcelain Makefile &&
    echo status; make -s -C .. clean all >/dev/null && echo made;
    cat ../.env | wc -c' 2>&1)
is "git status and make from a subdirectory (the .env stays masked)" \
    "$out" "$WORK/proj
status
made
0"

# --- gw exec -d shows the home, the project and the caches ------------------
out=$(cd "$WORK/proj/src" && setpriv --reuid="$TEST_USER" \
    --regid="$TEST_USER" --init-groups env -i PATH=/usr/bin:/bin \
    HOME="$TEST_HOME" GREYWALL_SOCKET="$SOCK" "$GW" exec -d true 2>&1)
contains "gw exec -d: the private home and what is bound into it" "$out" \
    "debug: home: '$TEST_HOME' is a private writable tmpfs, discarded at exit (filesystem.home: private); bound read-only into it where they exist and are not on deny_read: ~/.gitconfig,"
contains "gw exec -d: the cache store and its entries" "$out" \
    "debug: caches: ~/.npm, ~/.cache/pip,"
contains "gw exec -d: ... kept in this user's store" "$out" \
    "kept in the store '$STATE/users/$TEST_UID', not the real ones"
contains "gw exec -d: the project is the work tree" "$out" \
    "debug: project: the git work tree '$WORK/proj' around the working directory"

# --- the real home is byte for byte what it was ----------------------------
snapshot >"$T/home.after"
ok "the real home, ~/.npm and ~/.cache/pip are unchanged" \
    cmp -s "$T/home.before" "$T/home.after"
cmp -s "$T/home.before" "$T/home.after" ||
    diff "$T/home.before" "$T/home.after" | head -20 | sed 's/^/# /'

# --- host services by name -------------------------------------------------
# The registry above was reached as host.greywall.internal; another port
# of the host's loopback is refused at once, with an event naming the key.
OTHER=$((PORT == 65535 ? PORT - 1 : PORT + 1))
t0=$(date +%s%N)
out=$(gw_exec -m python3 -c "
import socket
try:
    socket.create_connection(('host.greywall.internal', $OTHER), 5)
    print('connected')
except OSError as e:
    print('refused', e.errno)" 2>&1)
t1=$(date +%s%N)
contains "a port not allowed on the host's loopback is refused" "$out" \
    "refused"
contains "with an event naming the key" "$out" \
    "network.host_loopback.allow_ports"
ok "at once, not after the 5 s timeout ($(( (t1 - t0) / 1000000 )) ms)" \
    test $(( (t1 - t0) / 1000000 )) -lt 3000

# --- missing write paths ---------------------------------------------------
cat >"$POLICY/60-write.yaml" <<EOF
default: true
filesystem:
  write: ["~/made-by-policy/sub"]
EOF
kill -HUP "$daemon_pid"
sleep 0.3
gw_exec sh -c 'echo x > ~/made-by-policy/sub/f' >"$T/w1.log" 2>&1
is "a missing write path in the home is made" $? 0
is "as the user, 0700, on the host" \
    "$(stat -c '%U %a' "$TEST_HOME/made-by-policy/sub" 2>&1)" \
    "$TEST_USER 700"
MISSING=/var/tmp/gwtest-missing-$$
cat >"$POLICY/60-write.yaml" <<EOF
default: true
filesystem:
  write: ["$MISSING"]
EOF
kill -HUP "$daemon_pid"
sleep 0.3
out=$(gw_exec true 2>&1)
st=$?
ok "one outside the home fails the sandbox" test $st -ne 0
contains "naming the key and its file:line" "$out" \
    "filesystem.write path '$MISSING' ($POLICY/60-write.yaml:3)"
out=$(as_user "$GW" doctor 2>&1)
st=$?
ok "gw doctor exits non-zero for it" test $st -ne 0
contains "and names it" "$out" \
    "'$MISSING' ($POLICY/60-write.yaml:3) does not exist"
# Another user's sandboxes, whose policy does not list it, still start.
cat >"$POLICY/60-write.yaml" <<EOF
users: [$TEST_USER]
filesystem:
  write: ["$MISSING"]
EOF
setup_user2
mkdir -p "$TEST_HOME2/w14" && chown "$TEST_USER2" "$TEST_HOME2/w14"
kill -HUP "$daemon_pid"
sleep 0.3
out=$(cd "$TEST_HOME2/w14" && setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" \
    --init-groups env -i PATH=/usr/bin:/bin HOME="$TEST_HOME2" \
    GREYWALL_SOCKET="$SOCK" "$GW" exec -c 'echo started' 2>&1)
is "a user whose policy does not list it is not stopped" "$out" started
rm -f "$POLICY/60-write.yaml"
kill -HUP "$daemon_pid"

done_testing
