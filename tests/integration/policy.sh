#!/bin/bash
# Policy files: errors stop the start with FILE:LINE:COLUMN, bad files and
# directories are refused, reloads keep the last good policy, users get
# their own policies, and client overlays can only narrow. Each effect is
# checked on the host.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 43

# --- start-up and greywalld -n --------------------------------------------
cat >"$POLICY/10-typo.yaml" <<'Y'
default: true
filesystem:
  cwd: rw
  deny_reed: ["~/.ssh"]
Y
err=$("$GREYWALLD" -f -s "$SOCK" -P "$POLICY" --netstack "$NETSTACK" 2>&1)
is "a typo'd key stops greywalld from starting" $? 1
contains "with FILE:LINE:COLUMN naming the key" "$err" \
    "$POLICY/10-typo.yaml:4:3: unknown key 'filesystem.deny_reed'"
ok "and no socket was left" test ! -e "$SOCK"
err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
is "greywalld -n fails on it too" $? 1
contains "with the same error" "$err" "10-typo.yaml:4:3:"
rm "$POLICY/10-typo.yaml"
out=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
is "greywalld -n passes a good directory" $? 0

printf 'default: true\n' >"$POLICY/20-gw.yaml"
chmod 664 "$POLICY/20-gw.yaml"
err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
is "a group-writable file is refused" $? 1
contains "saying why" "$err" "20-gw.yaml: refusing it: writable by its group"
chmod 644 "$POLICY/20-gw.yaml"
chown "$TEST_USER" "$POLICY/20-gw.yaml"
err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
contains "a file owned by a user is refused" "$err" "not root"
rm "$POLICY/20-gw.yaml"
chmod 775 "$POLICY"
err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
contains "a group-writable directory is refused" "$err" \
    "$POLICY: refusing it: writable by its group"
chmod 755 "$POLICY"
ln -s /etc/passwd "$POLICY/30-link.yaml"
err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
contains "a symlink is not followed" "$err" "symlinks are not followed"
rm "$POLICY/30-link.yaml"

# --- per-user policies -----------------------------------------------------
cat >"$POLICY/10-gwtest.yaml" <<Y
users: [$TEST_USER]
filesystem:
  cwd: ro
env:
  strip: ["AWS_*"]
Y
cat >"$POLICY/20-group.yaml" <<Y
groups: [$TEST_GROUP]
command:
  deny: ["git push"]
Y
start_daemon

WORK2=$(mktemp -d "$TEST_HOME2/work.XXXXXX")
chown "$TEST_USER2" "$WORK2"
gw2() {
	setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
	    env -i -C "$WORK2" PATH=/usr/bin:/bin HOME="$TEST_HOME2" \
	    GREYWALL_SOCKET="$SOCK" "$GW" "$@"
}

gw_exec sh -c 'echo x > ro-test' 2>/dev/null
ok "cwd: ro for $TEST_USER: the write fails" test $? -ne 0
ok "and nothing reached the host" test ! -e "$WORK/ro-test"
gw2 exec sh -c 'echo x > rw-test'
is "the default cwd: rw for $TEST_USER2: the write works" \
    "$(cat "$WORK2/rw-test")" x
out=$(cd "$WORK" && as_user env AWS_SECRET_ACCESS_KEY=s KEEP=k "$GW" exec \
    sh -c 'echo "${AWS_SECRET_ACCESS_KEY-stripped} $KEEP"')
is "env.strip drops AWS_* for $TEST_USER" "$out" "stripped k"
out=$(gw2 exec env AWS_X=1 sh -c 'echo "${AWS_X-stripped}"')
is "but not for $TEST_USER2" "$out" 1

mine=$(cd "$WORK" && as_user "$GW" policy)
contains "gw policy shows the user's own cwd: ro" "$mine" \
    "cwd: ro  # $POLICY/10-gwtest.yaml:3"
printf 'default: true\nfilesystem:\n  deny_read: ["~/.ssh"]\n' \
    >"$POLICY/05-all.yaml"
"$GWCTL" -S "$SOCK" reload
mine=$(cd "$WORK" && as_user "$GW" policy)
contains "~ is the user's home from the password database" "$mine" \
    "- \"~/.ssh\"  # $TEST_HOME/.ssh  # $POLICY/05-all.yaml:3"
out=$(cd "$WORK" && as_user env HOME=/elsewhere "$GW" policy)
is "whatever the client's HOME says" "$out" "$mine"
contains "with the group file's entry and its source" "$mine" \
    "- \"git push\"  # $POLICY/20-group.yaml:3"
theirs=$(gw2 policy)
contains "the other user gets the built-in cwd: rw" "$theirs" \
    "cwd: rw  # (built-in)"
