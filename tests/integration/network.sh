#!/bin/bash
# The sandbox network: a TUN device whose only way out is greywalld's
# netstack, which sends TCP to the SOCKS5 proxy (Debian's microsocks, and
# a logging test proxy) and answers DNS with fake IPs. Everything stays
# on the host: names ending in .gw.test resolve to 127.0.0.1 in the
# proxies, and raw addresses are in a veth network namespace made here.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v microsocks >/dev/null || skip_all "microsocks is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v wget >/dev/null || skip_all "wget is not installed"
setup_user
setup_user2
setup_dirs

plan 48

base=$((20000 + $$ % 20000))
WEB_PORT=$base			# host 127.0.0.1: files, index, git
MS_PORT=$((base + 1))		# microsocks
LOG_PORT=$((base + 2))		# socks5-log.py
LO_PORT=$((base + 3))		# host loopback service the policy allows
NS_PORT=$((base + 4))		# server in the test namespace
DNS_PORT=$((base + 5))		# dns-answer.py, for dns.mode: upstream
SHA_PORT=$((base + 6))		# host 127.0.0.1: the SHA-256 of what it gets
NS=gwtnet$$
VETH=gwtv$$
NET=10.231.$(( $$ % 250 + 1 ))

pids=
net_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	ip link del "${VETH}a" 2>/dev/null
	cleanup
}
trap 'net_cleanup; rm -rf "${work2:-}"' EXIT

# --- servers ----------------------------------------------------------------
WWW=$T/www
mkdir -p "$WWW/simple/gwnet-pkg" "$T/lo"
echo hello-from-host >"$WWW/index.html"
echo hello-from-loopback-service >"$T/lo/index.html"
wheel=$("$PYTHON" "$GW_SRCDIR/tests/helpers/make-wheel.py" "$WWW" gwnet_pkg \
    1.0) || bail "cannot build the test wheel"
printf '<a href="../../%s">%s</a>\n' "$wheel" "$wheel" \
    >"$WWW/simple/gwnet-pkg/index.html"
git init -q --bare "$WWW/repo.git" && (
	d=$T/repo-src
	git init -q "$d" && cd "$d" && echo cloned-over-http >README &&
	git add README && git -c user.name=t -c user.email=t@t commit -qm 1 &&
	git push -q "$WWW/repo.git" HEAD:master) &&
	git -C "$WWW/repo.git" update-server-info ||
	bail "cannot make the test repository"

"$PYTHON" -m http.server --directory "$WWW" --bind 127.0.0.1 "$WEB_PORT" \
    >"$T/web.log" 2>&1 &
pids="$pids $!"
"$PYTHON" -m http.server --directory "$T/lo" --bind 127.0.0.1 "$LO_PORT" \
    >"$T/lo.log" 2>&1 &
pids="$pids $!"
# Large transfers both ways check every byte: the offloads hand segments
# of up to 64 KiB whose checksums the sandbox's kernel left partial.
head -c $((24 << 20)) /dev/urandom >"$WWW/big.bin"
"$PYTHON" - "$SHA_PORT" <<'PY' >"$T/sha.log" 2>&1 &
import hashlib, socket, sys
# An 8-byte length, then that many bytes: microsocks has no half-close.
s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    c, _ = s.accept()
    h, n, want, head = hashlib.sha256(), 0, None, b""
    while want is None or n < want:
        b = c.recv(1 << 20)
        if not b:
            break
        if want is None:
            head += b
            if len(head) < 8:
                continue
            want, b = int.from_bytes(head[:8], "big"), head[8:]
        h.update(b)
        n += len(b)
    c.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
    c.close()
PY
pids="$pids $!"

# microsocks resolves with the host's resolver: give it, and only it, an
# /etc/hosts that knows the test names.
printf '127.0.0.1 localhost\n127.0.0.1 web.gw.test pkg.gw.test git.gw.test\n' \
    >"$T/hosts"
unshare -m sh -c "mount --bind '$T/hosts' /etc/hosts &&
    exec microsocks -i 127.0.0.1 -p $MS_PORT" >"$T/microsocks.log" 2>&1 &
pids="$pids $!"
"$PYTHON" "$GW_SRCDIR/tests/helpers/socks5-log.py" "$LOG_PORT" \
    "$T/socks.log" "$NET.0/24" >"$T/socks.err" 2>&1 &
socks_pid=$!
pids="$pids $socks_pid"

# A server at a raw address, in a namespace of its own behind a veth.
ip netns add "$NS" && ip link add "${VETH}a" type veth peer name "${VETH}b" &&
    ip link set "${VETH}b" netns "$NS" &&
    ip addr add "$NET.1/24" dev "${VETH}a" && ip link set "${VETH}a" up &&
    ip -n "$NS" addr add "$NET.2/24" dev "${VETH}b" &&
    ip -n "$NS" link set "${VETH}b" up && ip -n "$NS" link set lo up ||
    bail "cannot make the test namespace"
