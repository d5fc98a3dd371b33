#!/bin/bash
# gw exec -p PORT: a server in the sandbox is reachable from the host at
# 127.0.0.1:PORT, and only there, when network.inbound.allow_ports lists
# the port. greywalld binds the port before the sandbox starts, so a port
# refused or in use stops gw with an error and nothing runs; each host
# connection reaches the sandbox's own 127.0.0.1:PORT (greywalld connects
# in its network namespace, the netstack splices), so a server there sees
# it come from 127.0.0.1, as on the host, and may listen on loopback only.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v curl >/dev/null || skip_all "curl is not installed"
command -v ss >/dev/null || skip_all "ss is not installed"
ip link add gwtp$$ type veth peer name gwtq$$ 2>/dev/null &&
    ip link del gwtp$$ || skip_all "cannot make a veth network interface"
setup_user
setup_dirs

plan 43

base=$((20000 + ($$ * 7) % 10000))
P1=$base		# sandbox A's web server
P2=$((base + 1))	# sandbox B's; the upload check
P3=$((base + 2))	# not in allow_ports
P4=$((base + 3))	# in use on the host
P5=$((base + 4))	# in use on the host, on 0.0.0.0
VETH=gwti$$
VETH_ADDR=10.231.80.1

pids=
in_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip link del "${VETH}a" 2>/dev/null
	cleanup
}
trap in_cleanup EXIT

# Another address of this host, on an interface other than loopback.
ip link add "${VETH}a" type veth peer name "${VETH}b" &&
    ip addr add "$VETH_ADDR/32" dev "${VETH}a" &&
    ip link set "${VETH}a" up && ip link set "${VETH}b" up ||
    bail "cannot make the veth interface"

cat >"$POLICY/00-test.yaml" <<EOF
default: true
network:
  upstream: { socks5: "127.0.0.1:9" }
  inbound: { allow_ports: [$P1, $P2, $P4, $P5, 80] }
EOF
start_daemon

# Listening sockets on port $1, as "address:port" words.
listeners() { ss -ltnH "sport = :$1" | awk '{ print $4 }' | sort | xargs; }
free_port() { [ -z "$(listeners "$1")" ]; }
get() { curl -sS -m 5 "$@" 2>/dev/null; }

# --- two sandboxes, each serving its cwd ------------------------------------
mkdir -p "$WORK/a" "$WORK/b"
echo hello-from-sandbox-a >"$WORK/a/index.html"
echo hello-from-sandbox-b >"$WORK/b/index.html"
head -c 4194304 /dev/urandom >"$WORK/a/big.bin"
chown -R "$TEST_USER" "$WORK/a" "$WORK/b"

"${GW_EXEC[@]}" -m -p "$P1" -- /usr/bin/python3 -m http.server \
    --directory a "$P1" </dev/null >"$T/a.out" 2>"$T/a.err" &
a_pid=$!
pids="$pids $a_pid"
"${GW_EXEC[@]}" --publish "$P2" -- /usr/bin/python3 -m http.server \
    --directory b "$P2" </dev/null >"$T/b.out" 2>"$T/b.err" &
b_pid=$!
pids="$pids $b_pid"

ok "sandbox A's server answers on the host's 127.0.0.1:$P1" \
    wait_for "A" sh -c "curl -sf -m 2 http://127.0.0.1:$P1/ >/dev/null"
is "curl from the host gets sandbox A's file" \
    "$(get "http://127.0.0.1:$P1/index.html")" hello-from-sandbox-a
ok "sandbox B answers on 127.0.0.1:$P2" \
    wait_for "B" sh -c "curl -sf -m 2 http://127.0.0.1:$P2/ >/dev/null"
is "and serves its own file: each port goes to its own sandbox" \
    "$(get "http://127.0.0.1:$P2/index.html")" hello-from-sandbox-b
is "4 MiB from the sandbox arrive intact" \
    "$(get "http://127.0.0.1:$P1/big.bin" | sha256sum)" \
    "$(sha256sum <"$WORK/a/big.bin")"
