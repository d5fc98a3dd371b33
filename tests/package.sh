#!/bin/bash
# The Debian package, end to end on this machine: dpkg-buildpackage builds
# greywall_*.deb from a copy of the tree, lintian finds no error, apt-get
# installs it under /usr and /etc (gw and gwctl on a user's PATH, units
# that start the installed greywalld, the sysusers.d user and group, the
# tmpfiles.d directory, man pages, completions, the policy as a conffile),
# systemd-analyze verifies the installed units, the installed greywalld,
# started in the foreground on a private socket with the installed policy
# (PID 1 is not systemd here), runs one gw exec for a user, and purging
# the package leaves none of its files behind.
#
# It installs into the real /usr: it refuses to run if another version of
# greywall is installed, or anything else owns its paths, and starts no
# service (no systemd, or a policy-rc.d that denies it). The package that
# setup.sh installed from this tree is purged for the test and put back
# afterwards, with /etc/greywall and /var/lib/greywall as they were. Run
# by tests/run.sh.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)

# libtest.sh for TAP, the test user and start_daemon, pointed at the
# installed files: the unit's capabilities come from the installed unit.
fake=$(mktemp -d /tmp/gwpkg-build.XXXXXX) || exit 1
mkdir -p "$fake/systemd"
ln -s /lib/systemd/system/greywalld.service "$fake/systemd/"
export GW_BUILDDIR=$fake GW_SRCDIR=$src
. "$src/tests/lib/libtest.sh"
GREYWALLD=/usr/sbin/greywalld
GW=/usr/bin/gw
GWCTL=/usr/bin/gwctl
# The installed helper (meson's libexecdir under /usr), not a build's.
NETSTACK=/usr/libexec/greywall/gw-netstack

[ "$(id -u)" = 0 ] || skip_all "needs root to install a package"
command -v dpkg-buildpackage >/dev/null ||
    bail "dpkg-buildpackage is missing: run .ci/install-deps"
# The package setup.sh installed from this tree (the same version) is
# put back afterwards, with its configuration and store: README's two
# commands run one after the other. Any other install is left alone.
status=$(dpkg-query -W -f='${Status} ${Version}' greywall 2>/dev/null)
restore=
if [ "${status% *}" = "install ok installed" ]; then
	ver=$(cd "$src" && dpkg-parsechangelog -S Version)
	[ "${status##* }" = "$ver" ] || bail "greywall ${status##* } is" \
	    "installed: this test would remove it (it puts back only the" \
	    "version it builds, $ver)"
	restore=1
elif echo "$status" | grep -q installed; then
	bail "greywall is installed ($status): this test would remove it"
else
	for f in /usr/sbin/greywalld /usr/bin/gw /usr/bin/gwctl; do
		[ -e "$f" ] && bail "$f exists: this test would overwrite it"
	done
fi

plan 32

B=$(mktemp -d /tmp/gwpkg.XXXXXX) || bail "mktemp"
rc_made=
# A "meson install --sysconfdir=/etc" (setup.sh) left a policy there that
# dpkg does not know: keep it aside while the package owns /etc/greywall.
saved=
if [ -e /etc/greywall ]; then
	mv /etc/greywall "$B/etc-greywall" || bail "move /etc/greywall aside"
	saved=1
