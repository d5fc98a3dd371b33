#!/bin/bash
# Cgroups: each sandbox has its own, with the policy's limits (checked in
# the cgroup files on the host and by their effect), and nothing in it
# survives teardown; limits.wall_time; gwctl list's memory and tasks; a
# second SIGINT or SIGTERM kills the whole sandbox; limits the host
# cannot enforce are refused; greywalld keeps only its capabilities.
# Limits come from client overlays (any limit narrows an unset one).
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 51

# overlay NAME YAML: a policy overlay the test user can read.
overlay() {
	printf '%s\n' "$2" >"$WORK/$1.yaml"
	chown "$TEST_USER" "$WORK/$1.yaml"
}
# The sandbox cgroups of this daemon, in every hierarchy.
sandbox_cgroups() {
	find $DAEMON_CGROUPS -type d -name 'sandbox-*' 2>/dev/null
}
no_sandbox_cgroups() { [ -z "$(sandbox_cgroups)" ]; }
# Wait up to a second for them to go (wait_for would reset ok's $desc).
cgroups_gone() {
	local i=0
	until no_sandbox_cgroups; do
		i=$((i + 1))
		if [ $i -gt 20 ]; then
			sandbox_cgroups | sed 's/^/# left: /'
			return 1
		fi
		sleep 0.05
	done
}
count() { pgrep -fc "^$1" || true; }

log=$(cat "$T/daemon.log")
contains "greywalld says which cgroup layout it uses" "$log" "cgroups: "
case $log in
*"cgroups: hybrid"*) layout=hybrid ;;
*) layout=v2 ;;
esac
contains "with pids, memory and cpu controllers" "$log" \
    "controllers: pids memory cpu"
diag "layout: $layout"

# The limit keys are enforced now: gw policy does not mark them.
overlay lim 'limits: { pids: 50, memory: "64M", cpu: "50%", wall_time: "1h" }'
printf 'default: true\nlimits: { pids: 4096 }\n' >"$POLICY/00-test.yaml"
"$GWCTL" -S "$SOCK" reload
out=$(as_user "$GW" policy | sed -n '/^limits:/,/^[a-z]/p')
contains "gw policy shows limits.pids" "$out" "pids: 4096"
case $out in
*"not enforced"*) ok "limits are not marked as not enforced" false ;;
*) ok "limits are not marked as not enforced" true ;;
esac

# The limits land in the sandbox's own cgroup, on the host.
rm -f "$WORK/ready"
"${GW_EXEC[@]}" --policy lim.yaml sh -c 'touch ready; exec sleep 31501' &
gw=$!
wait_for "sandbox running" running 'sleep 31501'
pid=$(pgrep -f '^sleep 31501')
cgs=$(sandbox_cgroups)
ok "the sandbox has a cgroup in each hierarchy" \
    test "$(echo "$cgs" | wc -l)" -eq "$(echo $DAEMON_CGROUPS | wc -w)"
inall=yes
for d in $cgs; do
	grep -qx "$pid" "$d/cgroup.procs" || inall="no: $d"
done
is "the command is in every one of them" "$inall" yes
vals=
for d in $cgs; do
	for f in pids.max memory.max memory.swap.max memory.limit_in_bytes \
	    cpu.max cpu.cfs_quota_us; do
		[ -f "$d/$f" ] && vals="$vals $f=$(cat "$d/$f" | tr ' ' /)"
	done
done
if [ "$layout" = hybrid ]; then
	is "pids.max 50, 64 MiB, 50 ms per 100 ms" "$vals" \
	    " pids.max=50 memory.limit_in_bytes=67108864 cpu.cfs_quota_us=50000"
else
	want=" pids.max=50 memory.max=67108864 memory.swap.max=0"
	is "pids.max 50, 64 MiB, no swap, 50 ms per 100 ms" "$vals" \
	    "$want cpu.max=50000/100000"
fi
# Its cgroup namespace starts at its own cgroup.
out=$("${GW_EXEC[@]}" cat /proc/self/cgroup | sed 's/^[0-9]*:[^:]*://' |
    sort -u)
is "inside, every hierarchy's cgroup is /" "$out" "/"
kill "$gw"
wait "$gw" 2>/dev/null
ok "its cgroups are removed when it ends" \
    cgroups_gone

# A fork bomb, bounded so that failing limits cannot hurt the machine.
cat >"$WORK/forks.py" <<'PY'
import errno, os, sys, time
started = failed = 0
err = "-"
for i in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError as e:
        failed += 1
        err = errno.errorcode[e.errno]
        continue
    if pid == 0:
        os.execv("/bin/sleep", ["sleep", sys.argv[2]])
    started += 1
