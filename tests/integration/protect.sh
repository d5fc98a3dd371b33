#!/bin/bash
# filesystem.mask, filesystem.protected and filesystem.allow_cwd: masked
# files read as empty, protected files cannot be changed or created (also
# where they do not exist yet, and in nested repositories), ordinary work
# next to them goes on. Every check looks at the host afterwards.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs

plan 46

MARK=gw-prot-$$
HOME_FILES=("$TEST_HOME/.bashrc" "$TEST_HOME/.zshrc" "$TEST_HOME/.envrc")
# Keep the test user's own rc files as they were.
for f in "${HOME_FILES[@]}"; do
	[ -e "$f" ] && cp -a "$f" "$f.$MARK"
done
restore_home() {
	for f in "${HOME_FILES[@]}"; do
		rm -rf "$f"
		[ -e "$f.$MARK" ] && mv "$f.$MARK" "$f"
	done
}
trap 'cleanup; restore_home' EXIT

cat >"$POLICY/00-test.yaml" <<Y
default: true
filesystem:
  mask: [".env", ".env.*", "{id_rsa,*.pem}"]
  protected: default
Y
start_daemon

# as_user_in DIR CMD...: a command of the test user's on the host.
as_user_in() {
	local d=$1
	shift
	(cd "$d" && as_user "$@")
}
host_has() {
	if [ -e "$1" ] || [ -L "$1" ]; then echo present; else echo absent; fi
}
run() {
	out=$(gw_exec "$@" 2>"$T/err")
	st=$?
	err=$(cat "$T/err")
}

# The project: secrets, an old repository without hooks/, nested ones.
w() { printf '%s\n' "$2" >"$WORK/$1"; }
mkdir -p "$WORK/sub/deeper" "$WORK/keys"
w .env "SECRET=root"
w .env.production "SECRET=prod"
w sub/.env "SECRET=sub"
w sub/deeper/.env.local "SECRET=deep"
w keys/id_rsa "PRIVATE KEY"
w keys/server.pem "PEM KEY"
w normal.txt "normal"
chown -R "$TEST_USER:" "$WORK"
as_user_in "$WORK" git init -q . && rm -rf "$WORK/.git/hooks"
as_user_in "$WORK" git init -q sub/nested
as_user_in "$WORK" git init -q sub/nohooks && rm -rf "$WORK/sub/nohooks/.git/hooks"
cfg_before=$(cat "$WORK/.git/config")

# --- mask ---------------------------------------------------------------------
run sh -c 'wc -c <.env; cat .env.production sub/.env sub/deeper/.env.local'
is "masked .env, .env.production, sub/.env, sub/deeper/.env.local read empty" \
    "$st:$out" "0:0"
run stat -c '%u %a' .env sub/deeper/.env.local
is "what they show is root's, mode 0444" "$st:$(echo $out)" "0:0 444 0 444"
run sh -c 'cat keys/id_rsa keys/server.pem | wc -c'
is "brace patterns mask id_rsa and *.pem" "$st:$out" "0:0"
run cat normal.txt
is "a file next to them reads as it is" "$st:$out" "0:normal"
run sh -c 'echo LEAK >.env || echo refused'
is "writing a masked file fails" "$st:$out" "0:refused"
is "the host's secrets are unchanged" \
    "$(cat "$WORK/.env" "$WORK/.env.production" "$WORK/sub/.env" \
    "$WORK/sub/deeper/.env.local" | tr '\n' ' ')" \
    "SECRET=root SECRET=prod SECRET=sub SECRET=deep "
run sh -c 'rm -f .env 2>/dev/null; mv sub/.env sub/x 2>/dev/null; ls -a . sub | grep -c "^\.env$"'
is "a masked file cannot be removed or renamed away" "$out" 2
is "and it is still on the host" "$(host_has "$WORK/.env"):$(host_has \
    "$WORK/sub/x")" present:absent
