/*
 * The sandbox environment: the client's variables minus those that change
 * how programs load or start (LD_*, DYLD_*, BASH_ENV, ENV, PROMPT_COMMAND)
 * and greywall's own, plus GREYWALL_SANDBOX=1 and TMPDIR=/tmp, which is the
 * sandbox's private tmpfs.
 */

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

static const char *const strip_prefix[] = { "LD_", "DYLD_", "GREYWALL_" };
static const char *const strip_name[] = {
	"BASH_ENV", "ENV", "PROMPT_COMMAND", "TMPDIR"
};

/* Whether a "NAME=value" entry may pass into the sandbox. */
int
sandbox_env_allowed(const char *entry)
{
	const char	*eq;
	size_t		 i, n;

	if ((eq = strchr(entry, '=')) == NULL || eq == entry)
		return (0);
	n = eq - entry;
	for (i = 0; i < nitems(strip_prefix); i++)
		if (str_has_prefix(entry, strip_prefix[i]))
			return (0);
	for (i = 0; i < nitems(strip_name); i++)
		if (strlen(strip_name[i]) == n &&
		    strncmp(entry, strip_name[i], n) == 0)
			return (0);
	return (1);
}

/* Whether the variable's name matches one of the policy's env.strip globs. */
static int
env_policy_strips(const char *entry, const struct policy_entry *strip)
{
	char	name[256];
	size_t	n = strcspn(entry, "="), i;

	if (strip == NULL)
		return (0);
	if (n >= sizeof(name))
		return (1);	/* no real variable name is this long */
	memcpy(name, entry, n);
	name[n] = '\0';
	for (i = 0; i < strip->n; i++)
		if (fnmatch(strip->v[i].str, name, 0) == 0)
			return (1);
	return (0);
}

/*
 * Build the environment for the command, also dropping names that match
 * the policy's env.strip (strip may be NULL). The array points into env,
 * so it must not outlive it; returns NULL only when out of memory.
 */
char **
sandbox_env_build(char *const *env, size_t n, const struct policy_entry *strip)
{
	char	**out;
	size_t	  i, j = 0;

	if ((out = calloc(n + 3, sizeof(*out))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (sandbox_env_allowed(env[i]) &&
		    !env_policy_strips(env[i], strip))
			out[j++] = env[i];
	out[j++] = (char *)"GREYWALL_SANDBOX=1";
	out[j++] = (char *)"TMPDIR=/tmp";
	out[j] = NULL;
	return (out);
}
