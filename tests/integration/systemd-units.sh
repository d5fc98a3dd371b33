#!/bin/bash
# Check the configured systemd units: systemd-analyze verify accepts them,
# and they keep the properties greywalld relies on. Prints TAP.
#
# Env: GW_BUILDDIR, the meson build root (units in $GW_BUILDDIR/systemd,
# the daemon in $GW_BUILDDIR/daemon/greywalld). Works without systemd as
# PID 1: verify only loads the units, it does not start them.

set -u

builddir=${GW_BUILDDIR:?GW_BUILDDIR must be set to the meson build root}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed"
	exit 77
fi

echo "1..10"

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
has_line() {
	grep -qxF "$2" "$1"
}
diag() {
	sed 's/^/# /'
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gw-units.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

socket=$tmp/greywalld.socket
service=$tmp/greywalld.service

# 1: meson configured both units.
if cp "$builddir/systemd/greywalld.socket" "$socket" 2>/dev/null &&
    cp "$builddir/systemd/greywalld.service" "$service" 2>/dev/null; then
	ok "units configured in $builddir/systemd"
else
	not_ok "units configured in $builddir/systemd"
	echo "Bail out! greywalld.socket or greywalld.service missing"
	exit 1
fi

# 2: no @placeholder@ left unsubstituted.
if grep -n '@[A-Za-z_]*@' "$socket" "$service" >"$tmp/placeholders"; then
	diag <"$tmp/placeholders"
	not_ok "no unsubstituted placeholders"
else
	ok "no unsubstituted placeholders"
fi

# 3: systemd-analyze verify, against the greywalld from this build tree.
# verify fails if ExecStart= is not executable, so point it at the build.
sed -i -e "s|^ExecStart=[^ ]*/greywalld|ExecStart=$builddir/daemon/greywalld|" \
    "$service"
verify_args=(verify)
# Documentation=man:greywalld(8) is checked with man(1): use the pages from
# this build if they exist, else skip that check (pages are not installed).
if command -v man >/dev/null 2>&1 && [ -f "$builddir/man/greywalld.8" ]; then
	mkdir -p "$tmp/man/man8"
	cp "$builddir/man/greywalld.8" "$tmp/man/man8/"
	export MANPATH=$tmp/man
else
	verify_args+=(--man=no)
fi
# Only our units' problems count, not those of the host's units they pull in.
if systemd-analyze --help 2>/dev/null | grep -q -- --recursive-errors; then
	verify_args+=(--recursive-errors=no)
fi
out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=warning systemd-analyze \
    "${verify_args[@]}" "$socket" "$service" 2>&1)
rc=$?
# verify exits 0 on unknown keys, only warning about them: count those too.
if [ "$rc" -eq 0 ] && ! grep -q greywalld <<<"$out"; then
	ok "systemd-analyze verify"
else
	diag <<<"$out"
	not_ok "systemd-analyze verify (exit $rc)"
fi

# 4: readiness comes from greywalld's sd_notify(), and only from it.
notify_main() {
	has_line "$service" "Type=notify" &&
	    has_line "$service" "NotifyAccess=main"
}
check "service is Type=notify with NotifyAccess=main" notify_main

# 5: systemd supervises the process it started, so no daemonizing.
check "ExecStart runs greywalld in the foreground (-f)" \
    grep -qE "^ExecStart=[^ ]*/greywalld( .*)? -f( |$)" "$service"

# 6: the socket gw and gwctl connect to.
seqpacket_socket() {
	grep -qE '^ListenSequentialPacket=/.*/greywall/greywall\.sock$' \
	    "$socket" && has_line "$socket" "SocketMode=0666"
}
check "socket is ListenSequentialPacket=.../greywall/greywall.sock, 0666" \
    seqpacket_socket

# 7: every capability named exists (systemd ignores unknown names silently),
# and none lets greywalld bypass file permissions.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$service")
known=$(systemd-analyze capability 2>/dev/null | awk 'NR > 1 { print $1 }')
bad=""
for c in $caps; do
	lc=$(tr '[:upper:]' '[:lower:]' <<<"$c")
	case $lc in
	cap_dac_*) bad="$bad $c" ;;
	esac
	if [ -n "$known" ] && ! grep -qx "$lc" <<<"$known"; then
		bad="$bad $c"
	fi
done
if [ -n "$caps" ] && [ -z "$bad" ]; then
	ok "CapabilityBoundingSet is known capabilities without CAP_DAC_*"
else
	echo "# CapabilityBoundingSet='$caps' bad:${bad:- (empty set)}"
	not_ok "CapabilityBoundingSet is known capabilities without CAP_DAC_*"
fi

# 8: settings that give greywalld a private mount namespace or a seccomp
# filter are inherited by every sandbox, and a private mount namespace
# breaks the bind mount of the client's working directory. Only the
# filters checked in 9 take nothing away that sandboxes may have.
inherited='ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|PrivateMounts'
inherited+='|ProtectKernelTunables|ProtectKernelModules|ProtectKernelLogs'
inherited+='|ProtectControlGroups|ProtectProc|ProcSubset|ProtectHostname'
inherited+='|ReadOnlyPaths|ReadWritePaths|InaccessiblePaths|ExecPaths'
inherited+='|NoExecPaths|TemporaryFileSystem|BindPaths|BindReadOnlyPaths'
inherited+='|RootDirectory|RootImage|MountAPIVFS'
inherited+='|SystemCallFilter|RestrictNamespaces|MemoryDenyWriteExecute'
inherited+='|RestrictSUIDSGID|ProtectClock|DevicePolicy|DeviceAllow'
inherited+='|IPAddressDeny|PrivateNetwork|PrivateUsers'
if grep -nE "^($inherited)=" "$service" >"$tmp/inherited"; then
	diag <"$tmp/inherited"
	not_ok "service sets nothing sandboxes would inherit"
else
	ok "service sets nothing sandboxes would inherit"
fi

# 9: the seccomp settings sandboxes do inherit, exactly as vetted.
vetted_filters() {
	has_line "$service" "SystemCallArchitectures=native" &&
	    has_line "$service" "LockPersonality=yes" &&
	    has_line "$service" "RestrictRealtime=yes" &&
	    has_line "$service" \
	    "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6"
}
check "inherited seccomp settings are the vetted ones" vetted_filters

# 10: greywalld makes sandbox cgroups under its own, with these controllers.
check "Delegate= gives greywalld the pids, memory and cpu controllers" \
    has_line "$service" "Delegate=pids memory cpu"

[ "$failed" -eq 0 ]
