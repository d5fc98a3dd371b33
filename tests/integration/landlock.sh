#!/bin/bash
# Landlock: every sandbox runs under a Landlock domain that grants what
# the mount tree grants and no more. Each observable is checked twice:
# under the real kernel, and under a greywalld that sees no Landlock
# (tests/helpers/no-landlock makes the landlock_* calls fail with ENOSYS)
# with hardening.landlock: best-effort, where the same command behaves
# differently. There also: required refuses to run, best-effort warns.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
NO_LANDLOCK=$GW_BUILDDIR/tests/helpers/no-landlock
[ -x "$NO_LANDLOCK" ] || bail "no helper at $NO_LANDLOCK"

plan 42

# run CMD...: gw exec CMD as the test user; sets out, err and st.
run() {
	out=$(gw_exec "$@" 2>"$T/err")
	st=$?
	err=$(cat "$T/err")
}

# set_policy YAML: the daemon's only policy file, reloaded.
set_policy() {
	printf '%s\n' "$1" >"$POLICY/00-test.yaml"
	"$GWCTL" -S "$SOCK" reload >/dev/null || bail "gwctl reload"
}

host_has() { [ -e "$1" ] && echo present || echo absent; }

# alive PID: the process exists and is not a zombie.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }

# The host pid of the init of the sandbox started after $1 sandboxes.
nsandboxes() { grep -c ': uid [0-9]* (.*) pid [0-9]* cwd' "$T/daemon.log"; }
more_than() { [ "$(nsandboxes)" -gt "$1" ]; }
init_pid() {
	wait_for "sandbox $(($1 + 1)) in the log" more_than "$1" >&2 ||
	    return 1
	grep ': uid [0-9]* (.*) pid [0-9]* cwd' "$T/daemon.log" | tail -1 |
	    sed 's/.* pid \([0-9]*\) cwd.*/\1/'
}

# Helpers the sandbox runs from the cwd, and the host's listener.
cat >"$WORK/connect-abstract.py" <<'EOF'
# Wait for the host's listener, connect to its abstract socket, print
# "connected" or the errno name.
import errno, os, socket, sys, time
for _ in range(200):
    if os.path.exists("go"):
        break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + sys.argv[1])
    print("connected")
except OSError as e:
    print(errno.errorcode[e.errno])
EOF
cat >"$WORK/kill-target.py" <<'EOF'
# Wait for the pid of a process outside the domain, SIGTERM it, write
# "killed" or the errno name to "result", then wait for "done".
import errno, os, signal, time
for _ in range(200):
    if os.path.exists("target"):
        break
    time.sleep(0.05)
try:
    os.kill(int(open("target").read()), signal.SIGTERM)
    r = "killed"
except OSError as e:
    r = errno.errorcode[e.errno]
open("result.tmp", "w").write(r)
os.rename("result.tmp", "result")
for _ in range(200):
    if os.path.exists("done"):
        break
    time.sleep(0.05)
EOF
chown "$TEST_USER:" "$WORK/connect-abstract.py" "$WORK/kill-target.py"
cat >"$T/listen.py" <<'EOF'
# In the sandbox's network namespace, outside its Landlock domain: listen
# on an abstract socket, create "go", and write to SEEN whether anything
# connected before DONE appeared.
import os, select, socket, sys, time
name, go, done, seen = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + name)
s.listen(4)
open(go, "w").close()
r = "none"
for _ in range(200):
    if select.select([s], [], [], 0.05)[0]:
        s.accept()
        r = "connected"
    if os.path.exists(done):
        break
open(seen, "w").write(r)
EOF

# abstract_probe: a sandbox connects to an abstract socket that root
# listens on in the sandbox's network namespace. Sets conn (what the
# sandbox saw) and seen (what the listener saw).
abstract_probe() {
	rm -f "$WORK/go" "$T/done" "$T/seen"
	n=$(nsandboxes)
	"${GW_EXEC[@]}" "$PYTHON" connect-abstract.py "gw-ll-$$" >"$T/conn" \
	    2>"$T/conn.err" &
	gwpid=$!
	pid=$(init_pid "$n")
	nsenter -t "$pid" -n "$PYTHON" "$T/listen.py" "gw-ll-$$" "$WORK/go" \
	    "$T/done" "$T/seen" &
	lpid=$!
	wait "$gwpid"
	touch "$T/done"
	wait "$lpid"
	conn=$(cat "$T/conn")
	seen=$(cat "$T/seen" 2>/dev/null)
	rm -f "$WORK/go"
}