run sh -c 'echo mine >.env.new && cat .env.new'
is "a .env.* file the sandbox makes is its own, readable" "$st:$out" \
    "0:mine"
rm -f "$WORK/.env.new"

# --- protected names that do not exist yet -----------------------------------
run sh -c 'echo evil >.envrc || echo refused'
is "creating .envrc in the cwd is refused" "$st:$out" "0:refused"
contains "with EPERM" "$err" "Operation not permitted"
is "no .envrc on the host" "$(host_has "$WORK/.envrc")" absent
run sh -c 'mkdir .vscode 2>/dev/null || echo refused; touch .mcp.json 2>/dev/null || echo refused'
is "mkdir .vscode and touch .mcp.json are refused" "$out" "refused
refused"
is "neither is on the host" "$(host_has "$WORK/.vscode"):$(host_has \
    "$WORK/.mcp.json")" absent:absent
run sh -c 'echo evil >tmp-$$ && mv tmp-$$ .envrc 2>/dev/null || echo refused; rm -f tmp-$$'
is "renaming a file to .envrc is refused" "$out" refused
run sh -c 'ln -s .envrc link && echo evil >link 2>/dev/null || echo refused; rm -f link'
is "writing .envrc through a symlink is refused" "$out" refused
run sh -c 'echo x >f-$$ && ln f-$$ .envrc 2>/dev/null || echo refused; rm -f f-$$'
is "hard-linking to .envrc is refused" "$out" refused
run /usr/bin/python3 -c '
import os
fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600)
os.write(fd, b"evil")
try:
    os.link("/proc/self/fd/%d" % fd, ".envrc", follow_symlinks=True)
    print("linked")
except OSError as e:
    print(e.errno)'
is "an O_TMPFILE file cannot be linked in as .envrc" "$out" 1
is "after all these, still no .envrc on the host" \
    "$(host_has "$WORK/.envrc")" absent

# --- .git/hooks and .git/config ----------------------------------------------
run sh -c 'mkdir .git/hooks 2>/dev/null || echo refused'
is "a .git without hooks/ cannot gain hooks/" "$out" refused
run sh -c 'mkdir -p .git/hooks && echo evil >.git/hooks/pre-commit || echo refused'
is "nor hooks/pre-commit" "$out" refused
is "nothing appears on the host" "$(host_has "$WORK/.git/hooks")" absent
run sh -c 'echo evil >sub/nohooks/.git/hooks/pre-commit 2>/dev/null || mkdir sub/nohooks/.git/hooks 2>/dev/null || echo refused'
is "a nested repository without hooks/ cannot gain them" "$out" refused
is "nothing on the host" "$(host_has "$WORK/sub/nohooks/.git/hooks")" absent
run sh -c 'echo evil >sub/nested/.git/hooks/pre-commit 2>/dev/null || echo refused; chmod +x sub/nested/.git/hooks/update.sample 2>/dev/null || echo refused; mv sub/nested/.git/hooks/update.sample sub/nested/.git/hooks/update 2>/dev/null || echo refused'
is "a nested repository's hooks/ takes no new hook, no chmod, no rename" \
    "$out" "refused
refused
refused"
is "nothing changed there on the host" \
    "$(host_has "$WORK/sub/nested/.git/hooks/pre-commit"):$(host_has \
    "$WORK/sub/nested/.git/hooks/update")" absent:absent
run sh -c 'git config core.fsmonitor "touch /tmp/pwned" 2>/dev/null || echo refused; echo "[core] fsmonitor = x" >>.git/config 2>/dev/null || echo refused'
is "the cwd's .git/config cannot be changed (git config, >>)" "$out" \
    "refused
refused"
run sh -c 'git -C sub/nested config core.hooksPath /tmp 2>/dev/null || echo refused'
is "nor a nested repository's" "$out" refused
is "the host's .git/config is unchanged" "$(cat "$WORK/.git/config")" \
    "$cfg_before"
