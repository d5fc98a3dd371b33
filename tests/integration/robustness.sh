#!/bin/bash
# Hostile clients: garbage, truncated, oversize and out-of-order messages,
# stray fds and connection floods are refused one connection at a time;
# the daemon keeps serving. Also: a protocol version mismatch is a clear
# one-line error in gw.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 26

PROTO=$(sed -n 's/^#define GW_PROTO_VERSION[[:space:]]*//p' \
    "$GW_SRCDIR/proto/gw-protocol.h")

# rawclient CASE: run one hostile exchange as the test user; prints what
# the daemon answered ("closed", "error:<text>", "version:<n>").
rawclient() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    "$PYTHON" - "$SOCK" "$1" "$PROTO" <<'PY'
import array, os, socket, struct, sys

path, case, proto = sys.argv[1], sys.argv[2], int(sys.argv[3])
HELLO, VERSION, OK, ERROR = 1, 2, 3, 4
OPEN, ARG, ENV, FD, START = 100, 101, 102, 103, 104
LIST = 300

def msg(t, payload=b"", id=0, reserved=0, len_=None):
    n = len(payload) if len_ is None else len_
    return struct.pack("=IIII", t, n, id, reserved) + payload

def hello(version=proto, kind=1):
    return msg(HELLO, struct.pack("=II", version, kind))

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
s.settimeout(5)

def send(b, fds=()):
    try:
        if fds:
            s.sendmsg([b], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                array.array("i", fds))])
        else:
            s.send(b)
    except OSError:
        pass

def greet():
    send(hello())
    r = s.recv(70000)
    assert struct.unpack("=I", r[:4])[0] == OK, r

if case == "garbage":
    send(os.urandom(64))
elif case == "short":
    send(b"\x01\x00\x00")
elif case == "badlen":
    send(msg(HELLO, struct.pack("=II", 1, 1), len_=4))
elif case == "reserved":
    send(msg(HELLO, struct.pack("=II", 1, 1), reserved=7))
elif case == "oversize":
    send(msg(ARG, b"A" * 150000))
elif case == "before-hello":
    send(msg(LIST))
elif case == "unknown-type":
    greet()
    send(msg(9999))
elif case == "no-nul":
    greet()
    send(msg(OPEN, struct.pack("=IIII", 0, 1, 0, 0)))
    send(msg(ARG, b"abc"))
elif case == "fd-on-wrong-type":
    greet()
    send(msg(OPEN, struct.pack("=IIII", 0, 1, 0, 0)), [0])
elif case == "two-fds":
    greet()
    send(msg(OPEN, struct.pack("=IIII", 0, 1, 0, 0)))
    send(msg(FD, struct.pack("=I", 0)), [0, 1])
elif case == "start-early":
    greet()
    send(msg(OPEN, struct.pack("=IIII", 0, 1, 0, 0)))
    send(msg(START))
elif case == "admin-as-gw":
    greet()
    send(msg(LIST))
elif case == "huge-argc":
    greet()
    send(msg(OPEN, struct.pack("=IIII", 0, 0xffffffff, 0, 0)))
elif case == "version":
    send(hello(version=99))
try:
    r = s.recv(70000)
except socket.timeout:
    print("timeout"); sys.exit(0)
except OSError:
    print("closed"); sys.exit(0)
if not r:
    print("closed"); sys.exit(0)
t = struct.unpack("=I", r[:4])[0]
if t == ERROR:
    print("error:" + r[20:].rstrip(b"\0").decode())
elif t == VERSION:
    print("version:%d" % struct.unpack("=I", r[16:20])[0])
else:
    print("type:%d" % t)
# After an error the daemon must hang up.
try:
    r = s.recv(70000)
    print("then-closed" if not r else "then-more")
except OSError:
    print("then-closed")
PY
}

for c in garbage short badlen reserved oversize before-hello unknown-type \
    no-nul fd-on-wrong-type two-fds start-early admin-as-gw huge-argc; do
	out=$(rawclient "$c" | tr '\n' ' ')
	case $out in
	"error:protocol error"*"then-closed "|"closed ")
		ok "'$c' refused and the connection closed" true ;;
	*)
		ok "'$c' refused and the connection closed (got: $out)" false ;;
	esac
done

out=$(rawclient version | head -1)
is "HELLO with version 99 gets VERSION $PROTO" "$out" "version:$PROTO"

# A flood of connections that close at once.
for i in $(seq 200); do
	as_user "$PYTHON" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET); s.connect(sys.argv[1])' \
	    "$SOCK" 2>/dev/null
done
ok "daemon alive after the hostile clients" kill -0 "$daemon_pid"
is "and still runs sandboxes" "$(gw_exec echo alive)" alive
n=$(grep -c 'closing connection' "$T/daemon.log")
ok "each violation was logged ($n lines)" test "$n" -ge 13

# A daemon that speaks another protocol version: it answers HELLO with
# VERSION 7 and closes. With SEEN, it first waits up to 5 s for a second
# message and writes what came ("request TYPE" or "nothing") there.
fake_daemon() {
	rm -f "$T/fake.sock"
	"$PYTHON" - "$T/fake.sock" "${1:-}" <<'PY' &
import socket, struct, sys
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(sys.argv[1]); l.listen(1)
c, _ = l.accept()
c.recv(100)
if sys.argv[2]:
    c.settimeout(5)
    try:
        seen = "request %u" % struct.unpack("=I", c.recv(100)[:4])[0]
    except socket.timeout:
        seen = "nothing"
    open(sys.argv[2], "w").write(seen)
c.send(struct.pack("=IIIII", 2, 4, 0, 0, 7))
c.close()
PY
	fake=$!
	wait_for "fake daemon" test -S "$T/fake.sock"
	chmod 666 "$T/fake.sock"
}

fake_daemon
err=$(cd "$WORK" && GREYWALL_SOCKET= as_user "$GW" -S "$T/fake.sock" exec true 2>&1)
is "version mismatch exits 125" $? 125
is "one-line error naming both versions" "$err" \
    "gw: greywalld speaks protocol version 7 but this client speaks version $PROTO: install matching greywall versions"
wait "$fake"

# gwctl sends its request right behind HELLO: a refused HELLO is still
# what it reports, whether the daemon closed before the request or after.
for round in 1 2 3; do
	fake_daemon
	err=$("$GWCTL" -S "$T/fake.sock" list 2>&1)
	is "gwctl list against another version exits 1 ($round)" $? 1
	is "and names both versions ($round)" "$err" \
	    "gwctl: greywalld speaks protocol version 7 but this client speaks version $PROTO: install matching greywall versions"
	wait "$fake"
done

# ... and it does not wait for HELLO's answer before it sends the request.
fake_daemon "$T/seen"
"$GWCTL" -S "$T/fake.sock" list >/dev/null 2>&1
list_type=$(sed -n 's/.*GW_MSG_ADMIN_LIST[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
    "$GW_SRCDIR/proto/gw-protocol.h")
is "gwctl sends the request behind HELLO, before its answer" \
    "$(cat "$T/seen")" "request $list_type"
wait "$fake"

done_testing
