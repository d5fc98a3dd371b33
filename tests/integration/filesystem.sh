#!/bin/bash
# The sandbox's file system is deny by default: a read-only tmpfs root
# with the system directories, a minimal /dev, private scratch space, the
# working directory, and only the home paths the policy names. Each
# assertion checks the effect: what the command reads, what reaches the
# host, and exit statuses.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_user2
setup_dirs
start_daemon

plan 100

# Host files the test plants in the user's home, removed on exit whatever
# happens. Leftovers of an interrupted run are removed first.
HOME_FILES=("$TEST_HOME/secret.txt" "$TEST_HOME/ro-data" "$TEST_HOME/rw-data"
    "$TEST_HOME/linkdir" "$TEST_HOME/no-such-write-dir"
    "$TEST_HOME/no-such-read-dir" "$TEST_HOME/a.txt")
MARK=gw-fs-$$
HOST_FILES=("/newfile-$MARK" "/etc/$MARK" "/var/tmp/$MARK" "/var/tmp/host-$MARK"
    "/tmp/$MARK" "/dev/shm/$MARK")
rm -rf "${HOME_FILES[@]}" "${HOST_FILES[@]}"
trap 'cleanup; rm -rf "${HOME_FILES[@]}" "${HOST_FILES[@]}"' EXIT

# as_owner FILE CONTENT: a file of the test user's, readable only by it.
as_owner() {
	printf '%s\n' "$2" >"$1"
	chown "$TEST_USER:" "$1"
	chmod 600 "$1"
}
as_owner "$TEST_HOME/secret.txt" host-secret
as_owner "$TEST_HOME/a.txt" a-text
mkdir -p "$TEST_HOME/ro-data/sub" "$TEST_HOME/rw-data/private"
as_owner "$TEST_HOME/ro-data/file.txt" ro-content
as_owner "$TEST_HOME/ro-data/secret" ro-secret
as_owner "$TEST_HOME/rw-data/existing.txt" rw-old
as_owner "$TEST_HOME/rw-data/private/key" private-key
chown -R "$TEST_USER:" "$TEST_HOME/ro-data" "$TEST_HOME/rw-data"
chmod 755 "$TEST_HOME/ro-data" "$TEST_HOME/rw-data" "$TEST_HOME/rw-data/private"

# run CMD...: gw exec CMD as the test user; sets out, err and st.
run() {
	out=$(gw_exec "$@" 2>"$T/err")
	st=$?
	err=$(cat "$T/err")
}

# refusal DESCRIPTION TEXT: gw refused to start the sandbox (125) with
# an error of its own that contains TEXT.
refusal() {
	case $st:$err in
	125:gw:*"$2"*) ok "$1" true ;;
	*) ok "$1" false; diag "status $st, error '$err' lacks '$2'" ;;
	esac
}

# host_has PATH: "present" or "absent", as the host sees it.
host_has() {
	if [ -e "$1" ] || [ -L "$1" ]; then echo present; else echo absent; fi
}

# set_policy YAML: the test user's policy file, applied with a reload.
set_policy() {
	printf '%s\n' "$1" >"$POLICY/10-fs.yaml"
	chmod 644 "$POLICY/10-fs.yaml"
	chown root:root "$POLICY/10-fs.yaml"
	"$GWCTL" -S "$SOCK" reload >"$T/reload" 2>&1 ||
	    { diag "gwctl reload failed:"; sed 's/^/#   /' "$T/reload"; }
}

# --- the root: a fresh, read-only tmpfs --------------------------------------
run stat -f -c %T /
is "the root is a tmpfs" "$st:$out" "0:tmpfs"
run sh -c "echo x >/newfile-$MARK"
contains "writing /newfile fails with EROFS" "$err" \
    "cannot create /newfile-$MARK: Read-only file system"
is "and nothing appears on the host" "$(host_has "/newfile-$MARK")" absent
run sh -c 'for d in srv boot mnt media work root var/lib; do
	test -e "/$d" && echo "/$d"; done; true'
is "host directories /srv /boot /mnt /media /work /root /var/lib are not there" \
    "$st:$out" "0:"

# --- system paths ------------------------------------------------------------
run sh -c 'for d in /usr /etc /bin /sbin /lib /lib64; do
	test -d "$d" || echo "missing $d"; done; true'