n=0
par=
for i in $(seq 20); do
	get "http://127.0.0.1:$P1/index.html" >"$T/par.$i" &
	par="$par $!"
done
wait $par
for i in $(seq 20); do
	[ "$(cat "$T/par.$i")" = hello-from-sandbox-a ] && n=$((n + 1))
done
is "20 parallel connections all get the file" "$n" 20
ok "the server in the sandbox saw the connection come from 127.0.0.1" \
    grep -q '^127\.0\.0\.1 .*"GET /index.html' "$T/a.err"
ok "inbound traffic is no violation (gw -m printed no event for it)" \
    test "$(grep -c "^\[greywall\].*:$P1" "$T/a.err")" -eq 0

# --- only on 127.0.0.1 ------------------------------------------------------
is "the host listens on 127.0.0.1:$P1 and nowhere else" \
    "$(listeners "$P1")" "127.0.0.1:$P1"
get "http://127.0.0.2:$P1/"
is "127.0.0.2 (another loopback address) is refused" $? 7
get "http://[::1]:$P1/"
is "[::1] is refused" $? 7
get "http://$VETH_ADDR:$P1/"
is "another interface's address ($VETH_ADDR) is refused" $? 7

# --- a port is one sandbox's --------------------------------------------------
rm -f "$WORK/second"
out=$(gw_exec -p "$P1" -- touch second </dev/null 2>&1)
is "a second sandbox asking for the same port: gw fails" $? 125
contains "naming the port in use" "$out" "127.0.0.1:$P1 is already in use"
ok "and its command never ran" test ! -e "$WORK/second"
is "the first sandbox still serves it" \
    "$(get "http://127.0.0.1:$P1/index.html")" hello-from-sandbox-a

# --- the netstack helper is restarted: the port still works -----------------
helper=$(pgrep -P "$daemon_pid" -u _greywall)
kill -KILL $helper
wait_for restart grep -q "netstack helper restarted" "$T/daemon.log"
ok "after a netstack restart, the port reaches the sandbox again" \
    wait_for "A again" sh -c \
    "curl -sf -m 2 http://127.0.0.1:$P1/index.html >/dev/null"

# --- gw ends: the port closes -------------------------------------------------
kill -TERM "$a_pid"
wait "$a_pid"
is "the host's listener is gone as soon as gw has exited" \
    "$(listeners "$P1")" ""
get "http://127.0.0.1:$P1/"
is "and connecting is refused" $? 7
kill -TERM "$b_pid"
wait "$b_pid"
ok "sandbox B's port is closed too" free_port "$P2"

# --- nothing listens in the sandbox yet ---------------------------------------
rm -f "$WORK/go"
cat >"$WORK/late.sh" <<EOF
while [ ! -e go ]; do sleep 0.05; done
exec /usr/bin/python3 -m http.server --directory a $P1
EOF
"${GW_EXEC[@]}" -p "$P1" -- sh late.sh </dev/null >/dev/null 2>&1 &
late_pid=$!
pids="$pids $late_pid"
wait_for "the port" sh -c "ss -ltnH 'sport = :$P1' | grep -q ."
wait_for "the sandbox" running "sh late.sh"
t0=$(date +%s%N)
out=$("$PYTHON" -c "
import socket
try:
    s = socket.create_connection(('127.0.0.1', $P1), timeout=10)
    print('eof' if s.recv(100) == b'' else 'data')
except (ConnectionResetError, BrokenPipeError):
    print('reset')
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('timeout')
")
t1=$(date +%s%N)
# The port is open (not refused); the sandbox answered with a RST, and a
# client that sent nothing (waiting for a banner) sees a reset, not EOF.
is "before the server listens, the host connection is reset" "$out" reset
ok "at once ($(( (t1 - t0) / 1000000 )) ms), not after a timeout" \
    test $(( (t1 - t0) / 1000000 )) -lt 2000
touch "$WORK/go"
ok "once it listens, the same port reaches it" wait_for "late" sh -c \
    "curl -sf -m 2 http://127.0.0.1:$P1/index.html >/dev/null"
kill -TERM "$late_pid"
wait "$late_pid"

# --- data to the sandbox: an upload, hashed inside ---------------------------
cat >"$WORK/sink.py" <<EOF
import hashlib, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $P2))
s.listen(4)
open('sink.ready', 'w').close()
c, _ = s.accept()
h = hashlib.sha256()
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
c.sendall(h.hexdigest().encode() + b'\n')
c.close()
EOF
rm -f "$WORK/sink.ready"
"${GW_EXEC[@]}" -p "$P2" -- /usr/bin/python3 sink.py </dev/null \
    >/dev/null 2>"$T/sink.err" &
