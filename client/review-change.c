/*
 * gw review: the pure part, unit-tested (tests/unit/test-review.c): is a
 * path from the upper layer one gw may act on, what about a change
 * deserves the user's attention, and does a symlink point out of the
 * project.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "client.h"

/*
 * Whether rel (a path below the project, as gw builds it from directory
 * entries) is one to act on: not empty, relative, no "." or ".."
 * component, no empty component, no trailing '/'.
 */
int
review_path_ok(const char *rel)
{
	const char	*p = rel, *e;
	size_t		 l;

	if (rel == NULL || *rel == '\0' || *rel == '/')
		return (0);
	for (;;) {
		e = strchr(p, '/');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l == 0 || (l == 1 && p[0] == '.') ||
		    (l == 2 && p[0] == '.' && p[1] == '.'))
			return (0);
		if (e == NULL)
			return (1);
		p = e + 1;
	}
}

/* Whether a component of path equals name. */
static int
review_has_comp(const char *path, const char *name, const char **after)
{
	const char	*p = path;
	size_t		 l = strlen(name);

	for (;;) {
		if (strncmp(p, name, l) == 0 && (p[l] == '/' || p[l] == '\0')) {
			if (after != NULL)
				*after = p[l] == '/' ? p + l + 1 : p + l;
			return (1);
		}
		if ((p = strchr(p, '/')) == NULL)
			return (0);
		p++;
	}
}

/* Directories whose hidden files are what tools put there. */
static const char *const usual_dirs[] = {
	"node_modules", ".venv", "venv", "__pycache__", ".tox",
	".pytest_cache", ".mypy_cache", ".ruff_cache", ".cache", ".gradle",
	".next", "target", "build", "dist",
};

/*
 * What a change to path deserves a word about, as REVIEW_F_* bits:
 * kind is enum review_kind, mode the new mode (0 for a deletion),
 * old_mode the real file's (0 when there was none).
 */
unsigned int
review_flags(const char *path, int kind, mode_t mode, mode_t old_mode)
{
	unsigned int	 f = 0;
	const char	*after, *p, *e;
	size_t		 i, l;
	int		 usual = 0;

	if (kind != REVIEW_DELETED && S_ISREG(mode) && (mode & 0111) &&
	    (!S_ISREG(old_mode) || !(old_mode & 0111)))
		f |= REVIEW_F_EXEC;
	if (kind != REVIEW_DELETED && S_ISLNK(mode))
		f |= REVIEW_F_SYMLINK;
	if (kind != REVIEW_DELETED && (mode & (S_ISUID | S_ISGID)) &&
	    !S_ISDIR(mode))
		f |= REVIEW_F_SETID;
	if (kind != REVIEW_DELETED && !S_ISREG(mode) && !S_ISDIR(mode) &&
	    !S_ISLNK(mode))
		f |= REVIEW_F_SPECIAL;
	if (review_has_comp(path, ".git", &after)) {
		f |= REVIEW_F_GIT;
		/* What git runs: hooks, and config that names programs. */
		if (strncmp(after, "hooks/", 6) == 0 ||
		    strcmp(after, "hooks") == 0 ||
		    strcmp(after, "config") == 0 ||
		    strncmp(after, "info/", 5) == 0)
			f |= REVIEW_F_GIT_RUNS;
		return (f);
	}
	if (strcmp(path, ".gitmodules") == 0 ||
	    strcmp(path, ".gitattributes") == 0 ||
	    ((p = strrchr(path, '/')) != NULL &&
	    (strcmp(p, "/.gitattributes") == 0 ||
	    strcmp(p, "/.gitmodules") == 0)))
		return (f | REVIEW_F_GIT_RUNS);
	for (i = 0; i < nitems(usual_dirs); i++)
		if (review_has_comp(path, usual_dirs[i], NULL))
			usual = 1;
	if (usual)
		return (f);
	/* A hidden name elsewhere: tool settings that run code later. */
	for (p = path; *p != '\0'; p = e + 1) {
		e = strchr(p, '/');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l > 0 && p[0] == '.')
			f |= REVIEW_F_UNUSUAL;
		if (e == NULL)
			break;
	}
	return (f);
}

/*
 * Whether a symlink at path (below the project) with this target points
 * out of the project: absolute, or climbing above the project's top.
 */
int
review_link_outside(const char *path, const char *target)
{
	const char	*p, *e;
	long		 depth = 0;
	size_t		 l;

	if (target[0] == '/' || target[0] == '\0')
		return (1);
	/* The link's own directory's depth below the top. */
	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		depth++;
	for (p = target; *p != '\0'; p = e + 1) {
		e = strchr(p, '/');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return (1);
		} else if (l > 0 && !(l == 1 && p[0] == '.'))
			depth++;
		if (e == NULL)
			break;
	}
	return (0);
}

/*
 * Whether path is selected by the user's PATH arguments (relative to
 * the project, already normalized): equal to one, or below one; none
 * selects all.
 */
int
review_selected(const char *path, char *const *sel, size_t nsel)
{
	size_t	i, l;

	if (nsel == 0)
		return (1);
	for (i = 0; i < nsel; i++) {
		l = strlen(sel[i]);
		if (strncmp(path, sel[i], l) == 0 && (path[l] == '\0' ||
		    path[l] == '/'))
			return (1);
	}
	return (0);
}
