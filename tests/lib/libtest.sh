# Helpers for the integration tests: TAP output, a test user, a private
# greywalld on a temporary socket, and cleanup of only what we started.
# Sourced by tests/integration/*.sh; GW_BUILDDIR is set by meson.

set -u

: "${GW_BUILDDIR:?GW_BUILDDIR must point at a meson build directory}"
GREYWALLD=$GW_BUILDDIR/daemon/greywalld
GW=$GW_BUILDDIR/client/gw
GWCTL=$GW_BUILDDIR/client/gwctl
NETSTACK=$GW_BUILDDIR/netstack/gw-netstack

# The system python, not a per-user shim the test user cannot read.
PYTHON=/usr/bin/python3

# GW_TEST_USER names another user, so that test runs from two worktrees at
# once do not share a home.
TEST_USER=${GW_TEST_USER:-gwtest}
TEST_USER2=${TEST_USER}2
TEST_GROUP=gwtestgrp

t_count=0
t_failed=0
daemon_pid=
T=

plan() { echo "1..$1"; }

# Meson reads a TAP "1..0 # SKIP" plan as a skip; exit 0 with it. Under
# CI, which has every kernel feature and tool .ci/install-deps installs, a
# skip is a failure that says why.
skip_all() {
	if [ -n "${CI:-}" ]; then
		echo "Bail out! would skip under CI: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok DESCRIPTION COMMAND...: passes when COMMAND exits 0.
ok() {
	desc=$1
	shift
	t_count=$((t_count + 1))
	if "$@"; then
		echo "ok $t_count - $desc"
	else
		echo "not ok $t_count - $desc"
		t_failed=$((t_failed + 1))
	fi
}

# is DESCRIPTION GOT WANT
is() {
	t_count=$((t_count + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $t_count - $1"
	else
		echo "not ok $t_count - $1"
		diag "got:  '$2'" "want: '$3'"
		t_failed=$((t_failed + 1))
	fi
}

# contains DESCRIPTION HAYSTACK NEEDLE
contains() {
	t_count=$((t_count + 1))
	case $2 in
	*"$3"*)
		echo "ok $t_count - $1"
		;;
	*)
		echo "not ok $t_count - $1"
		diag "'$2' does not contain '$3'"
		t_failed=$((t_failed + 1))
		;;
	esac
}

done_testing() {
	[ "$t_failed" -eq 0 ] && exit 0
	if [ -n "$T" ] && [ -f "$T/daemon.log" ]; then
		diag "greywalld log:"
		sed 's/^/#   /' "$T/daemon.log"
	fi
	exit 1
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root to start greywalld"
	[ -x "$GREYWALLD" ] || bail "no greywalld at $GREYWALLD"
	unshare -m -p -n -f true 2>/dev/null ||
	    skip_all "this kernel or container does not allow namespaces"
}

# An unprivileged user with a supplementary group, created once.
setup_user() {
	getent group "$TEST_GROUP" >/dev/null ||
	    groupadd "$TEST_GROUP" || bail "groupadd $TEST_GROUP"
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh -G "$TEST_GROUP" "$TEST_USER" ||
		    bail "useradd $TEST_USER"
	fi
	id -nG "$TEST_USER" | grep -qw "$TEST_GROUP" ||
	    usermod -aG "$TEST_GROUP" "$TEST_USER"
	TEST_UID=$(id -u "$TEST_USER")
	TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
	# As Debian 12's adduser makes them: root cannot pass without DAC caps.
	chmod 700 "$TEST_HOME"
}

# A second user, not in $TEST_GROUP, for per-user policy tests.
setup_user2() {
	id "$TEST_USER2" >/dev/null 2>&1 ||
	    useradd -m -s /bin/sh "$TEST_USER2" || bail "useradd $TEST_USER2"
	TEST_HOME2=$(getent passwd "$TEST_USER2" | cut -d: -f6)
	chmod 700 "$TEST_HOME2"
}

cleanup() {
	journal_stop
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill "$daemon_pid"
		wait "$daemon_pid" 2>/dev/null
	fi
	daemon_cgroups_remove
	[ -n "$T" ] && rm -rf "$T"
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
	[ -n "${POLICY:-}" ] && rm -rf "$POLICY"
}

# Scratch space: $T for the test, $WORK (the user's cwd) inside the
# user's 0700 home, like a real project directory.
setup_dirs() {
	T=$(mktemp -d /tmp/gwtest.XXXXXX) || bail "mktemp"
	chmod 755 "$T"
	WORK=$(mktemp -d "$TEST_HOME/work.XXXXXX") || bail "mktemp"
	chown "$TEST_USER" "$WORK"
	SOCK=$T/gw.sock
	# The daemon's policy: root-owned, like /etc/greywall/policy.d, and
	# outside /tmp so that sandboxes would see it if it were not hidden.
	POLICY=$(mktemp -d /var/tmp/gwtest-policy.XXXXXX) || bail "mktemp"
	chmod 755 "$POLICY"
	printf 'default: true\n' >"$POLICY/00-test.yaml"
	GW_EXEC=(setpriv --reuid="$TEST_USER" --regid="$TEST_USER"
	    --init-groups env -i -C "$WORK" PATH=/usr/local/bin:/usr/bin:/bin
	    HOME="$TEST_HOME" GREYWALL_SOCKET="$SOCK" "$GW" exec)
	trap cleanup EXIT
}

# The capabilities the shipped unit leaves greywalld, so the tests run the
# daemon as systemd would.
unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' \
	    "$GW_BUILDDIR/systemd/greywalld.service" | tr 'A-Z' 'a-z' |
	    sed 's/cap_/+/g; s/ /,/g'
}

