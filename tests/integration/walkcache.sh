#!/bin/bash
# Issue 14: the start walk keeps what it read of a directory for the next
# sandbox while the directory's ctime is unchanged (sandbox-protect-
# cache.c). Every change the host makes between two sandboxes must still
# be seen: a new .env in a directory read before, one made by a rename, a
# new directory with a secret, a replaced directory, a change deep below
# unchanged directories, a new repository's hooks, a new mask pattern
# after a reload. Each check reads
# the file inside and looks at the host.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 12

cat >"$POLICY/00-test.yaml" <<Y
default: true
filesystem:
  mask: [".env", ".env.*"]
  protected: default
Y
start_daemon

# size REL: what the sandbox reads of WORK/REL (bytes), or "error".
size() { gw_exec sh -c 'wc -c < "$1"' sh "$1" 2>/dev/null || echo error; }
w() { mkdir -p "$(dirname "$WORK/$1")"; printf '%s\n' "$2" >"$WORK/$1"; }

mkdir -p "$WORK/a/b/c" "$WORK/d" "$WORK/r" "$WORK/gone"
w a/b/c/plain.txt "plain"
w d/.env "SECRET=d"
w d/config.txt "SECRET=renamed"
w gone/readme "x"
for i in $(seq 200); do w "a/f$i" "$i"; done
chown -R "$TEST_USER:" "$WORK"
# Older than the cache's settle time (2 s), so the first start keeps them.
sleep 3
is "first start: d/.env masked" "$(size d/.env)" 0
is "second start (from the cache): d/.env masked" "$(size d/.env)" 0

# Changes on the host between two sandboxes.
w a/.env "SECRET=a"
mv "$WORK/d/config.txt" "$WORK/d/.env.local"
mkdir "$WORK/a/new"; w a/new/.env.prod "SECRET=new"
rm -rf "$WORK/gone"; mkdir "$WORK/gone"; w gone/.env "SECRET=gone"
w a/b/c/.env "SECRET=deep"
chown -R "$TEST_USER:" "$WORK"
is "a new .env in a directory read before is masked" "$(size a/.env)" 0
is "a file renamed to .env.local is masked" "$(size d/.env.local)" 0
is "a new directory's .env.prod is masked" "$(size a/new/.env.prod)" 0
is "a replaced directory's .env is masked" "$(size gone/.env)" 0
is "a .env below unchanged directories is masked" "$(size a/b/c/.env)" 0
is "an ordinary file reads in full" "$(size a/b/c/plain.txt)" 6

# A repository made on the host after the walk read its directory: its
# hooks are held (git-protect), not writable from inside.
as_user git -C "$WORK/r" init -q || bail "git init"
sleep 3
gw_exec true
gw_exec sh -c 'printf "#!/bin/sh\necho pwned\n" > r/.git/hooks/pre-commit' \
    2>/dev/null
is "a new repository's hook cannot be written (host)" \
    "$([ -e "$WORK/r/.git/hooks/pre-commit" ] && echo present || echo absent)" \
    absent

# A new pattern after a reload: same directories, another mask set.
is "before the reload plain.txt reads in full" "$(size a/b/c/plain.txt)" 6
sed -i 's/mask: \[".env", ".env.\*"\]/mask: [".env", ".env.*", "plain.txt"]/' \
    "$POLICY/00-test.yaml"
"$GWCTL" -S "$SOCK" reload >/dev/null || bail "reload"
is "after the reload the new pattern masks it" "$(size a/b/c/plain.txt)" 0

is "the files are still intact on the host" "$(cat "$WORK/a/.env" \
    "$WORK/d/.env.local" "$WORK/a/b/c/.env" | tr '\n' ' ')" \
    "SECRET=a SECRET=renamed SECRET=deep "

done_testing
