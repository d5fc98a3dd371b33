#!/bin/bash
# The command guard on hostile input (issue 12): shell strings that used
# to write past its word array in greywalld, sent by an unprivileged user
# with gw exec -c, and their neighbours. Judged by the effect: greywalld
# stays up, another user's sandbox that was running finishes, a new one
# starts; a denied command hidden past the guard's limits is refused
# (125, "too complex"), never run.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs
CORPUS=$GW_SRCDIR/tests/fuzz/corpus-command
printf 'command: { deny: ["git push"] }\n' >>"$POLICY/00-test.yaml"
start_daemon

plan 19

WORK2=$(mktemp -d "$TEST_HOME2/work.XXXXXX") || bail "mktemp"
chown "$TEST_USER2" "$WORK2"
trap 'cleanup; rm -rf "$WORK2"' EXIT
gw_exec2() {
	setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
	    env -i -C "$WORK2" PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$TEST_HOME2" GREYWALL_SOCKET="$SOCK" "$GW" exec "$@"
}
alive() { kill -0 "$daemon_pid" 2>/dev/null && echo up || echo gone; }

# Another user's sandbox, running through all of it.
gw_exec2 sh -c 'sleep 4; echo finished >done' </dev/null >/dev/null 2>&1 &
other=$!
wait_for "the other user's sandbox" running "sleep 4"

# The fuzzer's input and its minimized form: nothing denied in them, so
# they are checked and run (as the garbage they are) in the sandbox.
for f in issue12-overflow issue12-overflow-min; do
	gw_exec -c "$(cat "$CORPUS/$f")" </dev/null >/dev/null 2>"$T/err"
	rc=$?
	ok "$f: gw got an answer, not the guard's refusal (exit $rc)" \
	    test "$rc" != 125
	is "$f: greywalld is still up" "$(alive)" up
done

# Past 256 words of every kind, then git push: found and blocked.
for f in quoted-300 backslash-300 env-tail-300; do
	rm -f "$WORK/ran"
	gw_exec -c "touch ran; $(cat "$CORPUS/$f")" </dev/null \
	    >/dev/null 2>"$T/err"
	rc=$?
	is "$f: blocked (125)" "$rc" 125
	contains "$f: as git push" "$(cat "$T/err")" \
	    "command blocked: 'git push' matches command.deny 'git push'"
done
is "and none of them ran" "$(ls "$WORK/ran" 2>/dev/null || echo absent)" \
    absent

# Past the guard's limits: refused as too complex, not run.
gw_exec -c "touch ran; $(cat "$CORPUS/nested-9")" </dev/null >/dev/null \
    2>"$T/err"
is "9 nested shells: refused (125)" "$?" 125
contains "with the reason" "$(cat "$T/err")" \
    "gw: command refused: too complex for the command.deny guard (shells nested more than 8 deep)"
words=$(printf -- '-u A %.0s' $(seq 9000))
gw_exec -c "touch ran; env $words git push" </dev/null >/dev/null 2>"$T/err"
is "18002 words in one command: refused (125)" "$?" 125
contains "with the reason" "$(cat "$T/err")" \
    "more than 16384 words in one command"
is "nothing ran" "$(ls "$WORK/ran" 2>/dev/null || echo absent)" absent

# Afterwards: the same daemon serves everyone.
wait $other
is "the other user's running sandbox finished" "$(cat "$WORK2/done")" \
    finished
is "the other user starts a new sandbox" \
    "$(gw_exec2 sh -c 'echo ran' </dev/null 2>&1)" ran
ok "greywalld never crashed" sh -c "kill -0 $daemon_pid &&
    ! grep -Eq 'smashing|AddressSanitizer|runtime error' '$T/daemon.log'"
done_testing