fi
# The store of the install put back (restore), beside the real one.
store_kept=/var/lib/greywall.pkgtest-$$
pkg_cleanup() {
	# Whatever failed, do not leave the test's package installed (the
	# one to put back is still there until it was purged).
	if [ -z "$restore" ] || [ -n "$purged" ]; then
		dpkg-query -W -f='${Status}' greywall 2>/dev/null |
		    grep -q installed &&
		    apt-get purge -y -q greywall >/dev/null 2>&1
	fi
	if [ -n "$saved" ]; then
		rm -rf /etc/greywall
		mv "$B/etc-greywall" /etc/greywall
	fi
	if [ -e "$store_kept" ]; then
		rm -rf /var/lib/greywall
		mv "$store_kept" /var/lib/greywall
	fi
	if [ -n "$purged" ]; then
		# Its policy is back in /etc: dpkg keeps it (confold).
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    -o DPkg::Lock::Timeout=300 \
		    -o Dpkg::Options::=--force-confdef \
		    -o Dpkg::Options::=--force-confold "$deb" \
		    >"$B/restore.log" 2>&1 ||
		    { echo "# could not put greywall back:" >&2
		      tail -n 20 "$B/restore.log" >&2; }
	fi
	[ -n "$rc_made" ] && rm -f /usr/sbin/policy-rc.d
	rm -rf "$B" "$fake"
	cleanup
}
purged=
# libtest's setup_dirs sets its own trap: set them up first, then ours.
setup_user
setup_dirs
trap pkg_cleanup EXIT
# A greywalld installed otherwise may have made it already.
run_dir_was=$([ -e /run/greywall ] && echo yes || echo no)

# --- build -------------------------------------------------------------------
mkdir "$B/greywall"
(cd "$src" && git ls-files -co --exclude-standard -z | grep -zv '^debian/greywall/' |
    tar --null -T - -cf -) | tar -C "$B/greywall" -xf - || bail "copy the tree"
(cd "$B/greywall" && dpkg-buildpackage -us -uc -b) >"$B/build.log" 2>&1
rc=$?
[ $rc = 0 ] || diag "$(tail -n 30 "$B/build.log")"
is "dpkg-buildpackage -us -uc -b" $rc 0
deb=$(ls "$B"/greywall_*_*.deb 2>/dev/null | head -n 1)
ok "it built greywall_*.deb" test -f "$deb"
# gw and gwctl are static-pie (client/meson.build): the archives they link
# are named, as Debian's policy asks of a static link.
bu=$(dpkg-deb -f "$deb" Built-Using 2>/dev/null)
case "$bu" in
glibc\ \(=\ *\),\ jansson\ \(=\ *\)) ok "Built-Using: $bu" true ;;
*) ok "Built-Using names glibc and jansson (it is '$bu')" false ;;
esac
lintian --fail-on error "$B"/greywall_*.changes >"$B/lintian.log" 2>&1
rc=$?
[ $rc = 0 ] || diag "$(cat "$B/lintian.log")"
is "lintian: no errors" $rc 0
diag "lintian:" "$(cat "$B/lintian.log")"

# --- install -----------------------------------------------------------------
# setup.sh's install goes now that there is a package to put back: the
# test starts from none. Its store is kept aside (purge removes it).
if [ -n "$restore" ] && [ -f "$deb" ]; then
	[ -e /var/lib/greywall ] && mv /var/lib/greywall "$store_kept"
	apt-get purge -y -q -o DPkg::Lock::Timeout=300 greywall \
	    >"$B/purge-first.log" 2>&1 ||
	    bail "apt-get purge of the installed greywall failed"
	purged=1
