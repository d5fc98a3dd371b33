#!/bin/bash
# The host itself through the upstream (issue 12, 4-5): host listeners on
# 127.0.0.1, ::1, a host address (v4 and v6), 0.0.0.0 and [::] see nothing
# from a sandbox, by address or by a name the host resolves to them, even
# through microsocks, which connects anywhere. The host address is a veth
# made here after greywalld started (so its address list must follow);
# its peer namespace holds a 'remote' server that stays reachable. Then the
# upstream check: microsocks is unsafe, dante with block rules is safe.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v microsocks >/dev/null || skip_all "microsocks is not installed"
command -v danted >/dev/null || skip_all "dante-server is not installed"
setup_user
setup_dirs

plan 45

base=$((22000 + $$ % 20000))
P_LO4=$base			# 127.0.0.1
P_LO6=$((base + 1))		# [::1]
P_H4=$((base + 2))		# the veth's host address, v4
P_H6=$((base + 3))		# and v6
P_ANY4=$((base + 4))		# 0.0.0.0
P_ANY6=$((base + 5))		# [::] (v6 only)
P_OK=$((base + 6))		# 127.0.0.1, in host_loopback.allow_ports
MS_PORT=$((base + 7))		# microsocks
DANTE_PORT=$((base + 8))	# danted
P_REMOTE=$((base + 9))		# the namespace's server
NS=gwthn$$
VETH=gwthv$$
N=$(( $$ % 250 + 1 ))
H4=10.233.$N.1
R4=10.233.$N.2
H6=fd00:233:$N::1
DNS_ADDR=127.0.$N.53

pids=
hn_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -f "$T/danted.pid" ] && kill "$(cat "$T/danted.pid")" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "${VETH}a" 2>/dev/null
	cleanup
}
trap hn_cleanup EXIT

# The host's names: one file for greywalld and microsocks alike.
HOST_HOSTS=$T/hosts
cat >"$HOST_HOSTS" <<EOF
127.0.0.1 localhost
127.0.0.1 lo4.gw.test ok.gw.test
::1 lo6.gw.test
$H4 h4.gw.test any4.gw.test
$H6 h6.gw.test any6.gw.test
$R4 remote.gw.test
EOF
# And a resolver of the test's own, for a name only DNS knows.
HOST_RESOLV=$T/resolv.conf
echo "nameserver $DNS_ADDR" >"$HOST_RESOLV"
# It logs "name qtype uid", the uid of the asking socket: the netstack's
# (_greywall) or microsocks's (root).
"$PYTHON" - "$DNS_ADDR" "$T/dns.log" "$R4" <<'PY' >"$T/dns.err" 2>&1 &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
answers = {"dnslo.gw.test": (1, socket.inet_aton("127.0.0.1")),
           "dnslo6.gw.test": (28, socket.inet_pton(socket.AF_INET6, "::1")),
           "dnsremote.gw.test": (1, socket.inet_aton(sys.argv[3]))}
def uid_of(port):
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        for line in open(f).readlines()[1:]:
            v = line.split()
            if int(v[1].rsplit(":", 1)[1], 16) == port:
                return v[7]
    return "?"
while True:
    q, peer = s.recvfrom(4096)
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    name = ".".join(labels).lower()
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    with open(sys.argv[2], "a") as f:
        f.write("%s %d %s\n" % (name, qtype, uid_of(peer[1])))
    an, rcode = b"", 0
    if name not in answers:
        rcode = 3
    elif answers[name][0] == qtype:
        t, a = answers[name]
        an = b"\xc0\x0c" + struct.pack("!HHIH", t, 1, 30, len(a)) + a
    hdr = struct.pack("!HHHHHH", struct.unpack("!H", q[:2])[0],
        0x8180 | rcode, 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + q[12:i + 5] + an, peer)
PY
pids="$pids $!"

# microsocks sees the same hosts file and resolver (its own mount ns).
unshare -m sh -c "mount --bind '$HOST_HOSTS' /etc/hosts &&
    mount --bind '$HOST_RESOLV' /etc/resolv.conf &&
    exec microsocks -i 127.0.0.1 -p $MS_PORT" >"$T/microsocks.log" 2>&1 &
pids="$pids $!"

cat >"$POLICY/00-test.yaml" <<EOF
default: true
network:
  upstream: { socks5: "127.0.0.1:$MS_PORT" }
  domains: { allow: ["*"] }
  cidrs: { allow: ["0.0.0.0/0", "::/0"] }
  host_loopback: { allow_ports: [$P_OK] }
EOF
start_daemon

# After greywalld: the host gains addresses it must learn of at once.
ip netns add "$NS" && ip link add "${VETH}a" type veth peer name "${VETH}b" &&
    ip link set "${VETH}b" netns "$NS" &&
    ip addr add "$H4/24" dev "${VETH}a" &&
    ip addr add "$H6/64" dev "${VETH}a" nodad && ip link set "${VETH}a" up &&
    ip -n "$NS" addr add "$R4/24" dev "${VETH}b" &&
    ip -n "$NS" addr add "fd00:233:$N::2/64" dev "${VETH}b" nodad &&
    ip -n "$NS" link set "${VETH}b" up && ip -n "$NS" link set lo up ||
    bail "cannot make the test namespace"

