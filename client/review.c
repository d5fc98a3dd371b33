/*
 * gw review, gw diff, gw apply, gw discard, and the summary gw exec
 * --review prints: the user's own reviews in greywall's store
 * (STATEDIR/users/UID/reviews/ID, made by greywalld as the user, see
 * sandbox/sandbox-review.c), read and applied by gw with the user's
 * rights and nothing more.
 *
 * A review's upper/ is the overlay's upper layer: a regular file,
 * symlink or directory there is what the project has now at that path,
 * a character device 0:0 (a whiteout) a deletion, a directory marked
 * user.overlay.opaque=y replaces the real one whole. gw compares it with
 * the real project to say what changed, and applies it so:
 *
 *  - below the project's top, every directory is opened with openat2
 *    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, every last component with
 *    O_NOFOLLOW or AT_SYMLINK_NOFOLLOW: a symlink, in the review or the
 *    project, is never followed; a symlink in the review becomes a
 *    symlink in the project;
 *  - a file is written under a temporary name in its directory and
 *    renamed over the old one, with its mode and times;
 *  - set-user-id or set-group-id files, devices, fifos and sockets are
 *    refused;
 *  - a path whose real file changed since the sandbox started (its
 *    ctime is not before the review's start, or it is gone while the
 *    review holds a copy-up of it) is a conflict, refused unless
 *    --force;
 *  - every check is made before anything is written: a refusal or
 *    conflict applies nothing. What was applied leaves the review; an
 *    empty review is removed.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "client.h"

#define REVIEW_LOCK_WAIT_MS	10000	/* for the sandbox's init to go */
#define REVIEW_SHOW_MAX		10	/* flagged paths in the summary */

struct review_info {
	char		project[PATH_MAX];
	char		cwd[PATH_MAX];
	char		command[1100];
	struct timespec	started;
	long long	expires;
};

struct change {
	char		*path;
	char		*from;		/* REVIEW_RENAMED: the old path */
	char		*target;	/* a symlink's */
	int		 kind;		/* enum review_kind */
	mode_t		 mode;		/* in the review; 0: deleted */
	mode_t		 old_mode;	/* the real one's; 0: none */
	off_t		 size, old_size;
	unsigned int	 flags;		/* REVIEW_F_* */
	int		 whiteout;	/* the upper entry is a whiteout */
	int		 opaque_del;	/* gone with its opaque directory */
	int		 applied;
};

struct changes {
	struct change	*v;
	size_t		 n, cap;
	uint64_t	 bytes;		/* the upper layer's, in blocks */
};

struct review {
	char		 id[GW_REVIEW_ID_LEN + 1];
	int		 dir;		/* reviews/ID */
	int		 upper;
	int		 lock;		/* meta/lock, LOCK_EX once taken */
	struct review_info info;
};

/* The user's reviews directory: $GREYWALL_STATE_DIR (tests) or STATEDIR. */
static void
review_base(char *buf, size_t len)
{
	const char	*base = getenv("GREYWALL_STATE_DIR");

	if (base == NULL || base[0] != '/')
		base = GW_STATEDIR;
	snprintf(buf, len, "%s/users/%u/reviews", base, (unsigned)getuid());
}

static int
review_openat(int dir, const char *path, int flags)
{
	struct open_how	how;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	return (syscall(SYS_openat2, dir, path, &how, sizeof(how)));
}

static int
review_id_ok(const char *id)
{
	size_t	i;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return (0);
	return (i >= 4 && i <= GW_REVIEW_ID_LEN);
}

static int
review_info_read(int dir, struct review_info *in)
{
	char		 buf[8192], *line, *next, *sp;
	ssize_t		 n;
	long long	 s;
	long		 ns;
	int		 fd;

	memset(in, 0, sizeof(*in));
	if ((fd = review_openat(dir, "meta/info", O_RDONLY)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = EINVAL;
		return (-1);
	}
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		if (strcmp(line, "project") == 0)
			snprintf(in->project, sizeof(in->project), "%s", sp);
		else if (strcmp(line, "cwd") == 0)
			snprintf(in->cwd, sizeof(in->cwd), "%s", sp);
		else if (strcmp(line, "command") == 0)
			snprintf(in->command, sizeof(in->command), "%s", sp);
		else if (strcmp(line, "started") == 0 &&
		    sscanf(sp, "%lld.%ld", &s, &ns) == 2) {
			in->started.tv_sec = s;
			in->started.tv_nsec = ns;
		} else if (strcmp(line, "expires") == 0)
			in->expires = strtoll(sp, NULL, 10);
	}
	if (in->project[0] != '/' || in->started.tv_sec == 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

/* Whether the review's sandbox still runs: its init holds meta/lock. */
static int
review_running(int dir)
{
	int	fd, r;

	if ((fd = review_openat(dir, "meta/lock", O_RDWR)) == -1)
		return (0);
	r = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	return (r);
}

/* Take meta/lock, waiting up to ms for a sandbox that is ending. */
static int
review_lock(struct review *rv, int ms)
{
	struct timespec	ts = { 0, 20 * 1000000 };
	int		waited = 0;

	if ((rv->lock = review_openat(rv->dir, "meta/lock", O_RDWR)) == -1)
		return (-1);
	while (flock(rv->lock, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK || waited >= ms)
			return (-1);
		nanosleep(&ts, NULL);
		waited += 20;
	}
	return (0);
}

static void
review_close(struct review *rv)
{
	if (rv->dir >= 0)
		close(rv->dir);
	if (rv->upper >= 0)
		close(rv->upper);
	if (rv->lock >= 0)
		close(rv->lock);
	rv->dir = rv->upper = rv->lock = -1;
}

/*
 * Open the review id (or the one review whose id starts with it) for
 * reading; warns and returns -1 when there is none.
 */
static int
review_open(const char *id, struct review *rv)
{
	char		 base[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 found = 0;

	memset(rv, 0, sizeof(*rv));
	rv->dir = rv->upper = rv->lock = -1;
	if (!review_id_ok(id)) {
		warnx("'%s' is not a review id (see 'gw review')", id);
		return (-1);
	}
	review_base(base, sizeof(base));
	if ((d = opendir(base)) == NULL) {
		warnx("no review %s (none in %s)", id, base);
		return (-1);
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, id, strlen(id)) == 0 &&
		    strlen(de->d_name) == GW_REVIEW_ID_LEN) {
			/* Its length checked: GW_REVIEW_ID_LEN < sizeof(id). */
			memcpy(rv->id, de->d_name, GW_REVIEW_ID_LEN);
			rv->id[GW_REVIEW_ID_LEN] = '\0';
			found++;
		}
	if (found != 1) {
		closedir(d);
		if (found == 0)
			warnx("no review %s in %s", id, base);
		else
			warnx("review id %s is ambiguous: give more of it", id);
		return (-1);
	}
	rv->dir = review_openat(dirfd(d), rv->id, O_RDONLY | O_DIRECTORY);
	closedir(d);
	if (rv->dir == -1 || (rv->upper = review_openat(rv->dir, "upper",
	    O_RDONLY | O_DIRECTORY)) == -1) {
		warn("review %s: open it", rv->id);
		review_close(rv);
		return (-1);
	}
	if (review_info_read(rv->dir, &rv->info) == -1) {
		warn("review %s: read its meta/info", rv->id);
		review_close(rv);
		return (-1);
	}
	return (0);
}

/* --- the change list ------------------------------------------------------ */

static struct change *
changes_add(struct changes *cs, const char *path, int kind)
{
	struct change	*v;

	if (cs->n == cs->cap) {
		if ((v = reallocarray(cs->v, cs->cap ? cs->cap * 2 : 64,
		    sizeof(*v))) == NULL)
			err(GW_EXIT_FAILURE, "out of memory");
		cs->v = v;
		cs->cap = cs->cap ? cs->cap * 2 : 64;
	}
	v = &cs->v[cs->n++];
	memset(v, 0, sizeof(*v));
	if ((v->path = strdup(path)) == NULL)
		err(GW_EXIT_FAILURE, "out of memory");
	v->kind = kind;
	return (v);
}

static void
changes_free(struct changes *cs)
{
	size_t	i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].path);
		free(cs->v[i].from);
		free(cs->v[i].target);
	}
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/* Whether two open files hold the same bytes. */
static int
same_content(int a, int b)
{
	static char	ba[65536], bb[65536];
	ssize_t		na, nb;

	for (;;) {
		na = read(a, ba, sizeof(ba));
		nb = read(b, bb, sizeof(bb));
		if (na != nb || na < 0)
			return (0);
		if (na == 0)
			return (1);
		if (memcmp(ba, bb, na) != 0)
			return (0);
	}
}

