/*
 * Reading /etc/greywall/policy.d: every *.yaml file in lexical order, each
 * root-owned and writable by nobody else, in a directory with the same
 * properties. All or nothing: one bad file rejects the whole set, so a
 * caller can keep its last good one. What is suspect but not wrong (a
 * file that is ignored, a selector naming no user of this system) comes
 * back as warnings in the set.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define POLICY_FILE_MAX	(1024 * 1024)

static int
dir_error(struct policy_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
dir_error(struct policy_error *err, const char *path, const char *fmt, ...)
{
	va_list	ap;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/* Root-owned and not writable by group or others, or say why not. */
static int
check_owner(struct policy_error *err, const char *path, const struct stat *st)
{
	if (st->st_uid != 0)
		return (dir_error(err, path, "refusing it: owned by uid %u,"
		    " not root", (unsigned)st->st_uid));
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return (dir_error(err, path, "refusing it: writable by %s"
		    " (mode %04o); fix with chmod go-w",
		    (st->st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned)(st->st_mode & 07777)));
	return (0);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int
is_policy_name(const char *name)
{
	size_t	l = strlen(name);

	return (name[0] != '.' && l > 5 && strcmp(name + l - 5, ".yaml") == 0);
}

void
policyset_clear(struct policyset *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		policy_clear(&set->v[i].pol);
		free(set->v[i].path);
	}
	for (i = 0; i < set->nwarn; i++)
		free(set->warn[i]);
	free(set->warn);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int
set_warn(struct policyset *set, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Add a warning line; -1 only when out of memory. */
static int
set_warn(struct policyset *set, const char *fmt, ...)
{
	va_list	 ap;
	char	**nw, *s;
	int	 r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r == -1)
		return (-1);
	if ((nw = reallocarray(set->warn, set->nwarn + 1,
	    sizeof(*nw))) == NULL) {
		free(s);
		return (-1);
	}
	set->warn = nw;
	set->warn[set->nwarn++] = s;
	return (0);
}

/*
 * A directory entry that is not read: say so, unless it is "." or "..",
 * or hidden and not named like a policy (an editor's swap file).
 */
static int
warn_ignored(struct policyset *set, const char *dir, const struct dirent *de)
{
	const char	*n = de->d_name;
	size_t		 l = strlen(n);

	if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return (0);
	if (n[0] == '.') {
		if ((l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
		    (l > 4 && strcmp(n + l - 4, ".yml") == 0))
			return (set_warn(set, "%s/%s: warning: ignored: its"
			    " name starts with a dot", dir, n));
		return (0);
	}
	if (de->d_type == DT_DIR)
		return (set_warn(set, "%s/%s: warning: ignored: a directory"
		    " (policy files are not read from subdirectories)", dir,
		    n));
	if (l > 4 && strcmp(n + l - 4, ".yml") == 0)
		return (set_warn(set, "%s/%s: warning: ignored: only *.yaml"
		    " files are read; rename it to %.*s.yaml", dir, n,
		    (int)(l - 4), n));
	return (set_warn(set, "%s/%s: warning: ignored: only *.yaml files"
	    " are read", dir, n));
}

/* Read and parse one file, opened without following symlinks. */
static int
load_file(int dfd, const char *name, struct policyfile *pf,
    struct policy_error *err)
{
	_cleanup_close_ int	 fd = -1;
	_cleanup_free_ char	*buf = NULL;
	struct stat		 st;
	size_t			 off = 0;
	ssize_t			 r;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return (dir_error(err, pf->path, "cannot open it: %s%s",
		    strerror(errno), errno == ELOOP ? " (symlinks are not"
		    " followed in the policy directory)" : ""));
	if (fstat(fd, &st) == -1)
		return (dir_error(err, pf->path, "stat: %s", strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return (dir_error(err, pf->path, "refusing it: not a regular"
		    " file"));
	if (check_owner(err, pf->path, &st) == -1)
		return (-1);
	if (st.st_size > POLICY_FILE_MAX)
		return (dir_error(err, pf->path, "refusing it: larger than"
		    " %d bytes", POLICY_FILE_MAX));
	if ((buf = malloc(st.st_size + 1)) == NULL)
		return (dir_error(err, pf->path, "out of memory"));
	while (off < (size_t)st.st_size) {
		r = read(fd, buf + off, st.st_size - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return (dir_error(err, pf->path, "read: %s",
			    r == 0 ? "file shrank" : strerror(errno)));
		off += r;
	}
	buf[off] = '\0';
	return (policy_parse(pf->path, buf, off, 0, &pf->pol, err));
}

/*
 * Load every policy file under dir into set. On failure set is left
 * empty and err says which file, and where, and why.
 */
int
policyset_load(const char *dir, struct policyset *set,
    struct policy_error *err)
{
	_cleanup_close_ int	 dfd = -1;
	struct stat		 st;
	struct dirent		*de;
	DIR			*d;
	char			**names = NULL, **nn;
	size_t			 n = 0, i;
	int			 r = -1;

	memset(set, 0, sizeof(*set));
	memset(err, 0, sizeof(*err));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd == -1)
		return (dir_error(err, dir, "cannot open the policy"
		    " directory: %s", strerror(errno)));
	if (fstat(dfd, &st) == -1)
		return (dir_error(err, dir, "stat: %s", strerror(errno)));
	if (check_owner(err, dir, &st) == -1)
		return (-1);

	if ((d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3))) == NULL)
		return (dir_error(err, dir, "cannot read the policy"
		    " directory: %s", strerror(errno)));
	while ((de = readdir(d)) != NULL) {
		if (!is_policy_name(de->d_name)) {
			if (warn_ignored(set, dir, de) == -1)
				goto oom;
			continue;
		}
		if ((nn = reallocarray(names, n + 1, sizeof(*nn))) == NULL)
			goto oom;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto oom;
		n++;
	}
	closedir(d);
	d = NULL;
	/* Lexical order by byte value, whatever the locale. */
	qsort(names, n, sizeof(*names), name_cmp);
	/* The ignored files' warnings too, not in readdir()'s order. */
	if (set->nwarn > 1)
		qsort(set->warn, set->nwarn, sizeof(*set->warn), name_cmp);

	if (n > 0 && (set->v = calloc(n, sizeof(*set->v))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (asprintf(&set->v[i].path, "%s/%s", dir, names[i]) == -1) {
			set->v[i].path = NULL;
			goto oom;
		}
		set->n++;
		if (load_file(dfd, names[i], &set->v[i], err) == -1)
			goto out;
	}
	/*
	 * Refuse here what a sandbox start would refuse, and warn about
	 * selectors naming no account.
	 */
	if (policyset_check(set, err) == -1)
		goto out;
	r = 0;
	goto out;
oom:
	dir_error(err, dir, "out of memory");
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r == -1)
		policyset_clear(set);
	return (r);
}

/*
 * The effective policy for a peer: built-in defaults, then every file
 * whose selector picks the user or one of its groups, in order.
 */
int
policyset_effective(const struct policyset *set, const char *user,
    char *const *groups, size_t ngroups, struct policy *out)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	if (policy_defaults(out) == -1)
		goto fail;
	for (i = 0; i < set->n; i++)
		if (policy_selects(&set->v[i].pol, user, groups, ngroups) &&
		    policy_merge(out, &set->v[i].pol) == -1)
			goto fail;
	policy_finish(out);
	return (0);
fail:
	policy_clear(out);
	return (-1);
}

/*
 * The names of the groups a user is in, primary and supplementary, from
 * the system's group database (what groups: selectors match).
 */
int
policy_user_groups(const struct passwd *pw, char ***ret, size_t *ret_n)
{
	gid_t		*gids = NULL, *ng;
	struct group	*gr;
	char		**names;
	int		 n = 32, i;
	size_t		 k = 0;

	for (;;) {
		if ((ng = reallocarray(gids, n, sizeof(*gids))) == NULL) {
			free(gids);
			return (-1);
		}
		gids = ng;
		if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) != -1)
			break;
		if (n > 65536) {
			free(gids);
			errno = E2BIG;
			return (-1);
		}
	}
	if ((names = calloc(n + 1, sizeof(*names))) == NULL) {
		free(gids);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((gr = getgrgid(gids[i])) == NULL)
			continue;
		if ((names[k] = strdup(gr->gr_name)) == NULL) {
			while (k > 0)
				free(names[--k]);
			free(names);
			free(gids);
			return (-1);
		}
		k++;
	}
	free(gids);
	*ret = names;
	*ret_n = k;
	return (0);
}

