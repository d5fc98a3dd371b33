/*
 * Tests for the git-config(1) reader of sandbox/sandbox-protect-git.c:
 * the keys it reports are the ones git reads, so that the include files,
 * hook directories and fsmonitor hooks that a repository's configuration
 * names are all found (a key missed is a path the sandbox could write).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"
#include "tap.h"

/* The rest of the file is not used here; it runs in a sandbox's init. */
void
sandbox_init_fail(int err, const char *fmt, ...)
{
	(void)err;
	(void)fmt;
	abort();
}

int
sandbox_mount_ro_self(int fd)
{
	(void)fd;
	abort();
}

static char	got[4096];

static void
collect(const char *section, const char *key, const char *value, void *arg)
{
	size_t	n = strlen(got);

	(void)arg;
	snprintf(got + n, sizeof(got) - n, "%s.%s=%s|", section, key,
	    value == NULL ? "(bool)" : value);
}

static const char *
parse(const char *text)
{
	got[0] = '\0';
	sandbox_protect_git_config(text, strlen(text), collect, NULL);
	return (got);
}

static void
is(const char *text, const char *want, const char *what)
{
	const char	*g = parse(text);

	if (!ok(strcmp(g, want) == 0, "%s", what))
		printf("# got:  '%s'\n# want: '%s'\n", g, want);
}

int
main(void)
{
	plan(12);
	is("[include]\n\tpath = a.inc\n", "include.path=a.inc|",
	    "include.path");
	is("[includeIf \"gitdir:~/w/\"]\n  path = \"/x y/b.inc\"  # c\n",
	    "includeIf.path=/x y/b.inc|",
	    "includeIf with a quoted value and a comment");
	is("[core]\n\thooksPath = .githooks ; comment\n\tbare\n",
	    "core.hooksPath=.githooks|core.bare=(bool)|",
	    "a value, a trailing comment, a boolean key");
	is("[core] hooksPath = h\n", "core.hooksPath=h|",
	    "a key on the section's line");
	is("[CORE]\nHOOKSPATH=h\n", "CORE.HOOKSPATH=h|",
	    "names as written (compared without case by the caller)");
	is("[core]\n\tfsmonitor = a\\\n b\n", "core.fsmonitor=a b|",
	    "a backslash at the end of a line continues it");
	is("[core]\n\tx = \"a\\\"b\\\\c\\td\"\n", "core.x=a\"b\\c\td|",
	    "escapes in quotes");
	is("[core]\n\tx = \" keep \"   \n", "core.x= keep |",
	    "white space inside quotes is kept, outside it goes");
	is("[section.sub]\nk = v\n[s \"a]b\\\"c\"]\nk2 = v2\n",
	    "section.k=v|s.k2=v2|",
	    "old and quoted subsections (with ] and \\\" in them)");
	is("; c\n# c\n\n[include]\r\n\tpath = p\r\n", "include.path=p|",
	    "comments, blank lines and CRLF");
	is("[include]\n\tpath = a\n[bad\npath = b\n", "include.path=a|",
	    "a malformed header stops the reading");
	is("[include]\npath = x # y\npath = \"#z\"\n",
	    "include.path=x|include.path=#z|",
	    "# in quotes is not a comment");
	return (done_testing());
}
