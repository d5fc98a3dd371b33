#!/bin/bash
# gw exec --learn on real workloads: npm install, pip install, cargo build
# (offline, a path dependency) and make, each needing something of the
# user's outside the project (a local package, a requirements file, a
# crate, an included makefile). Each reaches a working policy in at most
# three learning runs; the learned file lists exactly what was needed;
# applied with --policy, the command succeeds with no denial. Hermetic:
# the registry and index are the test's own, on the host's loopback.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
for c in npm node cargo rustc make cc; do
	PATH=/usr/bin:/bin command -v "$c" >/dev/null ||
	    bail "$c is not installed (.ci/install-deps)"
done
setup_user
setup_dirs
# What other tests of this user left in its home, which these tools would
# look for: an ~/.npmrc (a credential file, never learned), a ~/.cache.
rm -rf "$TEST_HOME/.npmrc" "$TEST_HOME/.cache"
REG=$T/registry
reg_pid=
learn_cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null
	rm -rf "$TEST_HOME/libs" "$TEST_HOME/reqs" "$TEST_HOME/mk"
	cleanup
}
trap learn_cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1",
    0)); print(s.getsockname()[1])')
# A private home, the registry's port, and overlays may add paths.
cat >"$POLICY/00-test.yaml" <<P
default: true
network:
  host_loopback: { allow_ports: [$PORT] }
filesystem:
  home: private
  deny_read: ["~/.ssh"]
client_may: { add_read: true, add_write: true }
P
start_daemon
PORT=$PORT python3 "$GW_SRCDIR/tests/helpers/local-registry.py" "$REG" \
    "$T/requests" "http://host.greywall.internal:$PORT" >"$T/port" 2>&1 &
reg_pid=$!
wait_for "the local registry" test -s "$T/port"

plan 20

# learn NAME CMD...: learning runs (at most 4) until one has no denial;
# then the learned file, applied, runs CMD once more. Sets RUNS, FINAL.
learn() {
	local name=$1 i
	shift
	rm -f "$WORK/$name.yaml" "$WORK/$name.policy.d.yaml"
	RUNS=0
	for i in 1 2 3 4; do
		RUNS=$i
		if [ -f "$WORK/$name.yaml" ]; then
			gw_exec --learn --policy "$name.yaml" \
			    --learn-out "$name.yaml" -- "$@" \
			    >"$T/$name.$i.out" 2>"$T/$name.$i.err"
		else
			gw_exec --learn --learn-out "$name.yaml" -- "$@" \
			    >"$T/$name.$i.out" 2>"$T/$name.$i.err"
		fi
		grep -q ' 0 violation events' "$T/$name.$i.err" && break
	done
	gw_exec -m --policy "$name.yaml" -- "$@" >"$T/$name.final.out" \
	    2>"$T/$name.final.err"
	FINAL=$?
}

# The learned entries of a file: "read:PATH write:PATH ...", sorted.
entries() {
	awk '/^  (read|write):/ { k = $1 } /^    - "/ { gsub(/"/, "", $2);
	    print k $2 }' "$1" | sort | tr '\n' ' '
}

show() {
	local i
	diag "runs: $RUNS, final exit $FINAL" "--- $1.yaml:" \
	    "$(cat "$WORK/$1.yaml" 2>/dev/null)"
	for i in 1 2 3 4; do
		[ -f "$T/$1.$i.err" ] &&
		    diag "--- run $i:" "$(tail -n 15 "$T/$1.$i.err")"
	done
	diag "--- final:" "$(tail -n 20 "$T/$1.final.err")"
}

# --- npm: a dependency of the user's own, next to the project --------------
mkdir -p "$TEST_HOME/libs/shared" "$WORK/app"
cat >"$TEST_HOME/libs/shared/package.json" <<'P'
{ "name": "shared", "version": "1.0.0", "main": "index.js" }
P
echo 'module.exports = () => "shared";' >"$TEST_HOME/libs/shared/index.js"
cat >"$WORK/app/package.json" <<P
{ "name": "app", "version": "1.0.0", "private": true,
  "dependencies": { "gw-a": "^1.0.0",
    "shared": "file:$TEST_HOME/libs/shared" } }
P
printf 'registry=http://host.greywall.internal:%s/\n' "$PORT" \
    >"$WORK/app/.npmrc"
chown -R "$TEST_USER:" "$TEST_HOME/libs" "$WORK/app"
learn npm sh -c 'cd app && npm install --no-audit --no-fund'
is "npm install: the learned policy works" "$FINAL" 0
ok "npm install: learned in at most 3 runs" test "$RUNS" -le 3
ok "npm install: applied, no denial" grep -q ' 0 violation events' \
    "$T/npm.final.err"