/* The effective policy of one peer, through policy_check(). */
static int
check_peer(const struct policyset *set, const char *user, char *const *groups,
    size_t ngroups, const char *home, const char *who,
    struct policy_error *err)
{
	struct policy	eff;
	size_t		l;
	int		r;

	if (policyset_effective(set, user, groups, ngroups, &eff) == -1)
		return (dir_error(err, set->n > 0 ? set->v[0].path : "",
		    "out of memory"));
	r = policy_check(&eff, home, err);
	policy_clear(&eff);
	if (r == -1 && who != NULL) {
		l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, " (for %s)", who);
	}
	return (r);
}

/*
 * Whether the selector entry v (of key k) names the same account as an
 * entry before it, in this file or an earlier one: each name is looked
 * up and checked once, however many files name it.
 */
static const struct policy_value *
seen_before(const struct policyset *set, size_t file, enum policy_key k,
    const struct policy_value *v)
{
	const struct policy_entry	*e;
	size_t				 i, j;

	for (i = 0; i <= file; i++) {
		e = &set->v[i].pol.e[k];
		for (j = 0; j < e->n && &e->v[j] != v; j++)
			if (strcmp(e->v[j].str, v->str) == 0)
				return (&e->v[j]);
		if (j < e->n)
			break;
	}
	return (NULL);
}

