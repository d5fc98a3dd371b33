#!/bin/sh
# Build and install greywall, start greywalld, and run a real command in a
# sandbox as an unprivileged demo user. Run as root; safe to run again.
#
# On Debian it builds the Debian package and installs it, as an
# administrator would (GW_SETUP=meson: a meson install under /usr/local
# instead, the way for other systems).
set -eu
cd "$(dirname "$0")"

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }
.ci/install-deps

mode=${GW_SETUP:-auto}
if [ "$mode" = auto ]; then
	if [ -f /etc/debian_version ] && command -v dpkg-buildpackage >/dev/null
	then
		mode=deb
	else
		mode=meson
	fi
fi

case $mode in
deb)
	# A meson install by an older setup.sh would shadow the package
	# (/usr/local/bin comes first in PATH, and speaks another protocol
	# version): remove it, keeping a default policy the admin edited,
	# which dpkg then keeps too (--force-confold).
	if [ -f build/meson-logs/install-log.txt ] &&
	    [ -f build/build.ninja ]; then
		f=/etc/greywall/policy.d/00-default.yaml keep=
		if [ -f "$f" ] && ! cmp -s "$f" policy.d/00-default.yaml; then
			keep=$(mktemp /tmp/greywall-policy.XXXXXX)
			cp -p "$f" "$keep"
		fi
		echo "removing the meson install of an earlier setup.sh"
		ninja -C build uninstall >/dev/null
		rm -f build/meson-logs/install-log.txt
		if [ -n "$keep" ]; then
			mkdir -p /etc/greywall/policy.d
			cp -p "$keep" "$f"
			rm -f "$keep"
		fi
	fi
	# Build from a copy of the tree: dpkg-buildpackage writes next to
	# it and into debian/.
	work=$(mktemp -d /tmp/greywall-deb.XXXXXX)
	mkdir "$work/greywall"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -z |
		    tar --null -T - -cf - | tar -C "$work/greywall" -xf -
	else
		tar --exclude='./build*' --exclude=./.git -cf - . |
		    tar -C "$work/greywall" -xf -
	fi
	echo "building the Debian package in $work (log: $work/build.log)"
	if ! (cd "$work/greywall" && dpkg-buildpackage -us -uc -b) \
	    >"$work/build.log" 2>&1; then
		tail -n 30 "$work/build.log"
		exit 1
	fi
	# --reinstall: the version stays the same from one run to the next.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
	    -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold "$work"/greywall_*.deb
	rm -rf "$work"
	greywalld=/usr/sbin/greywalld gw=/usr/bin/gw
	;;
meson)
	if [ -f build/build.ninja ]; then
		meson setup --reconfigure build --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var >/dev/null
	else
		meson setup build --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var >/dev/null
	fi
	ninja -C build
	meson install -C build --quiet
	# Members of greywall-admin may use gwctl; the netstack helper
	# runs as _greywall (the installed sysusers.d file says the same;
	# the package makes both).
	getent group greywall-admin >/dev/null ||
	    groupadd --system greywall-admin
	id _greywall >/dev/null 2>&1 || useradd --system --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin _greywall
	greywalld=/usr/local/sbin/greywalld gw=/usr/local/bin/gw
	;;
*)
	echo "setup.sh: GW_SETUP must be deb or meson, not '$mode'" >&2
	exit 2
	;;
esac

# The demo's "remote" web server lives where a real one would: in a
# network namespace of its own, behind a veth, on a test address
# (198.51.100.0/24, TEST-NET-2, never routed).
demo_ns=gwdemo demo_host=198.51.100.1 demo_addr=198.51.100.2
ip netns del "$demo_ns" 2>/dev/null || true
ip link del gwdemo0 2>/dev/null || true
ip netns add "$demo_ns"
ip link add gwdemo0 type veth peer name gwdemo1
ip link set gwdemo1 netns "$demo_ns"
ip addr add "$demo_host/24" dev gwdemo0
ip link set gwdemo0 up
ip -n "$demo_ns" addr add "$demo_addr/24" dev gwdemo1
ip -n "$demo_ns" link set gwdemo1 up
ip -n "$demo_ns" link set lo up

