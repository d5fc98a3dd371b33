#!/bin/bash
# The netstack helper, gw-netstack, as seen from the host: its own
# program, with an empty root, no capabilities, no copy of greywalld's
# memory (a restarted helper holds no other sandbox's command line), and
# killing it gives no sandbox any network.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 14

wait_for "the helper" daemon_child gw-netstack >/dev/null
helper=$(daemon_child gw-netstack)
ok "greywalld started gw-netstack" test -n "$helper"
is "it is the installed program, not a fork of greywalld" \
    "$(readlink "/proc/$helper/exe")" "$(readlink -f "$NETSTACK")"
# It is root until it has confined itself: give it the time (ASan).
as_netstack_user() { [ "$(stat -c %U "/proc/$helper")" = _greywall ]; }
wait_for "the helper to drop root" as_netstack_user
is "it runs as the netstack user" "$(stat -c %U "/proc/$helper")" _greywall

# Its root is an empty directory of its own mount namespace.
is "its root is empty" "$(ls -A "/proc/$helper/root/" 2>&1)" ""
ok "its mount namespace is not the host's" test \
    "$(readlink "/proc/$helper/ns/mnt")" != "$(readlink /proc/self/ns/mnt)"
is "its only mount is the root" \
    "$(wc -l <"/proc/$helper/mountinfo" | tr -d ' ')" 1
for c in CapEff CapPrm CapBnd CapAmb; do
	is "$c is empty" "$(sed -n "s/^$c:[[:space:]]*//p" \
	    "/proc/$helper/status")" 0000000000000000
done
is "no_new_privs" "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' \
    "/proc/$helper/status")" 1

# A sandbox with a secret on its command line, then a restarted helper.
secret="gw-secret-$$-$RANDOM$RANDOM"
"${GW_EXEC[@]}" sh -c 'sleep 60; : "$1"' sh "$secret" </dev/null &
gw=$!
wait_for "the sandbox" running "sleep 60"
"$PYTHON" "$GW_SRCDIR/tests/helpers/scan-mem.py" "$daemon_pid" "$secret"
is "greywalld's memory holds the secret (the scan works)" $? 0
kill -KILL "$helper"
wait_for "a new helper" sh -c "pgrep -P $daemon_pid -x gw-netstack |
    grep -qvx $helper"
new=$(daemon_child gw-netstack)
ok "greywalld restarted the helper" test -n "$new" -a "$new" != "$helper"
"$PYTHON" "$GW_SRCDIR/tests/helpers/scan-mem.py" "$new" "$secret"
is "the restarted helper's memory does not hold it" $? 1
kill "$gw" 2>/dev/null
wait "$gw" 2>/dev/null

done_testing
