#!/bin/bash
# The daemon-owned pty: gw on a terminal (a tmux pane) gets a pty of the
# sandbox's own devpts, relays keys, output and window size through it,
# and gives the terminal back unchanged on every way out: exit, SIGTERM,
# the daemon dying. The sandbox never holds the user's terminal, and a
# client that sends one is refused.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v tmux >/dev/null || skip_all "needs tmux"
setup_user
setup_dirs
start_daemon

plan 74

install -m 755 -o "$TEST_USER" "$GW_BUILDDIR/tests/helpers/try-syscall" \
    "$WORK/try-syscall"
# gw exec as the test user, typed into the pane (TERM for less).
PGW="setpriv --reuid=$TEST_USER --regid=$TEST_USER --init-groups env -i \
-C $WORK PATH=/usr/local/bin:/usr/bin:/bin HOME=$TEST_HOME TERM=screen \
GREYWALL_SOCKET=$SOCK $GW exec"

TM=(tmux -S "$T/tmux.sock" -f /dev/null)
tmux_cleanup() {
	"${TM[@]}" kill-server 2>/dev/null
	cleanup
}
trap tmux_cleanup EXIT

"${TM[@]}" new-session -d -s t -x 100 -y 30 \
    "env -i PATH=/usr/bin:/bin TERM=screen HOME=/root bash --norc \
--noprofile" || bail "cannot start tmux"
"${TM[@]}" set-option -g history-limit 5000 >/dev/null

screen() { "${TM[@]}" capture-pane -p -J -t t -S -5000; }
# send TEXT: type a line into the pane.
send() {
	"${TM[@]}" send-keys -t t -l "$1"
	"${TM[@]}" send-keys -t t Enter
}
key() { "${TM[@]}" send-keys -t t "$@"; }
on_screen() { screen | grep -qE "$1"; }
# wait_screen REGEX: up to 10 s for a line matching REGEX.
wait_screen() {
	i=0
	until on_screen "$1"; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			diag "timed out waiting for /$1/ on the screen:"
			screen | tail -15 | sed 's/^/#   /'
			return 1
		fi
		sleep 0.05
	done
}
# value KEY: the last "KEY=..." line on the screen.
value() { screen | sed -n "s/^$1=//p" | tail -n 1; }
gw_running() { pgrep -f "^$GW exec" >/dev/null; }
gw_pid() { pgrep -f "^$GW exec"; }
wait_gw_gone() { wait_for "gw to exit" eval '! gw_running'; }
stty_same() { cmp -s "$T/stty.before" "$T/stty.$1"; }
# The pane shell's exit status of the last gw, and its terminal mode.
after_gw() {
	send "echo RC$1=\$?; stty -g >$T/stty.$1"
	wait_screen "^RC$1=" && wait_for "stty saved" test -s "$T/stty.$1"
}

send "PS1='OUT\$ '; stty iutf8; stty -g >$T/stty.before"
# The pane's terminal, whose mode root can read from outside.
ptty=$("${TM[@]}" display-message -p -t t '#{pane_tty}')
pane_raw() { stty -F "$ptty" -a | grep -q -- '-icanon' &&
    stty -F "$ptty" -a | grep -q -- '-echo '; }
send "echo OUTER=\$(stat -L -c '%d %t:%T %i' /proc/self/fd/0)"
wait_screen '^OUTER=' || bail "the pane's shell does not answer"
outer=$(value OUTER)

# An interactive shell in the sandbox.
send "$PGW -- bash --norc -i"
wait_screen '^bash-[0-9.]+\$ ' || bail "no shell prompt from the sandbox"
send "PS1='IN\$ '"
ok "gw puts the pane's terminal in raw mode" pane_raw
send "echo TTY=\$(tty)"
wait_screen '^TTY='
contains "tty inside is a pts" "$(value TTY)" "/dev/pts/"
send "echo INNER=\$(stat -L -c '%d %t:%T %i' /proc/self/fd/0)"
wait_screen '^INNER='
inner=$(value INNER)
ok "fd 0 inside is not the pane's terminal ($inner vs $outer)" \
    test -n "$inner" -a "$inner" != "$outer"
