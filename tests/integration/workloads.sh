#!/bin/bash
# Real work inside the deny-by-default sandbox: git in the cwd, Python
# multiprocessing (semaphores in /dev/shm, CPU count from /sys), and a pip
# install of a local wheel into a venv in the cwd, with no network.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

plan 9

# --- git -----------------------------------------------------------------------
out=$(gw_exec sh -c 'git init -q repo && cd repo &&
    git -c user.name=t -c user.email=t@example.invalid commit -q \
    --allow-empty -m first && echo hi > f && git add f &&
    git -c user.name=t -c user.email=t@example.invalid commit -q -m second &&
    git status --porcelain && git log --format=%s' 2>&1)
is "git init, add, commit and log in the cwd" "$out" "second
first"
is "and the repository is on the host" \
    "$(as_user git -C "$WORK/repo" log --format=%s 2>/dev/null | head -1)" second

# --- Python multiprocessing ------------------------------------------------------
out=$(gw_exec /usr/bin/python3 -c '
import multiprocessing as mp, os
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print(sum(p.map(sq, range(10))))
    q = mp.Queue(); q.put("queued"); print(q.get())
    print(os.cpu_count() > 0)
' 2>&1)
is "multiprocessing Pool, Queue and cpu_count work" "$out" "285
queued
True"

# --- pip install of a local wheel into a venv in the cwd ---------------------------
# A tiny pure-Python wheel, built here by hand so no network is needed.
"$PYTHON" "$GW_SRCDIR/tests/helpers/make-wheel.py" "$WORK" >/dev/null ||
    bail "cannot build the test wheel"
chown "$TEST_USER" "$WORK/gwdemo_pkg-1.0-py3-none-any.whl"
gw_exec /usr/bin/python3 -m venv venv >"$T/venv.log" 2>&1
is "python3 -m venv in the cwd" $? 0
gw_exec venv/bin/pip install --no-index --no-cache-dir \
    ./gwdemo_pkg-1.0-py3-none-any.whl >"$T/pip.log" 2>&1
st=$?
is "pip install of the local wheel" $st 0
[ $st -eq 0 ] || sed 's/^/# /' "$T/pip.log"
out=$(gw_exec venv/bin/python -c 'import gwdemo_pkg; print(gwdemo_pkg.hello())')
is "the installed package imports in the sandbox" "$out" \
    "hello from the wheel"
ok "and it was installed on the host, in the cwd" \
    test -f "$WORK/venv/lib/python3.11/site-packages/gwdemo_pkg/__init__.py" -o \
    -n "$(find "$WORK/venv" -path '*site-packages/gwdemo_pkg/__init__.py')"
# pip without the wheel and without --no-index must fail, not hang: no
# network at all.
out=$(timeout 60 "${GW_EXEC[@]}" venv/bin/pip install --no-cache-dir \
    --retries 0 --timeout 3 gwdemo-not-there 2>&1)
st=$?
ok "pip from an index fails fast without network ($st)" \
    test "$st" -ne 0 -a "$st" -ne 124
# Other tests' work directories (work.*) may appear meanwhile.
new=$(find "$TEST_HOME" -newer "$WORK/gwdemo_pkg-1.0-py3-none-any.whl" \
    ! -path "$WORK*" ! -path "$TEST_HOME/work.*" ! -path "$TEST_HOME" \
    -print)
is "nothing was written outside the cwd" "$new" ""

done_testing