static int
same_file_at(int ad, int bd, const char *name)
{
	int	a, b, r = 0;

	a = openat(ad, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	b = openat(bd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (a != -1 && b != -1)
		r = same_content(a, b);
	if (a != -1)
		close(a);
	if (b != -1)
		close(b);
	return (r);
}

static char *
link_at(int dir, const char *name)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if ((n = readlinkat(dir, name, buf, sizeof(buf) - 1)) < 0)
		return (NULL);
	buf[n] = '\0';
	return (strdup(buf));
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The names in an open directory, sorted; NULL-terminated. */
static char **
dir_names(int fd, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL, **nv;
	size_t		 n = 0, cap = 0;
	int		 dup;

	if ((dup = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (d = fdopendir(dup)) == NULL) {
		if (dup != -1)
			close(dup);
		return (NULL);
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				err(GW_EXIT_FAILURE, "out of memory");
			v = nv;
		}
		if ((v[n++] = strdup(de->d_name)) == NULL)
			err(GW_EXIT_FAILURE, "out of memory");
	}
	closedir(d);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		err(GW_EXIT_FAILURE, "out of memory");
	v[n] = NULL;
	qsort(v, n, sizeof(*v), name_cmp);
	*np = n;
	return (v);
}

static void
names_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static int
is_opaque(int fd)
{
	char	v[4];
	ssize_t	n;

	n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	return (n == 1 && v[0] == 'y');
}

static void
join(char *out, size_t len, const char *rel, const char *name)
{
	if (rel[0] == '\0')
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%s/%s", rel, name);
}

/*
 * Compare the upper directory ufd (at rel) with the real one rfd (-1:
 * none), adding what differs to cs. Returns 0, or -1 (warned).
 */
static int
scan_dir(int ufd, int rfd, const char *rel, struct changes *cs)
{
	char		**names, **rnames = NULL, path[PATH_MAX];
	struct stat	 ust, rst;
	struct change	*c;
	size_t		 n, rn, i;
	int		 have_real, sub, rsub, r = 0, opaque;

	if ((names = dir_names(ufd, &n)) == NULL) {
		warn("review: read upper/%s", rel);
		return (-1);
	}
	opaque = rel[0] != '\0' && is_opaque(ufd);
	for (i = 0; i < n && r == 0; i++) {
		join(path, sizeof(path), rel, names[i]);
		if (!review_path_ok(path))
			continue;
		if (fstatat(ufd, names[i], &ust, AT_SYMLINK_NOFOLLOW) == -1) {
			warn("review: upper/%s", path);
			r = -1;
			break;
		}
		cs->bytes += (uint64_t)ust.st_blocks * 512;
		have_real = rfd != -1 && fstatat(rfd, names[i], &rst,
		    AT_SYMLINK_NOFOLLOW) == 0;
		if (S_ISCHR(ust.st_mode) && ust.st_rdev == 0) {
			if (!have_real)
				continue;
			c = changes_add(cs, path, REVIEW_DELETED);
			c->whiteout = 1;
			c->old_mode = rst.st_mode;
			c->old_size = rst.st_size;
			c->flags = review_flags(path, REVIEW_DELETED, 0,
			    rst.st_mode);
			continue;
		}
		if (S_ISDIR(ust.st_mode)) {
			if (!have_real || !S_ISDIR(rst.st_mode)) {
				c = changes_add(cs, path, have_real ?
				    REVIEW_MODIFIED : REVIEW_ADDED);
				c->mode = ust.st_mode;
				c->old_mode = have_real ? rst.st_mode : 0;
				c->flags = review_flags(path, c->kind,
				    c->mode, c->old_mode);
			} else if ((ust.st_mode & 07777) !=
			    (rst.st_mode & 07777)) {
				c = changes_add(cs, path, REVIEW_MODIFIED);
				c->mode = ust.st_mode;
				c->old_mode = rst.st_mode;
				c->flags = review_flags(path, c->kind,
				    c->mode, c->old_mode);
			}
			if ((sub = review_openat(ufd, names[i], O_RDONLY |
			    O_DIRECTORY)) == -1) {
				warn("review: open upper/%s", path);
				r = -1;
				break;
			}
			rsub = -1;
			if (have_real && S_ISDIR(rst.st_mode))
				rsub = review_openat(rfd, names[i], O_RDONLY |
				    O_DIRECTORY);
			r = scan_dir(sub, rsub, path, cs);
			close(sub);
			if (rsub != -1)
				close(rsub);
			continue;
		}
		if (have_real && (ust.st_mode & S_IFMT) ==
		    (rst.st_mode & S_IFMT) && ust.st_mode == rst.st_mode) {
			if (S_ISREG(ust.st_mode) &&
			    ust.st_size == rst.st_size &&
			    same_file_at(ufd, rfd, names[i]))
				continue;
			if (S_ISLNK(ust.st_mode)) {
				char	*a = link_at(ufd, names[i]);
				char	*b = link_at(rfd, names[i]);
				int	 same = a != NULL && b != NULL &&
				    strcmp(a, b) == 0;

				free(a);
				free(b);
				if (same)
					continue;
			}
		}
		c = changes_add(cs, path, have_real ? REVIEW_MODIFIED :
		    REVIEW_ADDED);
		c->mode = ust.st_mode;
		c->size = ust.st_size;
		c->old_mode = have_real ? rst.st_mode : 0;
		c->old_size = have_real ? rst.st_size : 0;
		c->flags = review_flags(path, c->kind, c->mode, c->old_mode);
		if (S_ISLNK(ust.st_mode)) {
			c->target = link_at(ufd, names[i]);
			if (c->target == NULL ||
			    review_link_outside(path, c->target))
				c->flags |= REVIEW_F_OUTSIDE;
		}
	}
	/* An opaque directory hides every real entry it does not hold. */
	if (r == 0 && opaque && rfd != -1 &&
	    (rnames = dir_names(rfd, &rn)) != NULL) {
		for (i = 0; i < rn; i++) {
			if (bsearch(&rnames[i], names, n, sizeof(*names),
			    name_cmp) != NULL)
				continue;
			join(path, sizeof(path), rel, rnames[i]);
			if (fstatat(rfd, rnames[i], &rst,
			    AT_SYMLINK_NOFOLLOW) == -1)
				continue;
			c = changes_add(cs, path, REVIEW_DELETED);
			c->opaque_del = 1;
			c->old_mode = rst.st_mode;
			c->old_size = rst.st_size;
			c->flags = review_flags(path, REVIEW_DELETED, 0,
			    rst.st_mode);
		}
	}
	names_free(rnames);
	names_free(names);
	return (r);
}

static int
change_cmp(const void *a, const void *b)
{
	const struct change	*x = a, *y = b;

	return (strcmp(x->path, y->path));
}

static int
size_cmp(const void *a, const void *b)
{
	const struct change	*x = *(struct change *const *)a;
	const struct change	*y = *(struct change *const *)b;

	return (x->size < y->size ? -1 : x->size > y->size);
}

/* Open a file below top without following any symlink. */
static int
open_below(int top, const char *path)
{
	return (review_openat(top, path, O_RDONLY));
}

/*
 * A deleted regular file and an added one with the same bytes and mode
 * are a rename: the overlay copies a file up to its new name and leaves
 * a whiteout at the old one.
 */
static void
pair_renames(struct changes *cs, int upper, int proj)
{
	struct change	**added, *d, *a, key, *kp = &key;
	size_t		  na = 0, i, j, lo;
	int		  fa, fd, same;

	if ((added = calloc(cs->n + 1, sizeof(*added))) == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].kind == REVIEW_ADDED &&
		    S_ISREG(cs->v[i].mode))
			added[na++] = &cs->v[i];
	qsort(added, na, sizeof(*added), size_cmp);
	for (i = 0; i < cs->n && na > 0; i++) {
		d = &cs->v[i];
		if (d->kind != REVIEW_DELETED || !S_ISREG(d->old_mode))
			continue;
		key.size = d->old_size;
		/* The first added file of that size. */
		for (lo = 0, j = na; lo < j;) {
			size_t mid = (lo + j) / 2;

			if (size_cmp(&added[mid], &kp) < 0)
				lo = mid + 1;
			else
				j = mid;
		}
		for (j = lo; j < na && added[j]->size == d->old_size; j++) {
			a = added[j];
			if (a->kind != REVIEW_ADDED || a->mode != d->old_mode)
				continue;
			fa = open_below(upper, a->path);
			fd = open_below(proj, d->path);
			same = fa != -1 && fd != -1 && same_content(fa, fd);
			if (fa != -1)
				close(fa);
			if (fd != -1)
				close(fd);
			if (!same)
				continue;
			a->kind = REVIEW_RENAMED;
			a->from = strdup(d->path);
			a->flags &= ~REVIEW_F_EXEC;
			/* The deletion is part of the rename now. */
			d->kind = 0;
			a->whiteout = d->whiteout;
			break;
		}
	}
	free(added);
	/* Drop the deletions that became renames. */
	for (i = j = 0; i < cs->n; i++) {
		if (cs->v[i].kind == 0) {
			free(cs->v[i].path);
			free(cs->v[i].from);
			free(cs->v[i].target);
			continue;
		}
		cs->v[j++] = cs->v[i];
	}
	cs->n = j;
}

/* Open the real project's top, never through a symlink. */
static int
review_project(const struct review *rv)
{
	struct open_how	how;
	int		fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, rv->info.project, &how,
	    sizeof(how));
	if (fd == -1)
		warn("review %s: the project '%s'", rv->id, rv->info.project);
	return (fd);
}