mkdir -p "$T/ns" && echo hello-from-netns >"$T/ns/index.html"
ip netns exec "$NS" "$PYTHON" -m http.server --directory "$T/ns" \
    --bind "$NET.2" "$NS_PORT" >"$T/ns.log" 2>&1 &
pids="$pids $!"

cat >"$POLICY/00-test.yaml" <<EOF
default: true
network:
  upstream: { socks5: "127.0.0.1:$MS_PORT" }
  domains: { allow: ["*.gw.test", "denied.gw.test"], deny: ["denied.gw.test"] }
  cidrs: { allow: ["$NET.0/24"] }
  host_loopback: { allow_ports: [$LO_PORT] }
EOF
cat >"$POLICY/10-user2.yaml" <<EOF
users: [$TEST_USER2]
network:
  upstream: { socks5: "127.0.0.1:$LOG_PORT" }
  domains: { allow: ["*.gw.test"], deny: ["denied.gw.test"] }
  cidrs: { allow: ["$NET.0/24"] }
EOF
start_daemon

for p in $WEB_PORT $LO_PORT $MS_PORT $LOG_PORT $SHA_PORT; do
	wait_for "port $p listens" sh -c "ss -ltnH 'sport = :$p' | grep -q ."
done
wait_for "the namespace's server listens" ip netns exec "$NS" \
    sh -c "ss -ltnH 'sport = :$NS_PORT' | grep -q ."

W=http://web.gw.test:$WEB_PORT

# --- the sandbox's view -----------------------------------------------------
is "interfaces: loopback and the TUN device only" \
    "$(gw_exec ls /sys/class/net </dev/null | tr '\n' ' ')" "gw0 lo "
is "no proxy variables are set" \
    "$(gw_exec sh -c 'env | grep -ci proxy' </dev/null)" 0
is "resolv.conf names the netstack's resolver" \
    "$(gw_exec sed -n 's/^nameserver //p' /etc/resolv.conf </dev/null)" \
    198.18.0.53
out=$(gw_exec getent ahostsv4 greywall </dev/null | awk 'NR == 1 { print $1 }')
ok "the sandbox's own name resolves from its /etc/hosts ($out)" \
    test "${out#127.}" != "$out"
out=$(gw_exec getent ahostsv4 web.gw.test </dev/null | head -1)
contains "an allowed name gets a fake IPv4 address" "$out" "198.1"
out=$(gw_exec getent ahostsv6 web.gw.test </dev/null | head -1)
contains "and a fake IPv6 address" "$out" "fd67:7779:6661::"

# --- TCP through microsocks ---------------------------------------------------
is "curl by name (fake IP, socks5h)" \
    "$(gw_exec curl -sS -m 10 "$W/index.html" </dev/null)" hello-from-host
is "curl -4 by name" \
    "$(gw_exec curl -4 -sS -m 10 "$W/index.html" </dev/null)" hello-from-host
is "curl -6 by name" \
    "$(gw_exec curl -6 -sS -m 10 "$W/index.html" </dev/null)" hello-from-host
gw_exec wget -q -O wget.out "$W/index.html" </dev/null
is "wget by name, written into the cwd on the host" \
    "$(cat "$WORK/wget.out" 2>/dev/null)" hello-from-host
is "python urllib by name" "$(gw_exec /usr/bin/python3 -c "
import urllib.request
print(urllib.request.urlopen('$W/index.html', timeout=10).read().decode().strip())
" </dev/null)" hello-from-host
for v in 4 6; do
	is "24 MiB downloaded over IPv$v, every byte right" \
	    "$(gw_exec curl -$v -sS -m 60 "$W/big.bin" </dev/null |
	    sha256sum | cut -d' ' -f1)" \
	    "$(sha256sum <"$WWW/big.bin" | cut -d' ' -f1)"
	is "24 MiB uploaded over IPv$v, every byte right" \
	    "$(gw_exec /usr/bin/python3 - "$v" "$SHA_PORT" <<'PY'
import hashlib, random, socket, sys
fam = socket.AF_INET if sys.argv[1] == "4" else socket.AF_INET6
addr = socket.getaddrinfo("web.gw.test", int(sys.argv[2]), fam)[0][4]
data = random.Random(16).randbytes(24 << 20)
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(addr)
s.sendall(len(data).to_bytes(8, "big") + data)
got = b""
while not got.endswith(b"\n"):
    b = s.recv(200)
    if not b:
        break
    got += b