# The host's listeners: each logs every connection and every byte.
"$PYTHON" - "$T/host.log" "127.0.0.1,$P_LO4" "::1,$P_LO6" "$H4,$P_H4" \
    "$H6,$P_H6" "0.0.0.0,$P_ANY4" "::,$P_ANY6" <<'PY' >"$T/host.err" 2>&1 &
import select, socket, sys
log = open(sys.argv[1], "a", buffering=1)
ls = {}
for spec in sys.argv[2:]:
    a, p = spec.rsplit(",", 1)
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((a, int(p)))
    s.listen(16)
    ls[s] = spec
conns = {}
while True:
    r, _, _ = select.select(list(ls) + list(conns), [], [])
    for s in r:
        if s in ls:
            c, peer = s.accept()
            log.write("ACCEPT %s from %s\n" % (ls[s], peer[0]))
            conns[c] = ls[s]
        else:
            d = s.recv(4096)
            if d:
                log.write("DATA %s %r\n" % (conns[s], d[:40]))
            else:
                del conns[s]
                s.close()
PY
pids="$pids $!"
mkdir -p "$T/ok" "$T/remote"
echo hello-allowed-port >"$T/ok/index.html"
echo hello-remote >"$T/remote/index.html"
"$PYTHON" -m http.server --directory "$T/ok" --bind 127.0.0.1 "$P_OK" \
    >"$T/ok.log" 2>&1 &
pids="$pids $!"
ip netns exec "$NS" "$PYTHON" -m http.server --directory "$T/remote" \
    --bind "$R4" "$P_REMOTE" >"$T/remote.log" 2>&1 &
pids="$pids $!"
for p in $P_LO4 $P_H6 $P_ANY6 $P_OK $MS_PORT; do
	wait_for "port $p listens" sh -c "ss -ltnH 'sport = :$p' | grep -q ."
done
wait_for "the remote server listens" ip netns exec "$NS" \
    sh -c "ss -ltnH 'sport = :$P_REMOTE' | grep -q ."
wait_for "the resolver" sh -c "ss -lunH 'sport = :53' | grep -q '$DNS_ADDR'"

# --- the attacks --------------------------------------------------------------
# attack NAME|ADDR PORT: connect from a sandbox and send a line; prints
# "refused", "timeout" or "SENT". Events go to $T/ev.
attack() {
	gw_exec -m /usr/bin/python3 -c "
import socket, sys
try:
    s = socket.create_connection(('$1', $2), timeout=8)
    s.sendall(b'secret-from-sandbox\n')
    s.close()
    print('SENT')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print(type(e).__name__)
" </dev/null 2>"$T/ev"
}

is "the remote server is reachable by name through the upstream" \
    "$(gw_exec curl -sS -m 10 "http://remote.gw.test:$P_REMOTE/" \
    </dev/null)" hello-remote
is "and by address" "$(gw_exec curl -sS -m 10 "http://$R4:$P_REMOTE/" \
    </dev/null)" hello-remote

for t in "lo4.gw.test $P_LO4 127.0.0.1" "lo6.gw.test $P_LO6 ::1" \
    "h4.gw.test $P_H4 $H4" "h6.gw.test $P_H6 $H6" \
    "any4.gw.test $P_ANY4 $H4" "any6.gw.test $P_ANY6 $H6"; do
	set -- $t
	is "a name the host resolves to $3 (port $2): refused" \
	    "$(attack "$1" "$2")" refused
	contains "with an event naming it" "$(cat "$T/ev")" \
	    "denied connect $1:$2 (python3) by built-in: the host resolves it to $3"
done
for t in "$H4 $P_H4" "$H6 $P_H6" "$H4 $P_ANY4" "$H6 $P_ANY6"; do
	set -- $t
	is "the host's own address $1 (port $2): refused" \
	    "$(attack "$1" "$2")" refused
	contains "with an event" "$(cat "$T/ev")" \
	    "by built-in: the host's own address (host address)"
done
is "a name only the host's DNS maps to 127.0.0.1: refused" \
    "$(attack dnslo.gw.test "$P_LO4")" refused
contains "with an event" "$(cat "$T/ev")" "the host resolves it to 127.0.0.1"
is "and one it maps to ::1" "$(attack dnslo6.gw.test "$P_LO6")" refused
ok "which the host's resolver was asked" grep -q "^dnslo6.gw.test 28" \
    "$T/dns.log"
# A name only DNS knows and that is not the host: asked once, not per
# connection (the netstack keeps a clear answer for 10 s); a change to the
# host's hosts file empties what it kept.
asked() {
	grep -c "^dnsremote.gw.test 1 $(id -u _greywall)\$" "$T/dns.log"
}
# Any change to the host's addresses empties the cache, and the veth's
# link-local address leaves DAD a moment after the link came up: wait
# for that first.
settled() { [ -z "$(ip -6 addr show dev "${VETH}a" tentative)" ]; }
wait_for "the veth's addresses" settled
sleep 0.5
for i in 1 2 3; do
	is "a name only the host's DNS knows, not the host: reachable ($i)" \
	    "$(gw_exec curl -sS -m 10 "http://dnsremote.gw.test:$P_REMOTE/" \
	    </dev/null)" hello-remote
