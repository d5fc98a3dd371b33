#!/bin/bash
# Shell completion: the bash and zsh scripts load and complete gw's and
# gwctl's subcommands and options, policy files for --policy, users for
# gwctl policy, and the ids of running sandboxes for gwctl kill (asked of
# greywalld through gwctl list, as an admin does).
. "$(dirname "$0")/../lib/libtest.sh"

require_root
command -v zsh >/dev/null || bail "zsh is missing: run .ci/install-deps"
setup_user
setup_dirs
start_daemon

plan 23

COMP=$GW_SRCDIR/completion
export PATH="$GW_BUILDDIR/client:$PATH"

# bcomp SCRIPT WORD...: what bash's completion offers for the last WORD.
bcomp() {
	local script=$1
	shift
	bash --norc --noprofile -c '
	    [ -r /usr/share/bash-completion/bash_completion ] &&
	        . /usr/share/bash-completion/bash_completion
	    . "$0" || exit 1
	    COMP_WORDS=("$@")
	    COMP_CWORD=$(($# - 1))
	    COMP_LINE="$*"
	    COMP_POINT=${#COMP_LINE}
	    f=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
	    "$f" "$1" "${COMP_WORDS[COMP_CWORD]}" \
	        "${COMP_WORDS[COMP_CWORD-1]}"
	    printf "%s\n" "${COMPREPLY[@]}" | sort -u' "$COMP/$script" "$@"
}
# zcomp LINE: what zsh's completion offers after LINE and a Tab.
zcomp() {
	zsh -f "$GW_SRCDIR/tests/helpers/zsh-complete.zsh" "$COMP" \
	    "$T/zsh.out" "$1" && sort -u "$T/zsh.out"
}

ok "the bash scripts load" bash --norc -c ". $COMP/gw.bash && \
. $COMP/gwctl.bash && complete -p gw gwctl >/dev/null"
is "bash: gw subcommands" "$(bcomp gw.bash gw '')" "apply
cache
diff
discard
doctor
exec
policy
review
why"
is "bash: gw why -" "$(bcomp gw.bash gw why -)" "--help
--policy
--write
-w"
is "bash: gw cache" "$(bcomp gw.bash gw cache '')" "--help
clear
list"
# gw cache clear offers the caches of the user's store (gw cache list).
ST=$(mktemp -d /var/tmp/gwtest-comp.XXXXXX) || bail "mktemp"
trap 'rm -rf "$ST"; cleanup' EXIT
mkdir -p "$ST/users/0/caches/.npm" "$ST/users/0/caches/.cache%2Fpip"
chmod 700 "$ST/users/0"
export GREYWALL_STATE_DIR=$ST
is "bash: gw cache clear offers the store's caches" \
    "$(bcomp gw.bash gw cache clear '')" ".cache/pip
.npm"
is "bash: gw ex" "$(bcomp gw.bash gw ex)" exec
is "bash: gw exec --po" "$(bcomp gw.bash gw exec --po)" --policy
printf 'x\n' >"$T/site.yaml"
printf 'x\n' >"$T/notes.txt"
is "bash: --policy offers policy files" \
    "$(cd "$T" && bcomp gw.bash gw exec --policy '')" "site.yaml"
is "bash: gwctl subcommands" "$(bcomp gwctl.bash gwctl '')" "kill
list
monitor
policy
reload
status"
is "bash: gwctl policy USER" \
    "$(bcomp gwctl.bash gwctl policy "$TEST_USER" | head -n 1)" "$TEST_USER"

"${GW_EXEC[@]}" sleep 32001 &
gw=$!
wait_for "sleep running" running 'sleep 32001'
id=$("$GWCTL" -S "$SOCK" list | awk 'NR == 2 { print $1 }')
ok "a sandbox id from gwctl list ($id)" test -n "$id"
is "bash: gwctl kill offers the sandbox's id" \
    "$(bcomp gwctl.bash gwctl -S "$SOCK" kill '')" "$id"

ok "the zsh functions load" zsh -f -c "fpath=($COMP \$fpath); \
autoload -Uz _gw _gwctl && whence -w _gw _gwctl >/dev/null"
is "zsh: gw ex" "$(zcomp 'gw ex')" exec
is "zsh: gw exec --po" "$(zcomp 'gw exec --po')" --policy
is "zsh: gw wh" "$(zcomp 'gw wh')" why
is "zsh: gw ca" "$(zcomp 'gw ca')" cache
is "zsh: gw cache cl" "$(zcomp 'gw cache cl')" clear
is "zsh: gw cache clear offers the store's caches" \
    "$(zcomp 'gw cache clear ')" ".cache/pip
.npm"
is "zsh: gwctl re" "$(zcomp 'gwctl re')" reload
contains "zsh: gwctl st" "$(zcomp 'gwctl st')" status
is "zsh: gwctl policy USER" \
    "$(zcomp "gwctl policy $TEST_USER" | head -n 1)" "$TEST_USER"
is "zsh: gwctl kill offers the sandbox's id" \
    "$(zcomp "gwctl -S $SOCK kill ")" "$id"

kill "$gw"
wait "$gw" 2>/dev/null
done_testing