# The SOCKS5 proxy sandboxes use (GreyProxy's address). If nothing listens
# there, start Debian's dante, with rules that refuse loopback and every
# address this host has (a proxy that connects there hands sandboxes the
# host's services; greywalld checks for that, see gwctl status). Its own
# /etc/hosts knows the demo names. A microsocks an older setup.sh started
# is replaced: it connects anywhere.
mkdir -p /run/greywall
old=/run/greywall/setup-microsocks.pid
if [ -f "$old" ]; then
	pid=$(cat "$old")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = microsocks ]; then
		kill "$pid"
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$old"
fi
proxy_pidfile=/run/greywall/setup-danted.pid
if ! ss -ltnH 'sport = :43052' | grep -q .; then
	{ cat /etc/hosts
	  echo "$demo_addr demo.greywall.test"
	  echo "127.0.0.1 demo-loopback.greywall.test"; } \
	    >/run/greywall/demo-hosts
	{
		echo "# Written by greywall's setup.sh for its demo."
		echo "logoutput: /var/log/greywall-danted.log"
		echo "internal: 127.0.0.1 port = 43052"
		ip -o addr show | awk '$2 != "lo" { print "external: " $2 }' |
		    sed 's/@.*//' | sort -u
		echo "external.rotation: route"
		echo "clientmethod: none"
		echo "socksmethod: none"
		echo "user.privileged: root"
		echo "user.unprivileged: nobody"
		echo "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }"
		for a in 127.0.0.0/8 0.0.0.0/32 ::1/128 ::/128 \
		    169.254.0.0/16 fe80::/10 \
		    $(ip -o addr show | awk '{ print $4 }' |
		    sed 's,/.*,,; /:/s,$,/128,; /:/!s,$,/32,' | sort -u); do
			echo "socks block { from: 0.0.0.0/0 to: $a log: connect }"
		done
		echo "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }"
		echo "socks pass { from: 0.0.0.0/0 to: ::/0 }"
	} >/run/greywall/demo-danted.conf
	nohup unshare -m sh -c 'mount --bind /run/greywall/demo-hosts \
	    /etc/hosts && exec danted -f /run/greywall/demo-danted.conf \
	    -p /run/greywall/danted.pid -N 2' \
	    >>/var/log/greywall-danted.log 2>&1 &
	echo $! >"$proxy_pidfile"
	i=0
	until ss -ltnH 'sport = :43052' | grep -q .; do
		i=$((i + 1))
		[ $i -le 50 ] || { tail /var/log/greywall-danted.log; exit 1; }
		sleep 0.1
	done
	echo "dante started on 127.0.0.1:43052 (pid $!), refusing this host's addresses"
fi

sock=/run/greywall/greywall.sock
pidfile=/run/greywall/setup-greywalld.pid
if [ "$(cat /proc/1/comm)" = systemd ]; then
	systemctl daemon-reload
	systemctl enable --now greywalld.socket
	# Pick up a new binary if an older one is running.
	systemctl try-restart greywalld.service
else
	# No systemd: run it in the background; stop the one we started
	# last time, by its recorded pid, to pick up a new binary.
	if [ -f "$pidfile" ]; then
		pid=$(cat "$pidfile")
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = greywalld ]; then
			kill "$pid"
			while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		fi
		rm -f "$pidfile"
	fi
	mkdir -p /run/greywall
	nohup "$greywalld" -f >>/var/log/greywalld.log 2>&1 &
	echo $! >"$pidfile"
	i=0
	until [ -S "$sock" ]; do
		i=$((i + 1))
		[ $i -le 50 ] || { cat /var/log/greywalld.log; exit 1; }
		sleep 0.1
	done
	echo "greywalld started (pid $(cat "$pidfile"), log /var/log/greywalld.log)"
fi

# The demo: an unprivileged user runs a command in a sandbox from a
# project directory. The web server in the demo namespace is reached by
# name through the proxy; the host's own services are not, neither
# directly, nor by a name the host resolves to 127.0.0.1, nor at the
# host's own address.
id gwdemo >/dev/null 2>&1 || useradd -m -s /bin/bash gwdemo
home=$(getent passwd gwdemo | cut -d: -f6)
project=$home/demo-project
mkdir -p "$project"
chown gwdemo: "$project"
rm -f "$project/written-in-sandbox.txt" "$home/.escape"

