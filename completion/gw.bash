# bash completion for gw(1)                                  -*- shell-script -*-
# Installed as "gw" in bash-completion's completions directory, which
# loads it the first time gw is completed.

_gw_command()
{
	local i w cmd= words=("${COMP_WORDS[@]}")
	# The command word: the first word after the global options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${words[i]}
		case $w in
		-S|--socket) ((i++)) ;;
		-*) ;;
		*) cmd=$w; break ;;
		esac
	done
	echo "$i ${cmd}"
}

# The ids of the user's reviews in greywall's store (gw exec --review).
_gw_reviews()
{
	local d=${GREYWALL_STATE_DIR:-/var/lib/greywall}/users/$(id -u)/reviews
	[[ -d $d ]] && command ls "$d" 2>/dev/null
}

_gw()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local at cmd i w
	COMPREPLY=()
	read -r at cmd <<<"$(_gw_command)"

	case $prev in
	-S|--socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-S --socket --version --help' \
			    -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'exec policy doctor why cache review
			    diff apply discard' -- "$cur"))
		fi
		return
	fi
	case $cmd in
	policy|doctor)
		COMPREPLY=($(compgen -W '--json --help' -- "$cur"))
		return ;;
	cache)
		# gw cache [list | clear [PATH...]]: the paths of the store.
		if ((COMP_CWORD == at + 1)); then
			COMPREPLY=($(compgen -W 'list clear --help' -- "$cur"))
		elif [[ ${COMP_WORDS[at + 1]} == clear ]]; then
			local IFS=$'\n'
			COMPREPLY=($(compgen -W "$(gw cache list 2>/dev/null |
			    sed -n 's|^ *[0-9.]* MiB  ~/||p')" -- "$cur"))
		fi
		return ;;
	why)
		# A path (files), an event id or HOST[:PORT] (typed).
		if [[ $prev == --policy ]]; then
			COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur")
			    $(compgen -d -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-w --write --policy --help' \
			    -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return ;;
	review|diff|apply|discard)
		if [[ $cur == -* ]]; then
			case $cmd in
			review|diff) w='--json --help' ;;
			apply) w='--force --help' ;;
			*) w='--help' ;;
			esac
			COMPREPLY=($(compgen -W "$w" -- "$cur"))
		elif [[ $prev == "$cmd" || $prev == --json || $prev == --force ||
		    $cmd == discard ]]; then
			COMPREPLY=($(compgen -W "$(_gw_reviews)" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return ;;
	exec) ;;
	*) return ;;
	esac

	# gw exec: options until "--" or the command, then the command's.
	for ((i = at + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--) ((i++)); break ;;
		-c|--policy|-p|--publish|--json|--learn-out) ((i++)) ;;
		-*) ;;
		*) break ;;
		esac
	done
	if ((i < COMP_CWORD)); then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	case $prev in
	--policy)
		COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur")
		    $(compgen -d -- "$cur"))
		return ;;
	--json|--learn-out)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-c|-p|--publish)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-c --policy --no-network --ro -p
		    --publish -m --monitor -d --debug --json --learn
		    --learn-out --review --help --' \
		    -- "$cur"))
	else
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}
complete -F _gw -o filenames gw
