/*
 * Tests for client/review-change.c: which upper-layer paths gw acts on,
 * how a change is flagged in the summary, whether a symlink points out
 * of the project, and which changes a PATH argument selects.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "tap.h"

static const struct {
	const char	*path;
	int		 ok;
} paths[] = {
	{ "a", 1 },
	{ "a/b/c.txt", 1 },
	{ ".git/hooks/pre-commit", 1 },
	{ "..a", 1 },
	{ "", 0 },
	{ "/etc/passwd", 0 },
	{ "..", 0 },
	{ "a/../b", 0 },
	{ "a/./b", 0 },
	{ ".", 0 },
	{ "a//b", 0 },
	{ "a/", 0 },
	{ "../x", 0 },
};

static const struct {
	const char	*path;
	int		 kind;
	mode_t		 mode, old;
	unsigned int	 want;
} flags[] = {
	{ "run.sh", REVIEW_ADDED, S_IFREG | 0755, 0, REVIEW_F_EXEC },
	{ "run.sh", REVIEW_MODIFIED, S_IFREG | 0755, S_IFREG | 0644,
	    REVIEW_F_EXEC },
	{ "run.sh", REVIEW_MODIFIED, S_IFREG | 0755, S_IFREG | 0755, 0 },
	{ "a.txt", REVIEW_ADDED, S_IFREG | 0644, 0, 0 },
	{ "link", REVIEW_ADDED, S_IFLNK | 0777, 0, REVIEW_F_SYMLINK },
	{ "su", REVIEW_ADDED, S_IFREG | 04755, 0,
	    REVIEW_F_EXEC | REVIEW_F_SETID },
	{ "sg", REVIEW_ADDED, S_IFREG | 02644, 0, REVIEW_F_SETID },
	{ "fifo", REVIEW_ADDED, S_IFIFO | 0644, 0, REVIEW_F_SPECIAL },
	{ "dev", REVIEW_ADDED, S_IFBLK | 0644, 0, REVIEW_F_SPECIAL },
	{ ".git/hooks/pre-commit", REVIEW_ADDED, S_IFREG | 0755, 0,
	    REVIEW_F_GIT | REVIEW_F_GIT_RUNS | REVIEW_F_EXEC },
	{ ".git/config", REVIEW_MODIFIED, S_IFREG | 0644, S_IFREG | 0644,
	    REVIEW_F_GIT | REVIEW_F_GIT_RUNS },
	{ "sub/.git/objects/ab/cd", REVIEW_ADDED, S_IFREG | 0444, 0,
	    REVIEW_F_GIT },
	{ ".gitattributes", REVIEW_ADDED, S_IFREG | 0644, 0,
	    REVIEW_F_GIT_RUNS },
	{ "sub/.gitmodules", REVIEW_ADDED, S_IFREG | 0644, 0,
	    REVIEW_F_GIT_RUNS },
	{ ".envrc", REVIEW_ADDED, S_IFREG | 0644, 0, REVIEW_F_UNUSUAL },
	{ ".github/workflows/x.yml", REVIEW_ADDED, S_IFREG | 0644, 0,
	    REVIEW_F_UNUSUAL },
	{ "src/.hidden", REVIEW_MODIFIED, S_IFREG | 0644, S_IFREG | 0644,
	    REVIEW_F_UNUSUAL },
	{ "node_modules/x/.eslintrc", REVIEW_ADDED, S_IFREG | 0644, 0, 0 },
	{ "node_modules/.bin/x", REVIEW_ADDED, S_IFLNK | 0777, 0,
	    REVIEW_F_SYMLINK },
	{ ".venv/bin/activate", REVIEW_ADDED, S_IFREG | 0644, 0, 0 },
	{ "gone.sh", REVIEW_DELETED, 0, S_IFREG | 0755, 0 },
	{ ".git/hooks/x", REVIEW_DELETED, 0, S_IFREG | 0755,
	    REVIEW_F_GIT | REVIEW_F_GIT_RUNS },
};

static const struct {
	const char	*path, *target;
	int		 outside;
} links[] = {
	{ "evil", "/etc/passwd", 1 },
	{ "a", "", 1 },
	{ "a", "b", 0 },
	{ "a", "sub/c.txt", 0 },
	{ "a", "..", 1 },
	{ "a", "../x", 1 },
	{ "sub/a", "../x", 0 },
	{ "sub/a", "../../x", 1 },
	{ "sub/a", "./../x", 0 },
	{ "sub/a", "c/../../../x", 1 },
	{ "sub/a", "c/../..", 0 },
	{ "sub/deep/a", "../../x", 0 },
	{ "venv/bin/python3", "/usr/bin/python3", 1 },
	{ "x", "a//b/", 0 },
};

int
main(void)
{
	char	*sel[] = { (char *)"src", (char *)"a.txt" };
	size_t	 i;

	plan(nitems(paths) + nitems(flags) + nitems(links) + 7);
	for (i = 0; i < nitems(paths); i++)
		ok(review_path_ok(paths[i].path) == paths[i].ok,
		    "path '%s' is %s", paths[i].path,
		    paths[i].ok ? "acted on" : "refused");
	for (i = 0; i < nitems(flags); i++) {
		unsigned int got = review_flags(flags[i].path, flags[i].kind,
		    flags[i].mode, flags[i].old);

		ok(got == flags[i].want, "flags of %s %s: 0x%x (want 0x%x)",
		    flags[i].kind == REVIEW_DELETED ? "deleted" :
		    flags[i].kind == REVIEW_ADDED ? "added" : "modified",
		    flags[i].path, got, flags[i].want);
	}
	for (i = 0; i < nitems(links); i++)
		ok(review_link_outside(links[i].path, links[i].target) ==
		    links[i].outside, "%s -> '%s' is %s", links[i].path,
		    links[i].target, links[i].outside ? "outside" : "inside");
	ok(review_selected("x", sel, 0), "no PATH selects everything");
	ok(review_selected("src", sel, 2), "a PATH selects itself");
	ok(review_selected("src/a/b.c", sel, 2), "and what is below it");
	ok(!review_selected("srcx/a", sel, 2), "not a longer name");
	ok(!review_selected("sr", sel, 2), "nor a shorter one");
	ok(review_selected("a.txt", sel, 2), "a file PATH");
	ok(!review_selected("a.txt.bak", sel, 2), "not its neighbour");
	return (done_testing());
}