is "/usr /etc /bin /sbin /lib /lib64 are directories" "$st:$out" "0:"
run test -L /bin
is "/bin is a symlink, as on the host" "$st" 0
run readlink /bin /sbin /lib /lib64
is "the merged-usr links point where the host's do" "$st:$out" \
    "0:$(readlink /bin /sbin /lib /lib64)"
run grep -c "^$TEST_USER:" /etc/passwd
is "/etc/passwd is readable" "$st:$out" "0:1"
run id -un
is "id -un finds the user in the password database" "$st:$out" \
    "0:$TEST_USER"
run sh -c "echo x >/etc/$MARK"
contains "writing /etc fails with EROFS" "$err" \
    "cannot create /etc/$MARK: Read-only file system"
is "and nothing appears in the host's /etc" "$(host_has "/etc/$MARK")" absent
run sh -c 'echo x >/usr/bin/true'
contains "writing over /usr/bin/true fails with EROFS" "$err" \
    "cannot create /usr/bin/true: Read-only file system"

# --- the home directory: only the cwd ----------------------------------------
run cat "$TEST_HOME/secret.txt"
is "a file in the home is not readable (cat exits 1, reads nothing)" \
    "$st:$out" "1:"
contains "because it is not there" "$err" \
    "cat: $TEST_HOME/secret.txt: No such file or directory"
run test -e "$TEST_HOME/secret.txt"
is "test -e on it is false" "$st" 1
# Landlock grants nothing on the directories of the tree itself, so they
# cannot be listed; landlock.sh checks what they hold without Landlock.
run ls -A "$TEST_HOME"
is "the home cannot be listed (Landlock)" "$st:$out" "2:"
run test -e /root
is "/root is not there" "$st" 1
run test -e "$TEST_HOME2"
is "the other user's home is not there" "$st" 1
run ls -A /home
is "/home cannot be listed (Landlock)" "$st:$out" "2:"

# A symlink in the cwd to the home leads nowhere.
ln -s "$TEST_HOME" "$WORK/link"
chown -h "$TEST_USER:" "$WORK/link"
run cat "$WORK/link/secret.txt"
is "a symlink in the cwd to the home reads nothing" "$st:$out" "1:"
contains "the target is not there" "$err" \
    "cat: $WORK/link/secret.txt: No such file or directory"
run cat link/a.txt
is "nor through a relative path" "$st:$out" "1:"

# --- the working directory ---------------------------------------------------
as_owner "$WORK/in-cwd.txt" cwd-content
run cat in-cwd.txt
is "a host file in the cwd is readable" "$st:$out" "0:cwd-content"
run sh -c 'echo cwd-write >cwd-out.txt'
is "a write to the cwd succeeds" "$st" 0
is "and reaches the host" "$(cat "$WORK/cwd-out.txt" 2>&1)" cwd-write

# --- scratch space -----------------------------------------------------------
run sh -c "echo vt >/var/tmp/$MARK && cat /var/tmp/$MARK"
is "/var/tmp is writable inside" "$st:$out" "0:vt"
is "and the file is absent on the host" "$(host_has "/var/tmp/$MARK")" absent
echo host >"/var/tmp/host-$MARK"
chmod 644 "/var/tmp/host-$MARK"
run test -e "/var/tmp/host-$MARK"
is "the host's /var/tmp files are not there" "$st" 1
run sh -c "echo t >/tmp/$MARK && cat /tmp/$MARK"
is "/tmp is writable inside, the file absent on the host" \
    "$st:$out:$(host_has "/tmp/$MARK")" "0:t:absent"
run sh -c "echo shm >/dev/shm/$MARK && cat /dev/shm/$MARK"
is "/dev/shm is writable inside" "$st:$out" "0:shm"
is "and the file is absent on the host" "$(host_has "/dev/shm/$MARK")" absent

# --- /run and /dev -----------------------------------------------------------
run ls -A /run
is "/run is empty" "$st:$out" "0:"
run sh -c 'ls -A /dev | LC_ALL=C sort'
is "/dev holds exactly the minimal set" "$st:$out" "0:$(printf '%s\n' \
    null zero full random urandom tty pts ptmx shm fd stdin stdout stderr |
    LC_ALL=C sort)"
run sh -c 'echo x >/dev/null && stat -c %t:%T /dev/null'
is "/dev/null is writable and is the null device (1,3)" "$st:$out" "0:1:3"
run sh -c 'head -c 16 /dev/urandom | wc -c'
is "/dev/urandom gives 16 bytes" "$st:$out" "0:16"
run sh -c 'for d in sda vda kmsg mem port kvm; do
	test -e "/dev/$d" && echo "/dev/$d"; done; true'