# in_sandbox_ns PID CMDLINE: the host pid of the process running CMDLINE
# in the pid namespace of PID.
in_sandbox_ns() {
	for p in $(pgrep -f "^$2\$"); do
		[ "$(readlink "/proc/$p/ns/pid")" = \
		    "$(readlink "/proc/$1/ns/pid")" ] && echo "$p" && return 0
	done
	return 1
}

# signal_probe: a sandbox sends SIGTERM to a process of the test user
# that root put in the sandbox's pid namespace (outside the domain). Sets
# sig (what the sandbox saw) and target (whether the process survived).
signal_probe() {
	rm -f "$WORK/target" "$WORK/result" "$WORK/done"
	n=$(nsandboxes)
	"${GW_EXEC[@]}" "$PYTHON" kill-target.py >/dev/null 2>&1 &
	gwpid=$!
	pid=$(init_pid "$n")
	# In a subshell, so its end by SIGKILL is not reported on stderr.
	(nsenter -t "$pid" -p -- setpriv --reuid="$TEST_USER" \
	    --regid="$TEST_USER" --init-groups sleep 61; true) 2>/dev/null &
	npid=$!
	wait_for "the target process" in_sandbox_ns "$pid" "sleep 61" >/dev/null
	spid=$(in_sandbox_ns "$pid" "sleep 61")
	awk '/^NSpid:/ { print $3 }' "/proc/$spid/status" >"$WORK/target.tmp"
	mv "$WORK/target.tmp" "$WORK/target"
	wait_for "the sandbox's kill" test -e "$WORK/result"
	sig=$(cat "$WORK/result")
	# Looked at while the sandbox (and so its pid namespace) lives.
	sleep 0.2
	if alive "$spid"; then target=alive; else target=gone; fi
	touch "$WORK/done"
	# The sandbox's end takes its pid namespace, and the target, along.
	wait "$gwpid"
	wait "$npid" 2>/dev/null
	rm -f "$WORK/target" "$WORK/result" "$WORK/done"
}

# --- with Landlock ---------------------------------------------------------
start_daemon
abi=$(sed -n 's/.*Landlock ABI \([0-9]*\).*/\1/p' "$T/daemon.log" | head -1)
ok "greywalld detects and logs the Landlock ABI (>= 6 here)" \
    test "${abi:-0}" -ge 6

run ls -A /
is "the root of the tree cannot be listed" "$st" 2
contains "because Landlock refuses it" "$err" "Permission denied"
run ls -A "$TEST_HOME"
is "the directory above the cwd cannot be listed" "$st:$out" "2:"
run ls -A /home
is "/home cannot be listed" "$st:$out" "2:"
run ls -A .
is "the cwd still can" "$st:$out" "0:connect-abstract.py
kill-target.py"

# oom_score_adj: any process may raise its own, and a higher value only
# makes the sandbox the OOM killer's first choice: harmless either way.
run sh -c 'echo 500 >/proc/self/oom_score_adj; cat /proc/self/oom_score_adj'
ok "raising /proc/self/oom_score_adj is refused: the value stays" \
    test "$st" = 0 -a -n "$out" -a "$out" != 500
contains "with EACCES" "$err" "Permission denied"
run cat /proc/self/status
is "/proc can still be read" "$st" 0

# The client's stdout, a file outside the tree, reopened by path.
: >"$T/stdout.txt"
chown "$TEST_USER:" "$T/stdout.txt"
gw_exec sh -c 'echo via-dev-stdout >/dev/stdout' >"$T/stdout.txt"
is "echo >/dev/stdout reaches a file given as stdout" \
    "$?:$(cat "$T/stdout.txt")" "0:via-dev-stdout"
gw_exec sh -c 'exec 3>&1; head -c1 /proc/self/fd/3 >/dev/null' >>"$T/stdout.txt" \
    2>"$T/err"
is "but it cannot be reopened for reading" "$?" 1
contains "(EACCES)" "$(cat "$T/err")" "Permission denied"

run sh -c 'sleep 30 & p=$!; kill $p; wait $p'
is "signals inside the sandbox still work" "$st" 143

abstract_probe
is "an abstract socket outside the domain cannot be reached" "$conn" \
    EPERM
is "and the listener saw no connection" "$seen" none
signal_probe
is "a process outside the domain cannot be signalled" "$sig" EPERM
is "and it is still alive" "$target" alive

# best-effort changes nothing where Landlock exists.
set_policy 'default: true
hardening:
  landlock: best-effort'
run ls -A /
is "best-effort with Landlock: still applied" "$st" 2
contains "and gw warns of nothing" "$err" "Permission denied"
ok "(no Landlock warning)" test "${err#*warning}" = "$err"