print(started, failed, err, flush=True)
open("forked", "w").close()
time.sleep(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
PY
chown "$TEST_USER" "$WORK/forks.py"
out=$(gw_exec "$PYTHON" forks.py 100 31502 </dev/null)
is "without limits.pids, 100 forks all succeed" "$out" "100 0 -"
ok "and all 100 children are gone after it" no_process 'sleep 31502'
overlay pids 'limits: { pids: 50 }'
rm -f "$WORK/forked"
"${GW_EXEC[@]}" --policy pids.yaml "$PYTHON" forks.py 500 31503 1000 \
    >"$T/forks" &
gw=$!
wait_for "forks done" test -e "$WORK/forked"
read -r started failed err <"$T/forks"
ok "with limits.pids 50, at most 48 of 500 forks succeed ($started)" \
    test "$started" -le 48 -a "$started" -ge 40
is "the rest fail with EAGAIN" "$failed $err" "$((500 - started)) EAGAIN"
is "the host sees $started sleeping children" "$(count 'sleep 31503')" \
    "$started"
kill -KILL "$gw"
wait "$gw" 2>/dev/null
ok "gw killed: every child is gone within a second" \
    sh -c 'sleep 1; ! pgrep -f "^sleep 31503" >/dev/null'
ok "and no cgroup is left" cgroups_gone

# A memory hog under limits.memory 64M: killed inside its cgroup.
overlay mem 'limits: { memory: "64M" }'
cat >"$WORK/hog.py" <<'PY'
chunks = []
for i in range(1024):
    chunks.append(b"x" * (1 << 20))
print("allocated", len(chunks), "MiB")
PY
chown "$TEST_USER" "$WORK/hog.py"
out=$(gw_exec "$PYTHON" hog.py </dev/null 2>&1)
is "without the limit the hog allocates 1 GiB" "$out" "allocated 1024 MiB"
out=$(gw_exec --policy mem.yaml "$PYTHON" hog.py </dev/null 2>&1)
rc=$?
is "with limits.memory 64M it is killed: gw exits 137" "$rc" 137
contains "gw says it ran out of memory" "$out" \
    "gw: killed: out of memory under limits.memory"
contains "the daemon logs the OOM kill" "$(cat "$T/daemon.log")" \
    "out of memory (limits.memory), killed by the kernel"
ok "greywalld is still alive" kill -0 "$daemon_pid"
is "and serving" "$(gw_exec echo still-here)" still-here
ok "no cgroup is left" cgroups_gone

# A double-forked, detached sleep: gone with the sandbox, however it ends.
rm -f "$WORK/ready"
gw_exec sh -c '(setsid sleep 31504 &); touch ready' </dev/null
is "the command exits 0 and leaves a detached sleep behind" $? 0
ok "which is gone within a second after gw exits" \
    sh -c 'sleep 1; ! pgrep -f "^sleep 31504" >/dev/null'
"${GW_EXEC[@]}" sh -c '(setsid sleep 31505 &); exec sleep 31506' &
gw=$!
wait_for "detached sleep running" running 'sleep 31505'
ok "the detached sleep is in another session" \
    test "$(ps -o sid= -p "$(pgrep -f '^sleep 31505')")" != \
    "$(ps -o sid= -p "$(pgrep -f '^sleep 31506')")"
kill -KILL "$gw"
wait "$gw" 2>/dev/null
ok "gw killed: the detached sleep is gone within a second" \
    sh -c 'sleep 1; ! pgrep -f "^sleep 3150[56]" >/dev/null'
ok "no cgroup is left" cgroups_gone

# limits.wall_time: killed after it, and gw says so.
overlay wall 'limits: { wall_time: "2s" }'
start=$(date +%s%N)
out=$(gw_exec --policy wall.yaml sleep 31507 </dev/null 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
is "limits.wall_time 2s: gw exits 124" "$rc" 124
contains "and says why" "$out" "gw: killed: limits.wall_time (2s) exceeded"
ok "after about 2 s ($ms ms)" test "$ms" -ge 1900 -a "$ms" -lt 5000
ok "the sleep is gone" no_process 'sleep 31507'
contains "the daemon logs it" "$(cat "$T/daemon.log")" \
    "limits.wall_time (2s) exceeded, killing it"

# gwctl list: memory and tasks of a running sandbox.
rm -f "$WORK/ready"
"${GW_EXEC[@]}" sh -c 'sleep 31508 & exec '"$PYTHON"' -c "
import time
x = b\"x\" * (32 << 20)
open(\"ready\", \"w\").close()
time.sleep(60)"' &
gw=$!
wait_for "sandbox ready" test -e "$WORK/ready"
json=$("$GWCTL" -S "$SOCK" list --json)
is "list --json: init, sleep and python are 3 tasks, over 32 MiB" \
    "$(echo "$json" | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)[0]
print(s["tasks"], 32 << 20 < s["memory"] < 512 << 20)')" "3 True"
out=$("$GWCTL" -S "$SOCK" list)
contains "list has MEM and TASKS columns" "$out" "MEM TASKS"
ok "and shows the memory in MiB" \
    grep -qE ' (3[2-9]|[4-9][0-9]|[1-4][0-9][0-9])\.[0-9]M +3 ' <<<"$out"
kill "$gw"
wait "$gw" 2>/dev/null

# A second SIGINT kills the whole sandbox, even what ignores SIGINT.
rm -f "$WORK/ready"
"${GW_EXEC[@]}" sh -c 'trap "" INT; setsid sleep 31509 & sleep 31510 &
    touch ready; wait' &
gw=$!
wait_for "sandbox ready" test -e "$WORK/ready"
wait_for "sleeps running" running 'sleep 31510'
kill -INT "$gw"
sleep 0.5
ok "one SIGINT is relayed, and ignored: the shell still runs" kill -0 "$gw"
ok "and its children too" running 'sleep 31509'
kill -INT "$gw"
wait "$gw"
is "a second SIGINT within 2 s: gw exits 130" $? 130
ok "everything in the sandbox is gone within a second" \
    sh -c 'sleep 1; ! pgrep -f "^sleep 315(09|10)" >/dev/null'
ok "and its cgroups" cgroups_gone

# Two SIGINTs more than 2 s apart are both only relayed.
rm -f "$WORK/ready"
"${GW_EXEC[@]}" sh -c 'trap "echo got-int" INT; trap "" TERM; touch ready
    while :; do sleep 0.1; done' >"$T/out" &
gw=$!
wait_for "sandbox ready" test -e "$WORK/ready"
kill -INT "$gw"
sleep 2.5
kill -INT "$gw"
sleep 0.5
ok "SIGINTs 2.5 s apart: both relayed, the command still runs" kill -0 "$gw"
is "its trap ran twice" "$(cat "$T/out")" "got-int
got-int"
# A double SIGTERM, to a command that ignores it: 128+15. (Any two of
# SIGINT and SIGTERM count, so first let the last SIGINT age.)
sleep 2
kill -TERM "$gw"
sleep 0.3
ok "one SIGTERM, ignored by the command: it still runs" kill -0 "$gw"
kill -TERM "$gw"
wait "$gw"
is "a double SIGTERM: gw exits 143" $? 143
ok "and the sandbox is gone" cgroups_gone

# Capabilities, with sandboxes and their cgroups behind it.
caps=$(grep -E '^Cap(Eff|Prm|Bnd)' "/proc/$daemon_pid/status" |
    awk '{print $2}' | sort -u)
is "greywalld still has only its documented capabilities" "$caps" \
    000000e0402411e1
stop_daemon
# (On cgroup v2 its "supervisor" leaf stays: it cannot remove the cgroup
# it is in.)
ok "greywalld removed its own cgroups at exit" \
    test -z "$(find $DAEMON_CGROUPS -mindepth 1 -type d ! -name supervisor)"

# A host that cannot enforce a limit: refused, with the key named.
pids_cg=$(echo $DAEMON_CGROUPS | tr ' ' '\n' | grep '/pids/')
if [ -n "$pids_cg" ]; then
	printf 'default: true\n' >"$POLICY/00-test.yaml"
	chmod 0555 "$pids_cg"
	start_daemon
	out=$(gw_exec --policy pids.yaml true 2>&1)
	rc=$?
	chmod 0755 "$pids_cg"
	is "no usable pids controller: limits.pids is refused (125)" $rc 125
	contains "naming the key and the value" "$out" "limits.pids (50): this"
	is "a sandbox without limits.pids still runs" "$(gw_exec echo yes)" yes
	stop_daemon
else
	# Pure v2 hosts offer pids from the root; no way to take it away.
	for i in 1 2 3; do
		t_count=$((t_count + 1))
		echo "ok $t_count # SKIP pure v2: pids cannot be withheld"
	done
fi

done_testing