# A cgroup of the daemon's own in the unified hierarchy (at its root, where
# the controllers are offered) and in our cgroup of each v1 controller
# hierarchy, as systemd makes one for the unit: greywalld keeps no
# CAP_DAC_OVERRIDE, so it cannot create cgroups in the read-only root of a
# hierarchy. Sets DAEMON_CGROUPS.
DAEMON_CGROUPS=
daemon_cgroups_make() {
	local mnt own c
	[ -n "$DAEMON_CGROUPS" ] && return 0
	mnt=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	[ -n "$mnt" ] && DAEMON_CGROUPS="$mnt/gwtest-$$"
	for c in pids memory cpu; do
		mnt=$(findmnt -n -t cgroup -O "$c" -o TARGET | head -n 1)
		[ -n "$mnt" ] || continue
		own=$(awk -F: -v c="$c" '{ n = split($2, a, ",");
		    for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
		    /proc/self/cgroup)
		DAEMON_CGROUPS="$DAEMON_CGROUPS ${mnt}${own%/}/gwtest-$$"
	done
	for c in $DAEMON_CGROUPS; do
		mkdir -p "$c" || bail "mkdir $c"
	done
}

# Remove them, and whatever a killed daemon left inside (empty cgroups).
# greywalld's helpers die with it, but a moment later (PR_SET_PDEATHSIG):
# a cgroup that still holds one is tried again, for up to 2 s.
daemon_cgroups_remove() {
	local c i
	for c in $DAEMON_CGROUPS; do
		i=0
		while [ -d "$c" ] && [ $i -lt 40 ]; do
			find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$c" ] && sleep 0.05
			i=$((i + 1))
		done
	done
}

