#!/bin/bash
# gwctl status (admins only) and gw doctor (anyone, their own view): each
# item checked against the host (the netstack helper's pid is a live child
# of greywalld, the cgroup mode is the host's), --json parses, a missing
# required layer makes both exit non-zero, the upstream test neither
# blocks greywalld nor lies about a refused or silent port. gwctl kill
# --user kills every sandbox of one user and no other's. Every gwctl
# command answers --json.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 38

NO_LANDLOCK=$GW_BUILDDIR/tests/helpers/no-landlock
base=$((20000 + $$ % 20000))
LIVE=$base		# a listener that accepts
DEAD=$((base + 1))	# nothing listens
SILENT=$((base + 2))	# a listener whose queue is full: SYNs are dropped

# Listeners on loopback, for the upstream test.
"$PYTHON" - "$LIVE" "$SILENT" <<'PY' &
import socket, sys, time
live = socket.socket()
live.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
live.bind(("127.0.0.1", int(sys.argv[1])))
live.listen(16)
silent = socket.socket()
silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
silent.bind(("127.0.0.1", int(sys.argv[2])))
silent.listen(0)
# Fill its accept queue, never accepting: later SYNs go unanswered.
fill = []
for i in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", int(sys.argv[2])))
    except BlockingIOError:
        pass
    fill.append(c)
    time.sleep(0.1)
while True:
    try:
        c, _ = live.accept()
        c.close()
    except OSError:
        break
PY
listener=$!
W2=$(mktemp -d "$TEST_HOME2/work.XXXXXX") || bail "mktemp"
chown "$TEST_USER2" "$W2"
trap 'kill $listener 2>/dev/null; rm -rf "$W2"; cleanup' EXIT
sleep 0.5

# set_upstream PORT [SELECTOR]
set_upstream() {
	cat >"$POLICY/00-test.yaml" <<P
${2:-users: [$TEST_USER]}
network:
  upstream: { socks5: "127.0.0.1:$1" }
P
}
set_upstream "$LIVE" "default: true"
start_daemon
ctl() { "$GWCTL" -S "$SOCK" "$@"; }
field() { echo "$1" | sed -n "s/^$2  *\([a-zA-Z]*\)  *\(.*\)/\1 \2/p"; }

# The upstream check's item shows once its first round is over: wait for
# it, so that the text and the JSON below count the same items.
wait_for "the first upstream check" grep -q "upstream 127.0.0.1:$LIVE" \
    "$T/daemon.log"

# --- gwctl status ---------------------------------------------------------------
out=$(ctl status)
is "gwctl status exits 0 with every layer there" $? 0
ver=$(sed -n 's/^#define GW_PROTO_VERSION[[:space:]]*//p' \
    "$GW_SRCDIR/proto/gw-protocol.h")
contains "the version and protocol" "$(field "$out" version)" \
    "ok greywalld 0.1.0 (protocol $ver)"
contains "the uptime" "$(field "$out" uptime)" "info 0d 00:00:0"
nspid=$(field "$out" netstack | sed -n 's/^ok pid \([0-9]*\), restarted 0 times$/\1/p')
ok "the netstack helper's pid, restarted 0 times" test -n "$nspid"
is "which is greywalld's live child" \
    "$(awk '/^PPid:/ { print $2 }' "/proc/$nspid/status" 2>/dev/null)" \
    "$daemon_pid"
is "Landlock and its ABI, as greywalld found it" \
    "$(field "$out" landlock)" \
    "ok ABI $(sed -n 's/.*Landlock ABI \([0-9]*\)$/\1/p' "$T/daemon.log")"
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	mode=v2
else
	mode=hybrid
fi
contains "the cgroup mode is the host's" "$(field "$out" cgroup)" \
    "ok $mode, controllers:"
contains "kernel audit and the event sources are named" "$out" \
    "event sources   ok    netstack, command guard, protected and read-only"
contains "the default policy's upstream accepts connections" \
    "$(field "$out" upstream)" "ok 127.0.0.1:$LIVE: accepts connections"

json=$(ctl status --json)
is "gwctl status --json exits 0" $? 0
is "and parses, with every item and ok: true" "$(echo "$json" |
    "$PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(d["ok"], len(d["items"]), d["items"][0]["name"],
    d["items"][0]["level"])')" "True $(echo "$out" | wc -l) version ok"

"${GW_EXEC[@]}" sleep 4101 </dev/null &
wait_for "a sandbox" running 'sleep 4101'
contains "a running sandbox is counted" "$(field "$(ctl status)" sandboxes)" \
    "info 1 running"

