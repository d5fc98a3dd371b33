#!/bin/bash
# The policy validator and the merge rules (issue 18): greywalld -n, a
# start and a reload refuse the same things, each with FILE:LINE:COLUMN;
# ignored files and unknown accounts are warned about; a misspelt key gets
# a suggestion and a tab is named. A later file's replace: narrows a list
# for the peers it selects, checked by what a sandbox can write on the
# host, and gw policy --json shows where each value came from.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 41

# check NAME: greywalld -n on $POLICY; sets rc and err (stdout + stderr).
check() {
	err=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
	rc=$?
}

# --- refused by -n and by a start, at the value -----------------------------
cat >"$POLICY/10-up.yaml" <<'Y'
default: true
network:
  upstream: { socks5: "localhost:43052" }
Y
check
is "-n refuses an upstream given by name" $rc 1
contains "at its file, line and column, saying why" "$err" \
    "$POLICY/10-up.yaml:3:23: 'network.upstream.socks5': 'localhost:43052' is not a numeric address and port"
contains "and what to write instead" "$err" "as in '127.0.0.1:43052'"
out=$("$GREYWALLD" -f -s "$SOCK" -P "$POLICY" --netstack "$NETSTACK" 2>&1)
is "a start refuses it too" $? 1
contains "with the same message" "$out" "$POLICY/10-up.yaml:3:23:"
ok "and leaves no socket" test ! -e "$SOCK"
rm "$POLICY/10-up.yaml"

printf 'default: true\nnetwork:\n  dns:\n    mode: upstream\n' \
    >"$POLICY/10-dns.yaml"
check
is "-n refuses dns.mode: upstream without a server" $rc 1
contains "at dns.mode" "$err" \
    "$POLICY/10-dns.yaml:4:11: network.dns.mode is 'upstream' but network.dns.server is not set"
printf '    server: "127.0.0.1:53"\n' >>"$POLICY/10-dns.yaml"
check
is "with a numeric server it passes" $rc 0
rm "$POLICY/10-dns.yaml"

# Only for the users it names: a cache outside the user's home.
printf 'users: [%s]\ncaches:\n  paths: ["/var/cache/gw-%s"]\n' \
    "$TEST_USER" "$$" >"$POLICY/10-cache.yaml"
check
is "-n refuses a cache outside a named user's home" $rc 1
contains "naming the value and the user" "$err" \
    "10-cache.yaml:3:11: caches.paths entry '/var/cache/gw-$$' is not below the home directory $TEST_HOME (for user '$TEST_USER')"
rm "$POLICY/10-cache.yaml"

# --- messages an administrator can act on -----------------------------------
printf 'default: true\nfilesystem:\n  wirte: ["/tmp"]\n' >"$POLICY/10-typo.yaml"
check
is "a misspelt key is refused" $rc 1
contains "with a suggestion" "$err" \
    "10-typo.yaml:3:3: unknown key 'filesystem.wirte'; did you mean 'filesystem.write'?"
printf 'default: true\ndomains:\n  allow: ["x.example"]\n' \
    >"$POLICY/10-typo.yaml"
check
contains "a key at the wrong level gets its place" "$err" \
    "10-typo.yaml:2:1: unknown key 'domains'; did you mean 'network.domains'?"
printf 'default: true\nfilesystem:\n\tcwd: ro\n' >"$POLICY/10-typo.yaml"
check
is "a tab is refused" $rc 1
contains "and named as such, at its place" "$err" \
    "10-typo.yaml:3:1: a tab character: YAML indents with spaces only"
rm "$POLICY/10-typo.yaml"

# --- warnings: passed, but said --------------------------------------------
printf 'default: true\nfilesystem:\n  cwd: ro\n' >"$POLICY/50-site.yml"
printf 'users: [nosuchuser-gw, %s]\ngroups: [nosuchgroup-gw]\n' \
    "$TEST_USER" >"$POLICY/20-sel.yaml"
check
is "an ignored file and unknown accounts do not fail -n" $rc 0
contains "the .yml file is named" "$err" \
    "$POLICY/50-site.yml: warning: ignored: only *.yaml files are read; rename it to 50-site.yaml"