# start_daemon [ARGS...]: a foreground greywalld on $SOCK, logging to $T,
# with $HOST_HOSTS and $HOST_RESOLV (default: empty files in $T) as the
# host's hosts file and resolv.conf for the netstack's name check,
# with only the capabilities the systemd unit grants, in a cgroup of its
# own as the unit runs it. A program named in $DAEMON_WRAPPER, if set,
# runs in front of greywalld and execs it.
start_daemon() {
	# The netstack helper's user, as setup.sh and sysusers.d make it.
	id _greywall >/dev/null 2>&1 ||
	    useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _greywall || bail "useradd _greywall"
	caps=${DAEMON_CAPS:-$(unit_caps)}
	[ -n "$caps" ] || bail "no CapabilityBoundingSet in the built unit"
	# The netstack checks names against the host's hosts file and
	# resolvers: the test's own, so nothing asks a real resolver.
	: "${HOST_HOSTS:=$T/host-hosts}" "${HOST_RESOLV:=$T/host-resolv.conf}"
	[ -e "$HOST_HOSTS" ] || printf '127.0.0.1 localhost\n' >"$HOST_HOSTS"
	[ -e "$HOST_RESOLV" ] || : >"$HOST_RESOLV"
	daemon_cgroups_make
	# A stale socket file would make the wait below return early.
	rm -f "$SOCK"
	sh -c 'for c in $0; do echo $$ >"$c/cgroup.procs" || exit 1; done
	    exec "$@"' "$DAEMON_CGROUPS" \
	    setpriv --bounding-set=-all,"$caps" --inh-caps=-all \
	    ${DAEMON_WRAPPER:+"$DAEMON_WRAPPER"} \
	    "$GREYWALLD" -d -s "$SOCK" -P "$POLICY" --netstack "$NETSTACK" \
	    --hosts-file "$HOST_HOSTS" --resolv-conf "$HOST_RESOLV" "$@" \
	    >>"$T/daemon.log" 2>&1 &
	daemon_pid=$!
	i=0
	while [ ! -S "$SOCK" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$daemon_pid" 2>/dev/null; then
			cat "$T/daemon.log" >&2
			bail "greywalld did not start"
		fi
		sleep 0.05
	done
}

# journal_start: a systemd-journald for the test where none runs (PID 1
# need not be systemd). Its sockets go in the real /run/systemd/journal,
# where greywalld's sd_journal_send() looks (a path libsystemd fixes, and
# greywalld must stay in the host's mount namespace to clone the client's
# working directory); its storage is a tmpfs of a private mount namespace.
# jctl runs journalctl in the namespace of the journald that listens
# there. journal_stop ends ours and removes what it made; cleanup calls it.
JDIR=/run/systemd/journal
jpid=
jd_made=
journal_start() {
	local p
	if [ -S "$JDIR/socket" ] && p=$(pgrep -xo systemd-journal); then
		diag "a journald is running already (pid $p); using it"
		jreader=$p
		return 0
	fi
	[ -d "$JDIR" ] && jd_made= || jd_made=1
	mkdir -p "$JDIR"
	rm -f "$JDIR/socket"
	unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /run/log &&
	    { [ ! -d /var/log/journal ] ||
	    mount -t tmpfs tmpfs /var/log/journal; } &&
	    exec /lib/systemd/systemd-journald' >"$T/journald.log" 2>&1 &
	jpid=$!
	jreader=$jpid
	wait_for "journald" test -S "$JDIR/socket" ||
	    bail "systemd-journald did not start: $(cat "$T/journald.log")"
}

jctl() { nsenter -t "$jreader" -m journalctl "$@"; }

journal_stop() {
	[ -n "$jpid" ] || return 0
	kill "$jpid"
	wait "$jpid" 2>/dev/null
	rm -f "$JDIR/socket" "$JDIR/stdout" "$JDIR/dev-log" \
	    "$JDIR/io.systemd.journal" "$JDIR/kernel-seqnum" \
	    "$JDIR/streams/"* "$JDIR/flushed" 2>/dev/null
	rmdir "$JDIR/streams" 2>/dev/null
	[ -n "$jd_made" ] && rmdir "$JDIR"
	jpid=
}

# After start_daemon: the denials BPF program must have loaded.
require_denials_bpf() {
	wait_for "the denials program" grep -q "denials: eBPF" \
	    "$T/daemon.log" && return 0
	grep denials "$T/daemon.log" | sed 's/^/# /'
	skip_all "the denials BPF program cannot load here"
}

stop_daemon() {
	kill "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# as_user COMMAND...: run as the test user with a clean environment.
as_user() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$TEST_HOME" \
	    GREYWALL_SOCKET="$SOCK" "$@"
}

# gw_exec ARGS...: gw exec from the work directory as the test user.
# In the background use "${GW_EXEC[@]}" ARGS... & instead: setpriv and env
# exec, so $! is gw's own pid.
gw_exec() {
	"${GW_EXEC[@]}" "$@"
}

# wait_for DESCRIPTION COMMAND...: poll up to 5 s for COMMAND to succeed.
wait_for() {
	local what=$1 i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { diag "timed out waiting for $what"; return 1; }
		sleep 0.05
	done
	return 0
}

# Processes whose command line starts with PATTERN (so gw's own
# "gw exec sleep N" does not count as the sandboxed "sleep N").
running() { pgrep -f "^$1" >/dev/null; }
# The pid of greywalld's child named $1 (gw-netstack, gw-fd-closer).
daemon_child() { pgrep -P "$daemon_pid" -x "$1"; }
no_process() { ! pgrep -f "^$1" >/dev/null; }