fi
# No service may start here: without systemd nothing does; with it, a
# policy-rc.d says no (and is removed again).
if [ -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	rc_made=1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=300 "$deb" >"$B/install.log" 2>&1
rc=$?
[ $rc = 0 ] || diag "$(tail -n 20 "$B/install.log")"
is "apt-get install ./greywall_*.deb" $rc 0
dpkg-query -L greywall >"$B/files" 2>/dev/null

# /usr/local/bin may hold a "meson install"; the package's are in /usr/bin.
is "gw on a user's PATH is /usr/bin/gw" \
    "$(as_user env PATH=/usr/bin:/bin sh -c 'command -v gw')" /usr/bin/gw
is "gwctl on a user's PATH is /usr/bin/gwctl" \
    "$(as_user env PATH=/usr/bin:/bin sh -c 'command -v gwctl')" \
    /usr/bin/gwctl
ok "greywalld is /usr/sbin/greywalld" test -x /usr/sbin/greywalld
is "the service starts the installed greywalld" \
    "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/greywalld.service)" \
    "/usr/sbin/greywalld -f"
out=$(systemd-analyze verify /lib/systemd/system/greywalld.socket \
    /lib/systemd/system/greywalld.service 2>&1)
rc=$?
[ $rc = 0 ] || diag "$out"
is "systemd-analyze verify on the installed units" $rc 0
ok "sysusers.d made the _greywall user" id _greywall
ok "and the greywall-admin group" getent group greywall-admin
ok "tmpfiles.d made /run/greywall" test -d /run/greywall
is "the default policy is a conffile" \
    "$(dpkg-query -W -f='${Conffiles}' greywall | awk '{ print $1 }')" \
    /etc/greywall/policy.d/00-default.yaml
ok "the journal catalog is installed" \
    test -f /usr/lib/systemd/catalog/greywall.catalog
is "man pages for gw, gwctl, greywalld, greywall-policy" \
    "$(man -w gw gwctl greywalld greywall-policy 2>/dev/null | wc -l)" 4
ok "bash completion for gw and gwctl" test -f \
    /usr/share/bash-completion/completions/gw -a -f \
    /usr/share/bash-completion/completions/gwctl
ok "zsh completion for gw and gwctl" test -f \
    /usr/share/zsh/vendor-completions/_gw -a -f \
    /usr/share/zsh/vendor-completions/_gwctl
# On the default fpath; a meson install in /usr/local (setup.sh) may put
# its own copy earlier on it, which is that install's, not the package's.
is "zsh finds them on its default fpath" "$(zsh -f -c \
    'print -l $^fpath/_gw(N) $^fpath/_gwctl(N)' | grep -v '^/usr/local/')" \
    "/usr/share/zsh/vendor-completions/_gw
/usr/share/zsh/vendor-completions/_gwctl"

# --- run the installed greywalld ---------------------------------------------
start_daemon -P /etc/greywall/policy.d
contains "greywalld reads the installed policy" "$(cat "$T/daemon.log")" \
    "files from /etc/greywall/policy.d"
out=$(gw_exec -- sh -c 'echo ran >out' 2>&1)
is "gw exec as a user with the installed policy" "$?:$out" "0:"
ok "the command ran" test -f "$WORK/out"
out=$(as_user "$GW" doctor 2>&1)
contains "gw doctor talks to the installed greywalld" "$out" version
stop_daemon

# --- remove and purge --------------------------------------------------------
apt-get remove -y -q -o DPkg::Lock::Timeout=300 greywall \
    >"$B/remove.log" 2>&1
is "apt-get remove" $? 0
ok "the binaries are gone" test ! -e /usr/bin/gw -a ! -e /usr/bin/gwctl \
    -a ! -e /usr/sbin/greywalld
ok "the conffile stays until purge" \
    test -f /etc/greywall/policy.d/00-default.yaml
apt-get purge -y -q -o DPkg::Lock::Timeout=300 greywall \
    >"$B/purge.log" 2>&1
is "apt-get purge" $? 0
is "dpkg knows greywall no more" \
    "$(dpkg-query -W -f='${Status}' greywall 2>/dev/null)" ""
# Every path the package had: gone, unless another package owns it.
left=
while read -r f; do
	[ "$f" = /. ] && continue
	[ -e "$f" ] || [ -L "$f" ] || continue
	[ -d "$f" ] && dpkg-query -S "$f" >/dev/null 2>&1 && continue
	left="$left $f"
done <"$B/files"
is "nothing of the package is left" "$left" ""
ok "no /etc/greywall" test ! -e /etc/greywall
ok "no enabled unit left" sh -c '! ls /etc/systemd/system/*/greywalld.* \
    /var/lib/systemd/deb-systemd-helper-enabled/*greywall* 2>/dev/null |
    grep -q .'
is "/run/greywall is gone, unless it was there before" \
    "$([ -e /run/greywall ] && echo yes || echo no)" "$run_dir_was"

done_testing