contains "an unknown user, at its place" "$err" \
    "$POLICY/20-sel.yaml:1:9: warning: no user 'nosuchuser-gw' on this system"
contains "an unknown group" "$err" \
    "$POLICY/20-sel.yaml:2:10: warning: no group 'nosuchgroup-gw' on this system"
case $err in
*"no user '$TEST_USER'"*) ok "a user that exists is not warned about" false ;;
*) ok "a user that exists is not warned about" true ;;
esac

# --- reload: the same loader -------------------------------------------------
SHARED=$(mktemp -d /var/tmp/gwtest-shared.XXXXXX) || bail "mktemp"
trap 'rm -rf "$SHARED"; cleanup' EXIT
mkdir "$SHARED/ci"
chmod 1777 "$SHARED" "$SHARED/ci"
printf 'default: true\nfilesystem:\n  write: ["%s"]\n' "$SHARED" \
    >"$POLICY/00-test.yaml"
rm "$POLICY/20-sel.yaml"
start_daemon
contains "the daemon logs the warning at start" "$(cat "$T/daemon.log")" \
    "50-site.yml: warning: ignored"

out=$("$GWCTL" -S "$SOCK" reload 2>&1)
is "gwctl reload with an ignored file succeeds" $? 0
contains "and prints the warning" "$out" \
    "gwctl: $POLICY/50-site.yml: warning: ignored"
out=$("$GWCTL" -S "$SOCK" reload --json 2>/dev/null)
is "gwctl reload --json lists it in warnings" "$("$PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["reloaded"], [w.rsplit("/", 1)[1] for w in d["warnings"]])' "$out")" \
    "True ['50-site.yml: warning: ignored: only *.yaml files are read; rename it to 50-site.yaml']"
rm "$POLICY/50-site.yml"

printf 'default: true\nnetwork:\n  upstream: { socks5: "localhost:1" }\n' \
    >"$POLICY/10-up.yaml"
out=$("$GWCTL" -S "$SOCK" reload 2>&1)
is "gwctl reload refuses what -n refuses" $? 1
contains "with the same place" "$out" "$POLICY/10-up.yaml:3:23:"
rm "$POLICY/10-up.yaml"
gw_exec sh -c 'echo x > still-runs'
is "and the last good policy still runs sandboxes" \
    "$(cat "$WORK/still-runs" 2>/dev/null)" x

# --- replace: narrowing a list for a group ------------------------------------
# Everyone may write to $SHARED; without replace:, a group file only adds.
printf 'groups: [%s]\nfilesystem:\n  write: ["%s/ci"]\n' "$TEST_GROUP" \
    "$SHARED" >"$POLICY/50-ci.yaml"
"$GWCTL" -S "$SOCK" reload || bail "reload"
gw_exec sh -c "echo u > $SHARED/union" 2>/dev/null
is "without replace: the group's list is a union (the broad path works)" \
    "$(cat "$SHARED/union" 2>/dev/null)" u

cat >"$POLICY/50-ci.yaml" <<Y
groups: [$TEST_GROUP]
replace: [filesystem.write]
filesystem:
  write: ["$SHARED/ci"]
Y
"$GWCTL" -S "$SOCK" reload || bail "reload"
gw_exec sh -c "echo n > $SHARED/narrowed" 2>/dev/null
ok "with replace: a member of the group cannot write the broad path" \
    test ! -e "$SHARED/narrowed"
gw_exec sh -c "echo c > $SHARED/ci/ok" 2>/dev/null
is "but can write the narrower one" "$(cat "$SHARED/ci/ok" 2>/dev/null)" c
WORK2=$(mktemp -d "$TEST_HOME2/work.XXXXXX")
chown "$TEST_USER2" "$WORK2"
trap 'rm -rf "$SHARED" "$WORK2"; cleanup' EXIT
setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
    env -i -C "$WORK2" PATH=/usr/bin:/bin HOME="$TEST_HOME2" GREYWALL_SOCKET="$SOCK" \
    "$GW" exec sh -c "echo b > $SHARED/broad" 2>/dev/null
