#!/bin/bash
# systemd integration without systemd as PID 1: socket activation through
# systemd-socket-activate, and sd_notify READY=1/STOPPING=1 on a fake
# NOTIFY_SOCKET.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v systemd-socket-activate >/dev/null ||
    skip_all "systemd-socket-activate not installed"
setup_user
setup_dirs

plan 8

# A notify socket that records every datagram greywalld sends.
"$PYTHON" - "$T/notify.sock" "$T/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1] + ".tmp")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "a") as log:
    try:
        while True:
            m = s.recv(4096).decode()
            log.write(m.replace("\n", " ") + "\n")
            log.flush()
            if "STOPPING=1" in m:
                break
    except socket.timeout:
        pass
PY
notifier=$!
wait_for "notify socket" test -S "$T/notify.sock"

# systemd-socket-activate binds the socket and execs greywalld with it as
# fd 3, as greywalld.socket would (it passes on only the -E environment).
setpriv --bounding-set=-all,"$(unit_caps)" --inh-caps=-all \
    systemd-socket-activate --seqpacket -l "$SOCK" \
    -E NOTIFY_SOCKET="$T/notify.sock" \
    "$GREYWALLD" -d -P "$POLICY" --netstack "$NETSTACK" >>"$T/daemon.log" 2>&1 &
daemon_pid=$!
wait_for "socket" test -S "$SOCK"
chmod 666 "$SOCK"

is "a sandbox runs over the activated socket" "$(gw_exec echo activated)" \
    activated
wait_for "READY=1" grep -q 'READY=1' "$T/notify.log"
ok "greywalld sent READY=1" grep -q 'READY=1' "$T/notify.log"
ok "it said it uses the socket from systemd" \
    grep -q 'listening on the socket from systemd' "$T/daemon.log"
out=$("$GWCTL" -S "$SOCK" list)
is "gwctl works over the activated socket" $? 0
kill "$daemon_pid"
wait "$daemon_pid"
is "greywalld exits 0 on SIGTERM" $? 0
daemon_pid=
wait "$notifier"
ok "greywalld sent STOPPING=1" grep -q 'STOPPING=1' "$T/notify.log"
ok "it did not remove a socket it did not create" test -S "$SOCK"

# Without activation and with a live daemon on the socket, a second one
# refuses to start and leaves the socket alone.
start_daemon
timeout 5 "$GREYWALLD" -f -s "$SOCK" -P "$POLICY" --netstack "$NETSTACK" >"$T/second.log" 2>&1
rc=$?
ok "a second greywalld on the same socket refuses to start ($rc)" \
    grep -q 'another greywalld is listening' "$T/second.log"

done_testing