/*
 * What a sandbox start would refuse, for every peer the files can tell
 * apart: one that only default: files select, each user a users: list
 * names (with the groups and home of this system's account, if it has
 * one) and a member of each group a groups: list names. A user picked by
 * several groups' files is checked through each, not all at once. Names
 * that no account has get a warning in the set, at each place they are
 * named (a typo, or an account not made yet: the file selects nobody by
 * it). Returns 0, or -1 with err at the value at fault.
 */
int
policyset_check(struct policyset *set, struct policy_error *err)
{
	struct policy_entry		*e;
	struct policy_value		*v;
	const struct policy_value	*first;
	struct passwd			*pw = NULL;
	char				**groups, who[128], *g[1];
	size_t				 i, j, ngroups, x;
	int				 r, k, known;

	if (check_peer(set, "", NULL, 0, NULL, NULL, err) == -1)
		return (-1);
	for (i = 0; i < set->n; i++) {
		for (k = PK_USERS; k <= PK_GROUPS; k++) {
			e = &set->v[i].pol.e[k];
			for (j = 0; j < e->n; j++) {
				v = &e->v[j];
				first = seen_before(set, i, k, v);
				if (first != NULL)
					known = first->num != 0;
				else if (k == PK_USERS)
					known = (pw = getpwnam(v->str)) != NULL;
				else
					known = getgrnam(v->str) != NULL;
				/* A selector's num: whether the account is. */
				v->num = known;
				if (!known && set_warn(set, "%s:%u:%u: warning:"
				    " no %s '%s' on this system: the file"
				    " selects nobody by it", v->src.file,
				    v->src.line, v->src.col, k == PK_USERS ?
				    "user" : "group", v->str) == -1)
					return (dir_error(err, set->v[i].path,
					    "out of memory"));
				if (first != NULL)
					continue;
				if (k == PK_GROUPS) {
					snprintf(who, sizeof(who), "a member of"
					    " group '%s'", v->str);
					g[0] = v->str;
					if (check_peer(set, "", g, 1, NULL,
					    who, err) == -1)
						return (-1);
					continue;
				}
				snprintf(who, sizeof(who), "user '%s'",
				    v->str);
				groups = NULL;
				ngroups = 0;
				/* pw stays valid: no other passwd lookup. */
				if (known && policy_user_groups(pw, &groups,
				    &ngroups) == -1)
					return (dir_error(err, set->v[i].path,
					    "user '%s': %s", v->str,
					    strerror(errno)));
				r = check_peer(set, v->str, groups, ngroups,
				    known ? pw->pw_dir : NULL, who, err);
				for (x = 0; x < ngroups; x++)
					free(groups[x]);
				free(groups);
				if (r == -1)
					return (-1);
			}
		}
	}
	return (0);
}