/* The review's changes, sorted by path; its size goes to meta/size. */
static int
review_scan(struct review *rv, int proj, struct changes *cs)
{
	char	buf[32];
	int	fd, n;

	memset(cs, 0, sizeof(*cs));
	if (scan_dir(rv->upper, proj, "", cs) == -1)
		return (-1);
	pair_renames(cs, rv->upper, proj);
	qsort(cs->v, cs->n, sizeof(*cs->v), change_cmp);
	fd = openat(rv->dir, "meta/size.new", O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd != -1) {
		n = snprintf(buf, sizeof(buf), "%llu\n",
		    (unsigned long long)cs->bytes);
		if (write(fd, buf, n) == n)
			renameat(rv->dir, "meta/size.new", rv->dir,
			    "meta/size");
		close(fd);
	}
	return (0);
}

/* --- printing ------------------------------------------------------------- */

static const char *
kind_name(int kind)
{
	switch (kind) {
	case REVIEW_ADDED:
		return ("added");
	case REVIEW_MODIFIED:
		return ("modified");
	case REVIEW_DELETED:
		return ("deleted");
	case REVIEW_RENAMED:
		return ("renamed");
	}
	return ("?");
}

static const struct {
	unsigned int	 flag;
	const char	*name;
	const char	*text;
} flag_names[] = {
	{ REVIEW_F_SETID, "setid", "set-id bit (refused by gw apply)" },
	{ REVIEW_F_SPECIAL, "special",
	    "device, fifo or socket (refused by gw apply)" },
	{ REVIEW_F_GIT_RUNS, "git-runs",
	    "git hooks or config: git runs what they name" },
	{ REVIEW_F_GIT, "git", "under .git/" },
	{ REVIEW_F_EXEC, "executable", "new executable" },
	{ REVIEW_F_OUTSIDE, "outside", "symlink out of the project" },
	{ REVIEW_F_SYMLINK, "symlink", "new or changed symlink" },
	{ REVIEW_F_UNUSUAL, "unusual",
	    "hidden name outside the usual places" },
};

static void
print_change(FILE *f, const struct change *c, const char *indent)
{
	size_t	i;
	int	first = 1;

	fprintf(f, "%s%c %s", indent, "?AMDR"[c->kind], c->from != NULL ?
	    c->from : c->path);
	if (c->from != NULL)
		fprintf(f, " -> %s", c->path);
	if (S_ISDIR(c->mode))
		fputc('/', f);
	if (c->target != NULL)
		fprintf(f, " -> %s", c->target);
	for (i = 0; i < nitems(flag_names); i++) {
		if (!(c->flags & flag_names[i].flag))
			continue;
		/* "git" is implied by "git-runs", "symlink" by "outside". */
		if ((flag_names[i].flag == REVIEW_F_GIT &&
		    (c->flags & REVIEW_F_GIT_RUNS)) ||
		    (flag_names[i].flag == REVIEW_F_SYMLINK &&
		    (c->flags & REVIEW_F_OUTSIDE)))
			continue;
		fprintf(f, "%s%s", first ? "  [" : ", ", flag_names[i].name);
		first = 0;
	}
	fprintf(f, "%s\n", first ? "" : "]");
}

/* What gw exec --review prints when the command has ended. */
static void
print_summary(FILE *f, const struct review *rv, const struct changes *cs)
{
	size_t		 count[5] = { 0 }, i, j, k, shown;
	unsigned int	 fl;

	for (i = 0; i < cs->n; i++)
		count[cs->v[i].kind]++;
	fprintf(f, "[greywall] review %s: %zu change%s to %s, not applied:"
	    " the real project is unchanged\n", rv->id, cs->n,
	    cs->n == 1 ? "" : "s", rv->info.project);
	if (cs->n == 0) {
		fprintf(f, "[greywall] nothing to review: 'gw discard %s'"
		    " removes it\n", rv->id);
		return;
	}
	fprintf(f, "[greywall]   %zu added, %zu modified, %zu deleted, %zu"
	    " renamed\n", count[REVIEW_ADDED], count[REVIEW_MODIFIED],
	    count[REVIEW_DELETED], count[REVIEW_RENAMED]);
	for (j = 0; j < nitems(flag_names); j++) {
		fl = flag_names[j].flag;
		if (fl == REVIEW_F_SYMLINK || fl == REVIEW_F_GIT)
			continue;
		for (i = 0, shown = 0; i < cs->n; i++) {
			if (!(cs->v[i].flags & fl))
				continue;
			/* Each change once, under its first heading. */
			for (k = 0; k < j; k++)
				if ((cs->v[i].flags & flag_names[k].flag) &&
				    flag_names[k].flag != REVIEW_F_GIT &&
				    flag_names[k].flag != REVIEW_F_SYMLINK)
					break;
			if (k < j)
				continue;
			if (shown == 0)
				fprintf(f, "[greywall]   ! %s:\n",
				    flag_names[j].text);
			if (shown++ < REVIEW_SHOW_MAX)
				print_change(f, &cs->v[i], "[greywall]     ");
		}
		if (shown > REVIEW_SHOW_MAX)
			fprintf(f, "[greywall]     ... and %zu more\n",
			    shown - REVIEW_SHOW_MAX);
	}
	for (i = 0, shown = 0; i < cs->n; i++)
		if ((cs->v[i].flags & REVIEW_F_GIT) &&
		    !(cs->v[i].flags & REVIEW_F_GIT_RUNS))
			shown++;
	if (shown > 0)
		fprintf(f, "[greywall]   ! %zu change%s under .git/\n", shown,
		    shown == 1 ? "" : "s");
	for (i = 0, shown = 0; i < cs->n; i++)
		if ((cs->v[i].flags & REVIEW_F_SYMLINK) &&
		    !(cs->v[i].flags & REVIEW_F_OUTSIDE))
			shown++;
	if (shown > 0)
		fprintf(f, "[greywall]   %zu new or changed symlink%s inside"
		    " the project\n", shown, shown == 1 ? "" : "s");
	fprintf(f, "[greywall] 'gw review %s' lists them, 'gw diff %s'"
	    " shows them,\n[greywall] 'gw apply %s [PATH...]' applies them,"
	    " 'gw discard %s' drops them\n", rv->id, rv->id, rv->id,
	    rv->id);
}