send "echo DEVPTS=\$(stat -c %d /dev/pts/ptmx)"
wait_screen '^DEVPTS='
is "the pts is on the sandbox's own devpts" "${inner%% *}" "$(value DEVPTS)"
send "echo OWNER=\$(stat -L -c '%U:%G:%a' \$(tty))"
wait_screen '^OWNER='
is "the pts belongs to the user, group tty, mode 620" "$(value OWNER)" \
    "$TEST_USER:tty:620"
send "echo FDS=\$(ls /proc/self/fd | tr '\n' ,)"
wait_screen '^FDS='
is "the command has only 0, 1, 2 (and ls its own 3)" "$(value FDS)" \
    "0,1,2,3,"
send "./try-syscall tiocsti"
wait_screen '^tiocsti: '
is "TIOCSTI on fd 0 fails with EPERM" \
    "$(screen | sed -n 's/^tiocsti: //p' | tail -n 1)" EPERM
send "echo IUTF8=\$(stty -a | grep -o -- '-\?iutf8')"
wait_screen '^IUTF8='
is "the pty has IUTF8 like the pane" "$(value IUTF8)" iutf8

# Neither greywalld nor the sandbox's init keeps the pty.
init=$(pgrep -P "$daemon_pid" | head -n 1)
ok "the sandbox's init is running" test -n "$init"
ok "init holds no pty master or slave" \
    sh -c "! ls -l /proc/$init/fd | grep -qE 'ptmx|pts'"
ok "greywalld holds no pty master or slave" \
    sh -c "! ls -l /proc/$daemon_pid/fd | grep -qE 'ptmx|pts'"
ok "gw holds the master" sh -c "ls -l /proc/$(gw_pid)/fd | grep -q ptmx"

# Window size: the initial one, then a resize of the pane.
send "echo SIZE1=\$(stty size)"
wait_screen '^SIZE1='
is "initial window size is the pane's" "$(value SIZE1)" "30 100"
"${TM[@]}" resize-window -t t -x 120 -y 40
sleep 0.3
send "echo SIZE2=\$(stty size)"
wait_screen '^SIZE2='
is "resizing the pane resizes the pty" "$(value SIZE2)" "40 120"

# Ctrl-C reaches the foreground job only.
send "sleep 31401"
wait_for "sleep 31401" running 'sleep 31401'
key C-c
wait_for "sleep 31401 to die" no_process 'sleep 31401'
ok "Ctrl-C interrupts sleep inside" no_process 'sleep 31401'
send "echo ALIVE=\$((40 + 2))"
wait_screen '^ALIVE='
is "and the shell survives" "$(value ALIVE)" 42

# Ctrl-Z stops the job, fg continues it.
send "sleep 31402"
wait_for "sleep 31402" running 'sleep 31402'
key C-z
wait_screen 'Stopped +sleep 31402'
is "Ctrl-Z stops the job" \
    "$(ps -o stat= -p "$(pgrep -f '^sleep 31402')" | cut -c1)" T
send "fg"
wait_for "sleep 31402 to run" sh -c \
    "ps -o stat= -p \$(pgrep -f '^sleep 31402') | grep -q '^S'"
is "fg continues it" \
    "$(ps -o stat= -p "$(pgrep -f '^sleep 31402')" | cut -c1)" S
key C-c
wait_for "sleep 31402 to die" no_process 'sleep 31402'
ok "and Ctrl-C ends it" no_process 'sleep 31402'

# exit 3: gw exits 3, the pane's terminal mode is as before.
send "exit 3"
wait_gw_gone
after_gw 1
is "exit 3 inside: gw exits 3" "$(value RC1)" 3
ok "the terminal's mode is restored after exit" stty_same 1