port=18765
mkdir -p /run/greywall/demo-www
echo "hello through the proxy" >/run/greywall/demo-www/index.html
mkdir -p /run/greywall/demo-host
echo "a host service" >/run/greywall/demo-host/demo-host.html
ip netns exec "$demo_ns" python3 -m http.server \
    --directory /run/greywall/demo-www --bind "$demo_addr" "$port" \
    >/dev/null 2>&1 &
web=$!
# A host service on every address: nothing in a sandbox may reach it.
python3 -m http.server --directory /run/greywall/demo-host --bind 0.0.0.0 \
    $((port + 1)) >/dev/null 2>&1 &
hostweb=$!
trap 'kill $web $hostweb 2>/dev/null; ip netns del "$demo_ns" 2>/dev/null' EXIT
host_addr=$(ip -o -4 addr show scope global | awk '$2 != "gwdemo0" {
    sub("/.*", "", $4); print $4; exit }')
i=0
until ip netns exec "$demo_ns" ss -ltnH "sport = :$port" | grep -q . &&
    ss -ltnH "sport = :$((port + 1))" | grep -q .; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "setup.sh: the demo servers did not start" >&2; exit 1; }
	sleep 0.1
done

echo "--- gw exec as user gwdemo in $project ---"
runuser -u gwdemo -- sh -c "cd '$project' && '$gw' exec -- bash -c '
	echo \"identity:   \$(id)\"
	echo \"caps:       \$(grep CapEff /proc/self/status)\"
	echo hello >written-in-sandbox.txt && echo \"cwd write:  ok\"
	touch ~/.escape 2>/dev/null &&
	    echo \"home write: into a private home, discarded at exit\" ||
	    echo \"home write: refused (read-only)\"
	test -e ~/.bashrc && echo \"home read:  ~/.bashrc VISIBLE\" ||
	    echo \"home read:  ~/.bashrc not visible (deny by default)\"
	echo \"interfaces: \$(ls /sys/class/net | tr \"\\n\" \" \")\"
	echo \"download:   \$(curl -sS -m 10 http://demo.greywall.test:$port/ 2>&1)\"
	(exec 3<>/dev/tcp/127.0.0.1/$((port + 1))) 2>/dev/null &&
	    echo \"direct:     host 127.0.0.1:$((port + 1)) REACHABLE\" ||
	    echo \"direct:     host 127.0.0.1:$((port + 1)) refused (only the proxy is reachable)\"
	curl -s -m 10 -o /dev/null http://demo-loopback.greywall.test:$((port + 1))/demo-host.html &&
	    echo \"by name:    a name for host 127.0.0.1 REACHABLE\" ||
	    echo \"by name:    a name for host 127.0.0.1 refused (by the proxy)\"
	if [ -n \"$host_addr\" ]; then
		curl -s -m 10 -o /dev/null http://$host_addr:$((port + 1))/demo-host.html &&
		    echo \"host addr:  $host_addr:$((port + 1)) REACHABLE\" ||
		    echo \"host addr:  $host_addr:$((port + 1)) refused (an address of the host)\"
	fi
'" | tee /run/greywall/demo.out
echo "--- checked on the host ---"
ok=1
if grep -q "^download:   hello through the proxy" /run/greywall/demo.out; then
	echo "the demo server was reached through the proxy, by name"
else
	echo "FAIL: the demo server was not reached"; ok=0
fi
if grep -q REACHABLE /run/greywall/demo.out; then
	echo "FAIL: the sandbox reached a host service"; ok=0
else
	echo "no host service was reachable from the sandbox"
fi
if [ -s "$project/written-in-sandbox.txt" ]; then
	echo "the project file was written: $project/written-in-sandbox.txt"
else
	echo "FAIL: the project file is missing"; ok=0
fi
if [ -e "$home/.escape" ]; then
	echo "FAIL: the sandbox wrote to the home directory"; ok=0
else
	echo "nothing was written to $home"
fi
[ $ok = 1 ] && echo "greywall works: try 'gw exec -- sh' as any user from a project directory"
[ $ok = 1 ]
