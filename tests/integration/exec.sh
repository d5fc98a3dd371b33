#!/bin/bash
# gw exec end to end: exit codes, argv, stdio, cwd, identity, capabilities,
# environment, filesystem view and network, checked by their effect.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 54

gw_exec true
is "exit status 0" $? 0
gw_exec sh -c 'exit 3'
is "exit status 3" $? 3
err=$(gw_exec greywall-no-such-command 2>&1)
is "command not found exits 127" $? 127
contains "not found names the command" "$err" "greywall-no-such-command"
printf 'echo hi\n' >"$WORK/script.sh"
chmod 644 "$WORK/script.sh"
gw_exec ./script.sh 2>/dev/null
is "non-executable file exits 126" $? 126
gw_exec /etc 2>/dev/null
is "a directory exits 126" $? 126
gw_exec sh -c 'kill -9 $$'
is "killed by SIGKILL exits 137" $? 137
gw_exec sh -c 'kill -TERM $$'
is "killed by SIGTERM exits 143" $? 143

out=$(gw_exec printf '[%s]\n' 'a b' '"q"' '' "it's" '  x  ' '$HOME' '*')
is "argv kept exactly, no shell re-joining" "$out" \
"[a b]
[\"q\"]
[]
[it's]
[  x  ]
[\$HOME]
[*]"
out=$(cd "$WORK" && as_user "$GW" exec -c 'echo $((20 + 22))')
is "gw exec -c runs /bin/sh -c" "$out" 42

out=$(echo 'through stdin' | gw_exec cat)
is "stdin is piped through" "$out" "through stdin"
want=$(head -c 3000000 /dev/urandom | tee "$T/big" | sha256sum)
got=$(gw_exec sha256sum <"$T/big")
is "3 MB through stdin and stdout intact" "$got" "$want"
gw_exec sh -c 'echo to-stderr >&2' 2>"$T/err" >/dev/null
is "stderr is the client's" "$(cat "$T/err")" "to-stderr"

is "cwd is the client's" "$(gw_exec pwd)" "$WORK"
mkdir -p "$WORK/sub dir"
chown "$TEST_USER" "$WORK/sub dir"
out=$(cd "$WORK/sub dir" && as_user "$GW" exec pwd)
is "cwd with a space" "$out" "$WORK/sub dir"

is "uid is the peer's" "$(gw_exec id -u)" "$TEST_UID"
is "gid is the peer's" "$(gw_exec id -g)" "$(id -g "$TEST_USER")"
is "supplementary groups are the peer's" "$(gw_exec id -G)" \
    "$(id -G "$TEST_USER")"
caps=$(gw_exec grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' \
    /proc/self/status | tr -s '\t' ' ')
is "no capabilities, no_new_privs" "$caps" \
"CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 0000000000000000
CapAmb: 0000000000000000
NoNewPrivs: 1"
# A root peer keeps its capabilities through setresuid: init clears them,
# its own (pid 1, the supervisor) as well as the command's.
mkdir -p "$T/rootwork"
caps=$(cd "$T/rootwork" && GREYWALL_SOCKET="$SOCK" "$GW" exec sh -c \
    'grep -hE "^(Uid|Cap...|NoNewPrivs):" /proc/1/status /proc/self/status' |
    tr -s '\t' ' ' | sort -u)
is "a root peer: uid 0, no capabilities, no_new_privs, in init too" "$caps" \
"CapAmb: 0000000000000000
CapBnd: 0000000000000000
CapEff: 0000000000000000
CapInh: 0000000000000000
CapPrm: 0000000000000000
NoNewPrivs: 1
Uid: 0 0 0 0"

# (ASAN_OPTIONS: an ASan-built gw would refuse to start under LD_PRELOAD.)
out=$(cd "$WORK" && as_user env LD_PRELOAD=libc.so.6 LD_LIBRARY_PATH=/x \
    ASAN_OPTIONS=verify_asan_link_order=0 \
    BASH_ENV=/x "$GW" exec sh -c \
    'echo "${LD_PRELOAD-unset} ${LD_LIBRARY_PATH-unset} ${BASH_ENV-unset}"')
is "LD_PRELOAD, LD_LIBRARY_PATH and BASH_ENV stripped" "$out" \
    "unset unset unset"
out=$(cd "$WORK" && as_user env KEEP_ME='a b' "$GW" exec sh -c \
    'echo "$KEEP_ME $GREYWALL_SANDBOX $TMPDIR"')
is "env passed, GREYWALL_SANDBOX=1 and TMPDIR added" "$out" "a b 1 /tmp"

gw_exec sh -c 'echo written > out.txt'
is "write to the cwd reaches the host" "$(cat "$WORK/out.txt")" "written"
is "file in the cwd belongs to the user" "$(stat -c %U "$WORK/out.txt")" \
    "$TEST_USER"
rm -f "$TEST_HOME/gw-escape"
gw_exec sh -c "echo x > '$TEST_HOME/gw-escape'" 2>/dev/null
ok "write outside the cwd fails" test $? -ne 0
ok "nothing written outside the cwd" test ! -e "$TEST_HOME/gw-escape"

marker=gw-private-$$
gw_exec sh -c "echo x > /tmp/$marker && test -s /tmp/$marker"
is "sandbox can write its /tmp" $? 0
ok "sandbox /tmp file absent on the host" test ! -e "/tmp/$marker"
touch "/tmp/host-$marker"
gw_exec test -e "/tmp/host-$marker"
ok "host /tmp file invisible in the sandbox" test $? -ne 0
rm -f "/tmp/host-$marker"
is "/run is empty" "$(gw_exec ls -A /run)" ""
is "own pid namespace: the command is pid 2" "$(gw_exec sh -c 'echo $$')" 2
is "hostname is greywall" "$(gw_exec cat /proc/sys/kernel/hostname)" \
    greywall

# No network: a host listener on 127.0.0.1 must see no connection from
# the sandbox, while a host connection proves it is listening.
"$PYTHON" - "$T" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + "/port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + "/port.tmp", sys.argv[1] + "/port")
s.settimeout(10)
n = 0
try:
    while True:
        c, _ = s.accept()
        n += 1
        c.close()
        if c and n and os.path.exists(sys.argv[1] + "/stop"):
            break
except socket.timeout:
    pass
open(sys.argv[1] + "/count", "w").write(str(n))
PY
listener=$!
wait_for "listener" test -s "$T/port"
port=$(cat "$T/port")
gw_exec bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
ok "connect to a host listener fails in the sandbox" test $? -ne 0
gw_exec sh -c 'ls /sys/class/net' >"$T/ifaces"
is "loopback and the TUN device in the network namespace" \
    "$(tr '\n' ' ' <"$T/ifaces")" "gw0 lo "
touch "$T/stop"
bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
wait "$listener"
is "listener saw only the host's own connection" "$(cat "$T/count")" 1

err=$(cd / && as_user "$GW" exec true 2>&1)
is "cwd / is refused with 125" $? 125
contains "refusal names /" "$err" "'/'"
err=$(cd "$TEST_HOME" && as_user "$GW" exec true 2>&1)
is "cwd = home is refused with 125" $? 125
contains "refusal names the home" "$err" "home directory '$TEST_HOME'"
err=$(cd /tmp && as_user "$GW" exec true 2>&1)
is "cwd = /tmp (world-writable) is refused with 125" $? 125
contains "refusal names /tmp" "$err" "world-writable directory '/tmp'"

err=$(cd "$WORK" && setpriv --reuid="$TEST_USER" --regid="$TEST_USER" \
    --init-groups env -i PATH=/usr/bin:/bin GREYWALL_SOCKET="$T/nothing" \
    "$GW" exec true 2>&1)
is "daemon not running exits 125" $? 125
contains "says how to start greywalld" "$err" "greywalld is not running"

out=$("$GW" --version)
is "gw --version" "$out" "gw $("$GREYWALLD" --version | cut -d' ' -f2-)"
"$GW" --help | grep -q 'usage: gw'
is "gw --help exits 0 with usage" $? 0
"$GW" frobnicate 2>/dev/null
is "an unknown gw command exits 2" $? 2

# The daemon runs with only the unit's capabilities, as under systemd.
bnd=$(sed -n 's/^CapBnd:\t//p' "/proc/$daemon_pid/status")
ok "greywalld's bounding set is the unit's ($bnd)" \
    test "$bnd" != 000001ffffffffff

# Command lines are shown to admins with control characters neutralised.
"${GW_EXEC[@]}" sh -c 'sleep 31501' "$(printf 'x\033[2Jy\nz')" &
gw=$!
wait_for "sleep running" running 'sleep 31501'
out=$("$GWCTL" -S "$SOCK" list)
contains "escape and newline in a command line shown as ?" "$out" \
    "sleep 31501 x?[2Jy?z"
kill "$gw"
wait "$gw" 2>/dev/null

# The client's umask applies.
out=$(cd "$WORK" && as_user sh -c "umask 077; '$GW' exec sh -c 'umask'")
is "the client's umask is the command's" "$out" 0077

# gw exec -d: what the sandbox gets, before it starts.
printf 'users: [%s]\nenv: { strip: ["AWS_*"] }\nfilesystem: { deny_read: ["~/.ssh"] }\n' \
    "$TEST_USER" >"$POLICY/10-debug.yaml"
"$GWCTL" -S "$SOCK" reload >/dev/null
out=$(setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
    env -i -C "$WORK" PATH=/usr/bin:/bin HOME="$TEST_HOME" \
    GREYWALL_SOCKET="$SOCK" LD_FOO=1 AWS_SECRET=x KEEP=1 \
    "$GW" exec -d sh -c 'echo "cmd:${AWS_SECRET:-}:${KEEP:-}"' 2>&1 </dev/null)
contains "gw exec -d names the policy files" "$out" \
    "[greywall] debug: policy files: 10-debug.yaml"
contains "and each removed variable with the reason" "$out" \
    "LD_FOO (built-in), AWS_SECRET (env.strip 'AWS_*')"
contains "and the deny rules" "$out" "filesystem.deny_read: ~/.ssh"
contains "and the network path" "$out" "network: gw0 10.89.0."
contains "and the command ran with that environment" "$out" "cmd::1"
rm -f "$POLICY/10-debug.yaml"
"$GWCTL" -S "$SOCK" reload >/dev/null

done_testing