# SIGTERM to gw: relayed, then the pty is hung up; bash dies of SIGHUP.
send "$PGW -- bash --norc -i"
wait_screen '^bash-[0-9.]+\$ '
send "sleep 31403 & echo BG=started"
wait_screen '^BG=started'
wait_for "sleep 31403" running 'sleep 31403'
kill -TERM "$(gw_pid)"
wait_gw_gone
ok "SIGTERM: gw exits" eval '! gw_running'
after_gw 2
is "SIGTERM: gw exits 129 (the shell died of the hangup)" \
    "$(value RC2)" 129
ok "SIGTERM: the terminal's mode is restored" stty_same 2
wait_for "sleep 31403 to go" no_process 'sleep 31403'
ok "SIGTERM: nothing is left in the sandbox" no_process 'sleep 31403'

# The daemon dies: gw restores the terminal and fails with 125.
send "$PGW -- bash --norc -i"
wait_screen '^bash-[0-9.]+\$ '
send "sleep 31404"
wait_for "sleep 31404" running 'sleep 31404'
{ kill -KILL "$daemon_pid"; wait "$daemon_pid"; } 2>/dev/null
daemon_pid=
wait_gw_gone
ok "daemon killed: gw exits" eval '! gw_running'
after_gw 3
is "daemon killed: gw exits 125" "$(value RC3)" 125
ok "daemon killed: says why" on_screen \
    "greywalld closed the connection before the command finished"
ok "daemon killed: the terminal's mode is restored" stty_same 3
wait_for "sleep 31404 to go" no_process 'sleep 31404'
ok "daemon killed: the sandbox is gone" no_process 'sleep 31404'
start_daemon

# A python REPL.
send "$PGW -- /usr/bin/python3 -q"
wait_screen '^>>> $'
send "print(6 * 7, 'py')"
wait_screen '^42 py$'
ok "python3 REPL evaluates a line" on_screen '^42 py$'
key C-d
wait_gw_gone
after_gw 4
is "Ctrl-D ends python3, gw exits 0" "$(value RC4)" 0
ok "after python3 the terminal's mode is restored" stty_same 4

# less pages a file and quits on q.
seq -f 'line %g of the file' 1 200 >"$WORK/pages.txt"
send "$PGW -- less pages.txt"
wait_screen '^line 1 of the file$'
key Space
wait_screen '^line 40 of the file$'
ok "less shows the next page on Space" on_screen '^line 40 of the file$'
key q
wait_gw_gone
after_gw 5
is "less quits on q, gw exits 0" "$(value RC5)" 0
ok "after less the terminal's mode is restored" stty_same 5

# vim edits a file in the cwd; top shows the sandbox's processes.
send "$PGW -- vim -u NONE -N edited.txt"
wait_screen 'edited.txt'
key i
"${TM[@]}" send-keys -t t -l "written in vim"
key Escape
send ":wq"
wait_gw_gone
after_gw 8
is "vim writes the file on the host, gw exits 0" \
    "$(value RC8) $(cat "$WORK/edited.txt" 2>&1)" "0 written in vim"
ok "after vim the terminal's mode is restored" stty_same 8
send "$PGW -- top -d 1"
wait_screen '^Tasks: +2 total'
ok "top runs and sees the sandbox's two processes" on_screen \
    '^Tasks: +2 total'
key q
wait_gw_gone
after_gw 9
is "top quits on q, gw exits 0" "$(value RC9)" 0