ok "and no fsmonitor or hooksPath got into any config on the host" \
    test -z "$(grep -rl 'fsmonitor\|hooksPath' "$WORK/.git/config" \
    "$WORK/sub/nested/.git/config")"
run sh -c 'mv .git g-$$ 2>/dev/null || echo refused'
is "an old .git cannot be renamed away" "$out" refused
is "it is still there on the host" "$(host_has "$WORK/.git")" present

# --- ordinary work still works ----------------------------------------------
run sh -c 'echo new >.envrc.txt && mkdir -p d/e && echo x >d/e/f && mv d/e/f d/e/g && ln -s g d/e/h && cat d/e/h .envrc.txt'
is "files, dirs, renames and links next to protected names work" \
    "$st:$out" "0:x
new"
is "and they are on the host" "$(cat "$WORK/d/e/g" "$WORK/.envrc.txt" | tr '\n' ' ')" "x new "
GITC=(git -c user.name=t -c user.email=t@example.invalid)
run sh -c "git add normal.txt && ${GITC[*]} commit -q -m in-sandbox && git log --format=%s"
is "git add and commit in the old repository work" "$st:$out" "0:in-sandbox"
is "the commit is on the host" \
    "$(as_user_in "$WORK" git log --format=%s 2>/dev/null)" in-sandbox
run sh -c "git init -q fresh && cd fresh && ${GITC[*]} commit -q --allow-empty -m x && ls .git/hooks | grep -c sample"
ok "git init makes a new repository, sample hooks included ($out)" \
    test "$st" = 0 -a "${out:-0}" -gt 5
ok "and it is on the host" test -f "$WORK/fresh/.git/config"
run sh -c 'mkfifo p && { cat p & echo via-fifo >p; wait; }'
is "writing to a FIFO through the supervisor works" "$st:$out" "0:via-fifo"
run sh -c 'umask 077; echo x >um && stat -c %a um'
is "the command's umask applies to what the supervisor creates" \
    "$st:$out" "0:600"

# --- the home, and filesystem.allow_cwd --------------------------------------
printf 'host-rc\n' >"$TEST_HOME/.bashrc"
chown "$TEST_USER:" "$TEST_HOME/.bashrc"
rm -f "$TEST_HOME/.zshrc" "$TEST_HOME/.envrc"
err=$(cd "$TEST_HOME" && as_user "$GW" exec true 2>&1)
is "cwd = home is refused without allow_cwd" "$?" 125
contains "naming filesystem.allow_cwd" "$err" "filesystem.allow_cwd"
cat >"$POLICY/10-home.yaml" <<Y
users: [$TEST_USER]
filesystem:
  allow_cwd: [home, root]
Y
"$GWCTL" -S "$SOCK" reload
out=$(cd "$TEST_HOME" && as_user "$GW" exec sh -c 'echo evil 2>/dev/null >>.bashrc || echo refused; echo evil 2>/dev/null >.zshrc || echo refused; echo ok >gw-home-ok && cat gw-home-ok' 2>"$T/err")
is "allow_cwd: home runs in the home; rc files are protected there" \
    "$out" "refused
refused
ok"
is "the host's .bashrc is unchanged, no .zshrc" \
    "$(cat "$TEST_HOME/.bashrc"):$(host_has "$TEST_HOME/.zshrc")" \
    host-rc:absent
rm -f "$TEST_HOME/gw-home-ok"
out=$(cd / && as_user "$GW" exec sh -c "pwd; test -e '$TEST_HOME' || echo no-home; echo x 2>/dev/null >/gw-root-$MARK || echo read-only" 2>&1)
is "allow_cwd: root runs in the sandbox's own /, not the host's" \
    "$out" "/
no-home
read-only"
is "nothing was written to the host's /" "$(host_has "/gw-root-$MARK")" absent

done_testing