static json_t *
change_json(const struct change *c)
{
	json_t	*o, *fl;
	size_t	 i;

	o = json_object();
	client_json_set(o, "path", client_json_str(c->path));
	client_json_set(o, "kind", json_string(kind_name(c->kind)));
	if (c->from != NULL)
		client_json_set(o, "from", client_json_str(c->from));
	if (c->target != NULL)
		client_json_set(o, "target", client_json_str(c->target));
	if (c->mode != 0)
		client_json_set(o, "mode", json_integer(c->mode));
	if (c->old_mode != 0)
		client_json_set(o, "old_mode", json_integer(c->old_mode));
	fl = json_array();
	for (i = 0; i < nitems(flag_names); i++)
		if (c->flags & flag_names[i].flag)
			client_json_append(fl, json_string(flag_names[i].name));
	client_json_set(o, "flags", fl);
	return (o);
}

/* --- gw exec --review ----------------------------------------------------- */

static int	review_remove(const char *);
static int	upper_empty(int);

/*
 * After the command: the summary, as the user, from the store. A review
 * whose sandbox never ran, or that holds nothing, is removed.
 */
void
review_after_exec(const char *id, int ran)
{
	struct review	 rv;
	struct changes	 cs;
	int		 proj, r;

	if (review_open(id, &rv) == -1)
		return;
	if (!ran) {
		if (review_lock(&rv, REVIEW_LOCK_WAIT_MS) == 0) {
			review_close(&rv);
			review_remove(rv.id);
		}
		review_close(&rv);
		return;
	}
	/* greywalld reported the exit; init goes a moment later. */
	if (review_lock(&rv, REVIEW_LOCK_WAIT_MS) == -1)
		warnx("review %s: the sandbox has not ended yet; 'gw review"
		    " %s' shows it later", rv.id, rv.id);
	else if ((proj = review_project(&rv)) != -1) {
		if ((r = review_scan(&rv, proj, &cs)) == 0 && cs.n == 0 &&
		    upper_empty(rv.upper)) {
			fprintf(stderr, "[greywall] review %s: the command"
			    " changed nothing in %s\n", rv.id,
			    rv.info.project);
			review_close(&rv);
			review_remove(rv.id);
		} else if (r == 0)
			print_summary(stderr, &rv, &cs);
		changes_free(&cs);
		close(proj);
	}
	review_close(&rv);
}

/* --- removing ------------------------------------------------------------- */

