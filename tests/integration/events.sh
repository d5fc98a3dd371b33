#!/bin/bash
# Violation events: each source produces the event with the right target
# and rule, gw exec -m prints it on stderr and --json as JSON lines (both
# checked line by line), gwctl monitor follows every sandbox (admins only),
# a flood of denials is counted and dropped without slowing greywalld, and
# the events reach the journal.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs

plan 26

base=$((20000 + $$ % 20000))
DEAD_PORT=$base			# nothing listens: the proxy is "down"

cat >"$POLICY/00-test.yaml" <<P
default: true
network:
  upstream: { socks5: "127.0.0.1:$DEAD_PORT" }
  domains:
    allow: ["*"]
    deny: ["*.evil.test", "bad.test"]
P
start_daemon

# The network probe the sandbox runs: one denial of each netstack kind.
cat >"$WORK/net.py" <<'PY'
import socket
for name in ("www.evil.test", "bad.test"):
    try:
        socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror:
        print("nxdomain", name)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"x", ("192.0.2.1", 9999))
for dst in (("192.0.2.1", 80), ("good.test", 443)):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(dst)
        print("connected", dst[0])
    except OSError as e:
        print("refused", dst[0])
PY
chown "$TEST_USER" "$WORK/net.py"

# --- gw exec -m and --json: the netstack's events ---------------------------
out=$(gw_exec -m --json "$WORK/ev.json" python3 net.py 2>"$T/err")
is "the probe ran to the end" "$?" 0
is "each denial failed in the sandbox" "$out" "nxdomain www.evil.test
nxdomain bad.test
refused 192.0.2.1
refused good.test"
is "gw -m prints one line per denial, then the count" "$(cat "$T/err")" \
"[greywall] denied resolve www.evil.test (python3) by network.domains.deny in 00-test.yaml: matches '*.evil.test'
[greywall] denied resolve bad.test (python3) by network.domains.deny in 00-test.yaml: matches 'bad.test'
[greywall] denied send 192.0.2.1:9999 (python3) by default: UDP other than DNS is not forwarded
[greywall] denied connect 192.0.2.1:80 (python3) by default: not in network.cidrs.allow
[greywall] denied connect good.test:443 (python3) by network.upstream.socks5 in 00-test.yaml: the SOCKS5 proxy is unreachable
[greywall] 5 violation events (0 dropped)"

# --json: one object per line, every field.
cat >"$T/checkjson.py" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "summary" in o:
        print("summary", o["summary"]["events"], o["summary"]["dropped"])
        continue
    assert o["time"].endswith("Z") and o["uid"] == int(sys.argv[2])
    print(o["seq"], o["sandbox"] > 0, o["comm"], o["kind"], o["action"],
          o["target"], o["rule"], o["file"] or "-", o["note"] or "-",
          sep="|")
PY
is "--json writes the same events as JSON lines" \
    "$("$PYTHON" "$T/checkjson.py" "$WORK/ev.json" "$TEST_UID")" \
"1|True|python3|dns|resolve|www.evil.test|network.domains.deny|00-test.yaml|matches '*.evil.test'
2|True|python3|dns|resolve|bad.test|network.domains.deny|00-test.yaml|matches 'bad.test'
3|True|python3|udp|send|192.0.2.1:9999|default|-|UDP other than DNS is not forwarded
4|True|python3|connect|connect|192.0.2.1:80|default|-|not in network.cidrs.allow
5|True|python3|upstream|connect|good.test:443|network.upstream.socks5|00-test.yaml|the SOCKS5 proxy is unreachable
summary 5 0"

# Without -m nothing is printed, and nothing else changes.
out=$(gw_exec python3 net.py 2>"$T/err")
is "without -m the command runs the same" "$?" 0
is "and gw prints no event" "$(cat "$T/err")" ""

# The administrator can keep events from the client.
cat >>"$POLICY/00-test.yaml" <<P
monitor: { stream_to_client: false }
P
"$GWCTL" -S "$SOCK" reload >/dev/null || bail "gwctl reload"
gw_exec -m python3 net.py >/dev/null 2>"$T/err"
is "stream_to_client: false: gw -m says so, and prints no event" \
    "$(cat "$T/err")" "gw: warning: no violation events: the policy says monitor.stream_to_client: false
[greywall] 0 violation events (0 dropped)"
sed -i '/^monitor:/d' "$POLICY/00-test.yaml"
"$GWCTL" -S "$SOCK" reload >/dev/null || bail "gwctl reload"

done_testing
