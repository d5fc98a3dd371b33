#!/bin/sh
# Build and install greywall, start greywalld, and run a real command in a
# sandbox as an unprivileged demo user. Run as root; safe to run again.
set -eu
cd "$(dirname "$0")"

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }
.ci/install-deps

if [ -f build/build.ninja ]; then
	meson setup --reconfigure build --prefix=/usr/local --sysconfdir=/etc >/dev/null
else
	meson setup build --prefix=/usr/local --sysconfdir=/etc >/dev/null
fi
ninja -C build
meson install -C build --quiet

# Members of greywall-admin may use gwctl; the netstack helper runs as
# _greywall (the installed sysusers.d file says the same).
getent group greywall-admin >/dev/null || groupadd --system greywall-admin
id _greywall >/dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin _greywall

# The SOCKS5 proxy sandboxes use (GreyProxy's address). If nothing listens
# there, start Debian's microsocks; its own /etc/hosts knows the demo name.
proxy_pidfile=/run/greywall/setup-microsocks.pid
mkdir -p /run/greywall
if ! ss -ltnH 'sport = :43052' | grep -q .; then
	{ cat /etc/hosts; echo "127.0.0.1 demo.greywall.test"; } \
	    >/run/greywall/demo-hosts
	nohup unshare -m sh -c 'mount --bind /run/greywall/demo-hosts \
	    /etc/hosts && exec microsocks -i 127.0.0.1 -p 43052' \
	    >>/var/log/greywall-microsocks.log 2>&1 &
	echo $! >"$proxy_pidfile"
	echo "microsocks started on 127.0.0.1:43052 (pid $!)"
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
	nohup /usr/local/sbin/greywalld -f >>/var/log/greywalld.log 2>&1 &
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
# project directory. A web server on the host's 127.0.0.1 is reached by
# name through the proxy, never directly.
id gwdemo >/dev/null 2>&1 || useradd -m -s /bin/bash gwdemo
home=$(getent passwd gwdemo | cut -d: -f6)
project=$home/demo-project
mkdir -p "$project"
chown gwdemo: "$project"
rm -f "$project/written-in-sandbox.txt" "$home/.escape"

port=18765
mkdir -p /run/greywall/demo-www
echo "hello through the proxy" >/run/greywall/demo-www/index.html
python3 -m http.server --directory /run/greywall/demo-www \
    --bind 127.0.0.1 "$port" >/dev/null 2>&1 &
web=$!
trap 'kill $web 2>/dev/null' EXIT
sleep 0.3

echo "--- gw exec as user gwdemo in $project ---"
runuser -u gwdemo -- sh -c "cd '$project' && gw exec -- bash -c '
	echo \"identity:   \$(id)\"
	echo \"caps:       \$(grep CapEff /proc/self/status)\"
	echo hello >written-in-sandbox.txt && echo \"cwd write:  ok\"
	touch ~/.escape 2>/dev/null && echo \"home write: ALLOWED\" ||
	    echo \"home write: refused (read-only)\"
	test -e ~/.bashrc && echo \"home read:  ~/.bashrc VISIBLE\" ||
	    echo \"home read:  ~/.bashrc not visible (deny by default)\"
	echo \"interfaces: \$(ls /sys/class/net | tr \"\\n\" \" \")\"
	echo \"download:   \$(curl -sS -m 10 http://demo.greywall.test:$port/ 2>&1)\"
	(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null &&
	    echo \"direct:     host 127.0.0.1:$port REACHABLE\" ||
	    echo \"direct:     host 127.0.0.1:$port refused (only the proxy is reachable)\"
'"
echo "--- checked on the host ---"
ok=1
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