/* Remove dir/name and all below it, never following a symlink. */
static int
rm_tree(int dir, const char *name)
{
	struct stat	 st;
	char		**names;
	size_t		 n, i;
	int		 sub, r = 0;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISDIR(st.st_mode))
		return (unlinkat(dir, name, 0) == -1 && errno != ENOENT ?
		    -1 : 0);
	/*
	 * Tools make read-only trees (Go's module cache), and overlayfs
	 * leaves its work directory mode 0: open them up.
	 */
	if ((st.st_mode & 0700) != 0700)
		(void)!fchmodat(dir, name, (st.st_mode & 07777) | 0700,
		    AT_SYMLINK_NOFOLLOW);
	if ((sub = review_openat(dir, name, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	if ((names = dir_names(sub, &n)) == NULL) {
		close(sub);
		return (-1);
	}
	for (i = 0; i < n && r == 0; i++)
		r = rm_tree(sub, names[i]);
	names_free(names);
	close(sub);
	if (r == 0 && unlinkat(dir, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		r = -1;
	return (r);
}

/* Remove a review whole (gw discard, an applied or expired one). */
static int
review_remove(const char *id)
{
	char	base[PATH_MAX];
	int	fd, r;

	review_base(base, sizeof(base));
	if ((fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	r = rm_tree(fd, id);
	close(fd);
	return (r);
}

/* Whether the upper layer holds nothing any more. */
static int
upper_empty(int upper)
{
	char	**names;
	size_t	  n;

	if ((names = dir_names(upper, &n)) == NULL)
		return (0);
	names_free(names);
	return (n == 0);
}

/* --- gw review ------------------------------------------------------------ */

static void
usage_review(void)
{
	printf("usage: gw review [--json] [ID]\n"
	    "\n"
	    "List your pending reviews (gw exec --review), or the changes of\n"
	    "one: A added, M modified, D deleted, R renamed, with what\n"
	    "deserves a look in brackets. ID may be shortened to a unique\n"
	    "prefix. Expired reviews (review.max_age) and empty ones are\n"
	    "removed as they are listed.\n"
	    "\n"
	    "  --json   one JSON object\n"
	    "\n"
	    "Exit status: 0, 1 no such review, 125 on failure, 2 for a usage"
	    " error.\n");
}

/* Parse [--json] [--force] [--help] and the rest; returns optind. */
static int
review_opts(int argc, char **argv, const char *cmd, int *json, int *force,
    void (*help)(void))
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hf", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			exit(0);
		case 'j':
			if (json == NULL)
				client_getopt_error(cmd, ch, argv);
			*json = 1;
			break;
		case 'f':
			if (force == NULL)
				client_getopt_error(cmd, '?', argv);
			*force = 1;
			break;
		default:
			client_getopt_error(cmd, ch, argv);
		}
	}
	return (optind);
}

static int
review_list(int json)
{
	char		 base[PATH_MAX], **names, tbuf[32];
	struct review	 rv;
	struct changes	 cs;
	json_t		*arr = NULL, *o;
	struct tm	 tm;
	time_t		 t;
	size_t		 n, i;
	int		 fd, proj, running, any = 0;

	review_base(base, sizeof(base));
	if (json)
		arr = json_array();
	if ((fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (names = dir_names(fd, &n)) == NULL) {
		if (fd != -1)
			close(fd);
		fd = -1;
		if (errno != ENOENT) {
			warn("%s", base);
			return (GW_EXIT_FAILURE);
		}
		n = 0;
		names = NULL;
	}
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) != GW_REVIEW_ID_LEN ||
		    !review_id_ok(names[i]))
			continue;
		memset(&rv, 0, sizeof(rv));
		rv.upper = rv.lock = -1;
		rv.dir = review_openat(fd, names[i], O_RDONLY | O_DIRECTORY);
		if (rv.dir == -1)
			continue;
		snprintf(rv.id, sizeof(rv.id), "%s", names[i]);
		running = review_running(rv.dir);
		/* A start that failed leaves an id without meta/info. */
		if (review_info_read(rv.dir, &rv.info) == -1) {
			if (!running)
				review_remove(rv.id);
			review_close(&rv);
			continue;
		}
		if (!running && rv.info.expires > 0 &&
		    time(NULL) > rv.info.expires) {
			fprintf(stderr, "gw review: review %s expired"
			    " (review.max_age): removed\n", rv.id);
			review_close(&rv);
			review_remove(names[i]);
			continue;
		}
		memset(&cs, 0, sizeof(cs));
		if ((rv.upper = review_openat(rv.dir, "upper", O_RDONLY |
		    O_DIRECTORY)) != -1 && !running &&
		    (proj = review_project(&rv)) != -1) {
			review_scan(&rv, proj, &cs);
			close(proj);
			if (cs.n == 0 && upper_empty(rv.upper)) {
				review_close(&rv);
				review_remove(names[i]);
				changes_free(&cs);
				continue;
			}
		}
		t = rv.info.started.tv_sec;
		localtime_r(&t, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M", &tm);
		if (json) {
			o = json_object();
			client_json_set(o, "id", json_string(rv.id));
			client_json_set(o, "project",
			    client_json_str(rv.info.project));
			client_json_set(o, "cwd", client_json_str(rv.info.cwd));
			client_json_set(o, "command",
			    client_json_str(rv.info.command));
			client_json_set(o, "started",
			    json_integer(rv.info.started.tv_sec));
			client_json_set(o, "expires",
			    json_integer(rv.info.expires));
			client_json_set(o, "running", json_boolean(running));
			client_json_set(o, "changes", json_integer(cs.n));
			client_json_set(o, "bytes", json_integer(cs.bytes));
			client_json_append(arr, o);
		} else {
			if (!any)
				printf("%-12s  %-16s  %7s  %-9s  %s\n", "ID",
				    "STARTED", "CHANGES", "STATE",
				    "PROJECT: COMMAND");
			printf("%-12s  %-16s  %7zu  %-9s  %s: %s\n", rv.id,
			    tbuf, cs.n, running ? "running" : "pending",
			    rv.info.project, rv.info.command);
		}
		any = 1;
		changes_free(&cs);
		review_close(&rv);
	}
	names_free(names);
	if (fd != -1)
		close(fd);
	if (json) {
		o = json_object();
		client_json_set(o, "reviews", arr);
		return (client_json_print(stdout, o, 0) == 0 ? 0 :
		    GW_EXIT_FAILURE);
	}
	if (!any)
		printf("no pending reviews\n");
	return (0);
}

/* gw review [--json] [ID] */
int
client_review(int argc, char **argv)
{
	struct review	 rv;
	struct changes	 cs;
	json_t		*o, *arr;
	size_t		 i;
	int		 json = 0, proj, r = 0;

	i = review_opts(argc, argv, "gw review", &json, NULL, usage_review);
	argc -= i;
	argv += i;
	if (argc > 1)
		client_usage_error("gw review", "unexpected argument '%s'",
		    argv[1]);
	if (argc == 0)
		return (review_list(json));
	if (review_open(argv[0], &rv) == -1)
		return (1);
	if (review_running(rv.dir)) {
		warnx("review %s: its command is still running", rv.id);
		review_close(&rv);
		return (GW_EXIT_FAILURE);
	}
	if ((proj = review_project(&rv)) == -1 ||
	    review_scan(&rv, proj, &cs) == -1) {
		if (proj != -1)
			close(proj);
		review_close(&rv);
		return (GW_EXIT_FAILURE);
	}
	close(proj);
	if (json) {
		o = json_object();
		client_json_set(o, "id", json_string(rv.id));
		client_json_set(o, "project", client_json_str(rv.info.project));
		client_json_set(o, "command", client_json_str(rv.info.command));
		arr = json_array();
		for (i = 0; i < cs.n; i++)
			client_json_append(arr, change_json(&cs.v[i]));
		client_json_set(o, "changes", arr);
		r = client_json_print(stdout, o, 0) == 0 ? 0 : GW_EXIT_FAILURE;
	} else {
		printf("review %s of %s: %s\n", rv.id, rv.info.project,
		    rv.info.command);
		for (i = 0; i < cs.n; i++)
			print_change(stdout, &cs.v[i], "");
		if (cs.n == 0)
			printf("no changes\n");
	}
	changes_free(&cs);
	review_close(&rv);
	return (r);
}

/* --- PATH arguments ------------------------------------------------------- */

/*
 * The user's PATH arguments as paths below the project: absolute ones
 * inside it, others relative to the current directory when it is in the
 * project, else to the project's top. Lexical only ("a/../b" is "b").
 */
static char **
review_paths(const struct review *rv, int argc, char **argv)
{
	char	  cwd[PATH_MAX], buf[PATH_MAX * 2], out[PATH_MAX];
	char	**v, *p, *save, *comp;
	size_t	  l = strlen(rv->info.project), o;
	int	  i;

	if ((v = calloc(argc + 1, sizeof(*v))) == NULL)
		err(GW_EXIT_FAILURE, "out of memory");
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '/')
			snprintf(buf, sizeof(buf), "%s", argv[i]);
		else if (strncmp(cwd, rv->info.project, l) == 0 &&
		    (cwd[l] == '/' || cwd[l] == '\0'))
			snprintf(buf, sizeof(buf), "%s/%s", cwd, argv[i]);
		else
			snprintf(buf, sizeof(buf), "%s/%s", rv->info.project,
			    argv[i]);
		/* Normalize. */
		o = 0;
		out[0] = '\0';
		for (p = strtok_r(buf, "/", &save); p != NULL;
		    p = strtok_r(NULL, "/", &save)) {
			comp = p;
			if (strcmp(comp, ".") == 0)
				continue;
			if (strcmp(comp, "..") == 0) {
				while (o > 0 && out[o - 1] != '/')
					o--;
				if (o > 0)
					o--;
				out[o] = '\0';
				continue;
			}
			o += snprintf(out + o, sizeof(out) - o, "/%s", comp);
			if (o >= sizeof(out))
				errx(CLIENT_EXIT_USAGE, "'%s': too long",
				    argv[i]);
		}
		if (strncmp(out, rv->info.project, l) != 0 ||
		    (out[l] != '/' && out[l] != '\0'))
			errx(CLIENT_EXIT_USAGE, "'%s' is not in the project"
			    " %s", argv[i], rv->info.project);
		if ((v[i] = strdup(out[l] == '/' ? out + l + 1 : "")) == NULL)
			err(GW_EXIT_FAILURE, "out of memory");
	}
	return (v);
}

static int
change_selected(const struct change *c, char *const *sel, size_t nsel)
{
	size_t	i;

	for (i = 0; i < nsel; i++)
		if (sel[i][0] == '\0')
			return (1);
	return (review_selected(c->path, sel, nsel) ||
	    (c->from != NULL && review_selected(c->from, sel, nsel)));
}

/* --- gw diff -------------------------------------------------------------- */

static void
usage_diff(void)
{
	printf("usage: gw diff [--json] ID [PATH ...]\n"
	    "\n"
	    "Show a review's changes, or those at or below each PATH, as a\n"
	    "unified diff of text files against the real project, a line for\n"
	    "a binary file, a symlink or a mode change.\n"
	    "\n"
	    "  --json   one JSON object, each file's diff as text\n"
	    "\n"
	    "Exit status: 0, 1 no such review, 125 on failure, 2 for a usage"
	    " error.\n");
}

static int
is_binary(int fd)
{
	char	buf[8000];
	ssize_t	n;

	if (fd == -1)
		return (0);
	n = pread(fd, buf, sizeof(buf), 0);
	return (n > 0 && memchr(buf, '\0', n) != NULL);
}

/*
 * diff -u of two open files (-1: /dev/null) labelled a/PATH and b/PATH,
 * into out (a FILE) or, with json, returned as a string.
 */
