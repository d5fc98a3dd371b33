#!/bin/bash
# gw why: for a path, a destination and an event id, whether the
# caller's policy allows it, the rule with its file and line, and the
# YAML that changes it; the YAML it prints for --policy, applied, makes
# the command work.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 31

cat >"$POLICY/00-test.yaml" <<P
default: true
network:
  domains: { allow: ["*.example.org", "pypi.org"], deny: ["evil.example.org"] }
  cidrs: { allow: ["10.0.0.0/8"] }
  host_loopback: { allow_ports: [8080] }
filesystem:
  cwd: rw
  read: ["~/.config/tool"]
  write: ["~/.cache/tool"]
  deny_read: ["~/.ssh"]
  mask: [".env"]
client_may: { add_read: true }
P
F=$POLICY/00-test.yaml
start_daemon --audit off

why() { as_user sh -c 'cd "$0" && exec "$@"' "$WORK" "$GW" why "$@"; }

mkdir -p "$TEST_HOME/.config/tool"
echo 'registry=x' >"$TEST_HOME/.npmrc"
trap 'rm -rf "$TEST_HOME/.npmrc" "$TEST_HOME/.config/tool"; cleanup' EXIT
chown -R "$TEST_USER" "$TEST_HOME/.config" "$TEST_HOME/.npmrc"

# 1-3: a read path: allowed, by its entry and line.
out=$(why '~/.config/tool/conf')
is "a read path: exit 0" "$?" 0
contains "it names the entry and file:line" "$out" \
    "read: allowed: filesystem.read '~/.config/tool' in $F:8"
contains "writing it is denied: read-only" "$out" \
    "write: denied: read-only: filesystem.read '~/.config/tool' in $F:8"

# 4-6: deny_read: denied, the admin's.
out=$(why '~/.ssh/id_rsa')
is "a deny_read path: exit 1" "$?" 1
contains "it names the deny_read entry and file:line" "$out" \
    "read: denied: hidden by filesystem.deny_read '~/.ssh' in $F:10"
contains "only the administrator can allow it" "$out" \
    "only the administrator can allow this: the entry '~/.ssh' of filesystem.deny_read in $F:10"

# 7-9: a path outside the tree, with client_may.add_read: the overlay.
out=$(why '~/.npmrc')
is "a hidden path: exit 1" "$?" 1
contains "it says it is not in the sandbox" "$out" \
    "read: denied: not in the sandbox"
contains "the overlay repeats the list and adds the path" "$out" \
    '    read: ["~/.config/tool", "~/.npmrc"]'
printf 'filesystem:\n%s\n' "$(printf '%s\n' "$out" | grep '^    read: ')" \
    >"$WORK/ov.yaml"
chown "$TEST_USER" "$WORK/ov.yaml"

# 10-12: the printed overlay, applied: allowed, and the command reads it.
out=$(why --policy "$WORK/ov.yaml" '~/.npmrc')
is "with the printed overlay gw why says allowed" "$?" 0
contains "by the overlay's entry" "$out" \
    "read: allowed: filesystem.read '~/.npmrc' in $WORK/ov.yaml:2"
out=$(gw_exec -m --policy "$WORK/ov.yaml" -- cat "$TEST_HOME/.npmrc" \
    2>"$T/ov.err")
is "and gw exec --policy with it reads the file" "$out" "registry=x"

# 13-14: a write where client_may.add_write is false: the admin's file.
out=$(why -w '~/.config/tool/conf')
is "-w on a read path: exit 1" "$?" 1
contains "a policy.d file for the administrator, selecting the user" \
    "$out" "  users: [$TEST_USER]
  filesystem:
    write: [\"~/.config/tool/conf\"]"

# 15-16: the working directory, and a masked name in it.
out=$(why -w ./build/out.o)
is "-w in the working directory: exit 0" "$?" 0
contains "by filesystem.cwd" "$out" "by filesystem.cwd: rw in $F:7"
out=$(why ./.env)
is "a masked name: exit 1" "$?" 1

# 18-19: a system directory.
out=$(why /usr/bin/env)
is "a system path: exit 0" "$?" 0
out=$(why -w /etc/passwd)
is "writing /etc: exit 1" "$?" 1

# 20-25: names and ports.
out=$(why pypi.org:443)
is "an allowed name: exit 0" "$?" 0
contains "by its domains.allow entry and line" "$out" \
    "network.domains.allow 'pypi.org' in $F:3"
out=$(why evil.example.org)
is "a denied name: exit 1" "$?" 1
contains "by its domains.deny entry and line" "$out" \
    "denied by network.domains.deny 'evil.example.org' in $F:3"
out=$(why example.com:443)
contains "a name no entry allows: the YAML for the administrator" "$out" \
    "    domains:
      allow: [\"example.com\"]"
out=$(why 10.1.2.3:22)
is "an address in cidrs.allow: exit 0" "$?" 0

# 26-27: the host's services by port.
out=$(why host.greywall.internal:8080)
is "a host port in allow_ports: exit 0" "$?" 0
out=$(why host.greywall.internal:9090)
contains "another port: the YAML naming it" "$out" "allow_ports: [9090]"

# 28-31: an event id printed by gw exec -m, explained; not to others.
# gwctl monitor gets the hidden path's event too.
"$GWCTL" -S "$SOCK" monitor >"$T/mon.txt" 2>&1 &
mon=$!
wait_for "the monitor" grep -q "follows the events" "$T/daemon.log"
gw_exec -m -- sh -c 'cat ~/.npmrc; exit 0' >/dev/null 2>"$T/ev.err"
wait_for "the monitor's line" grep -q 'denied read ~/.npmrc' "$T/mon.txt"
kill "$mon"; wait "$mon" 2>/dev/null
contains "gwctl monitor names the hidden path, its process and the hint" \
    "$(grep 'denied read ~/.npmrc' "$T/mon.txt")" \
    " uid $TEST_UID: denied read ~/.npmrc (cat, pid "
id=$(sed -n 's/.*denied read ~\/.npmrc .*\[gw why \([0-9.]*\)\]$/\1/p' \
    "$T/ev.err")
ok "gw exec -m prints the event's id" test -n "$id"
out=$(why "$id")
contains "gw why ID: the event, then the policy now" "$out" \
    "event $id: denied read ~/.npmrc"
out=$(setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups \
    env -i PATH=/usr/bin:/bin GREYWALL_SOCKET="$SOCK" "$GW" why "$id" 2>&1)
contains "another user cannot see it" "$out" "no event $id of yours"

done_testing
