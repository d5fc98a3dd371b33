/*
 * Tests for daemon/sandbox-env.c: which client variables reach the
 * sandbox, and the shape of the environment the command gets.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"
#include "tap.h"

/* Variables that change how programs load or start, and greywall's own. */
static const char *const stripped[] = {
	"LD_PRELOAD=/tmp/evil.so",
	"LD_LIBRARY_PATH=/tmp",
	"LD_AUDIT=/tmp/audit.so",
	"LD_=x",
	"LD_PRELOAD=",
	"DYLD_INSERT_LIBRARIES=/tmp/evil.dylib",
	"BASH_ENV=/tmp/rc",
	"ENV=/tmp/rc",
	"ENV=",
	"PROMPT_COMMAND=curl evil",
	"TMPDIR=/var/tmp",
	"TMPDIR=",
	"GREYWALL_SOCKET=/tmp/fake.sock",
	"GREYWALL_SANDBOX=0",
};

/* Names that only look like the ones above. */
static const char *const kept[] = {
	"ENVIRONMENT=prod",
	"LDFLAGS=-Wl,-z,now",
	"LD=ld.gold",
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/home/alice",
	"ENV_X=1",
	"XENV=1",
	"MY_ENV=1",
	"TMPDIRS=1",
	"BASH_ENVIRONMENT=1",
	"GREYWALL=1",
	"FOO=LD_PRELOAD=x",
	"EMPTY=",
	"A=b=c",
};

/* Not "NAME=value" at all. */
static const char *const malformed[] = {
	"PATH",
	"LD_PRELOAD",
	"",
	"=",
	"=value",
	"==",
};

static int
count(char **v)
{
	int	n = 0;

	while (v[n] != NULL)
		n++;
	return (n);
}

static void
test_allowed(void)
{
	size_t	i;

	for (i = 0; i < nitems(stripped); i++)
		ok(sandbox_env_allowed(stripped[i]) == 0, "stripped: '%s'",
		    stripped[i]);
	for (i = 0; i < nitems(kept); i++)
		ok(sandbox_env_allowed(kept[i]) == 1, "kept: '%s'", kept[i]);
	for (i = 0; i < nitems(malformed); i++)
		ok(sandbox_env_allowed(malformed[i]) == 0, "dropped: '%s'",
		    malformed[i]);
}

static void
test_build(void)
{
	char	*env[nitems(stripped) + nitems(kept) + nitems(malformed)];
	char	**out;
	size_t	 i, n = 0, k;
	int	 same = 1, tmpdirs = 0, gwvars = 0;

	/* Interleave so the kept ones are not simply a prefix. */
	for (i = 0; i < nitems(kept); i++) {
		if (i < nitems(stripped))
			env[n++] = (char *)stripped[i];
		env[n++] = (char *)kept[i];
		if (i < nitems(malformed))
			env[n++] = (char *)malformed[i];
	}
	for (; i < nitems(stripped); i++)
		env[n++] = (char *)stripped[i];
	for (; i < nitems(malformed); i++)
		env[n++] = (char *)malformed[i];
	if (n != nitems(env)) {
		printf("Bail out! test environment has %zu entries\n", n);
		exit(1);
	}

	if ((out = sandbox_env_build(env, n, NULL)) == NULL) {
		printf("Bail out! sandbox_env_build: out of memory\n");
		exit(1);
	}
	ok(count(out) == (int)nitems(kept) + 2,
	    "build: %zu kept entries plus 2 (got %d)", nitems(kept),
	    count(out));
	for (k = 0; same && k < nitems(kept); k++)
		if (out[k] != kept[k])
			same = 0;
	ok(same, "build: kept entries in order, pointing into the input");
	ok(out[nitems(kept)] != NULL &&
	    strcmp(out[nitems(kept)], "GREYWALL_SANDBOX=1") == 0,
	    "build: then GREYWALL_SANDBOX=1");
	ok(out[nitems(kept)] != NULL && out[nitems(kept) + 1] != NULL &&
	    strcmp(out[nitems(kept) + 1], "TMPDIR=/tmp") == 0,
	    "build: then TMPDIR=/tmp");
	ok(out[nitems(kept)] != NULL && out[nitems(kept) + 1] != NULL &&
	    out[nitems(kept) + 2] == NULL, "build: then NULL");
	for (k = 0; out[k] != NULL; k++) {
		if (strncmp(out[k], "TMPDIR=", 7) == 0)
			tmpdirs++;
		if (strncmp(out[k], "GREYWALL_", 9) == 0)
			gwvars++;
	}
	ok(tmpdirs == 1 && gwvars == 1,
	    "build: the client's TMPDIR and GREYWALL_* are gone");
	free(out);

	out = sandbox_env_build(NULL, 0, NULL);
	ok(out != NULL && out[0] != NULL && out[1] != NULL &&
	    strcmp(out[0], "GREYWALL_SANDBOX=1") == 0 &&
	    strcmp(out[1], "TMPDIR=/tmp") == 0 && out[2] == NULL,
	    "build: empty input gives only GREYWALL_SANDBOX=1 and TMPDIR=/tmp");
	free(out);

	out = sandbox_env_build((char *const *)stripped, nitems(stripped), NULL);
	ok(out != NULL && count(out) == 2 &&
	    strcmp(out[0], "GREYWALL_SANDBOX=1") == 0 &&
	    strcmp(out[1], "TMPDIR=/tmp") == 0,
	    "build: nothing but stripped entries gives the 2 added ones");
	free(out);
}

int
main(void)
{
	plan(nitems(stripped) + nitems(kept) + nitems(malformed) + 8);
	test_allowed();
	test_build();
	return (done_testing());
}
