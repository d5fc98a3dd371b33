#!/bin/bash
# gwctl: admin-only list and kill, the admin group, and per-uid limits.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon --max-sandboxes 2 --max-connections 3

plan 23

"${GW_EXEC[@]}" sleep 31401 &
gw=$!
wait_for "sleep running" running 'sleep 31401'

out=$("$GWCTL" -S "$SOCK" list)
is "root may list" $? 0
contains "list shows the user" "$out" "$TEST_USER($TEST_UID)"
contains "list shows the command" "$out" "sleep 31401"
contains "list shows the cwd" "$out" "$WORK"
json=$("$GWCTL" -S "$SOCK" list --json)
is "list --json is valid JSON with the sandbox" "$(echo "$json" | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)[0]
print(s["user"], s["uid"], s["command"], s["cwd"], s["pid"] > 1,
    s["start_time"] > 0)')" "$TEST_USER $TEST_UID sleep 31401 $WORK True True"

err=$(as_user "$GWCTL" list 2>&1)
is "the test user may not list" $? 1
contains "refusal names the admin group" "$err" \
    "permission denied: only root and members of group 'greywall-admin'"
err=$(as_user "$GWCTL" kill 1 2>&1)
is "the test user may not kill" $? 1
ok "the sandbox survived the refused kill" running 'sleep 31401'

# Per-uid limits: two live sandboxes, then a third is refused.
"${GW_EXEC[@]}" sleep 31402 &
gw2=$!
wait_for "second running" running 'sleep 31402'
err=$(gw_exec true 2>&1)
is "third sandbox refused with 125" $? 125
contains "refusal says limit" "$err" "limit reached"
contains "refusal names the daemon's flag" "$err" "greywalld --max-sandboxes"

# Connections: 2 held by the sandboxes, one more allowed, then refused.
"$PYTHON" - "$SOCK" "$TEST_UID" "$(id -g "$TEST_USER")" >"$T/conn" <<'PY' &
import os, socket, sys, time
os.setgroups([])
os.setgid(int(sys.argv[3]))
os.setuid(int(sys.argv[2]))
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
print("connected", flush=True)
time.sleep(3)
PY
holder=$!
wait_for "third connection" grep -q connected "$T/conn"
err=$(gw_exec true 2>&1)
is "connection over the per-uid limit refused with 125" $? 125
contains "refusal says too many connections" "$err" "too many connections"
kill "$holder"
wait "$holder" 2>/dev/null

kill "$gw" "$gw2"
wait "$gw" "$gw2" 2>/dev/null
stop_daemon

# limits.sandboxes in the policy overrides --max-sandboxes, per user.
printf 'default: true\nlimits:\n  sandboxes: 1\n' >"$POLICY/00-test.yaml"
start_daemon --max-sandboxes 5
"${GW_EXEC[@]}" sleep 31403 &
gw3=$!
wait_for "sleep 31403 running" running 'sleep 31403'
err=$(gw_exec true 2>&1)
is "second sandbox refused by limits.sandboxes: 1" $? 125
contains "refusal names the policy key and file" "$err" \
    "the most limits.sandboxes in $POLICY/00-test.yaml:3 allows"
ok "the first sandbox still runs" running 'sleep 31403'
kill "$gw3"
wait "$gw3" 2>/dev/null
wait_for "first sandbox gone" no_process 'sleep 31403'
out=$(gw_exec echo again 2>&1)
is "a sandbox starts again once the first ended" "$out" "again"
stop_daemon
printf 'default: true\n' >"$POLICY/00-test.yaml"

# Members of the configured admin group may use gwctl.
start_daemon --admin-group "$TEST_GROUP"
out=$(as_user "$GWCTL" list)
is "a member of the admin group may list" $? 0
contains "with the header" "$out" "COMMAND"
err=$(as_user "$GWCTL" kill 999 2>&1)
is "and kill (unknown id is an error)" $? 1
contains "unknown id named" "$err" "no sandbox with id 999"

stop_daemon

# Started by plain root, greywalld still keeps only the unit's capabilities.
# (In the test's own cgroups: with all capabilities it could create cgroups
# at the root of a hierarchy, then lacks the capability to remove them.)
sh -c 'for c in $0; do echo $$ >"$c/cgroup.procs" || exit 1; done
    exec "$@"' "$DAEMON_CGROUPS" \
    "$GREYWALLD" -f -s "$T/plain.sock" -P "$POLICY" --netstack "$NETSTACK" >>"$T/daemon.log" 2>&1 &
plain=$!
wait_for "plain daemon" test -S "$T/plain.sock"
caps=$(grep -E '^Cap(Eff|Prm|Bnd)' "/proc/$plain/status" | awk '{print $2}' |
    sort -u)
# CAP_CHOWN (bit 0): the per-user store directory (--state-dir);
# CAP_BPF, CAP_PERFMON: the denials eBPF program.
is "greywalld keeps only its unit's capabilities (CHOWN, BPF, PERFMON too)" \
    "$caps" 000000e0402411e1
kill "$plain"
wait "$plain"

done_testing