# SIGTSTP to gw gives the terminal back; fg brings the relay back.
send "$PGW -- bash --norc -i"
wait_screen '^bash-[0-9.]+\$ '
kill -TSTP "$(gw_pid)"
wait_screen 'Stopped +setpriv'
ok "SIGTSTP: gw stops" sh -c "ps -o stat= -p $(gw_pid) | grep -q '^T'"
send "fg"
wait_for "raw mode again" pane_raw
ok "fg: raw mode again" pane_raw
send "echo BACK=\$((20 + 1))"
wait_screen '^BACK=21'
ok "fg: the relay works again" on_screen '^BACK=21'
send "exit"
wait_gw_gone
after_gw 10
is "then exit: gw exits 0" "$(value RC10)" 0
ok "and the terminal's mode is restored" stty_same 10

# Ctrl-Z on a plain command suspends it like the bare command: the job in
# the sandbox stops, gw stops and the pane's shell has its terminal back;
# fg resumes both.
sstat() { ps -o stat= -p "$(pgrep -f "^sleep $1")" | cut -c1; }
send "$PGW -- sleep 31403"
wait_for "sleep 31403" running 'sleep 31403'
key C-z
# (The screen shows an earlier "Stopped" already: wait for the states.)
wait_for "gw to stop" sh -c "ps -o stat= -p $(gw_pid) | grep -q '^T'"
is "Ctrl-Z: the command in the sandbox stops" "$(sstat 31403)" T
ok "and gw stops" sh -c "ps -o stat= -p $(gw_pid) | grep -q '^T'"
send "echo SHELL=\$((30 + 3))"
wait_screen '^SHELL=33'
ok "the pane's shell has the terminal back" on_screen '^SHELL=33'
send "fg"
wait_for "sleep 31403 to run" sh -c "[ \"\$(ps -o stat= -p \
\$(pgrep -f '^sleep 31403') | cut -c1)\" = S ]"
is "fg: the command runs again" "$(sstat 31403)" S
ok "and gw" sh -c "ps -o stat= -p $(gw_pid) | grep -q '^S'"
ok "in raw mode again" pane_raw
key C-c
wait_gw_gone
after_gw 12
is "Ctrl-C then ends it: gw exits 130" "$(value RC12)" 130

# Inside an interactive shell, Ctrl-Z is the shell's: at its prompt it
# does nothing (bash ignores SIGTSTP), and gw keeps running.
send "$PGW -- bash --norc -i"
# A prompt of its own: the screen still shows the earlier shells' prompts.
send "PS1='ZIN\$ '"
wait_screen '^ZIN\$ $'
key C-z
send "echo ZSHELL=\$((50 + 5))"
wait_screen '^ZSHELL=55'
ok "Ctrl-Z at the sandbox's shell prompt: the shell goes on" \
    on_screen '^ZSHELL=55'
ok "and gw is not stopped" sh -c "ps -o stat= -p $(gw_pid) | grep -qv '^T'"
send "exit"
wait_gw_gone
after_gw 13
is "exit: gw exits 0" "$(value RC13)" 0

# In the background gw relays output and leaves the terminal alone.
send "$PGW -- sh -c 'sleep 0.5; echo BGOUT=done' & wait \$!"
after_gw 11
is "a background gw is not stopped, exits 0" "$(value RC11)" 0
ok "its output reaches the terminal" on_screen '^BGOUT=done'
ok "and the terminal's mode is untouched" stty_same 11

# Stdio that is not a terminal still goes straight through.
send "echo piped | $PGW -- sh -c 'cat; readlink /proc/self/fd/0 \
/proc/self/fd/2; tty' >$WORK/pass.out"
wait_gw_gone
after_gw 6
is "pipe in, file out, terminal stderr: gw exits 1 (tty says no)" \
    "$(value RC6)" 1
is "the pipe's data arrives" "$(sed -n 1p "$WORK/pass.out")" piped
contains "stdin inside is the pipe itself" "$(sed -n 2p "$WORK/pass.out")" \
    "pipe:["
contains "stderr inside is the sandbox's pty" \
    "$(sed -n 3p "$WORK/pass.out")" "/dev/pts/"