case $theirs in
*"git push"*) ok "and not the group's entries" false ;;
*) ok "and not the group's entries" true ;;
esac
out=$("$GWCTL" -S "$SOCK" policy "$TEST_USER")
is "gwctl policy USER works for root" "$out" "$mine"
is "and gwctl policy UID too (getent passwd)" \
    "$("$GWCTL" -S "$SOCK" policy "$(id -u "$TEST_USER")")" "$mine"
err=$(as_user "$GWCTL" policy "$TEST_USER2" 2>&1)
contains "gwctl policy USER is refused for a non-admin" "$err" \
    "permission denied"

# --- reload ------------------------------------------------------------------
cp "$POLICY/10-gwtest.yaml" "$T/good.yaml"
printf 'users: [%s]\nfilesystem:\n  cwd: maybe\n' "$TEST_USER" \
    >"$POLICY/10-gwtest.yaml"
err=$("$GWCTL" -S "$SOCK" reload 2>&1)
is "gwctl reload of a broken policy fails" $? 1
contains "and says where" "$err" "10-gwtest.yaml:3:8:"
contains "and that the last good policy stays" "$err" \
    "keeping the last good one"
gw_exec sh -c 'echo x > ro-test2' 2>/dev/null
ok "the old policy still applies (cwd: ro)" test ! -e "$WORK/ro-test2"
kill -HUP "$daemon_pid"
wait_for "SIGHUP reload logged" grep -q 'policy not reloaded' "$T/daemon.log"
ok "SIGHUP with a broken policy is logged and ignored" kill -0 "$daemon_pid"
printf 'users: [%s]\nfilesystem:\n  cwd: rw\n' "$TEST_USER" \
    >"$POLICY/10-gwtest.yaml"
"$GWCTL" -S "$SOCK" reload
is "reload of the fixed policy succeeds" $? 0
gw_exec sh -c 'echo x > rw-now'
is "and the new policy applies (cwd: rw)" "$(cat "$WORK/rw-now")" x

# --- client overlays ---------------------------------------------------------
cat >"$WORK/widen.yaml" <<'Y'
filesystem:
  write: ["~/.bashrc"]
Y
err=$(gw_exec --policy "$WORK/widen.yaml" true 2>&1)
is "an overlay that widens is refused with 125" $? 125
contains "naming the entry and why" "$err" \
    "widen.yaml:2:11: 'filesystem.write' entry '~/.bashrc' would widen the policy (client_may.add_write is not granted)"
printf 'hardening:\n  landlock: best-effort\n' >"$WORK/weaker.yaml"
err=$(gw_exec --policy "$WORK/weaker.yaml" true 2>&1)
contains "a weaker scalar is refused" "$err" \
    "'hardening.landlock: best-effort' would widen the policy"
printf 'network:\n  upstream:\n    socks5: "127.0.0.1:1"\n' >"$WORK/admin.yaml"
err=$(gw_exec --policy "$WORK/admin.yaml" true 2>&1)
contains "an administrator-only key is refused" "$err" \
    "can only be set by the administrator"
printf 'filesystem:\n  cwd: ro\n' >"$WORK/narrow.yaml"
gw_exec --policy "$WORK/narrow.yaml" sh -c 'echo x > ov-test' 2>/dev/null
ok "a narrowing overlay applies (cwd: ro)" test ! -e "$WORK/ov-test"
gw_exec --ro sh -c 'echo x > ro-flag' 2>/dev/null
ok "gw exec --ro makes the cwd read-only" test ! -e "$WORK/ro-flag"
printf 'filesystem:\n  cwd: none\n' >"$WORK/none.yaml"
is "cwd: none: the command sees an empty directory" \
    "$(gw_exec --policy "$WORK/none.yaml" ls -A)" ""

# client_may.add_write lets the overlay add a write path.
printf 'users: [%s]\nclient_may:\n  add_write: true\n' "$TEST_USER" \
    >"$POLICY/10-gwtest.yaml"
"$GWCTL" -S "$SOCK" reload
gw_exec --policy "$WORK/widen.yaml" true
is "with client_may.add_write the same overlay is accepted" $? 0

gw_exec cat "$POLICY/10-gwtest.yaml" >/dev/null 2>&1
ok "the policy files cannot be read inside the sandbox" test $? -ne 0
ok "while it is not on the host" test -s "$POLICY/10-gwtest.yaml"

# A refusal against a built-in default says so.
err=$(gw_exec --policy "$WORK/weaker.yaml" true 2>&1)
contains "a refusal against a built-in default names it" "$err" \
    "(it is 'required', (built-in))"

done_testing
