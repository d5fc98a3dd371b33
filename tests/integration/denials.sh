#!/bin/bash
# Denials without kernel audit (the eBPF program, daemon/denials.c): a
# path the sandbox hides gets one event naming it as the user knows it,
# with the key that would allow it; a path the user cannot reach on the
# host gets none; a read-only write raised just before exit always
# arrives before the exit status; a flood is counted, not blocking.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 27

cat >"$POLICY/00-test.yaml" <<P
default: true
filesystem:
  deny_read: ["~/.ssh"]
P
start_daemon --audit off
require_denials_bpf

# A key in ~/.ssh (hidden by deny_read), a config file that is simply
# not in the sandbox's tree, and another user's file.
mkdir -p "$TEST_HOME/.ssh" "$TEST_HOME/.config/gwapp"
echo secret >"$TEST_HOME/.ssh/id_rsa"
echo 'x = 1' >"$TEST_HOME/.config/gwapp/config.toml"
chown -R "$TEST_USER" "$TEST_HOME/.ssh" "$TEST_HOME/.config"
chmod 700 "$TEST_HOME/.ssh"
echo other >"$TEST_HOME2/gwsecret-$$"
chmod 600 "$TEST_HOME2/gwsecret-$$"

# 1-4: ~/.ssh/id_rsa, once, with the rule that hides it.
gw_exec -m -- sh -c 'cat ~/.ssh/id_rsa; cat ~/.ssh/id_rsa; exit 0' \
    >/dev/null 2>"$T/ssh.err"
n=$(grep -c 'read ~/.ssh/id_rsa' "$T/ssh.err")
is "cat ~/.ssh/id_rsa twice: one event naming ~/.ssh/id_rsa" "$n" 1
contains "the event names the deny_read rule and its file" \
    "$(grep 'read ~/.ssh/id_rsa' "$T/ssh.err")" \
    "filesystem.deny_read in 00-test.yaml"
contains "the event names the process" \
    "$(grep 'read ~/.ssh/id_rsa' "$T/ssh.err")" "(cat, pid "
ok "the summary counts it" \
    eval '! grep -q " 0 violation events" "$T/ssh.err"'

# 5-6: a hidden config file: the key that would allow it.
gw_exec -m -- sh -c 'cat ~/.config/gwapp/config.toml; exit 0' \
    >/dev/null 2>"$T/cfg.err"
contains "a hidden config file is named as the user knows it" \
    "$(cat "$T/cfg.err")" "denied read ~/.config/gwapp/config.toml"
contains "the event says which key would allow it" \
    "$(grep 'denied.*config.toml' "$T/cfg.err")" \
    'filesystem.read: ["~/.config/gwapp/config.toml"]'

# 7-8: another user's file, and a path that exists nowhere: no event.
gw_exec -m -- sh -c "cat $TEST_HOME2/gwsecret-$$; ls $TEST_HOME2;
    cat /nonexistent-$$; exit 0" >/dev/null 2>"$T/other.err"
ok "another user's file is never named" \
    eval '! grep "^\[greywall\] denied" "$T/other.err" |
    grep -q "gwsecret"'
ok "a path missing on the host too is no event" \
    eval '! grep "^\[greywall\] denied" "$T/other.err" |
    grep -q "nonexistent"'

# 9: --json carries the same event.
gw_exec --json - -- sh -c 'cat ~/.ssh/id_rsa; exit 0' >"$T/json.err" 2>&1
contains "--json names ~/.ssh/id_rsa" "$(cat "$T/json.err")" \
    '"target": "~/.ssh/id_rsa"'

# 10: no lost events: 200 runs of a refused write, 200 events.
got=0
for i in $(seq 200); do
	gw_exec -m -- sh -c 'echo x > /usr/f' >/dev/null 2>"$T/ro.err"
	# (sh's own message shares the line when both write at once)
	grep -q '\[greywall\] denied create /usr/f ' "$T/ro.err" &&
	    got=$((got + 1))
done
is "echo x > /usr/f 200 times: 200 events delivered" "$got" 200
contains "the read-only create names the key that would allow it" \
    "$(cat "$T/ro.err")" 'filesystem.write: ["/usr"]'

# 12-13: a burst of 500 distinct hidden reads: each checked on the
# host, none dropped (the checks wait in greywalld, not in the helper's
# socket, which holds a few).
mkdir -p "$TEST_HOME/.gwburst"
for i in $(seq 500); do : >"$TEST_HOME/.gwburst/f$i"; done
chown -R "$TEST_USER" "$TEST_HOME/.gwburst"
cat >"$WORK/burst.py" <<'PY'
import os
for i in range(1, 501):
    try:
        open(os.path.expanduser("~/.gwburst/f%d" % i))
    except OSError:
        pass
PY
gw_exec -m -- "$PYTHON" burst.py >/dev/null 2>"$T/burst.err"
is "500 hidden reads at once: 500 events" \
    "$(grep -c 'denied read ~/.gwburst/f' "$T/burst.err")" 500
contains "none dropped" "$(cat "$T/burst.err")" \
    "500 violation events (0 dropped)"
rm -rf "$TEST_HOME/.gwburst"