sink_pid=$!
pids="$pids $sink_pid"
wait_for "the sink" test -e "$WORK/sink.ready"
head -c 4194304 /dev/urandom >"$T/up.bin"
out=$("$PYTHON" -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $P2), timeout=20)
s.sendall(open('$T/up.bin', 'rb').read())
s.shutdown(socket.SHUT_WR)
print(s.makefile().read().strip())
")
is "4 MiB from the host arrive intact in the sandbox" "$out" \
    "$(sha256sum <"$T/up.bin" | cut -d' ' -f1)"
wait "$sink_pid"
is "the sandbox's command ended normally" $? 0

# --- a server on the sandbox's loopback only ---------------------------------
"${GW_EXEC[@]}" -p "$P1" -- /usr/bin/python3 -m http.server --bind 127.0.0.1 \
    --directory a "$P1" </dev/null >/dev/null 2>"$T/lo.err" &
lo_pid=$!
pids="$pids $lo_pid"
ok "a server listening on the sandbox's 127.0.0.1 only answers too" \
    wait_for "lo" sh -c \
    "curl -sf -m 2 http://127.0.0.1:$P1/index.html >/dev/null"
kill -TERM "$lo_pid"
wait "$lo_pid"

# --- refusals: nothing starts -------------------------------------------------
rm -f "$WORK/ran"
out=$(gw_exec -p "$P3" -- touch ran </dev/null 2>&1)
is "a port not in allow_ports: gw fails" $? 125
contains "naming the key" "$out" "port $P3 is not in network.inbound.allow_ports"
ok "the command never ran" test ! -e "$WORK/ran"
ok "and the port was not opened" free_port "$P3"

"$PYTHON" -c "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', $P4))
s.listen(1)
t = socket.socket()
t.bind(('0.0.0.0', $P5))
t.listen(1)
time.sleep(600)
" &
hold_pid=$!
pids="$pids $hold_pid"
wait_for "the host's listeners" sh -c \
    "ss -ltnH 'sport = :$P4' | grep -q . && ss -ltnH 'sport = :$P5' | grep -q ."
out=$(gw_exec -p "$P4" -- touch ran </dev/null 2>&1)
is "a port in use on the host: gw fails" $? 125
contains "saying so" "$out" "127.0.0.1:$P4 is already in use on the host"
out=$(gw_exec -p "$P1" -p "$P5" -- touch ran </dev/null 2>&1)
is "a port some host process holds on 0.0.0.0: gw fails" $? 125
contains "saying so" "$out" "127.0.0.1:$P5 is already in use on the host"
ok "the command never ran, and the first port is closed again" \
    sh -c "test ! -e '$WORK/ran' && test -z \"\$(ss -ltnH 'sport = :$P1')\""

out=$(gw_exec -p 80 -- touch ran </dev/null 2>&1)
is "a privileged port, even if allowed: gw fails" $? 125
contains "saying why" "$out" "port 80 is a privileged port on this host"
out=$(gw_exec --no-network -p "$P1" -- touch ran </dev/null 2>&1)
is "-p without network: gw fails" $? 125
contains "saying why" "$out" "the sandbox has no network"
ok "none of them ran" test ! -e "$WORK/ran"

out=$(gw_exec -p 0 -- true </dev/null 2>&1)
is "-p 0: gw refuses it itself, a usage error" $? 2
contains "as not a port number" "$out" "not a port number"
out=$(gw_exec -p "$P1" -p "$P1" -- true </dev/null 2>&1)
contains "a port given twice is refused" "$out" "given twice"

done_testing