# Kernel audit records of the command's denials (ABI 7). Without an
# audit daemon the kernel prints them, but only while audit is enabled:
# enable it for this check if it is off, and put it back.
AUDIT_PY="$GW_SRCDIR/tests/helpers/audit-status.py"
read -r audit_was auditd <<<"$("$PYTHON" "$AUDIT_PY" get)"
if [ "${auditd:-1}" != 0 ]; then
	t_count=$((t_count + 1))
	echo "ok $t_count # SKIP an audit daemon (pid $auditd) takes the records"
else
	[ "$audit_was" = 0 ] && "$PYTHON" "$AUDIT_PY" set 1
	trap 'cleanup; [ "$audit_was" = 0 ] && "$PYTHON" "$AUDIT_PY" set 0' \
	    EXIT
	n=$(nsandboxes)
	run ls -A "$TEST_HOME"
	pid=$(init_pid "$n")
	wait_for "the domain record" sh -c "dmesg |
	    grep -q 'type=1424 .* status=allocated .* pid=$pid '"
	domain=$(dmesg | grep "type=1424 .* status=allocated .* pid=$pid " |
	    tail -1 | sed 's/.*domain=\([0-9a-f]*\) .*/\1/')
	rec=$(dmesg | grep "type=1423 .* domain=$domain " | tail -1)
	contains "the denial is in the kernel log (audit type 1423)" "$rec" \
	    "domain=$domain blockers=fs.read_dir path=\"$TEST_HOME\""
	[ "$audit_was" = 0 ] && "$PYTHON" "$AUDIT_PY" set 0
	trap cleanup EXIT
fi
stop_daemon

# --- a kernel without Landlock ------------------------------------------------
printf 'default: true\n' >"$POLICY/00-test.yaml"
DAEMON_WRAPPER=$NO_LANDLOCK start_daemon
contains "greywalld logs that Landlock is missing" "$(cat "$T/daemon.log")" \
    "Landlock is not available (not in this kernel)"

rm -f "$WORK/ran"
n=$(nsandboxes)
run sh -c 'touch ran'
is "the built-in required refuses to run (125)" "$st" 125
contains "naming the key and where it came from" "$err" \
    "'hardening.landlock: required' (built-in) refuses to run without it"
is "nothing ran" "$(host_has "$WORK/ran")" absent
is "no sandbox was even created" "$(nsandboxes)" "$n"

set_policy 'default: true
hardening:
  landlock: required'
run sh -c 'touch ran'
is "required in a policy file refuses to run (125)" "$st" 125
contains "naming the file and line" "$err" "gw: sandbox setup failed:\
 Landlock is not available on this kernel, and 'hardening.landlock:\
 required' ($POLICY/00-test.yaml:3) refuses to run without it"
is "nothing ran" "$(host_has "$WORK/ran")" absent

set_policy 'default: true
hardening:
  landlock: best-effort'
printf 'hardening:\n  landlock: required\n' >"$T/strict.yaml"
chmod 644 "$T/strict.yaml"
run --policy "$T/strict.yaml" sh -c 'touch ran'
is "a client overlay can ask for required, and is refused" "$st" 125
contains "naming the overlay" "$err" "($T/strict.yaml:2)"
is "nothing ran" "$(host_has "$WORK/ran")" absent

run sh -c 'touch ran'
is "best-effort runs without Landlock" "$st" 0
is "the command ran, on the host" "$(host_has "$WORK/ran")" present
is "and gw warns on stderr" "$err" "gw: warning: Landlock is not available\
 on this kernel; running without it (hardening.landlock: best-effort)"
rm -f "$WORK/ran"

# The same observables without Landlock: the mount tree alone.
run ls -A /
is "without Landlock the root is listable" "$st" 0
run ls -A "$TEST_HOME"
is "the home holds only the work directory (mount tree)" "$st:$out" \
    "0:$(basename "$WORK")"
run ls -A /home
is "/home holds only the user's own home (mount tree)" "$st:$out" \
    "0:$(basename "$TEST_HOME")"
run sh -c 'echo 500 >/proc/self/oom_score_adj; cat /proc/self/oom_score_adj'
is "oom_score_adj can be raised" "$st:$out" "0:500"
gw_exec sh -c 'exec 3>&1; head -c1 /proc/self/fd/3 >/dev/null' >>"$T/stdout.txt" \
    2>/dev/null
is "the stdout file can be reopened for reading" "$?" 0
abstract_probe
is "the abstract socket is reached" "$conn:$seen" "connected:connected"
signal_probe
is "the process outside is killed" "$sig:$target" "killed:gone"

done_testing