static char *
run_diff(int a, int b, const char *path, FILE *out, int json)
{
	char	 la[PATH_MAX + 4], lb[PATH_MAX + 4], *buf = NULL;
	char	*args[10];
	int	 p[2] = { -1, -1 }, status;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	pid_t	 pid;

	snprintf(la, sizeof(la), "a/%s", path);
	snprintf(lb, sizeof(lb), "b/%s", path);
	args[0] = (char *)"diff";
	args[1] = (char *)"-u";
	args[2] = (char *)"--label";
	args[3] = a == -1 ? (char *)"/dev/null" : la;
	args[4] = (char *)"--label";
	args[5] = b == -1 ? (char *)"/dev/null" : lb;
	args[6] = (char *)(a == -1 ? "/dev/null" : "/dev/fd/3");
	args[7] = (char *)(b == -1 ? "/dev/null" : "/dev/fd/4");
	args[8] = NULL;
	fflush(out);
	if (json && pipe2(p, O_CLOEXEC) == -1)
		return (NULL);
	if ((pid = fork()) == -1)
		return (NULL);
	if (pid == 0) {
		if (a != -1 && (lseek(a, 0, SEEK_SET), dup2(a, 3)) == -1)
			_exit(127);
		if (b != -1 && (lseek(b, 0, SEEK_SET), dup2(b, 4)) == -1)
			_exit(127);
		if (json)
			dup2(p[1], 1);
		else
			dup2(fileno(out), 1);
		execvp("diff", args);
		_exit(127);
	}
	if (json) {
		close(p[1]);
		for (;;) {
			if (len + 4096 + 1 > cap) {
				cap = cap ? cap * 2 : 65536;
				if ((buf = realloc(buf, cap)) == NULL)
					err(GW_EXIT_FAILURE, "out of memory");
			}
			if ((n = read(p[0], buf + len, cap - len - 1)) <= 0)
				break;
			len += n;
		}
		close(p[0]);
		if (buf != NULL)
			buf[len] = '\0';
	}
	waitpid(pid, &status, 0);
	if (json && buf == NULL)
		buf = strdup("");
	return (buf);
}

/* gw diff [--json] ID [PATH...] */
int
client_diff(int argc, char **argv)
{
	struct review	 rv;
	struct changes	 cs;
	struct change	*c;
	char		**sel, line[PATH_MAX * 2 + 64], *text;
	json_t		*o, *arr, *f;
	size_t		 i, nsel;
	int		 json = 0, proj, a, b, bin, r = 0;

	i = review_opts(argc, argv, "gw diff", &json, NULL, usage_diff);
	argc -= i;
	argv += i;
	if (argc < 1)
		client_usage_error("gw diff", "no review id given");
	if (review_open(argv[0], &rv) == -1)
		return (1);
	if ((proj = review_project(&rv)) == -1 ||
	    review_scan(&rv, proj, &cs) == -1) {
		review_close(&rv);
		return (GW_EXIT_FAILURE);
	}
	sel = review_paths(&rv, argc - 1, argv + 1);
	nsel = argc - 1;
	arr = json_array();
	for (i = 0; i < cs.n; i++) {
		c = &cs.v[i];
		if (!change_selected(c, sel, nsel))
			continue;
		line[0] = '\0';
		text = NULL;
		a = b = -1;
		bin = 0;
		if (S_ISLNK(c->mode) || (S_ISLNK(c->old_mode) &&
		    c->kind == REVIEW_DELETED)) {
			char *old = c->kind == REVIEW_ADDED ? NULL :
			    link_at(proj, c->path);

			snprintf(line, sizeof(line), "Symlink %s: %s -> %s\n",
			    c->path, old != NULL ? old : "(none)",
			    c->target != NULL ? c->target : "(deleted)");
			free(old);
		} else if (S_ISDIR(c->mode) || S_ISDIR(c->old_mode)) {
			snprintf(line, sizeof(line), "Directory %s: %s%s\n",
			    c->path, kind_name(c->kind), c->kind ==
			    REVIEW_MODIFIED ? " (mode or type)" : "");
		} else if (!S_ISREG(c->mode) && c->kind != REVIEW_DELETED) {
			snprintf(line, sizeof(line), "Special file %s: %s"
			    " (mode %o)\n", c->path, kind_name(c->kind),
			    (unsigned)c->mode);
		} else {
			if (c->kind != REVIEW_ADDED)
				a = open_below(proj, c->from != NULL ?
				    c->from : c->path);
			if (c->kind != REVIEW_DELETED)
				b = open_below(rv.upper, c->path);
			bin = is_binary(a) || is_binary(b);
			if (bin)
				snprintf(line, sizeof(line), "Binary file %s:"
				    " %s, %lld -> %lld bytes\n", c->path,
				    kind_name(c->kind),
				    (long long)c->old_size,
				    (long long)c->size);
			else if (c->kind == REVIEW_RENAMED)
				snprintf(line, sizeof(line), "Renamed %s ->"
				    " %s\n", c->from, c->path);
			else if (c->old_mode != 0 && c->mode != 0 &&
			    (c->old_mode & 07777) != (c->mode & 07777))
				snprintf(line, sizeof(line), "Mode %s: %o ->"
				    " %o\n", c->path,
				    (unsigned)(c->old_mode & 07777),
				    (unsigned)(c->mode & 07777));
			if (!bin && c->kind != REVIEW_RENAMED)
				text = run_diff(a, b, c->path, stdout, json);
		}
		if (json) {
			f = change_json(c);
			client_json_set(f, "binary", json_boolean(bin));
			if (line[0] != '\0')
				client_json_set(f, "note",
				    client_json_str(line));
			if (text != NULL)
				client_json_set(f, "diff",
				    client_json_str(text));
			client_json_append(arr, f);
		} else if (line[0] != '\0') {
			fputs(line, stdout);
			fflush(stdout);
		}
		free(text);
		if (a != -1)
			close(a);
		if (b != -1)
			close(b);
	}
	if (json) {
		o = json_object();
		client_json_set(o, "id", json_string(rv.id));
		client_json_set(o, "project", client_json_str(rv.info.project));
		client_json_set(o, "files", arr);
		r = client_json_print(stdout, o, 0) == 0 ? 0 : GW_EXIT_FAILURE;
	} else
		json_decref(arr);
	for (i = 0; i < nsel; i++)
		free(sel[i]);
	free(sel);
	changes_free(&cs);
	close(proj);
	review_close(&rv);
	return (r);
}

/* --- gw apply ------------------------------------------------------------- */

static void
usage_apply(void)
{
	printf("usage: gw apply [--force] ID [PATH ...]\n"
	    "\n"
	    "Apply a review's changes, or those at or below each PATH, to the\n"
	    "real project, as you. Symlinks are applied as symlinks and never\n"
	    "followed; deletions delete; modes and times are kept. Set-id\n"
	    "files, devices, fifos and sockets are refused. A path whose real\n"
	    "file changed since the sandbox started is a conflict and is\n"
	    "refused unless --force. Nothing is applied when anything is\n"
	    "refused. What is applied leaves the review.\n"
	    "\n"
	    "  -f, --force   apply over conflicts\n"
	    "\n"
	    "Exit status: 0, 1 refused or no such review, 125 on failure,"
	    " 2 for a usage error.\n");
}

static int
ts_ge(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec &&
	    a->tv_nsec >= b->tv_nsec));
}

/* Whether anything at or below dir/name changed since start. */
static int
changed_tree(int dir, const char *name, const struct timespec *start)
{
	struct stat	 st;
	char		**names;
	size_t		 n, i;
	int		 sub, r = 0;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (0);
	if (ts_ge(&st.st_ctim, start))
		return (1);
	if (!S_ISDIR(st.st_mode))
		return (0);
	if ((sub = review_openat(dir, name, O_RDONLY | O_DIRECTORY)) == -1)
		return (1);
	if ((names = dir_names(sub, &n)) == NULL) {
		close(sub);
		return (1);
	}
	for (i = 0; i < n && !r; i++)
		r = changed_tree(sub, names[i], start);
	names_free(names);
	close(sub);
	return (r);
}

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return (s != NULL ? s + 1 : path);
}

