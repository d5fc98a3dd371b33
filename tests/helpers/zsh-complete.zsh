#!/bin/zsh -f
# zsh-complete.zsh FPATH-DIR OUT LINE: type LINE and Tab into an
# interactive zsh with the completions of FPATH-DIR, and write the matches
# it offers to OUT, one a line. compadd is wrapped to record them, so
# this sees what the completion functions propose, not the screen.
zmodload zsh/zpty || exit 1
dir=$1 out=$2 line=$3
: >$out
zpty z zsh -f -i || exit 1
zpty -w z "PS1='> ' PS2=''; fpath=($dir \$fpath)"
zpty -w z "autoload -Uz compinit && compinit -u -d $out.zcompdump"
zpty -w z "compadd() { local -a h; builtin compadd -O h \"\$@\";"\
" (( \$#h )) && print -rl -- \$h >>$out; builtin compadd \"\$@\"; }"
zpty -w z "bindkey '^I' complete-word; print READY"
zpty -r z _ '*READY*' || exit 1
zpty -w -n z "$line"$'\t'
# Up to 5 s for the matches.
for i in {1..100}; do
	[[ -s $out ]] && break
	sleep 0.05
done
sleep 0.2
zpty -d z
[[ -s $out ]]