is "a user outside the group keeps the broad list" \
    "$(cat "$SHARED/broad" 2>/dev/null)" b

mine=$(cd "$WORK" && as_user "$GW" policy)
contains "gw policy says where the list was replaced" "$mine" \
    "write:  # replaced at $POLICY/50-ci.yaml:2"
contains "and where its entry came from" "$mine" \
    "- \"$SHARED/ci\"  # $POLICY/50-ci.yaml:4"

# --- gw policy --json --------------------------------------------------------
cat >"$T/pol.py" <<'PY'
# Strict: valid UTF-8, JSON without NaN/Infinity, the documented shape.
import json, sys
def reject(c):
    raise ValueError("not JSON: " + c)
raw = sys.stdin.buffer.read()
d = json.loads(raw.decode("utf-8"), parse_constant=reject)
assert set(d) == {"user", "policy"}, d.keys()
for k, e in d["policy"].items():
    assert isinstance(e["enforced"], bool), k
    if "values" in e:
        assert set(e) == {"values", "replaced", "enforced"}, (k, e)
        for v in e["values"]:
            assert set(v["source"]) == {"file", "line", "column"}, k
    else:
        assert set(e) <= {"value", "source", "enforced", "expanded"}, k
w = d["policy"]["filesystem.write"]
print(d["user"], [(v["value"], v["source"]["file"].rsplit("/", 1)[1],
    v["source"]["line"], v["source"]["column"]) for v in w["values"]],
    w["replaced"] and (w["replaced"]["file"].rsplit("/", 1)[1],
    w["replaced"]["line"]))
print(d["policy"]["filesystem.cwd"]["value"],
    d["policy"]["filesystem.cwd"]["source"]["file"],
    d["policy"]["limits.memory"]["value"])
PY
out=$(cd "$WORK" && as_user "$GW" policy --json | "$PYTHON" "$T/pol.py" 2>&1)
is "gw policy --json: each value with file, line and column" "$out" \
    "$TEST_USER [('$SHARED/ci', '50-ci.yaml', 4, 11)] ('50-ci.yaml', 2)
rw (built-in) None"
out=$("$GWCTL" -S "$SOCK" policy "$TEST_USER2" --json |
    "$PYTHON" "$T/pol.py" 2>&1)
is "gwctl policy USER --json: another user's, not replaced" "$out" \
    "$TEST_USER2 [('$SHARED', '00-test.yaml', 3, 11)] None
rw (built-in) None"
out=$("$GREYWALLD" -n -P "$POLICY" -u "$TEST_USER" --json 2>/dev/null |
    "$PYTHON" "$T/pol.py" 2>&1)
is "greywalld -n -u USER --json: the same form" "$out" \
    "$TEST_USER [('$SHARED/ci', '50-ci.yaml', 4, 11)] ('50-ci.yaml', 2)
rw (built-in) None"

# replace: is the administrator's: an overlay cannot use it.
printf 'replace: [filesystem.write]\nfilesystem:\n  write: []\n' \
    >"$WORK/ov.yaml"
chown "$TEST_USER" "$WORK/ov.yaml"
err=$(gw_exec --policy "$WORK/ov.yaml" true 2>&1)
is "an overlay with replace: is refused" $? 125
contains "saying why" "$err" "ov.yaml:1:1: a client overlay cannot have 'replace'"

# A replace: naming a list the file does not set is refused.
printf 'groups: [%s]\nreplace: [filesystem.read]\n' "$TEST_GROUP" \
    >"$POLICY/60-r.yaml"
out=$("$GWCTL" -S "$SOCK" reload 2>&1)
is "replace: of a list the file does not set is refused" $? 1
contains "saying how to empty it on purpose" "$out" \
    "60-r.yaml:2:11: 'replace' names 'filesystem.read', which this file does not set: give its new entries here, or 'filesystem.read: []' to empty it"
rm "$POLICY/60-r.yaml"

done_testing