/* The parent directory of path below top (top itself for a top entry). */
static int
open_parent(int top, const char *path, int flags)
{
	char	buf[PATH_MAX], *s;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((s = strrchr(buf, '/')) == NULL)
		return (fcntl(top, F_DUPFD_CLOEXEC, 3));
	*s = '\0';
	return (review_openat(top, buf, flags | O_DIRECTORY));
}

/* The last parent directory conflict() opened, for the next change. */
struct conflict_cache {
	char	path[PATH_MAX];
	int	fd;		/* -1: none there (errno in err) */
	int	err;
	int	valid;
};

/*
 * Whether the real path changed since the sandbox started: its ctime,
 * anything below it for a directory that goes, or gone while the review
 * holds a copy-up of it (user.overlay.origin).
 */
static int
conflict(const struct review *rv, int proj, const struct change *c,
    const char *path, struct conflict_cache *cc)
{
	struct stat	st;
	char		v[1], dir[PATH_MAX], *s;
	int		pd, fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((s = strrchr(dir, '/')) != NULL)
		*s = '\0';
	else
		dir[0] = '\0';
	if (!cc->valid || strcmp(cc->path, dir) != 0) {
		if (cc->valid && cc->fd != -1)
			close(cc->fd);
		snprintf(cc->path, sizeof(cc->path), "%s", dir);
		cc->fd = open_parent(proj, path, O_PATH);
		cc->err = errno;
		cc->valid = 1;
	}
	/* No directory there (none, a file, a symlink): the parent's own
	 * change replaces it, and that change is checked itself. */
	if ((pd = cc->fd) == -1)
		return (cc->err != ENOENT && cc->err != ELOOP &&
		    cc->err != ENOTDIR);
	if (fstatat(pd, base_name(path), &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode) && (c->kind == REVIEW_DELETED ||
		    !S_ISDIR(c->mode) || strcmp(path, c->path) != 0))
			r = changed_tree(pd, base_name(path),
			    &rv->info.started);
		else
			r = ts_ge(&st.st_ctim, &rv->info.started);
	} else if (c->kind == REVIEW_MODIFIED && strcmp(path, c->path) == 0)
		r = 1;
	else if (c->kind != REVIEW_DELETED && strcmp(path, c->path) == 0 &&
	    S_ISREG(c->mode) &&
	    (fd = review_openat(rv->upper, c->path, O_PATH)) != -1) {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (getxattr(proc, "user.overlay.origin", v, 0) >= 0)
			r = 1;
		close(fd);
	}
	return (r);
}

/* Make the missing directories of path's parent, modes from upper. */
static int
make_parents(int upper, int proj, const char *path)
{
	char		 buf[PATH_MAX], *s;
	struct stat	 st;
	int		 fd;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if ((fd = review_openat(proj, buf, O_PATH |
		    O_DIRECTORY)) != -1) {
			close(fd);
			*s = '/';
			continue;
		}
		if (errno != ENOENT || fstatat(upper, buf, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode))
			return (-1);
		if (mkdirat(proj, buf, (st.st_mode & 01777) | 0700) == -1 &&
		    errno != EEXIST)
			return (-1);
		*s = '/';
	}
	return (0);
}

/*
 * Copy upper's regular file name over the real one: made in place with
 * its mode when nothing is there (gw apply runs with umask 0), else
 * under a temporary name renamed over it.
 */
