#!/bin/bash
# The command line of gw and gwctl: a usage error is one line naming the
# problem and a hint, exit 2; --help on every command exits 0 with that
# command's help; a refused gwctl request prints only the error. And the
# JSON of every command that prints it: valid UTF-8 that a strict parser
# reads, with file names and commands that are not UTF-8 given back byte
# for byte through the surrogate escape.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 42

# usage_error DESCRIPTION WANT-MESSAGE HINT COMMAND...
usage_error() {
	local desc=$1 want=$2 hint=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	is "$desc: exit 2" "$rc" 2
	is "$desc: the problem, then the hint" "$out" "$want
try '$hint --help'"
}

usage_error "gw exce" "gw: unknown command 'exce'" gw "$GW" exce
usage_error "gw exec --frobnicate" "gw: unknown option '--frobnicate'" \
    "gw exec" "$GW" exec --frobnicate
usage_error "gw exec -c" "gw: option '-c' needs an argument" "gw exec" \
    "$GW" exec -c
usage_error "gw exec, no command" "gw: no command given" "gw exec" \
    "$GW" exec
usage_error "gw policy x" "gw: unexpected argument 'x'" "gw policy" \
    "$GW" policy x
usage_error "gw doctor --frob" "gw: unknown option '--frob'" "gw doctor" \
    "$GW" doctor --frob
usage_error "gwctl kill" "gwctl: no sandbox id or --user given" \
    "gwctl kill" "$GWCTL" kill
usage_error "gwctl policy" "gwctl: no user given" "gwctl policy" \
    "$GWCTL" policy
usage_error "gwctl list --frob" "gwctl: unknown option '--frob'" \
    "gwctl list" "$GWCTL" list --frob
usage_error "gwctl kill x" "gwctl: 'x' is not a sandbox id" "gwctl kill" \
    "$GWCTL" kill x
usage_error "gwctl policy nosuchuser" "gwctl: no user 'nosuchuser'" \
    "gwctl policy" "$GWCTL" policy nosuchuser
usage_error "gwctl kill --user nosuchuser" "gwctl: no user 'nosuchuser'" \
    "gwctl kill" "$GWCTL" kill --user nosuchuser

# --help: exit 0, this command's synopsis first.
helps=0
for c in "$GW" "$GW exec" "$GW policy" "$GW doctor" "$GWCTL" \
    "$GWCTL list" "$GWCTL monitor" "$GWCTL kill" "$GWCTL policy" \
    "$GWCTL reload" "$GWCTL status"; do
	# shellcheck disable=SC2086
	first=$($c --help | head -n 1)
	rc=${PIPESTATUS[0]}
	name=${c##*/}
	case "$rc:$first" in
	"0:usage: ${name%% *} [-S socket] ${name#* }"*|"0:usage: ${name} "*)
		helps=$((helps + 1)) ;;
	*)	diag "$name --help: $rc '$first'" ;;
	esac
done
is "--help on all 11 commands exits 0 with that command's usage" $helps 11

# Plain greywalld as a user says why it stops.
out=$(as_user "$GREYWALLD" 2>&1)
is "greywalld as a user exits 1" $? 1
contains "saying why" "$out" "must run as root"

start_daemon

# A refused gwctl list: only the error, no table header.
out=$(as_user "$GWCTL" list 2>"$T/err")
is "a user's gwctl list is refused" $? 1
is "and prints nothing on stdout" "$out" ""
contains "only the error on stderr" "$(cat "$T/err")" "permission denied"

# --- JSON with names that are not UTF-8 --------------------------------------
BAD=$(printf 'a\377\376b\303(')
cat >"$T/strict.py" <<'PY'
# Each file: valid UTF-8, then JSON (one document, or one per line).
import json, sys
def reject(c):
    raise ValueError("not JSON: " + c)
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")          # strict: raises on a bad byte
    docs = [text] if sys.argv[1] == "doc" else text.splitlines()
    for d in docs:
        json.loads(d, parse_constant=reject)
print("ok")
PY

"${GW_EXEC[@]}" sh -c 'sleep 31901' "$BAD" &
gw=$!
wait_for "sleep running" running 'sleep 31901'
"$GWCTL" -S "$SOCK" list --json >"$T/list.json"
is "gwctl list --json: strict UTF-8 and JSON" \
    "$("$PYTHON" "$T/strict.py" doc "$T/list.json" 2>&1)" ok
is "the command's bytes come back through the surrogate escape" \
    "$("$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))[0]["command"]
sys.stdout.buffer.write(s.encode("utf-8", "surrogateescape"))' \
    "$T/list.json")" "sh -c sleep 31901 $BAD"
contains "escaped as \\udcXX" "$(cat "$T/list.json")" '\udcff\udcfe'
kill "$gw"
wait "$gw" 2>/dev/null

# An event whose process name is not UTF-8: a resolver denial by a
# python3 started through a symlink with that name.
cat >"$POLICY/00-test.yaml" <<P
default: true
network:
  domains:
    allow: ["*"]
    deny: ["*.evil.test"]
P
"$GWCTL" -S "$SOCK" reload >/dev/null || bail "reload"
ln -s /usr/bin/python3 "$WORK/$BAD"
"$GWCTL" -S "$SOCK" monitor --json >"$T/mon.json" &
mon=$!
sleep 0.3
gw_exec --json "$WORK/ev.json" "./$BAD" -c '
import socket
try:
    socket.getaddrinfo("x.evil.test", 80, socket.AF_INET)
except socket.gaierror:
    pass' >/dev/null 2>&1
wait_for "the monitor's event" grep -q evil "$T/mon.json"
kill "$mon"
wait "$mon" 2>/dev/null
is "gw exec --json and gwctl monitor --json: strict UTF-8 and JSON" \
    "$("$PYTHON" "$T/strict.py" lines "$WORK/ev.json" "$T/mon.json" 2>&1)" ok
is "the process name comes back through the surrogate escape" \
    "$("$PYTHON" -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
sys.stdout.buffer.write(e["comm"].encode("utf-8", "surrogateescape"))' \
    "$WORK/ev.json")" "$BAD"
is "the summary line" "$(tail -n 1 "$WORK/ev.json")" \
    '{"summary": {"events": 1, "dropped": 0}}'

for c in "$GWCTL status" "$GWCTL policy $TEST_USER" "$GWCTL reload"; do
	# shellcheck disable=SC2086
	"${c%% *}" -S "$SOCK" ${c#* } --json >"$T/out.json"
	is "${c##*/} --json: strict UTF-8 and JSON" \
	    "$("$PYTHON" "$T/strict.py" doc "$T/out.json" 2>&1)" ok
done
for c in "doctor" "policy"; do
	as_user "$GW" "$c" --json >"$T/out.json"
	is "gw $c --json: strict UTF-8 and JSON" \
	    "$("$PYTHON" "$T/strict.py" doc "$T/out.json" 2>&1)" ok
done
"${GW_EXEC[@]}" sleep 31902 &
gw=$!
wait_for "sleep running" running 'sleep 31902'
id=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' \
    < <("$GWCTL" -S "$SOCK" list --json))
is "gwctl kill --json" "$("$GWCTL" -S "$SOCK" kill "$id" --json)" \
    "{\"killed\": [$id]}"
kill "$gw" 2>/dev/null
wait "$gw" 2>/dev/null

done_testing