out=$(as_user "$GWCTL" status 2>&1)
is "a non-admin cannot use gwctl status" $? 1
contains "and is told why" "$out" "permission denied"

# --- gw doctor ------------------------------------------------------------------
out=$(as_user "$GW" doctor)
is "gw doctor exits 0" $? 0
contains "it counts the user's own sandboxes" "$(field "$out" sandboxes)" \
    "info 1 of yours running (at most 8)"
contains "it names the policy files that select the user" \
    "$(field "$out" policy)" "ok 00-test.yaml selects you"
set_upstream "$LIVE"
ctl reload
contains "it shows no daemon pid to a user" "$(field "$out" netstack)" \
    "ok running"
ok "nor the audit counters" test -z "$(field "$out" "audit records")"
is "gw doctor --json parses" "$(as_user "$GW" doctor --json |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["ok"])')" True
out=$(setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
    env -i PATH=/usr/bin:/bin GREYWALL_SOCKET="$SOCK" "$GW" doctor)
is "gw doctor exits 0 for that user too" $? 0
contains "a user no file selects is told so" "$(field "$out" policy)" \
    "warn no file in policy.d selects you"
contains "and that user's upstream is the built-in one" \
    "$(field "$out" upstream)" "127.0.0.1:43052"

# --- the upstream test: refused, silent, and greywalld meanwhile ---------------
set_upstream "$DEAD"
ctl reload
contains "a refused upstream is a warning" "$(field "$(as_user "$GW" doctor)" \
    upstream)" "warn 127.0.0.1:$DEAD: Connection refused"
set_upstream "$SILENT"
ctl reload
s=$(date +%s%N)
as_user "$GW" doctor >"$T/doctor.out" &
doc=$!
sleep 0.2
ctl list >/dev/null
# Not a time limit (a loaded machine stretches any): the list is answered
# while gw doctor still waits for the upstream's 1000 ms timeout.
ok "greywalld answers others while it waits for the upstream" \
    eval 'kill -0 $doc && ! test -s "$T/doctor.out"'
ms=$(( ($(date +%s%N) - s) / 1000000 ))
diag "gwctl list during the upstream test: $ms ms after it began"
wait $doc
contains "a silent upstream times out with a warning" \
    "$(field "$(cat "$T/doctor.out")" upstream)" \
    "warn 127.0.0.1:$SILENT: no answer in 1000 ms"

# --- gwctl kill --user ----------------------------------------------------------
"${GW_EXEC[@]}" sleep 4102 </dev/null &
setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
    env -i -C "$W2" PATH=/usr/bin:/bin GREYWALL_SOCKET="$SOCK" "$GW" exec \
    sleep 4103 </dev/null 2>"$T/u2.err" &
u2=$!
wait_for "three sandboxes" running 'sleep 4102'
wait_for "three sandboxes" running 'sleep 4103'
out=$(as_user "$GWCTL" -S "$SOCK" kill --user "$TEST_USER" 2>&1)
is "a non-admin cannot kill by user" $? 1
out=$(ctl kill --user "$TEST_USER")
is "gwctl kill --user exits 0" $? 0
is "it lists the two sandboxes it killed" "$(echo "$out" |
    sed 's/^killed sandbox [0-9]* (pid [0-9]*): //' | sort)" "sleep 4101
sleep 4102"
wait_for "the user's sandboxes to end" no_process 'sleep 4102'
wait_for "the user's sandboxes to end" no_process 'sleep 4101'
ok "every sandbox of the user is gone" no_process 'sleep 4101'
ok "the other user's sandbox is untouched" running 'sleep 4103'
out=$(ctl kill --user "$TEST_USER" --json 2>&1)
is "no sandbox left: exit 1" $? 1
contains "and why" "$out" "has no sandboxes"
ctl kill --user "$TEST_USER2" >/dev/null
wait $u2

# --- --json everywhere ----------------------------------------------------------
is "gwctl reload --json" "$(ctl reload --json)" '{"reloaded": true}'
is "gwctl policy USER --json parses" "$(ctl policy "$TEST_USER" --json |
    "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin)
print(d["user"], "network:" in d["policy"])')" "$TEST_USER True"
stop_daemon

# --- a required layer missing: Landlock, with hardening.landlock: required ------
printf 'default: true\n' >"$POLICY/00-test.yaml"
DAEMON_WRAPPER=$NO_LANDLOCK start_daemon
out=$(ctl status)
is "gwctl status exits 3 when a required layer is missing" $? 3
contains "and names it" "$(field "$out" landlock)" "FAIL not available"
as_user "$GW" doctor >/dev/null
is "gw doctor exits 1" $? 1

done_testing