done
n=$(asked)
diag "the netstack asked the host's resolver $n time(s) for 3 connections"
ok "asked fewer times than it connected (once, unless the host's addresses changed)" \
    test "$n" -ge 1 -a "$n" -lt 3
echo "192.0.2.77 unrelated.gw.test" >>"$HOST_HOSTS"
asked_again() {
	gw_exec curl -sS -m 10 "http://dnsremote.gw.test:$P_REMOTE/" \
	    </dev/null >/dev/null && [ "$(asked)" -ge 2 ]
}
ok "asked again after the hosts file changed" \
    wait_for "a query after the hosts file changed" asked_again
is "127.0.0.1 in the sandbox is its own loopback" \
    "$(attack 127.0.0.1 "$P_LO4")" refused
ok "no host listener saw a connection or a byte" test ! -s "$T/host.log"
[ -s "$T/host.log" ] && sed 's/^/# /' "$T/host.log"

# --- host_loopback.allow_ports still opens its port -------------------------
is "an allowed host port at 198.18.0.2" "$(gw_exec curl -sS -m 10 \
    "http://198.18.0.2:$P_OK/" </dev/null)" hello-allowed-port
is "and by a name the host resolves to 127.0.0.1" "$(gw_exec curl -sS -m 10 \
    "http://ok.gw.test:$P_OK/" </dev/null)" hello-allowed-port

# --- the upstream check -----------------------------------------------------
ctl() { "$GWCTL" -S "$SOCK" "$@"; }
field() { echo "$1" | sed -n "s/^$2  *\([a-zA-Z]*\)  *\(.*\)/\1 \2/p"; }
wait_for "the first check" grep -q "upstream 127.0.0.1:$MS_PORT is unsafe" \
    "$T/daemon.log"
out=$(ctl status)
is "microsocks: gwctl status exits 3" $? 3
contains "and calls it unsafe" "$(field "$out" "upstream check")" \
    "FAIL 127.0.0.1:$MS_PORT is UNSAFE: connected to the host's own 127.0.0.1:"
as_user "$GW" doctor >/dev/null
is "gw doctor exits 1" $? 1
is "under warn, sandboxes still run" "$(gw_exec echo ran </dev/null)" ran
cat >>"$POLICY/00-test.yaml" <<EOF
  upstream_check: required
EOF
ctl reload >/dev/null
out=$(gw_exec echo ran </dev/null 2>&1)
is "under required, a sandbox is refused" $? 125
contains "with a clear error" "$out" \
    "network.upstream_check is 'required' and the upstream 127.0.0.1:$MS_PORT is unsafe"

# Dante, blocking loopback and every address the host has now.
{
	echo "logoutput: $T/danted.log"
	echo "internal: 127.0.0.1 port = $DANTE_PORT"
	echo "external: ${VETH}a"
	echo "clientmethod: none"
	echo "socksmethod: none"
	echo "user.privileged: root"
	echo "user.unprivileged: nobody"
	echo "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }"
	for a in 127.0.0.0/8 0.0.0.0/32 ::1/128 ::/128 169.254.0.0/16 \
	    fe80::/10 $(ip -o addr show | awk '{ print $4 }' |
	    sed 's,/.*,,; /:/s,$,/128,; /:/!s,$,/32,'); do
		echo "socks block { from: 0.0.0.0/0 to: $a log: connect }"
	done
	echo "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }"
	echo "socks pass { from: 0.0.0.0/0 to: ::/0 }"
} >"$T/danted.conf"
unshare -m sh -c "mount --bind '$HOST_HOSTS' /etc/hosts &&
    mount --bind '$HOST_RESOLV' /etc/resolv.conf &&
    exec danted -f '$T/danted.conf' -p '$T/danted.pid' -N 1" \
    >"$T/danted.out" 2>&1 &
pids="$pids $!"
wait_for "danted listens" sh -c "ss -ltnH 'sport = :$DANTE_PORT' | grep -q ."
sed -i "s/127.0.0.1:$MS_PORT/127.0.0.1:$DANTE_PORT/" "$POLICY/00-test.yaml"
ctl reload >/dev/null
wait_for "the check of dante" grep -q "upstream 127.0.0.1:$DANTE_PORT refused" \
    "$T/daemon.log"
out=$(ctl status)
is "dante with block rules: gwctl status exits 0" $? 0
contains "and calls it safe" "$(field "$out" "upstream check")" \
    "ok 127.0.0.1:$DANTE_PORT: refused to connect to the host's own 127.0.0.1:"
as_user "$GW" doctor >/dev/null
is "gw doctor exits 0" $? 0
is "under required, a sandbox runs and reaches the remote server" \
    "$(gw_exec curl -sS -m 10 "http://remote.gw.test:$P_REMOTE/" \
    </dev/null)" hello-remote

done_testing
