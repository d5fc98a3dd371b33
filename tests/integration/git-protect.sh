#!/bin/bash
# filesystem.protected and git: a sandboxed command tries every route we
# know to plant a hook or configuration that git on the host would use for
# a repository that existed before the sandbox (exchange, commondir, .git
# files of linked worktrees and submodules, includes, a new .git where git
# would find it). Each attack is judged on the host afterwards: the real
# git, run as the user, commits and its hooks must not run. Then ordinary
# git work in the sandbox must still succeed.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 41

cat >"$POLICY/00-test.yaml" <<Y
default: true
filesystem:
  protected: default
Y
start_daemon

MARKS=$T/marks
mkdir "$MARKS" && chmod 777 "$MARKS"
R=$WORK/repo
GITC=(git -c user.name=t -c user.email=t@example.invalid
    -c protocol.file.allow=always -c init.defaultBranch=main)

# host DIR ARGS...: the real git of the user's, on the host.
host() {
	local d=$1
	shift
	(cd "$d" && as_user "${GITC[@]}" "$@")
}
run() {
	out=$(gw_exec "$@" 2>"$T/err")
	st=$?
	err=$(cat "$T/err")
}
# host_commit DIR: a commit on the host, which runs pre-commit if any.
host_commit() {
	host "$1" commit -q --allow-empty -m "host $2" >/dev/null 2>&1
}
marks() { ls "$MARKS" | tr '\n' ' '; }
# The hook every attack tries to plant: it leaves a mark when it runs.
EVIL="#!/bin/sh
touch $MARKS/\$(basename \"\$(pwd)\")-\${GW_ATTACK:-x}
"

# --- the host's repositories, made before the sandbox ----------------------
C=$WORK/cfgrepo
mkdir -p "$R/src/lib" "$R/docs" "$R/sub" "$C/.githooks"
echo a >"$R/src/lib/a.c"
echo d >"$R/docs/d.txt"
chown -R "$TEST_USER:" "$WORK"
host "$R" init -q .
host "$R" add -A
host "$R" commit -q -m base
host "$R" init -q --bare ../remote.git
host "$R" remote add origin ../remote.git
host "$R" push -q origin main 2>/dev/null
# A nested repository, a linked worktree and a submodule.
host "$R" init -q sub/nested
host "$R/sub/nested" commit -q --allow-empty -m nested
host "$R" worktree add -q ../wt 2>/dev/null
host "$WORK" init -q modsrc
host "$WORK/modsrc" commit -q --allow-empty -m mod
host "$R" submodule -q add ../modsrc mod 2>/dev/null
host "$R" commit -q -m "add mod"
# Another, with per-worktree configuration, includes (one that exists,
# one not) and core.hooksPath in its work tree.
host "$C" init -q .
host "$C" config extensions.worktreeConfig true
printf '[user]\n\tname = shared\n' >"$C/.git/shared.inc"
chown "$TEST_USER:" "$C/.git/shared.inc"
host "$C" config --add include.path shared.inc
host "$C" config --add include.path missing.inc
host "$C" config core.hooksPath .githooks
cfg=$(cat "$C/.git/config")
status=$(host "$R" status --porcelain --ignore-submodules)
hp=()
for d in "$R" "$WORK/wt" "$R/mod" "$R/sub/nested"; do
	hp[${#hp[*]}]=$(host "$d" rev-parse --git-path hooks/pre-commit)
done
ok "the host's repositories are set up (${hp[*]})" test -f "$R/mod/.git" \
    -a -f "$WORK/wt/.git" -a -d "$R/.git/modules/mod"

# ren FROM TO FLAGS: renameat2(2) (2: RENAME_EXCHANGE), 0 or the errno.
REN='import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(),
    int(sys.argv[3]))
print(0 if r == 0 else errno.errorcode[ctypes.get_errno()])'
ren() { echo "/usr/bin/python3 -c '$REN' $1 $2 ${3:-2}"; }

# --- 1: RENAME_EXCHANGE ------------------------------------------------------
run sh -c "cd repo && mkdir n && cp -a .git/. n/ && rm -rf n/hooks &&
mkdir n/hooks && printf '%s' '$EVIL' >n/hooks/pre-commit &&
chmod +x n/hooks/pre-commit && $(ren n .git)"
is "exchanging a copy with .git is refused" "$st:$out" 0:EPERM
run sh -c "cd repo && mkdir h && printf '%s' '$EVIL' >h/pre-commit &&
chmod +x h/pre-commit && $(ren h .git/hooks) && $(ren h ../cfgrepo/.githooks)"
is "exchanging .git/hooks, or a core.hooksPath directory, is refused" \
    "$out" "EPERM
EBUSY"
run sh -c "cd repo && printf '[core]\n\thooksPath = h\n' >c &&
$(ren c .git/config) && $(ren c .git/config 0) && cd ../cfgrepo/.git &&
cp ../../repo/c c && $(ren c shared.inc) && rm c"
is "exchanging or renaming over .git/config, or an include, is refused" \
    "$out" "EPERM
EPERM
EBUSY"
run sh -c "cd repo/sub && mkdir m && cp -a nested/.git/. m/ &&
$(ren m nested/.git) && mkdir nn && cp -a nested/. nn/ &&
printf '%s' '$EVIL' >nn/.git/hooks/pre-commit &&
chmod +x nn/.git/hooks/pre-commit && $(ren nn nested)"
is "a nested repository's .git, and the directory holding it, neither" \
    "$out" "EPERM
EPERM"
run sh -c 'cd repo && { ln .git/config c2 || echo r1; } && { ln ../wt/.git g2 || echo r2; } && { ln .git/modules/mod/config m2 || echo r3; }' 2>/dev/null
is "no hard link to a config or a .git file, to write it under another name" \
    "$out" "r1
r2
r3"
host_commit "$R" 1
host_commit "$R/sub/nested" 1
host_commit "$C" 1
is "host commits in repo, sub/nested and cfgrepo run no planted hook" \
    "$(marks)" ""

# --- 2: commondir, alternates ------------------------------------------------
run sh -c "cd repo && mkdir -p evilgit/hooks && cp -a .git/objects .git/refs \
.git/HEAD evilgit/ 2>/dev/null; printf '%s' '$EVIL' >evilgit/hooks/pre-commit &&
chmod +x evilgit/hooks/pre-commit; echo ../evilgit >.git/commondir || echo r1;
ln -s ../evilgit .git/commondir || echo r2; echo x >cd && mv cd .git/commondir || echo r3;
ln cd .git/commondir || echo r4" 2>/dev/null
is "writing, linking or renaming .git/commondir is refused" "$out" \
    "r1
r2
r3
r4"
run sh -c 'cd repo && echo /tmp >>.git/objects/info/alternates || echo refused'
is "objects/info/alternates is refused" "$out" refused
is "the host's git path of pre-commit has not moved" \
    "$(host "$R" rev-parse --git-path hooks/pre-commit)" "${hp[0]}"
ok "and there is no commondir on the host" test ! -e "$R/.git/commondir" \
    -a ! -e "$R/.git/objects/info/alternates"

# --- 3: .git files of a linked worktree and of a submodule --------------------
run sh -c "cd wt && mkdir -p evil/hooks && cp -a ../repo/.git/HEAD evil/ &&
printf '%s' '$EVIL' >evil/hooks/pre-commit && chmod +x evil/hooks/pre-commit;
echo 'gitdir: ./evil' >.git || echo r1; rm -f .git 2>/dev/null || echo r2;
echo 'gitdir: ./evil' >g && { mv g .git || echo r3; $(ren g .git); }"
is "the worktree's .git file cannot be written, removed, replaced or exchanged" \
    "$out" "r1
r2
r3
EPERM"
run sh -c "cd repo/.git/worktrees/wt && { echo ../../../evilgit >commondir || echo r1; }
{ printf '[core]\n\thooksPath = /tmp\n' >config.worktree || echo r2; }
{ echo /x >gitdir || echo r3; }" 2>/dev/null
is "nor its commondir, config.worktree or gitdir in .git/worktrees" "$out" \
    "r1
r2
r3"
run sh -c "cd repo/mod && mkdir -p evil/hooks && printf '%s' '$EVIL' >evil/hooks/pre-commit;
echo 'gitdir: ./evil' >.git || echo r1; printf '%s' '$EVIL' >../.git/modules/mod/hooks/pre-commit || echo r2;
git config core.hooksPath evil/hooks 2>/dev/null || echo r3; $(ren ../.git/modules/mod ../.git/modules/x 0)"
is "a submodule's .git file, hooks and config, and its git dir's place" \
    "$out" "r1
r2
r3
EBUSY"
GW_ATTACK=3 host_commit "$WORK/wt" 3
host_commit "$R/mod" 3
is "host commits in the worktree and the submodule run no planted hook" \
    "$(marks)" ""
is "their hook paths have not moved" \
    "$(host "$WORK/wt" rev-parse --git-path hooks/pre-commit):$(host "$R/mod" rev-parse --git-path hooks/pre-commit)" \
    "${hp[1]}:${hp[2]}"

# --- configuration: config.worktree, includes, core.hooksPath ---------------
run sh -c "cd cfgrepo && { printf '[core]\n\thooksPath = h\n' >.git/config.worktree || echo r1; }
{ printf '[core]\n\tfsmonitor = ./h/pre-commit\n' >>.git/shared.inc || echo r2; }
{ printf '[core]\n\thooksPath = h\n' >.git/missing.inc || echo r3; }
{ printf '%s' '$EVIL' >.githooks/pre-commit || echo r4; }
{ git config --worktree core.hooksPath h || echo r5; }" 2>/dev/null
is "config.worktree, include.path targets and core.hooksPath are held" \
    "$out" "r1
r2
r3
r4
r5"
is "the host's config and hooks are unchanged" \
    "$(cat "$C/.git/config"):$(find "$C/.githooks" -mindepth 1):$(ls \
    "$C/.git/config.worktree" "$C/.git/missing.inc" 2>/dev/null)" "$cfg::"
ok "no hooksPath or fsmonitor reached the host's git" test -z \
    "$(host "$C" config --get-regexp 'core\.(hookspath|fsmonitor)' |
    grep -v '^core.hookspath .githooks$')"
host_commit "$C" 5
is "a host commit in cfgrepo runs no planted hook" "$(marks)" ""

# --- a new repository where git on the host would find it -------------------
run sh -c "cd repo/src && { git init -q . 2>/dev/null || echo r1; }
{ git init -q lib 2>/dev/null || echo r2; }
{ mkdir objects refs && echo 'ref: refs/heads/main' >HEAD || echo r3; }
cd .. && { mv docs d.o && mkdir docs && git init -q docs 2>/dev/null || echo r4; }
{ git init -q fresh && mv src s.o && mv fresh src || echo r5; }
{ ln -s fresh2 src || echo r6; }"
is "no .git or HEAD in a directory that was there, nor a repository moved in" \
    "$out" "r1
r2
r3
r4
r5
r6"
is "host git in docs and in the moved src/lib still finds repo" \
    "$(host "$R/docs" rev-parse --show-toplevel 2>&1):$(host "$R/s.o/lib" rev-parse --show-toplevel 2>&1)" \
    "$R:$R"
is "nothing took the place of src" "$(ls -d "$R/src" 2>/dev/null)" ""
host_commit "$R/docs" 4
is "and a host commit in docs runs no planted hook" "$(marks)" ""
# Put back what the sandbox moved, for the normal work below.
[ -d "$R/d.o" ] && rm -rf "$R/docs" && mv "$R/d.o" "$R/docs"
[ -d "$R/s.o" ] && rm -rf "$R/src" && mv "$R/s.o" "$R/src"
rm -rf "$R/evilgit" "$R/h" "$R/c" "$R/cd" "$R/n" "$R/sub/m" "$R/sub/nn" \
    "$R/fresh" "$R/fresh2" "$R/src/objects" "$R/src/refs" "$WORK/wt/evil" \
    "$WORK/wt/g" "$R/mod/evil"
is "the host's repository is clean again" \
    "$(host "$R" status --porcelain --ignore-submodules)" "$status"

# --- ordinary work in the old repository --------------------------------------
G="${GITC[*]}"
run sh -c "cd repo && echo b >src/b.c && git add src/b.c && $G commit -q -m add-b &&
git log -1 --format=%s"
is "git add and commit" "$st:$out" "0:add-b"
run sh -c "cd repo && $G checkout -q -b topic && echo t >t.txt && git add t.txt &&
$G commit -q -m topic && $G checkout -q main && git branch --show-current"
is "git checkout -b, commit on a branch, checkout back" "$st:$out" "0:main"
run sh -c "cd repo && echo dirty >>src/b.c && $G stash -q &&
git diff --quiet -- src/b.c && $G stash pop -q && git diff --stat -- src/b.c |
tail -1"
is "git stash and stash pop" "$st:$out" \
    "0: 1 file changed, 1 insertion(+)"
run sh -c "cd repo && git checkout -q -- src/b.c && echo m >m.txt && git add m.txt &&
$G commit -q -m main-2 && $G checkout -q topic && $G rebase -q main &&
git log --format=%s | head -3 | tr '\n' ' '"
is "git rebase" "$st:$out" "0:topic main-2 add-b "
run sh -c "cd repo && GIT_SEQUENCE_EDITOR=true $G rebase -q -i --exec true main && git log -1 --format=%s"
is "git rebase -i (with an exec line)" "$st:$out" "0:topic"
run sh -c "cd repo && $G checkout -q main && $G fetch -q origin && git rev-parse --abbrev-ref origin/main"
is "git fetch from a local remote" "$st:$out" "0:origin/main"
run sh -c "cd repo && $G push -q origin main topic 2>&1 && git --git-dir=../remote.git log -1 --format=%s topic"
is "git push to it" "$st:$out" "0:topic"
run sh -c "cd repo && $G gc -q 2>&1 && ls .git/objects/pack | grep -c '\.pack$'"
is "git gc" "$st:$out" "0:1"
run sh -c "cd wt && echo w >w.txt && git add w.txt && $G commit -q -m in-wt && git log -1 --format=%s"
is "commit in the old linked worktree" "$st:$out" "0:in-wt"
run sh -c "cd repo/mod && $G commit -q --allow-empty -m in-mod && git log -1 --format=%s"
is "commit in the old submodule" "$st:$out" "0:in-mod"
run sh -c "cd repo && $G worktree add -q ../wt2 2>&1 && cd ../wt2 && $G commit -q --allow-empty -m in-wt2 && git log -1 --format=%s"
is "git worktree add into a new directory, and commit there" "$st:$out" \
    "0:in-wt2"
run sh -c "$G clone -q remote.git clone1 2>&1 && cd clone1 && $G commit -q --allow-empty -m c && git log -1 --format=%s"
is "git clone into a new directory" "$st:$out" "0:c"
run sh -c "mkdir -p newdir/deep && cd newdir/deep && git init -q && ls -d .git"
is "git init in a directory the sandbox made" "$st:$out" "0:.git"
is "the host sees the sandbox's commits" \
    "$(host "$R" log -1 --format=%s main):$(host "$R" log -1 --format=%s topic)" \
    "main-2:topic"
is "and its hook paths are as they were" \
    "$(host "$R" rev-parse --git-path hooks/pre-commit):$(host "$WORK/wt" rev-parse --git-path hooks/pre-commit)" \
    "${hp[0]}:${hp[1]}"
is "no hook of the sandbox's ran on the host, in any attack" "$(marks)" ""

done_testing
