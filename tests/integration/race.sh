#!/bin/bash
# Symlink races: while sandboxes start in a loop with a write and a read
# path inside the cwd, the user swaps those directories for symlinks that
# point out of the policy (into its own home and at /etc). Every sandbox
# must either bind the real directory or refuse to start; nothing may be
# written or made visible through a symlink.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 7

OUT=$TEST_HOME/outside-$$
mkdir -m 700 "$OUT"
echo outside-secret >"$OUT/secret"
chown -R "$TEST_USER:" "$OUT"
mkdir "$WORK/wdir" "$WORK/rdir"
echo inside >"$WORK/rdir/file"
chown -R "$TEST_USER:" "$WORK/wdir" "$WORK/rdir"
cat >"$POLICY/10-race.yaml" <<Y
users: [$TEST_USER]
filesystem:
  cwd: ro
  write: ["wdir"]
  read: ["rdir"]
Y
start_daemon
trap 'rm -rf "$OUT"; cleanup' EXIT

# The attacker: the user itself. It atomically exchanges each directory
# with a symlink out of the policy (renameat2 RENAME_EXCHANGE), as fast as
# it can until told to stop (20 s at most), so each lookup may meet either.
as_user "$PYTHON" - "$WORK" "$OUT" "$T/stop" <<'PY' &
import ctypes, os, sys, time
work, out, stop = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
pairs = []
for name, target in (("wdir", out), ("rdir", "/etc")):
    p = os.path.join(work, name)
    os.symlink(target, p + ".link")
    pairs.append((p.encode(), (p + ".link").encode()))
end = time.time() + 20
n = 0
while time.time() < end and not os.path.exists(stop):
    for a, b in pairs:
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    n += 1
    # Hold each state about as long as a sandbox takes to start, so some
    # lookups meet a symlink, some a directory, and some the swap itself.
    time.sleep(0.003)
# Leave the real directories in place.
for a, b in pairs:
    if os.path.islink(a):
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    os.unlink(b)
print(n, file=open(os.path.join(work, ".swaps"), "w"))
PY
racer=$!

ran=0 refused=0 other=0
for i in $(seq 80); do
	gw_exec sh -c "echo probe-$i > wdir/probe-$i; cat rdir/file rdir/passwd" \
	    >/dev/null 2>&1
	case $? in
	0|1) ran=$((ran + 1)) ;;
	125) refused=$((refused + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
touch "$T/stop"
wait "$racer"
diag "sandboxes: $ran ran, $refused refused, $other other;" \
    "swaps: $(cat "$WORK/.swaps" 2>/dev/null)"

ok "no sandbox ended any other way than running or refusing" \
    test "$other" -eq 0
ok "some sandboxes did run during the race" test "$ran" -gt 0
is "nothing was written through the write path's symlink" \
    "$(ls -A "$OUT" | tr '\n' ' ')" "secret "
ok "nothing was written into /etc" \
    test -z "$(ls /etc | grep '^probe-')"
ok "the probe files went only to the real directory" \
    test -z "$(find "$WORK" -name 'probe-*' ! -path "$WORK/wdir/*")"
ok "the daemon survived" kill -0 "$daemon_pid"
# And the policy still works once the race is over.
gw_exec sh -c 'echo after > wdir/after'
is "after the race the write path works" "$(cat "$WORK/wdir/after")" after

done_testing
