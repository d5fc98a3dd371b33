/*
 * filesystem.mask and filesystem.protected, the names: the mask's name
 * patterns and the built-in protected names, shared by the walk at start
 * (sandbox-protect-walk.c) and the supervisor (sandbox-protect-supervise.c).
 * Pure.
 */

#include <sys/types.h>

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

#define BRACE_ALTS_MAX	64	/* alternatives a mask pattern expands to */

/* Protected in the working directory and in the home directory. */
const char *const sandbox_protect_root_names[] = {
	".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
	".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".inputrc",
	".gitconfig", ".gitmodules", ".envrc", ".vscode", ".idea",
	".mcp.json", ".claude", ".ripgreprc",
};

const size_t sandbox_protect_nroot = nitems(sandbox_protect_root_names);

/* ------------------------------------------------------------------ */
/* Name patterns                                                       */

/*
 * Expand the first brace group of pat into its alternatives and match
 * each, recursively; without braces, fnmatch(3) without FNM_PERIOD, so
 * '*' also matches a leading dot. Returns 1 on a match.
 */
static int
brace_match(const char *pat, const char *name, int *budget)
{
	char		 buf[NAME_MAX * 2 + 1];
	const char	*open = NULL, *close = NULL, *p, *alt;
	int		 depth = 0, inbr = 0;

	for (p = pat; *p != '\0' && close == NULL; p++) {
		if (inbr) {
			if (*p == ']')
				inbr = 0;
		} else if (*p == '[') {
			inbr = 1;
			if (p[1] == '!' || p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		} else if (*p == '{') {
			if (depth++ == 0)
				open = p;
		} else if (*p == '}' && depth > 0 && --depth == 0)
			close = p;
	}
	if (open == NULL || close == NULL)
		return (fnmatch(pat, name, 0) == 0);
	/* Each alternative, split at the group's own commas. */
	depth = 0;
	for (alt = p = open + 1; p <= close; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && p != close)
			depth--;
		else if ((*p == ',' && depth == 0) || p == close) {
			if (--(*budget) < 0)
				return (0);
			if (snprintf(buf, sizeof(buf), "%.*s%.*s%s",
			    (int)(open - pat), pat, (int)(p - alt), alt,
			    close + 1) >= (int)sizeof(buf))
				return (0);
			if (brace_match(buf, name, budget))
				return (1);
			alt = p + 1;
		}
	}
	return (0);
}

/* Whether name matches one of the mask patterns. */
int
sandbox_protect_masked(char *const *mask, const char *name)
{
	int	budget;

	for (; mask != NULL && *mask != NULL; mask++) {
		budget = BRACE_ALTS_MAX;
		if (brace_match(*mask, name, &budget))
			return (1);
	}
	return (0);
}