is "no disks, /dev/kmsg, /dev/mem, /dev/port or /dev/kvm" "$st:$out" "0:"
run /usr/bin/python3 -c \
    'import os; m, s = os.openpty(); print("pty ok", os.ttyname(s))'
is "openpty works on a devpts of the sandbox's own (first pty is 0)" \
    "$st:$out" "0:pty ok /dev/pts/0"

# --- policy read and write paths, deny_read ----------------------------------
set_policy "users: [$TEST_USER]
filesystem:
  read: [\"~/ro-data\"]
  write: [\"~/rw-data\"]
  deny_read: [\"~/ro-data/secret\", \"~/rw-data/private\"]"

run cat "$TEST_HOME/ro-data/file.txt"
is "a read path is readable" "$st:$out" "0:ro-content"
run sh -c "echo changed >'$TEST_HOME/ro-data/file.txt'"
contains "overwriting a file in it fails with EROFS" "$err" \
    "cannot create $TEST_HOME/ro-data/file.txt: Read-only file system"
is "and the host file is unchanged" \
    "$(cat "$TEST_HOME/ro-data/file.txt")" ro-content
run sh -c "echo new >'$TEST_HOME/ro-data/new.txt'"
contains "creating a file in it fails with EROFS" "$err" \
    "cannot create $TEST_HOME/ro-data/new.txt: Read-only file system"
is "and nothing appears on the host" \
    "$(host_has "$TEST_HOME/ro-data/new.txt")" absent

run sh -c "echo rw-new >'$TEST_HOME/rw-data/new.txt'"
is "a new file in a write path can be written" "$st" 0
is "and it reaches the host" "$(cat "$TEST_HOME/rw-data/new.txt" 2>&1)" \
    rw-new
run sh -c "echo rw-more >>'$TEST_HOME/rw-data/existing.txt'"
is "an existing file in it can be appended to, on the host" "$st:$(cat \
    "$TEST_HOME/rw-data/existing.txt")" "0:rw-old
rw-more"

run sh -c "test -d '$TEST_HOME/ro-data' && test -d '$TEST_HOME/rw-data' &&
    test -d '$WORK' && ! ls -A '$TEST_HOME'"
is "the home holds the work directory and the policy paths, unlisted" \
    "$st" 0
run cat "$TEST_HOME/secret.txt"
is "the rest of the home is still not readable" "$st:$out" "1:"

run cat "$TEST_HOME/ro-data/secret"
is "a deny_read file in a read path reads nothing" "$st:$out" "1:"
contains "cat says permission denied" "$err" \
    "cat: $TEST_HOME/ro-data/secret: Permission denied"
is "and the host file is intact" "$(cat "$TEST_HOME/ro-data/secret")" \
    ro-secret
run ls -A "$TEST_HOME/rw-data/private"
is "a deny_read directory in a write path looks empty" "$st:$out" "0:"
run cat "$TEST_HOME/rw-data/private/key"
is "and the file in it reads nothing" "$st:$out" "1:"
run sh -c "echo x >'$TEST_HOME/rw-data/private/planted'"
contains "nothing can be written into it" "$err" \
    "cannot create $TEST_HOME/rw-data/private/planted:"
is "and nothing reaches the host" \
    "$(host_has "$TEST_HOME/rw-data/private/planted")" absent
is "and the host's directory is intact" \
    "$(ls -A "$TEST_HOME/rw-data/private"):$(cat \
    "$TEST_HOME/rw-data/private/key")" "key:private-key"

# The same policy where the user keeps the directories to itself (0700,
# as ~/.ssh is): the masks inside them must still apply.
chmod 700 "$TEST_HOME/ro-data" "$TEST_HOME/rw-data"
run cat "$TEST_HOME/ro-data/file.txt"
is "0700 read path with a deny_read inside: the sandbox starts, reads it" \
    "$st:$out" "0:ro-content"
run cat "$TEST_HOME/ro-data/secret"
contains "and the deny_read file in it is still denied" "$err" \
    "cat: $TEST_HOME/ro-data/secret: Permission denied"
run ls -A "$TEST_HOME/rw-data/private"
is "0700 write path: the deny_read directory in it looks empty" \
    "$st:$out" "0:"
chmod 755 "$TEST_HOME/ro-data" "$TEST_HOME/rw-data"

# --- a read path that does not exist is skipped ------------------------------
set_policy "users: [$TEST_USER]
filesystem:
  read: [\"~/no-such-read-dir\", \"~/ro-data\"]"
run cat "$TEST_HOME/ro-data/file.txt"
is "a missing read path: the sandbox starts, other paths are there" \
    "$st:$out" "0:ro-content"
run test -e "$TEST_HOME/no-such-read-dir"
is "and the missing path is not there" "$st" 1
is "nor created on the host" \
    "$(host_has "$TEST_HOME/no-such-read-dir")" absent

# --- a write path that does not exist outside the home stops the sandbox ------
# (one in the home is made as the user: tests/integration/home.sh)
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"/var/tmp/no-such-write-dir-$MARK\"]"
run sh -c 'echo ran >ran-missing-write'
is "a missing write path: gw exits 125" "$st" 125
refusal "naming the path" "no-such-write-dir"
is "the command did not run" "$(host_has "$WORK/ran-missing-write")" absent
is "and the path was not created on the host" \
    "$(host_has "/var/tmp/no-such-write-dir-$MARK")" absent

# --- a write path through a symlink is refused -------------------------------
ln -s "$TEST_HOME/rw-data" "$TEST_HOME/linkdir"
chown -h "$TEST_USER:" "$TEST_HOME/linkdir"
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~/linkdir\"]"
run sh -c "echo x >'$TEST_HOME/linkdir/via-link'"
is "a write path that is a symlink: gw exits 125" "$st" 125
refusal "saying it is a symlink" "symlink"
refusal "and naming it" "linkdir"
is "nothing was written through it" \
    "$(host_has "$TEST_HOME/rw-data/via-link")" absent
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~/linkdir/private\"]"
run sh -c "echo x >'$TEST_HOME/linkdir/private/via-link'"
is "a write path with a symlink among its parents: gw exits 125" "$st" 125
refusal "saying it goes through a symlink" "symlink"
is "nothing was written through it" \
    "$(host_has "$TEST_HOME/rw-data/private/via-link")" absent

# --- deny_read of the same entry as read wins --------------------------------
set_policy "users: [$TEST_USER]
filesystem:
  read: [\"~/ro-data\"]
  deny_read: [\"~/ro-data\"]"
run cat "$TEST_HOME/ro-data/file.txt"
is "read and deny_read of the same path: it reads nothing" "$st:$out" "1:"
run sh -c "ls -A '$TEST_HOME/ro-data' 2>/dev/null; echo end"
is "and lists nothing" "$out" end

# --- deny_write ------------------------------------------------------------------
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~/rw-data\"]
  deny_write: [\"~/rw-data/existing.txt\", \"~/rw-data/private\", \"~/nowhere\"]"
run sh -c "echo new >> '$TEST_HOME/rw-data/existing.txt' || echo refused"
is "a deny_write file in a write path cannot be changed" "$st:$out" \
    "0:refused"
is "and the host file is unchanged" \
    "$(cat "$TEST_HOME/rw-data/existing.txt")" "$(printf 'rw-old\nrw-more')"
run cat "$TEST_HOME/rw-data/existing.txt"
is "but it can still be read" "$st:$(echo "$out" | head -1)" "0:rw-old"
run sh -c "echo x > '$TEST_HOME/rw-data/private/new' || echo refused"
is "nothing can be created in a deny_write directory" "$st:$out" \
    "0:refused"
is "and nothing appears on the host" \
    "$(host_has "$TEST_HOME/rw-data/private/new")" absent
run sh -c "echo x > '$TEST_HOME/rw-data/other' && echo wrote"
is "the rest of the write path stays writable" "$st:$out" "0:wrote"
rm -f "$TEST_HOME/rw-data/other"
is "a missing deny_write path outside writable places is fine" \
    "$(host_has "$TEST_HOME/nowhere")" absent
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~/rw-data\"]
  deny_write: [\"~/rw-data/not-yet\"]"
run sh -c 'echo ran'
refusal "a missing deny_write path in a write path is refused" \
    "does not exist yet in a writable directory"
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~/rw-data\"]
  deny_write: [\"~/rw-data/private\"]
  deny_read: [\"~/rw-data/private\"]"
run sh -c "ls -A '$TEST_HOME/rw-data/private'; cat '$TEST_HOME/rw-data/private/key' 2>/dev/null; echo end"
is "deny_read and deny_write on one path: it reads nothing" "$st:$out" \
    "0:end"

# --- globs: paths are literal, a glob is refused as the policy is read -------
# glob_refused KEY ENTRY: the reload fails naming the file, line and column,
# and sandboxes go on under the last good policy.
glob_refused() {
	printf 'users: [%s]\nfilesystem:\n  %s: ["%s"]\n' "$TEST_USER" "$1" \
	    "$2" >"$POLICY/10-fs.yaml"
	out=$("$GWCTL" -S "$SOCK" reload 2>&1)
	st=$?
	ok "a glob in filesystem.$1: gwctl reload fails" test "$st" -ne 0
	contains "naming the file, line and column" "$out" \
	    "10-fs.yaml:3:$((${#1} + 6)): 'filesystem.$1': '$2' is a glob pattern"
	rm -f "$WORK/ran-glob"
	run sh -c 'echo ran >ran-glob'
	is "the last good policy stays: the sandbox runs" \
	    "$st:$(host_has "$WORK/ran-glob")" 0:present
}
glob_refused read "~/*.txt"
glob_refused write "~/rw-*"
glob_refused deny_read "~/ro-data/s?cret"

# --- nesting: the inner path keeps its own mode -----------------------------
# A write path around the cwd does not undo cwd: ro (gw exec --ro).
set_policy "users: [$TEST_USER]
filesystem:
  write: [\"~\"]
  read: [\"~/rw-data\"]"
rm -f "$WORK/nest-ro"
out=$(gw_exec --ro sh -c 'echo x > nest-ro || echo refused' 2>/dev/null)
is "a write path around the cwd keeps --ro: the write fails" \
    "$out:$(host_has "$WORK/nest-ro")" refused:absent
# A read path inside a write path stays read-only.
rm -f "$TEST_HOME/rw-data/nest-inner"
run sh -c "echo x > '$TEST_HOME/rw-data/nest-inner' || echo refused"
is "a read path inside a write path stays read-only" \
    "$st:$out:$(host_has "$TEST_HOME/rw-data/nest-inner")" 0:refused:absent
# A read path around the cwd leaves the cwd writable (cwd: rw).
set_policy "users: [$TEST_USER]
filesystem:
  read: [\"~\"]"
rm -f "$WORK/nest-rw"
run sh -c 'echo x > nest-rw'
is "a read path around the cwd leaves the cwd writable" \
    "$(cat "$WORK/nest-rw" 2>/dev/null)" x
rm -f "$WORK/nest-rw"

# With the policy back to nothing, the sandbox starts again.
rm -f "$POLICY/10-fs.yaml"
"$GWCTL" -S "$SOCK" reload
run cat in-cwd.txt
is "without the policy file the sandbox starts again" "$st:$out" \
    "0:cwd-content"

# --- host Unix sockets are out of reach --------------------------------------
# A session bus at /run/user/UID/bus, and test sockets under /run and
# /tmp, each with a listener that records any connection.
mkdir -p "/run/user/$TEST_UID" && chown "$TEST_USER" "/run/user/$TEST_UID"
SOCKS="/run/user/$TEST_UID/bus /run/gwtest-$$.sock /tmp/gwtest-$$.sock"
for s in $SOCKS; do
	rm -f "$s"
	# Not as_user: a function in the background is a subshell, and $!
	# must be the listener itself.
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    "$PYTHON" -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    open(sys.argv[1] + '.hit', 'w').close()
    c.close()
" "$s" </dev/null >/dev/null 2>&1 &
	sock_pids="${sock_pids:-} $!"
	wait_for "listener on $s" test -S "$s"
done
for s in $SOCKS; do
	run "$PYTHON" -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    print('connected')
except OSError as e:
    print('refused')
" "$s"
	is "no connection to the host socket $s" \
	    "$out:$(host_has "$s.hit")" refused:absent
done
# The same user reaches them outside the sandbox: the listeners work.
as_user "$PYTHON" -c "
import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(sys.argv[1])
" "/tmp/gwtest-$$.sock"
wait_for "the control connection" test -e "/tmp/gwtest-$$.sock.hit"
ok "outside the sandbox the same socket answers" \
    test -e "/tmp/gwtest-$$.sock.hit"
for p in $sock_pids; do kill "$p" 2>/dev/null; done
for s in $SOCKS; do rm -f "$s" "$s.hit"; done
rmdir "/run/user/$TEST_UID" 2>/dev/null

done_testing