static int
put_file(int ud, int rd, const char *name, const struct stat *ust)
{
	struct timespec	 ts[2];
	char		 tmp[NAME_MAX + 1];
	int		 in, out, direct = 1, saved_errno;
	ssize_t		 n;
	static char	 buf[1 << 16];

	if (strlen(name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(tmp, name, strlen(name) + 1);
	if ((in = openat(ud, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (-1);
	out = openat(rd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, ust->st_mode & 01777);
	if (out == -1 && errno == EEXIST) {
		direct = 0;
		snprintf(tmp, sizeof(tmp), ".gw-apply.%d.%.200s",
		    (int)getpid(), name);
		unlinkat(rd, tmp, 0);
		out = openat(rd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (out == -1) {
		saved_errno = errno;
		close(in);
		errno = saved_errno;
		return (-1);
	}
	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			break;
		/* Across file systems on old kernels: plain copy. */
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n) {
				n = -1;
				break;
			}
		break;
	}
	ts[0] = ust->st_atim;
	ts[1] = ust->st_mtim;
	if (n < 0 || (!direct && fchmod(out, ust->st_mode & 01777) == -1) ||
	    futimens(out, ts) == -1) {
		saved_errno = errno;
		close(in);
		close(out);
		unlinkat(rd, tmp, 0);
		errno = saved_errno;
		return (-1);
	}
	close(in);
	if (close(out) == -1 || (!direct && renameat(rd, tmp, rd,
	    name) == -1)) {
		saved_errno = errno;
		unlinkat(rd, tmp, 0);
		errno = saved_errno;
		return (-1);
	}
	return (0);
}

static int
put_link(int ud, int rd, const char *name)
{
	char	target[PATH_MAX], tmp[NAME_MAX + 1];
	ssize_t	n;

	if ((n = readlinkat(ud, name, target, sizeof(target) - 1)) < 0)
		return (-1);
	target[n] = '\0';
	if (symlinkat(target, rd, name) == 0)
		return (0);
	if (errno != EEXIST)
		return (-1);
	snprintf(tmp, sizeof(tmp), ".gw-apply.%d.%.200s", (int)getpid(),
	    name);
	unlinkat(rd, tmp, 0);
	if (symlinkat(target, rd, tmp) == -1)
		return (-1);
	if (renameat(rd, tmp, rd, name) == -1) {
		unlinkat(rd, tmp, 0);
		return (-1);
	}
	return (0);
}

/* A cached pair of parent directories, upper and real. */
struct parents {
	char	path[PATH_MAX];
	int	ud, rd;
};

static int
parents_get(struct parents *pc, int upper, int proj, const char *path)
{
	char	 dir[PATH_MAX], *s;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((s = strrchr(dir, '/')) != NULL)
		*s = '\0';
	else
		dir[0] = '\0';
	if (pc->ud != -1 && strcmp(pc->path, dir) == 0)
		return (0);
	if (pc->ud != -1)
		close(pc->ud);
	if (pc->rd != -1)
		close(pc->rd);
	pc->ud = pc->rd = -1;
	snprintf(pc->path, sizeof(pc->path), "%s", dir);
	if (dir[0] == '\0') {
		pc->ud = fcntl(upper, F_DUPFD_CLOEXEC, 3);
		pc->rd = fcntl(proj, F_DUPFD_CLOEXEC, 3);
	} else {
		pc->ud = review_openat(upper, dir, O_RDONLY | O_DIRECTORY);
		pc->rd = review_openat(proj, dir, O_RDONLY | O_DIRECTORY);
		if (pc->rd == -1 && errno == ENOENT &&
		    make_parents(upper, proj, path) == 0)
			pc->rd = review_openat(proj, dir, O_RDONLY |
			    O_DIRECTORY);
	}
	return (pc->rd == -1 ? -1 : 0);
}

/* Apply one change; the upper side of a deletion may be gone. */
static int
apply_one(struct parents *pc, int upper, int proj, const struct change *c)
{
	struct stat	 ust, rst;
	const char	*name = base_name(c->path);
	int		 fd, have_real;

	if (c->from != NULL) {
		if (parents_get(pc, upper, proj, c->from) == -1 ||
		    rm_tree(pc->rd, base_name(c->from)) == -1)
			return (-1);
	}
	if (parents_get(pc, upper, proj, c->path) == -1)
		return (-1);
	have_real = fstatat(pc->rd, name, &rst, AT_SYMLINK_NOFOLLOW) == 0;
	if (c->kind == REVIEW_DELETED)
		return (have_real ? rm_tree(pc->rd, name) : 0);
	if (pc->ud == -1 || fstatat(pc->ud, name, &ust,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (S_ISDIR(ust.st_mode)) {
		if (have_real && !S_ISDIR(rst.st_mode) &&
		    unlinkat(pc->rd, name, 0) == -1)
			return (-1);
		if ((!have_real || !S_ISDIR(rst.st_mode)) &&
		    mkdirat(pc->rd, name, (ust.st_mode & 01777) | 0700) == -1)
			return (-1);
		return (0);	/* its mode is set after what it holds */
	}
	/* A file or symlink where a directory was: the directory goes. */
	if (have_real && S_ISDIR(rst.st_mode) && rm_tree(pc->rd, name) == -1)
		return (-1);
	if (S_ISREG(ust.st_mode))
		return (put_file(pc->ud, pc->rd, name, &ust));
	if (S_ISLNK(ust.st_mode))
		return (put_link(pc->ud, pc->rd, name));
	(void)fd;
	errno = EPERM;
	return (-1);
}

/* gw apply [--force] ID [PATH...] */
int
client_apply(int argc, char **argv)
{
	struct review	 rv;
	struct changes	 cs;
	struct change	*c;
	struct parents	 pc = { "", -1, -1 };
	struct conflict_cache cc = { "", -1, 0, 0 };
	struct stat	 ust;
	char		**sel;
	size_t		 i, nsel, nsel_changes = 0, napplied = 0;
	size_t		 nrefused = 0, nconflict = 0;
	int		 force = 0, proj, fd, r = 0;

	i = review_opts(argc, argv, "gw apply", NULL, &force, usage_apply);
	argc -= i;
	argv += i;
	if (argc < 1)
		client_usage_error("gw apply", "no review id given");
	if (review_open(argv[0], &rv) == -1)
		return (1);
	if (review_lock(&rv, REVIEW_LOCK_WAIT_MS) == -1) {
		warnx("review %s: its command is still running, or another"
		    " gw works on it", rv.id);
		review_close(&rv);
		return (GW_EXIT_FAILURE);
	}
	if ((proj = review_project(&rv)) == -1 ||
	    review_scan(&rv, proj, &cs) == -1) {
		review_close(&rv);
		return (GW_EXIT_FAILURE);
	}
	sel = review_paths(&rv, argc - 1, argv + 1);
	nsel = argc - 1;

	/* Modes as the review has them, not as the umask would cut them. */
	umask(0);
	/* Every check first: nothing is applied if anything is refused. */
	for (i = 0; i < cs.n; i++) {
		c = &cs.v[i];
		if (!change_selected(c, sel, nsel))
			continue;
		nsel_changes++;
		if (c->flags & (REVIEW_F_SETID | REVIEW_F_SPECIAL)) {
			warnx("refused: %s is %s", c->path, (c->flags &
			    REVIEW_F_SETID) ? "set-user-id or set-group-id" :
			    "a device, fifo or socket");
			nrefused++;
			continue;
		}
		if (force)
			continue;
		if (conflict(&rv, proj, c, c->path, &cc) ||
		    (c->from != NULL && conflict(&rv, proj, c, c->from,
		    &cc))) {
			warnx("conflict: %s changed in the project since the"
			    " sandbox started (--force applies it anyway)",
			    c->from != NULL ? c->from : c->path);
			nconflict++;
		}
	}
	if (cc.valid && cc.fd != -1)
		close(cc.fd);
	if (nsel > 0 && nsel_changes == 0) {
		warnx("review %s: no change at those paths", rv.id);
		r = 1;
		goto out;
	}
	if (nrefused > 0 || nconflict > 0) {
		warnx("nothing applied: %zu refused, %zu conflict%s", nrefused,
		    nconflict, nconflict == 1 ? "" : "s");
		r = 1;
		goto out;
	}
	for (i = 0; i < cs.n; i++) {
		c = &cs.v[i];
		if (!change_selected(c, sel, nsel))
			continue;
		if (apply_one(&pc, rv.upper, proj, c) == -1) {
			warn("apply %s: stopped; %zu of %zu changes applied,"
			    " the rest stays in review %s", c->path, napplied,
			    nsel_changes, rv.id);
			r = GW_EXIT_FAILURE;
			break;
		}
		c->applied = 1;
		napplied++;
	}
	/* Directories' modes last (a read-only one held new files). */
	for (i = cs.n; i-- > 0;) {
		c = &cs.v[i];
		if (!c->applied || !S_ISDIR(c->mode))
			continue;
		if (fstatat(rv.upper, c->path, &ust, AT_SYMLINK_NOFOLLOW) ==
		    0 && (fd = review_openat(proj, c->path, O_RDONLY |
		    O_DIRECTORY)) != -1) {
			fchmod(fd, ust.st_mode & 01777);
			close(fd);
		}
	}
	/* What was applied leaves the review, deepest first. */
	for (i = cs.n; napplied < cs.n && i-- > 0;) {
		c = &cs.v[i];
		if (!c->applied)
			continue;
		if (c->from != NULL && c->whiteout)
			unlinkat(rv.upper, c->from, 0);
		if (c->opaque_del)
			continue;
		if (S_ISDIR(c->mode)) {
			if ((fd = review_openat(rv.upper, c->path, O_RDONLY |
			    O_DIRECTORY)) != -1) {
				fremovexattr(fd, "user.overlay.opaque");
				close(fd);
			}
			unlinkat(rv.upper, c->path, AT_REMOVEDIR);
		} else
			unlinkat(rv.upper, c->path, 0);
	}
	if (pc.ud != -1)
		close(pc.ud);
	if (pc.rd != -1)
		close(pc.rd);
	printf("applied %zu change%s to %s\n", napplied, napplied == 1 ?
	    "" : "s", rv.info.project);
	/* Empty directories of the upper layer hold nothing to apply. */
	if (r == 0 && napplied == cs.n) {
		review_close(&rv);
		if (review_remove(rv.id) == 0)
			printf("review %s is done and removed\n", rv.id);
	}
	changes_free(&cs);
	if (r == 0 && rv.dir != -1 && review_scan(&rv, proj, &cs) == 0 &&
	    cs.n == 0) {
		review_close(&rv);
		if (review_remove(rv.id) == 0)
			printf("review %s is done and removed\n", rv.id);
	}
out:
	for (i = 0; i < nsel; i++)
		free(sel[i]);
	free(sel);
	changes_free(&cs);
	close(proj);
	review_close(&rv);
	return (r);
}

/* --- gw discard ----------------------------------------------------------- */

static void
usage_discard(void)
{
	printf("usage: gw discard ID ...\n"
	    "\n"
	    "Drop reviews: nothing of them reaches the real project.\n"
	    "\n"
	    "Exit status: 0, 1 no such review, 125 on failure, 2 for a usage"
	    " error.\n");
}

/* gw discard ID... */
int
client_discard(int argc, char **argv)
{
	struct review	rv;
	size_t		i;
	int		r = 0, j;

	i = review_opts(argc, argv, "gw discard", NULL, NULL, usage_discard);
	argc -= i;
	argv += i;
	if (argc < 1)
		client_usage_error("gw discard", "no review id given");
	for (j = 0; j < argc; j++) {
		if (review_open(argv[j], &rv) == -1) {
			r = 1;
			continue;
		}
		if (review_lock(&rv, 0) == -1) {
			warnx("review %s: its command is still running", rv.id);
			review_close(&rv);
			r = GW_EXIT_FAILURE;
			continue;
		}
		review_close(&rv);
		if (review_remove(rv.id) == -1) {
			warn("review %s: remove it", rv.id);
			r = GW_EXIT_FAILURE;
		} else
			printf("discarded review %s\n", rv.id);
	}
	return (r);
}
