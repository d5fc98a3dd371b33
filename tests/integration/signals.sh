#!/bin/bash
# Signals and teardown: gw relays signals to the command; a client that
# dies, gwctl kill and daemon shutdown each leave no sandboxed process.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 20

# Each relayed signal reaches a trap in the sandboxed shell.
code=10
for sig in INT TERM HUP QUIT USR1 USR2; do
	rm -f "$WORK/ready"
	"${GW_EXEC[@]}" sh -c "trap 'echo got-$sig; exit $code' $sig;
	    touch ready; while :; do sleep 0.05; done" >"$T/out" &
	gw=$!
	wait_for "sandbox ready" test -e "$WORK/ready"
	kill -s "$sig" "$gw"
	wait "$gw"
	rc=$?
	is "SIG$sig is relayed to the command (exit $code, trap ran)" \
	    "$rc $(cat "$T/out")" "$code got-$sig"
	code=$((code + 1))
done

# Without a trap the command dies of the signal: gw exits 128+N.
"${GW_EXEC[@]}" sleep 31301 &
gw=$!
wait_for "sleep running" running 'sleep 31301'
kill -TERM "$gw"
wait "$gw"
is "SIGTERM without a trap: gw exits 143" $? 143

# The client dies: everything in the sandbox, even a process that made
# itself a new session, is gone within a second.
"${GW_EXEC[@]}" sh -c 'setsid sleep 31303 & sleep 31302' &
gw=$!
wait_for "sandbox running" running 'sleep 31303'
ok "sandboxed processes run" running 'sleep 31302'
kill -KILL "$gw"
wait "$gw" 2>/dev/null
sleep 1
ok "client SIGKILL: sandboxed sleep gone within 1 s" no_process 'sleep 31302'
ok "client SIGKILL: its detached child gone too" no_process 'sleep 31303'

# gwctl kill: gw reports SIGKILL as 137.
"${GW_EXEC[@]}" sleep 31304 &
gw=$!
wait_for "sleep running" running 'sleep 31304'
id=$("$GWCTL" -S "$SOCK" list --json | "$PYTHON" -c '
import json, sys
print([s["id"] for s in json.load(sys.stdin) if s["command"] == "sleep 31304"][0])')
"$GWCTL" -S "$SOCK" kill "$id"
is "gwctl kill succeeds" $? 0
wait "$gw"
is "gw of a killed sandbox exits 137" $? 137
ok "gwctl kill: process gone" no_process 'sleep 31304'
"$GWCTL" -S "$SOCK" kill "$id" 2>"$T/err"
is "killing it again fails" $? 1
contains "says no such sandbox" "$(cat "$T/err")" "no sandbox with id $id"

# Daemon shutdown kills every sandbox first.
"${GW_EXEC[@]}" sleep 31305 &
gw1=$!
"${GW_EXEC[@]}" sh -c 'sleep 31306 & wait' &
gw2=$!
wait_for "both running" running 'sleep 31306'
wait_for "both running" running 'sleep 31305'
stop_daemon
ok "daemon SIGTERM: first sandbox gone" no_process 'sleep 31305'
ok "daemon SIGTERM: second sandbox gone" no_process 'sleep 31306'
wait "$gw1"
is "gw sees its sandbox killed (137)" $? 137
wait "$gw2"
is "the other gw too" $? 137
ok "daemon removed its socket" test ! -e "$SOCK"

done_testing
