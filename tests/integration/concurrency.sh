#!/bin/bash
# Many sandboxes at once: 4 users each start 12 sandboxes concurrently under
# a per-user limit of 5. Every start either runs or gets the limit's error;
# gwctl list answers meanwhile. A client stalled in the middle of its
# request and a stopped sandbox hold up nobody. (No timing is asserted:
# bench/startup measures latencies.)
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
command -v strace >/dev/null || bail "strace missing (.ci/install-deps)"

USERS="$TEST_USER ${TEST_USER}c1 ${TEST_USER}c2 ${TEST_USER}c3"
for u in ${TEST_USER}c1 ${TEST_USER}c2 ${TEST_USER}c3; do
	getent passwd "$u" >/dev/null ||
	    useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
	    bail "useradd $u"
done
# One cwd per user: not world-writable, not a home directory.
for u in $USERS; do
	mkdir -m 755 "$T/cwd-$u"
	chown "$u:" "$T/cwd-$u"
done
start_daemon --max-sandboxes 5 --max-connections 20

plan 12

# run_as USER CMD...: gw exec in that user's cwd, with a clean environment.
run_as() {
	local u=$1; shift
	setpriv --reuid="$u" --regid="$u" --init-groups env -i -C "$T/cwd-$u" \
	    PATH=/usr/local/bin:/usr/bin:/bin GREYWALL_SOCKET="$SOCK" \
	    "$GW" exec "$@"
}

# 48 concurrent starts; each leaves "USER RC first-line-of-stderr".
jobs_=
for u in $USERS; do
	for i in $(seq 12); do
		( err=$(run_as "$u" sh -c 'sleep 0.3' 2>&1 >/dev/null)
		  echo "$u $? ${err%%$'\n'*}" >"$T/res-$u-$i" ) &
		jobs_="$jobs_ $!"
	done
done
lists_ok=0
lists=0
while [ "$(ls "$T" | grep -c '^res-')" -lt 48 ] && [ $lists -lt 200 ]; do
	lists=$((lists + 1))
	"$GWCTL" -S "$SOCK" list >/dev/null && lists_ok=$((lists_ok + 1))
done
# shellcheck disable=SC2086
wait $jobs_
is "gwctl list answered every time during the load" "$lists_ok" "$lists"
ok "it was asked at least once" test "$lists" -gt 0
bad=$(cat "$T"/res-* | awk '$2 != 0 && !($2 == 125 && /limit reached/)')
is "every start ran or got the per-user limit's error" "$bad" ""
for u in $USERS; do
	n=$(cat "$T"/res-"$u"-* | awk '$2 == 0' | wc -l)
	ok "$u: at least 5 (its limit) of 12 ran (ran $n)" test "$n" -ge 5
done
refused=$(cat "$T"/res-* | awk '$2 == 125' | head -n1)
if [ -n "$refused" ]; then
	contains "the refusal names the limit" "$refused" \
	    "the most greywalld --max-sandboxes allows"
else
	ok "no start was refused (all were quick enough)" true
fi

# A client stalled halfway through its request (gw sends it 64 messages
# per sendmmsg: with 80 arguments, strace holds the second call for 60 s)
# and a stopped sandbox: another user's start goes on.
c1=$(id -u ${TEST_USER}c1)
n0=$(grep -c "connection from uid $c1 " "$T/daemon.log")
setpriv --reuid=${TEST_USER}c1 --regid=${TEST_USER}c1 --init-groups env -i \
    -C "$T/cwd-${TEST_USER}c1" PATH=/usr/bin:/bin GREYWALL_SOCKET="$SOCK" \
    strace -f -o /dev/null -e trace=sendmmsg \
    -e inject=sendmmsg:delay_enter=60000000:when=2 \
    "$GW" exec -- true $(seq 80) >/dev/null 2>&1 &
stalled=$!
wait_for "the stalled client connected" \
    sh -c "[ \$(grep -c 'connection from uid $c1 ' '$T/daemon.log') -gt $n0 ]"
run_as ${TEST_USER}c2 sleep 31411 &
held=$!
wait_for "sleep 31411 running" running 'sleep 31411'
init=$(pgrep -f '^sleep 31411' | head -n1)
init=$(ps -o ppid= -p "$init" | tr -d ' ')
kill -STOP "$init"
out=$(setpriv --reuid=${TEST_USER}c3 --regid=${TEST_USER}c3 --init-groups env -i \
    -C "$T/cwd-${TEST_USER}c3" PATH=/usr/bin:/bin GREYWALL_SOCKET="$SOCK" \
    timeout 60 "$GW" exec echo not-held 2>&1)
is "a start goes on past a stalled request and a stopped sandbox" \
    "$out" "not-held"
"$GWCTL" -S "$SOCK" list >"$T/list"
is "gwctl list answers too" $? 0
contains "and lists the stopped sandbox" "$(cat "$T/list")" "sleep 31411"
kill -CONT "$init"
kill -KILL $(pgrep -P "$stalled") 2>/dev/null
kill "$held" 2>/dev/null
wait "$held" "$stalled" 2>/dev/null
ok "the stalled client's request started nothing" \
    sh -c "! grep -Eq 'uid $(id -u ${TEST_USER}c1).*: true( |\$)' '$T/daemon.log'"

stop_daemon
done_testing