e=$(entries "$WORK/npm.yaml")
# (npm install reads the package's package.json; it links the rest.)
is "npm install: exactly the local package's manifest, read-only" "$e" \
    "read:~/libs/shared/package.json "
[ "$FINAL" = 0 ] && [ "$e" = "read:~/libs/shared/package.json " ] ||
    show npm
ok "npm install: the registry's package is installed on the host" \
    test -f "$WORK/app/node_modules/gw-b/index.js"

# --- pip: a requirements file of the user's, from the local index ---------
gw_exec python3 -m venv venv >"$T/venv.log" 2>&1 ||
    sed 's/^/# /' "$T/venv.log"
mkdir -p "$TEST_HOME/reqs"
printf -- '--index-url http://host.greywall.internal:%s/simple/\n--trusted-host host.greywall.internal\ngwdemo-pkg\n' \
    "$PORT" >"$TEST_HOME/reqs/requirements.txt"
chown -R "$TEST_USER:" "$TEST_HOME/reqs"
: >"$T/requests"
learn pip venv/bin/pip install --disable-pip-version-check \
    -r "$TEST_HOME/reqs/requirements.txt"
is "pip install: the learned policy works" "$FINAL" 0
ok "pip install: learned in at most 3 runs" test "$RUNS" -le 3
ok "pip install: applied, no denial" grep -q ' 0 violation events' \
    "$T/pip.final.err"
e=$(entries "$WORK/pip.yaml")
is "pip install: exactly the requirements file" "$e" \
    "read:~/reqs/requirements.txt "
[ "$FINAL" = 0 ] && [ "$e" = "read:~/reqs/requirements.txt " ] || show pip
ok "pip install: the local index served the wheel" grep -q '\.whl' \
    "$T/requests"

# --- cargo build, offline, with a path dependency --------------------------
mkdir -p "$TEST_HOME/libs/greet/src" "$WORK/crate/src"
cat >"$TEST_HOME/libs/greet/Cargo.toml" <<'P'
[package]
name = "greet"
version = "0.1.0"
edition = "2018"
P
echo 'pub fn hello() -> &'"'"'static str { "hello" }' \
    >"$TEST_HOME/libs/greet/src/lib.rs"
cat >"$WORK/crate/Cargo.toml" <<P
[package]
name = "app"
version = "0.1.0"
edition = "2018"

[dependencies]
greet = { path = "$TEST_HOME/libs/greet" }
P
echo 'fn main() { println!("{}", greet::hello()); }' \
    >"$WORK/crate/src/main.rs"
chown -R "$TEST_USER:" "$TEST_HOME/libs" "$WORK/crate"
learn cargo sh -c 'cd crate && cargo build --offline -q && ./target/debug/app'
is "cargo build: the learned policy works" "$FINAL" 0
ok "cargo build: learned in at most 3 runs" test "$RUNS" -le 3
ok "cargo build: applied, no denial" grep -q ' 0 violation events' \
    "$T/cargo.final.err"
e=$(entries "$WORK/cargo.yaml")
is "cargo build: exactly the crate's directory" "$e" "read:~/libs/greet "
[ "$FINAL" = 0 ] && [ "$e" = "read:~/libs/greet " ] || show cargo
is "cargo build: the program runs" "$(cat "$T/cargo.final.out")" hello

# --- make: an included makefile of the user's -------------------------------
mkdir -p "$TEST_HOME/mk" "$WORK/prog"
printf 'CFLAGS += -O1\n' >"$TEST_HOME/mk/common.mk"
printf 'include %s/mk/common.mk\nprog: prog.c\n\t$(CC) $(CFLAGS) -o $@ prog.c\n' \
    "$TEST_HOME" >"$WORK/prog/Makefile"
printf 'int main(void) { return 0; }\n' >"$WORK/prog/prog.c"
chown -R "$TEST_USER:" "$TEST_HOME/mk" "$WORK/prog"
learn make make -C prog
is "make: the learned policy works" "$FINAL" 0
ok "make: learned in at most 3 runs" test "$RUNS" -le 3
ok "make: applied, no denial" grep -q ' 0 violation events' \
    "$T/make.final.err"
e=$(entries "$WORK/make.yaml")
is "make: exactly the included makefile" "$e" "read:~/mk/common.mk "
[ "$FINAL" = 0 ] && [ "$e" = "read:~/mk/common.mk " ] || show make
ok "make: the program was built on the host" test -x "$WORK/prog/prog"

done_testing