want = "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
print("same" if got.decode().strip() == want else "%s, not %s" % (got, want))
PY
)" same
done
# A lossless link: a SYN or segment the netstack drops (a checksum it
# did not accept) shows as a retransmission a second later.
is "no TCP retransmission on the sandbox's link" "$(gw_exec sh -c '
for i in 1 2 3 4 5; do curl -sS -m 10 "$1" >/dev/null || exit 1; done
awk "/^Tcp:/ { n++; if (n == 1) for (i = 1; i <= NF; i++) f[i] = \$i;
    else for (i = 1; i <= NF; i++) if (f[i] == \"RetransSegs\") print \$i }" \
    /proc/net/snmp' sh "$W/index.html" </dev/null)" 0
gw_exec git clone -q "http://git.gw.test:$WEB_PORT/repo.git" clone \
    </dev/null >"$T/git.log" 2>&1
is "git clone over http" "$(cat "$WORK/clone/README" 2>/dev/null)" \
    cloned-over-http
is "curl to an allowed raw address" \
    "$(gw_exec curl -sS -m 10 "http://$NET.2:$NS_PORT/" </dev/null)" \
    hello-from-netns
ok "which saw the proxy, not the sandbox, connect" \
    grep -q "^$NET.1 " "$T/ns.log"

out=$(gw_exec /usr/bin/python3 -c "
import socket, struct
q = struct.pack('!HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0)
q += b'\x03web\x02gw\x04test\x00' + struct.pack('!HH', 1, 1)
s = socket.create_connection(('198.18.0.53', 53), timeout=5)
s.sendall(struct.pack('!H', len(q)) + q)
n = struct.unpack('!H', s.recv(2))[0]
r = s.recv(n)
print(hex(struct.unpack('!H', r[:2])[0]), struct.unpack('!H', r[6:8])[0],
    socket.inet_ntoa(r[-4:]).startswith('198.1'))
" </dev/null)
is "DNS over TCP is answered too" "$out" "0x4242 1 True"

# Two sandboxes get the same fake address for the same name; one ending
# must not reset the other's connection to it.
rm -f "$WORK/a.connected" "$WORK/a.go"
gw_exec /usr/bin/python3 -c "
import os, socket, time
s = socket.create_connection(('web.gw.test', $WEB_PORT), timeout=10)
open('a.connected', 'w').close()
while not os.path.exists('a.go'):
    time.sleep(0.05)
s.sendall(b'GET /index.html HTTP/1.0\\r\\n\\r\\n')
print(s.makefile('rb').read().split(b'\\r\\n\\r\\n', 1)[1].decode().strip())
" </dev/null >"$T/a.out" 2>&1 &
a_pid=$!
wait_for "sandbox A connected" test -e "$WORK/a.connected"
gw_exec curl -sS -m 10 "$W/index.html" </dev/null >/dev/null
touch "$WORK/a.go"
wait "$a_pid"
is "another sandbox ending leaves this one's connection alone" \
    "$(cat "$T/a.out")" hello-from-host

# --- what is refused --------------------------------------------------------
gw_exec getent hosts denied.gw.test </dev/null >/dev/null
is "a denied name does not resolve (NXDOMAIN)" $? 2
gw_exec getent hosts example.org </dev/null >/dev/null
is "a name outside domains.allow does not resolve" $? 2
gw_exec curl -sS -m 10 "http://127.0.0.1:$WEB_PORT/" </dev/null 2>/dev/null
is "the host's 127.0.0.1 is not the sandbox's" $? 7
ok "and the host listener saw no request" \
    test "$(grep -c 'GET / ' "$T/web.log")" -eq 0
out=$(gw_exec /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(('$NET.2', 9999))
s.send(b'x')
try:
    s.recv(10)
    print('answered')
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('timeout')
" </dev/null)
is "UDP to a port other than 53 is refused at once" "$out" refused
is "a policy-allowed host loopback port is reachable at 198.18.0.2" \
    "$(gw_exec curl -sS -m 10 "http://198.18.0.2:$LO_PORT/" </dev/null)" \
    hello-from-loopback-service
gw_exec curl -sS -m 10 "http://198.18.0.2:$WEB_PORT/" </dev/null 2>/dev/null
is "other host loopback ports are refused" $? 7

# --- pip from a local package index, by name --------------------------------
gw_exec /usr/bin/python3 -m venv venv >"$T/venv.log" 2>&1
gw_exec venv/bin/pip install --no-cache-dir --retries 0 --timeout 10 \
    --index-url "http://pkg.gw.test:$WEB_PORT/simple" \
    --trusted-host pkg.gw.test gwnet-pkg \
    </dev/null >"$T/pip.log" 2>&1
st=$?
is "pip install from the local index through the sandbox" $st 0
[ $st -eq 0 ] || sed 's/^/# /' "$T/pip.log" | tail -20
is "the package imports" "$(gw_exec venv/bin/python -c \
    'import gwnet_pkg; print(gwnet_pkg.hello())' </dev/null)" \
    "hello from the wheel"

# --- the logging proxy: identity, names, refusals ---------------------------
work2=$(mktemp -d "$TEST_HOME2/work.XXXXXX") && chown "$TEST_USER2" "$work2"
GW_EXEC2=(setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups
    env -i -C "$work2" PATH=/usr/local/bin:/usr/bin:/bin
    HOME="$TEST_HOME2" GREYWALL_SOCKET="$SOCK" "$GW" exec)
is "curl through the logging proxy" \
    "$("${GW_EXEC2[@]}" curl -sS -m 10 "$W/index.html" </dev/null)" \
    hello-from-host
ok "the proxy got the daemon-set identity user/sandbox/command" \
    grep -Eq "^AUTH $TEST_USER2/[0-9]+/curl [0-9]+$" "$T/socks.log"
ok "and a CONNECT by name, not by fake address" \
    grep -q "^CONNECT web.gw.test $WEB_PORT$" "$T/socks.log"
"${GW_EXEC2[@]}" curl -sS -m 10 "http://denied.gw.test:$WEB_PORT/" \
    </dev/null 2>/dev/null
is "a denied name fails in the sandbox (curl: cannot resolve)" $? 6
ok "and the proxy never heard of it" \
    test "$(grep -c denied "$T/socks.log")" -eq 0
"${GW_EXEC2[@]}" curl -sS -m 10 "http://192.0.2.1:$WEB_PORT/" \
    </dev/null 2>/dev/null
is "a raw address outside cidrs.allow is refused" $? 7
ok "without a SOCKS request" test "$(grep -c 192.0.2.1 "$T/socks.log")" -eq 0

# --- network.dns.mode: upstream -------------------------------------------
# A resolver of the test's own on 127.0.0.1 answers every name with the
# namespace server's address; the sandbox then connects by address.
"$PYTHON" "$GW_SRCDIR/tests/helpers/dns-answer.py" "$DNS_PORT" "$NET.2" \
    "$T/dns.log" &
pids="$pids $!"
cat >"$POLICY/10-user2.yaml" <<EOF
users: [$TEST_USER2]
network:
  upstream: { socks5: "127.0.0.1:$LOG_PORT" }
  dns: { mode: upstream, server: "127.0.0.1:$DNS_PORT" }
  domains: { allow: ["*.gw.test"], deny: ["denied.gw.test"] }
  cidrs: { allow: ["$NET.0/24"] }
EOF
"$GWCTL" -S "$SOCK" reload >/dev/null
is "dns upstream: the name resolves to the resolver's answer" \
    "$("${GW_EXEC2[@]}" getent ahostsv4 up.gw.test </dev/null |
    awk 'NR == 1 { print $1 }')" "$NET.2"
ok "which the test resolver was asked" grep -qx up.gw.test "$T/dns.log"
is "and the connection goes by address through the proxy" \
    "$("${GW_EXEC2[@]}" curl -sS -m 10 "http://up.gw.test:$NS_PORT/" \
    </dev/null)" hello-from-netns
"${GW_EXEC2[@]}" getent hosts denied.gw.test </dev/null >/dev/null
is "dns upstream: a denied name is NXDOMAIN" $? 2
ok "without a query to the resolver" \
    test "$(grep -c denied "$T/dns.log")" -eq 0

# --- the proxy goes away, hangs, the netstack dies ---------------------------
kill "$socks_pid"
wait "$socks_pid" 2>/dev/null
"${GW_EXEC2[@]}" curl -sS -m 10 "$W/index.html" </dev/null 2>/dev/null
is "with the proxy down, connections are refused (not hung)" $? 7
# A proxy that accepts and never answers: refused after the netstack's
# connect timeout (10-15 s), well before curl's own 40 s.
"$PYTHON" -c "
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $LOG_PORT))
s.listen(8)
conns = []
while True:
    conns.append(s.accept()[0])
" &
pids="$pids $!"
wait_for "the silent proxy listens" \
    sh -c "ss -ltnH 'sport = :$LOG_PORT' | grep -q ."
"${GW_EXEC2[@]}" curl -sS -m 40 "$W/index.html" </dev/null 2>/dev/null
is "a proxy that never answers: refused after the connect timeout" $? 7

helper=$(pgrep -P "$daemon_pid" -u _greywall)
ok "the netstack helper runs as _greywall" test -n "$helper"
kill -KILL $helper
ok "greywalld restarts the netstack" wait_for restart \
    grep -q "netstack helper restarted" "$T/daemon.log"
is "a new sandbox has network again" \
    "$(gw_exec curl -sS -m 10 "$W/index.html" </dev/null)" hello-from-host

is "gw exec --no-network: loopback only" \
    "$(gw_exec --no-network ls /sys/class/net </dev/null | tr '\n' ' ')" "lo "

done_testing
