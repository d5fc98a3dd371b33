#!/bin/bash
# Lookups that fail below the system directories (a compiler's include
# search, node's module resolution) are the host's own answer: the
# denials program leaves them out in the kernel, counted, so they cost
# greywalld nothing. Not when the text could mean another place (".."),
# nor when a deny entry lies below a system directory: then a path there
# may be hidden, and its denial is reported.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 9

cat >"$POLICY/00-test.yaml" <<P
default: true
filesystem:
  deny_read: ["~/.ssh"]
P
start_daemon --audit off
require_denials_bpf
mkdir -p "$TEST_HOME/.ssh"
echo secret >"$TEST_HOME/.ssh/id_rsa"
chown -R "$TEST_USER" "$TEST_HOME/.ssh"
chmod 700 "$TEST_HOME/.ssh"

# counters: "READ SKIPPED" from gwctl status's denial records line.
counters() {
	"$GWCTL" -S "$SOCK" status | sed -n 's/^denial records *[a-z]* *\([0-9]*\) read.*, \([0-9]*\) left out.*/\1 \2/p'
}
lookups='i=0; while [ $i -lt 3000 ]; do [ -e /usr/lib/gw-none-$i ]; i=$((i+1)); done'

set -- $(counters)
r0=$1 s0=$2
gw_exec sh -c "$lookups"
set -- $(counters)
r1=$1 s1=$2
diag "records read $r0 -> $r1, left out $s0 -> $s1"
ok "3000 failed lookups below /usr are left out in the kernel" \
    test $((s1 - s0)) -ge 3000
ok "greywalld read few of them" test $((r1 - r0)) -lt 300

# A path that starts with /usr/ but goes elsewhere is still looked at,
# after more left-out lookups than the ring buffer holds records.
many='i=0; while [ $i -lt 20000 ]; do [ -e /usr/lib/gw-none-$i ]; i=$((i+1)); done'
out=$(gw_exec -m sh -c "$many; cat /usr/../$TEST_HOME/.ssh/id_rsa; exit 0" \
    2>&1)
contains "after 20000 left out, a /usr/.. path to a hidden file is reported" \
    "$out" "denied read ~/.ssh/id_rsa"

# Refused writes: the protect supervisor in init fails several calls
# for each (its own lookups, the open it makes for the caller). The
# kernel leaves init's out: one record per refused write, not five, so
# the rate limit counts the command's denials only.
set -- $(counters)
r0=$1
out=$(gw_exec -m sh -c 'i=0; while [ $i -lt 1000 ]; do
    true >/usr/gw-w-$i; i=$((i + 1)); done 2>/dev/null; exit 0' 2>&1)
set -- $(counters)
r1=$1
diag "records read for 1000 refused writes: $((r1 - r0))"
ok "about one record per refused write" test $((r1 - r0)) -lt 1200
contains "each reaches gw, none dropped" "$out" \
    "1000 violation events (0 dropped)"

# A deny entry below /usr: lookups there are reported, none left out.
HID=/usr/share/gw-hidden-$$
mkdir -p "$HID"
echo hidden >"$HID/f"
chmod -R a+rX "$HID"
trap 'rm -rf "$HID"; cleanup' EXIT
cat >"$POLICY/00-test.yaml" <<P
default: true
filesystem:
  deny_read: ["~/.ssh", "$HID"]
P
"$GWCTL" -S "$SOCK" reload >/dev/null
is "the host file is readable on the host" "$(cat "$HID/f")" hidden
out=$(gw_exec -m sh -c "cat $HID/f; exit 0" 2>&1)
contains "a file hidden below /usr is reported" "$out" "denied read $HID"
contains "naming its deny_read entry" "$out" "filesystem.deny_read"
set -- $(counters)
s2=$2
gw_exec sh -c "$lookups"
set -- $(counters)
s3=$2
is "with that entry nothing below the system directories is left out" \
    "$((s3 - s2))" 0

done_testing
