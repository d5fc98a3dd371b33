#!/bin/bash
# The capabilities greywalld is given: without the ones that only explain
# denials (BPF, PERFMON, AUDIT_*), as under a unit written before they
# were added, it starts, says what it lacks, and sandboxes still run with
# every layer; without one that building a sandbox needs, it refuses to
# start and names it.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 7

all=$(unit_caps)
DAEMON_CAPS=$(echo "$all" | tr ',' '\n' |
    grep -v -e '^+bpf$' -e '^+perfmon$' | paste -sd, -)
start_daemon
ok "without CAP_BPF and CAP_PERFMON greywalld starts" kill -0 "$daemon_pid"
contains "and says which it was not given" "$(cat "$T/daemon.log")" \
    "capability bpf not given"
# CAP_SYS_ADMIN also lets it load BPF (bpf_capable()): it says which way.
wait_for "the denials line" grep -q "greywalld: denials: " "$T/daemon.log"
contains "and says how denials are reported" "$(cat "$T/daemon.log")" \
    "greywalld: denials: "
is "a sandbox still runs" "$(gw_exec sh -c 'echo ran' 2>&1)" ran
ok "with its file system confined" \
    eval '! gw_exec sh -c "echo x >/usr/gw-caps-$$" 2>/dev/null &&
    test ! -e /usr/gw-caps-$$'
stop_daemon

# Without CAP_SYS_ADMIN: no sandbox could be built; refuse at start.
caps=$(echo "$all" | tr ',' '\n' | grep -v '^+sys_admin$' | paste -sd, -)
setpriv --bounding-set=-all,"$caps" --inh-caps=-all "$GREYWALLD" -d \
    -s "$T/other.sock" -P "$POLICY" --netstack "$NETSTACK" \
    >"$T/nosysadmin.log" 2>&1 &
pid=$!
wait $pid
rc=$?
ok "without CAP_SYS_ADMIN it refuses to start (exit $rc)" test $rc -ne 0
contains "naming the capability" "$(cat "$T/nosysadmin.log")" \
    "greywalld needs capability sys_admin"

done_testing