# 14-16: a flood of distinct denials is rate-limited and counted; the
# sandbox is not slowed down past its own work, greywalld stays up.
cat >"$WORK/flood.py" <<'PY'
import os
for i in range(100000):
    try:
        os.open("/usr/flood-%d" % i, os.O_WRONLY | os.O_CREAT)
    except OSError:
        pass
print("flood done")
PY
start=$(date +%s)
out=$(timeout 120 "${GW_EXEC[@]}" -m -- "$PYTHON" flood.py 2>"$T/flood.err")
is "the sandbox finished its 100000 denials" "$out" "flood done"
dropped=$(sed -n 's/.* violation events* (\([0-9]*\) dropped).*/\1/p' \
    "$T/flood.err")
ok "the drops are counted (${dropped:-none})" [ "${dropped:-0}" -gt 0 ]
ok "greywalld answers after the flood" eval \
    '"$GWCTL" -S "$SOCK" list >/dev/null'
diag "flood took $(($(date +%s) - start)) s"

# 15: gwctl status says where events come from.
contains "gwctl status reports the eBPF source" \
    "$("$GWCTL" -S "$SOCK" status 2>&1)" "eBPF"

# 16-21: --learn: a command that stops at its first denial reaches a
# working policy in three runs, each adding to the last; applied with
# --policy it runs with no event, and its output reached the host.
"$GWCTL" -S "$SOCK" reload >/dev/null 2>&1
cat >"$POLICY/00-test.yaml" <<P
default: true
filesystem:
  deny_read: ["~/.ssh"]
client_may: { add_read: true, add_write: true }
P
"$GWCTL" -S "$SOCK" reload >/dev/null || bail "gwctl reload"
mkdir -p "$TEST_HOME/.cache"
chown "$TEST_USER" "$TEST_HOME/.cache"
rm -rf "$TEST_HOME/.cache/gwapp"
cat >"$WORK/app.sh" <<'S'
set -e
cat ~/.config/gwapp/config.toml >/dev/null
cat ~/.ssh/id_rsa >/dev/null 2>&1 || true
mkdir -p ~/.cache/gwapp
echo learned >~/.cache/gwapp/out
S
gw_exec --learn --learn-out "$WORK/l1.yaml" -- sh app.sh >/dev/null 2>&1
gw_exec --learn --policy "$WORK/l1.yaml" --learn-out "$WORK/l2.yaml" \
    -- sh app.sh >/dev/null 2>&1
gw_exec --learn --policy "$WORK/l2.yaml" --learn-out "$WORK/l3.yaml" \
    -- sh app.sh >/dev/null 2>"$T/l3.err"
entries=$(grep '^ *- "' "$WORK/l3.yaml" | sed 's/^ *- "\([^"]*\)".*/\1/' |
    tr '\n' ' ')
is "the learned policy is minimal" "$entries" "~/.config/gwapp ~/.cache "
ok "never the deny_read path" eval '! grep -q "^ *- .*ssh" "$WORK/l3.yaml"'
contains "the deny_read denial is left to the administrator" \
    "$(cat "$WORK/l3.yaml")" "#   cat: read ~/.ssh/id_rsa, by filesystem.deny_read"
rm -rf "$TEST_HOME/.cache/gwapp"
gw_exec -m --policy "$WORK/l3.yaml" -- sh app.sh >/dev/null 2>"$T/apply.err"
is "applied, the command succeeds" "$?" 0
is "and its output is on the host" "$(cat "$TEST_HOME/.cache/gwapp/out" \
    2>/dev/null)" learned
contains "the administrator's file selects the user" \
    "$(cat "$WORK/l3.policy.d.yaml")" "users: [$TEST_USER]"

# 22: the journal has the hidden-path event, with its explanation; from
# a journald the test starts if none runs (tests/lib/libtest.sh).
journal_start
gw_exec -m -- sh -c 'cat ~/.ssh/id_rsa; exit 0' >/dev/null 2>&1
wait_for "the journal record" sh -c 'nsenter -t "$0" -m journalctl -o cat \
    GREYWALL_TARGET="~/.ssh/id_rsa" 2>/dev/null | grep -q .' "$jreader"
contains "the journal has the ~/.ssh/id_rsa event and its rule" \
    "$(jctl -o cat GREYWALL_TARGET="~/.ssh/id_rsa" | head -n 1)" \
    "denied read ~/.ssh/id_rsa (cat, pid "

# 25-27: the sys_exit program slows every system call of the host: it is
# attached only while a sandbox runs (greywalld's link fd, in its
# fdinfo), and detached 2 s after the last one ends.
exit_links() {
	grep -l 'link_type:.*raw_tracepoint' /proc/"$daemon_pid"/fdinfo/* \
	    2>/dev/null | wc -l
}
ok "idle, the program is not attached" \
    wait_for "no link" eval '[ "$(exit_links)" = 0 ]'
gw_exec -- sleep 3.21 >/dev/null 2>&1 &
held=$!
wait_for "sleep 3.21 running" running 'sleep 3.21'
is "while a sandbox runs, it is" "$(exit_links)" 1
wait "$held"
ok "and 2 s after the last one ended, it is not" \
    wait_for "no link" eval '[ "$(exit_links)" = 0 ]'

done_testing