is "and stdin is no terminal" "$(sed -n 4p "$WORK/pass.out")" "not a tty"
ok "the terminal's mode is untouched" stty_same 6
send "$PGW -- sh -c 'tty; readlink /proc/self/fd/1' >$WORK/pass2.out"
wait_gw_gone
after_gw 7
contains "terminal stdin, file stdout: stdin is the pty" \
    "$(sed -n 1p "$WORK/pass2.out")" "/dev/pts/"
contains "and stdout is the file" "$(sed -n 2p "$WORK/pass2.out")" \
    "/pass2.out"

# Under script(1): all the output arrives, even what was written just
# before the exit (the master is drained), and the exit status is exact.
# Its stdin is a FIFO that stays open, so script sends no EOF.
mkfifo "$T/in"
exec 7<>"$T/in"
script -qec "$PGW -- seq 1 100000; echo GWRC=\$?" /dev/null <"$T/in" |
    tr -d '\r' >"$T/seq.out"
is "100000 lines through the pty, gw exits 0" "$(tail -n 1 "$T/seq.out")" \
    GWRC=0
head -n 100000 "$T/seq.out" >"$T/seq.head"
seq 1 100000 >"$T/seq.want"
ok "and not one byte is lost or changed" cmp -s "$T/seq.want" "$T/seq.head"
out=$(script -qec "$PGW -- sh -c 'echo last words; exit 7'; echo GWRC=\$?" \
    /dev/null <"$T/in" | tr -d '\r')
is "the last words before exit 7 arrive, gw exits 7" "$out" "last words
GWRC=7"
exec 7>&-

# No terminal at all: no pty.
out=$(gw_exec sh -c 'tty; readlink /proc/self/fd/0' </dev/null 2>&1)
is "without a terminal: no tty, stdin passed as is" "$out" \
"not a tty
/dev/null"

# A client that sends a terminal (or a directory) as stdio is refused.
cat >"$T/client.py" <<'EOF'
import os, pty, socket, struct, sys
def session(stdin_fd, flags):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    def send(t, payload=b"", fds=None):
        m = struct.pack("=IIII", t, len(payload), 0, 0) + payload
        if fds:
            socket.send_fds(s, [m], fds)
        else:
            s.send(m)
    def recv():
        data = socket.recv_fds(s, 65536, 1)[0]
        return struct.unpack("=I", data[:4])[0], data[16:]
    send(1, struct.pack("=II", int(sys.argv[2]), 1))
    assert recv()[0] == 3
    send(100, struct.pack("=IIIIHHHH", flags, 1, 0, 0o22, *(
        (24, 80, 0, 0) if flags else (0, 0, 0, 0))))
    send(101, b"true\0")
    send(103, struct.pack("=I", 0), [stdin_fd])
    t, data = recv()
    print(t, data[4:].rstrip(b"\0").decode())
master, slave = os.openpty()
session(slave, 0)
session(slave, 4)
session(os.open("/", os.O_RDONLY), 0)
EOF
nsb=$(grep -c 'sandbox [0-9]*: uid' "$T/daemon.log")
PROTO=$(sed -n 's/^#define GW_PROTO_VERSION[[:space:]]*//p' \
    "$GW_SRCDIR/proto/gw-protocol.h")
out=$(as_user "$PYTHON" "$T/client.py" "$SOCK" "$PROTO" 2>&1)
is "a terminal as stdin is refused" "$(echo "$out" | sed -n 1p)" \
    "4 protocol error: the stdin sent is a terminal (gw asks for a pty instead)"
is "also when the client asks for a pty" "$(echo "$out" | sed -n 2p)" \
    "4 protocol error: the stdin sent is a terminal (gw asks for a pty instead)"
is "a directory as stdin is refused" "$(echo "$out" | sed -n 3p)" \
    "4 protocol error: the stdin sent is a directory"
is "no sandbox was started for them" \
    "$(grep -c 'sandbox [0-9]*: uid' "$T/daemon.log")" "$nsb"

done_testing
