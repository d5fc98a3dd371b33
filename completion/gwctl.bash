# bash completion for gwctl(8)                               -*- shell-script -*-
# Installed as "gwctl" in bash-completion's completions directory.

_gwctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i w cmd= sock=() nargs=0
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-S|--socket)
			[[ -z $cmd ]] && sock=(-S "${COMP_WORDS[i+1]}")
			((i++)) ;;
		--user) ((i++)) ;;
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=$w; else ((nargs++)); fi ;;
		esac
	done

	case $prev in
	-S|--socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return ;;
	esac
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-S --socket --version --help' \
			    -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'list monitor kill policy reload
			    status' -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		case $cmd in
		monitor|kill)
			COMPREPLY=($(compgen -W '--user --json --help' \
			    -- "$cur")) ;;
		*)
			COMPREPLY=($(compgen -W '--json --help' -- "$cur")) ;;
		esac
		return
	fi
	((nargs > 0)) && return
	case $cmd in
	kill)
		# The ids of the running sandboxes, from the first column.
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "${sock[@]}" \
		    list 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {
		    print $1 }')" -- "$cur")) ;;
	policy)
		COMPREPLY=($(compgen -u -- "$cur")) ;;
	esac
}
complete -F _gwctl gwctl
