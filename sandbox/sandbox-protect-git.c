/*
 * filesystem.protected for git: a repository that existed when the
 * sandbox started keeps, on the host, the hooks, configuration and
 * indirections git reads, whatever the sandbox does.
 *
 * What git reads (gitrepository-layout(5), setup.c, path.c, config.c,
 * hook.c of git), and how each is held:
 *  - A ".git" entry of a work tree: a directory, or a file (linked
 *    worktrees, submodules) whose "gitdir: " names the git directory. The
 *    directory is bound onto itself (pinned): a mount point cannot be
 *    renamed, exchanged or removed (EBUSY), by rename(2) nor by
 *    RENAME_EXCHANGE, from either side. The file is bound read-only.
 *  - In every git directory, "config", "config.worktree", "hooks",
 *    "commondir" (the common directory of a linked worktree), "gitdir"
 *    (its way back), "remotes" and "branches" (old remote definitions):
 *    bound read-only where they exist, and refused by name (EPERM) by
 *    the supervisor when created, renamed onto or linked to.
 *  - The directories a git directory leads to are units of their own:
 *    the common directory ("commondir"), "worktrees/NAME", the
 *    submodules' "modules/NAME" (NAME may hold slashes), and a bare
 *    repository found in the tree. "worktrees" and "modules" are pinned,
 *    so that no copy takes their place.
 *  - "objects/info/alternates" and "http-alternates": other object
 *    stores. "objects" and "objects/info" are pinned, the names refused.
 *  - What the configuration names: include.path and includeIf.*.path
 *    files (read in turn), core.hooksPath, and a core.fsmonitor hook.
 *    Each is bound read-only where it exists; where it does not, its
 *    first missing component is refused in the nearest existing,
 *    writable directory, which is pinned. Other commands a
 *    configuration names (filters, diff and merge drivers, aliases,
 *    editors) are fixed by the read-only configuration; scripts they
 *    may run from the work tree are the project's files, as a Makefile.
 *  - Not held, by design: HEAD, refs, packed-refs, the index, logs,
 *    objects (commit, checkout, fetch, gc, stash and rebase write them;
 *    none names a program) and info/ (exclude, sparse-checkout, and
 *    attributes, which only select among drivers the configuration
 *    defines, as the work tree's .gitattributes does).
 *
 * A new repository where git on the host would find it in place of an
 * old one: every directory the walk saw outside git directories is
 * remembered by its path. In such a directory the names ".git" and
 * "HEAD" (which with "objects" and "refs" make a bare repository) cannot
 * be created, a symbolic link cannot take the place of such a directory,
 * and a directory moved onto such a path must hold neither name at any
 * depth. A new directory (git init, git clone into a new path) is the
 * sandbox's own, as the files it writes are.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sandbox.h"

#define GIT_DEPTH_MAX	16	/* gitfile, commondir, include, module hops */
#define GIT_FILE_MAX	(1024 * 1024)	/* a config file git reads */
#define SCAN_MAX	100000	/* entries a directory move looks through */
#define SCAN_DEPTH_MAX	256

/* In every git directory: what git reads as configuration or a pointer. */
static const char *const unit_names[] = {
	"config", "config.worktree", "hooks", "commondir", "gitdir",
	"remotes", "branches",
};

enum {
	GD_GITDIR = 1,		/* unit_names are refused */
	GD_FROZEN = 2,		/* read-only: every name is refused */
	GD_PINNED = 4,		/* bound onto itself */
};

struct gdir {
	dev_t		 dev;
	ino_t		 ino;
	int		 flags;
};

struct gname {
	dev_t		 dev;
	ino_t		 ino;
	char		 name[NAME_MAX + 1];
};

struct gfound {
	char		*wt;		/* the work tree, or NULL when bare */
	char		*git;		/* the .git entry, or the bare dir */
};

static struct {
	int		 root;		/* the new tree, during the apply */
	const char	*home;
	struct gdir	*dirs;
	size_t		 ndirs, capdirs;
	struct gname	*names;
	size_t		 nnames, capnames;
	uint64_t	*old;		/* path hashes of the walked dirs */
	size_t		 nold, capold;
	struct gfound	*found;
	size_t		 nfound, capfound;
} g;

static void *
grow(void *p, size_t *cap, size_t n, size_t sz)
{
	size_t	ncap;

	if (n < *cap)
		return (p);
	ncap = *cap == 0 ? 64 : *cap * 2;
	if ((p = reallocarray(p, ncap, sz)) == NULL)
		sandbox_init_fail(ENOMEM, "filesystem.protected: git");
	*cap = ncap;
	return (p);
}

/* FNV-1a, continued from h over s. */
static uint64_t
hash_more(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

#define HASH_INIT	0xcbf29ce484222325ULL

/* The hash of dir/name; the root "/" is the empty path, as in the walk. */
static uint64_t
hash_path(const char *dir, const char *name)
{
	uint64_t	h;

	h = hash_more(HASH_INIT, strcmp(dir, "/") == 0 ? "" : dir);
	if (name != NULL) {
		h = hash_more(h, "/");
		h = hash_more(h, name);
	}
	return (h);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Whether dir/name (name may be NULL) was a directory the walk saw. */
static int
old_path(const char *dir, const char *name)
{
	uint64_t	h = hash_path(dir, name);

	return (g.nold > 0 && bsearch(&h, g.old, g.nold, sizeof(h),
	    cmp_u64) != NULL);
}

/* ------------------------------------------------------------------ */
/* At start, the walk: what it found                                   */

void
sandbox_protect_git_olddir(const char *path)
{
	g.old = grow(g.old, &g.capold, g.nold, sizeof(*g.old));
	g.old[g.nold++] = hash_path(path[0] == '\0' ? "/" : path, NULL);
}

void
sandbox_protect_git_found(const char *wt, const char *git)
{
	g.found = grow(g.found, &g.capfound, g.nfound, sizeof(*g.found));
	g.found[g.nfound].wt = wt == NULL ? NULL : strdup(wt);
	g.found[g.nfound].git = strdup(git);
	if (g.found[g.nfound].git == NULL || (wt != NULL &&
	    g.found[g.nfound].wt == NULL))
		sandbox_init_fail(ENOMEM, "filesystem.protected: git");
	g.nfound++;
}

/*
 * Whether the directory dir/name is a git directory by its contents, as
 * git's is_git_directory() tells: HEAD, and objects (or commondir) and
 * refs.
 */
int
sandbox_protect_git_is_gitdir(int dir, const char *name)
{
	char		p[NAME_MAX + 16];
	struct stat	st;

	snprintf(p, sizeof(p), "%s/HEAD", name);
	if (fstatat(dir, p, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    S_ISDIR(st.st_mode))
		return (0);
	snprintf(p, sizeof(p), "%s/refs", name);
	if (fstatat(dir, p, &st, 0) == -1 || !S_ISDIR(st.st_mode))
		return (0);
	snprintf(p, sizeof(p), "%s/objects", name);
	if (fstatat(dir, p, &st, 0) == 0 && S_ISDIR(st.st_mode))
		return (1);
	snprintf(p, sizeof(p), "%s/commondir", name);
	return (fstatat(dir, p, &st, 0) == 0 && S_ISREG(st.st_mode));
}

/* ------------------------------------------------------------------ */
/* At start, the apply: pins, read-only binds, refused names           */

static struct gdir *
gdir_find(const struct stat *st)
{
	size_t	i;

	for (i = 0; i < g.ndirs; i++)
		if (g.dirs[i].dev == st->st_dev && g.dirs[i].ino == st->st_ino)
			return (&g.dirs[i]);
	return (NULL);
}

static struct gdir *
gdir_add(const struct stat *st, int flags)
{
	struct gdir	*d;

	if ((d = gdir_find(st)) == NULL) {
		g.dirs = grow(g.dirs, &g.capdirs, g.ndirs, sizeof(*g.dirs));
		d = &g.dirs[g.ndirs++];
		d->dev = st->st_dev;
		d->ino = st->st_ino;
		d->flags = 0;
	}
	d->flags |= flags;
	return (d);
}

static void
gname_add(const struct stat *st, const char *name)
{
	size_t	i;

	for (i = 0; i < g.nnames; i++)
		if (g.names[i].dev == st->st_dev &&
		    g.names[i].ino == st->st_ino &&
		    strcmp(g.names[i].name, name) == 0)
			return;
	g.names = grow(g.names, &g.capnames, g.nnames, sizeof(*g.names));
	g.names[g.nnames].dev = st->st_dev;
	g.names[g.nnames].ino = st->st_ino;
	snprintf(g.names[g.nnames].name, sizeof(g.names[0].name), "%s", name);
	g.nnames++;
}

/* Open path of the sandbox's tree, symlinks followed inside it. */
static int
open_in(const char *path, int flags)
{
	struct open_how	how;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	return (syscall(SYS_openat2, g.root, path[0] == '/' &&
	    path[1] == '\0' ? "." : path + (path[0] == '/'), &how,
	    sizeof(how)));
}

/* Bind the directory fd onto itself, so that it cannot be moved. */
static void
pin(int fd, const struct stat *st, const char *path)
{
	_cleanup_close_ int	 tree = -1;
	struct gdir		*d;

	if ((d = gdir_find(st)) != NULL && (d->flags & GD_PINNED))
		return;
	if ((tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_EMPTY_PATH | AT_RECURSIVE)) == -1 ||
	    move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "filesystem.protected: pin the git"
		    " directory '%s'", path);
	gdir_add(st, GD_PINNED);
}

/* Bind fd (a file or a directory) onto itself read-only. */
static void
freeze(int fd, const struct stat *st, const char *path)
{
	struct gdir	*d;

	if ((d = gdir_find(st)) != NULL && (d->flags & GD_FROZEN))
		return;
	if (sandbox_mount_ro_self(fd) == -1)
		sandbox_init_fail(errno, "filesystem.protected: make '%s'"
		    " read-only", path);
	gdir_add(st, GD_FROZEN);
}

/* a/b joined, or b when absolute; "~/" is the home. */
static int
join(char *out, size_t len, const char *base, const char *p)
{
	int	n;

	if (strncmp(p, "~/", 2) == 0 || strcmp(p, "~") == 0)
		n = snprintf(out, len, "%s/%s", g.home, p[1] ? p + 2 : "");
	else if (p[0] == '/')
		n = snprintf(out, len, "%s", p);
	else
		n = snprintf(out, len, "%s/%s", base, p);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* dir/name in out; a path too long stops the sandbox. */
static void
cat(char *out, size_t len, const char *dir, const char *name)
{
	int	n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		sandbox_init_fail(ENAMETOOLONG, "filesystem.protected: '%s/%s'",
		    dir, name);
}

/* The directory part of path, in out. */
static void
dir_of(char *out, size_t len, const char *path)
{
	const char	*s = strrchr(path, '/');

	if (s == NULL)
		snprintf(out, len, ".");
	else if (s == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(s - path), path);
}

/*
 * Hold path as it is: bound read-only where it exists; else its first
 * missing component is refused in the nearest existing directory the
 * user can write, and that directory is pinned.
 */
static void
protect_path(const char *path)
{
	_cleanup_close_ int	 fd = -1;
	char			 p[PATH_MAX], *s;
	struct stat		 st;

	if ((fd = open_in(path, O_PATH)) != -1) {
		if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) ||
		    S_ISDIR(st.st_mode)))
			freeze(fd, &st, path);
		return;
	}
	snprintf(p, sizeof(p), "%s", path);
	while ((s = strrchr(p, '/')) != NULL && s != p) {
		*s = '\0';
		if ((fd = open_in(p, O_PATH | O_DIRECTORY)) == -1)
			continue;
		if (fstat(fd, &st) == -1)
			return;
		/* Where the user cannot write, nothing can appear. */
		if (faccessat(fd, "", W_OK, AT_EACCESS | AT_EMPTY_PATH) == -1 &&
		    (errno == EACCES || errno == EROFS))
			return;
		pin(fd, &st, p);
		gname_add(&st, s + 1);
		return;
	}
}

/* Read a small regular file of the tree; NUL-terminated, or NULL. */
static char *
read_small(const char *path, size_t *lenp)
{
	_cleanup_close_ int	 fd = -1;
	struct stat		 st;
	char			*buf;
	ssize_t			 n;
	size_t			 off = 0;

	if ((fd = open_in(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return (NULL);
	if (st.st_size > GIT_FILE_MAX)
		sandbox_init_fail(EFBIG, "filesystem.protected: '%s' is larger"
		    " than %d bytes, too large to look through", path,
		    GIT_FILE_MAX);
	if ((buf = malloc(st.st_size + 1)) == NULL)
		sandbox_init_fail(ENOMEM, "filesystem.protected: '%s'", path);
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, st.st_size - off)) > 0)
		off += n;
	buf[off] = '\0';
	if (lenp != NULL)
		*lenp = off;
	return (buf);
}

/* The first line of a file, trailing white space cut. */
static int
read_line(const char *path, char *out, size_t len)
{
	char	*buf, *e;
	size_t	 n;

	if ((buf = read_small(path, NULL)) == NULL)
		return (-1);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	for (e = buf + n; e > buf && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r'); e--)
		e[-1] = '\0';
	n = (size_t)snprintf(out, len, "%s", buf);
	free(buf);
	return (n < len && out[0] != '\0' ? 0 : -1);
}

struct cfg_ctx {
	const char	*file;		/* the config file being read */
	const char	*wt;		/* where relative hook paths start */
	int		 depth;
};

static void	config_file(const char *, const char *, int);

/* One key of a config file: the paths it names are held. */
static void
config_key(const char *section, const char *key, const char *value,
    void *arg)
{
	struct cfg_ctx	*c = arg;
	char		 base[PATH_MAX], p[PATH_MAX];

	if (value == NULL)
		return;
	/* ":(optional)" marks an include that may be missing. */
	if (strncmp(value, ":(optional)", 11) == 0)
		value += 11;
	if (value[0] == '\0')
		return;
	if ((strcasecmp(section, "include") == 0 ||
	    strcasecmp(section, "includeif") == 0) &&
	    strcasecmp(key, "path") == 0) {
		dir_of(base, sizeof(base), c->file);
		if (join(p, sizeof(p), base, value) == -1)
			sandbox_init_fail(errno, "filesystem.protected: '%s'"
			    " includes '%s'", c->file, value);
		protect_path(p);
		config_file(p, c->wt, c->depth + 1);
	} else if (strcasecmp(section, "core") == 0 &&
	    (strcasecmp(key, "hookspath") == 0 ||
	    strcasecmp(key, "fsmonitor") == 0)) {
		/* fsmonitor: a boolean, or the hook to run. */
		if (strcasecmp(key, "fsmonitor") == 0 &&
		    strspn(value, "tfyesnorualn01") == strlen(value))
			return;
		/* Relative: from each work tree, held with the repository. */
		if (c->wt == NULL && value[0] != '/' && value[0] != '~')
			return;
		if (join(p, sizeof(p), c->wt, value) == -1)
			sandbox_init_fail(errno, "filesystem.protected: '%s'"
			    " names '%s'", c->file, value);
		protect_path(p);
	}
}

static void
config_file(const char *path, const char *wt, int depth)
{
	struct cfg_ctx	 c;
	char		*buf;
	size_t		 len;

	/* git stops at ten levels of includes, and so does this. */
	if (depth > 10 || (buf = read_small(path, &len)) == NULL)
		return;
	c.file = path;
	c.wt = wt;
	c.depth = depth;
	sandbox_protect_git_config(buf, len, config_key, &c);
	free(buf);
}

static void	git_unit(const char *, const char *, int);

/* "modules": submodule git directories, whose names may hold slashes. */
static void
git_modules(const char *path, int depth)
{
	_cleanup_close_ int	 fd = -1;
	struct stat		 st;
	struct dirent		*de;
	DIR			*d;
	char			 sub[PATH_MAX];
	int			 dfd;

	if (depth > GIT_DEPTH_MAX || (fd = open_in(path, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW)) == -1 || fstat(fd, &st) == -1)
		return;
	pin(fd, &st, path);
	close(fd);
	if ((fd = open_in(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1 ||
	    (dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		cat(sub, sizeof(sub), path, de->d_name);
		if (sandbox_protect_git_is_gitdir(fd, de->d_name))
			git_unit(sub, NULL, depth + 1);
		else
			git_modules(sub, depth + 1);
	}
	closedir(d);
}

/* "objects/info": alternates name other object stores. */
static void
git_objects(int gfd, const char *gpath)
{
	static const char *const alt[] = { "alternates", "http-alternates" };
	_cleanup_close_ int	 ofd = -1, ifd = -1, afd = -1;
	struct stat		 st, ast;
	char			 p[PATH_MAX];
	size_t			 i;

	cat(p, sizeof(p), gpath, "objects");
	if ((ofd = openat(gfd, "objects", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(ofd, &st) == -1)
		return;
	pin(ofd, &st, p);
	close(ofd);
	if ((ofd = openat(gfd, "objects", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(ofd, &st) == -1)
		return;
	if ((ifd = openat(ofd, "info", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		gname_add(&st, "info");
		return;
	}
	cat(p, sizeof(p), gpath, "objects/info");
	if (fstat(ifd, &st) == -1)
		return;
	pin(ifd, &st, p);
	close(ifd);
	if ((ifd = openat(ofd, "info", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(ifd, &st) == -1)
		return;
	for (i = 0; i < nitems(alt); i++) {
		gname_add(&st, alt[i]);
		if ((afd = openat(ifd, alt[i], O_PATH | O_NOFOLLOW |
		    O_CLOEXEC)) != -1) {
			if (fstat(afd, &ast) == 0 && S_ISREG(ast.st_mode))
				freeze(afd, &ast, alt[i]);
			close(afd);
			afd = -1;
		}
	}
}

/* "worktrees": each linked worktree's git directory. */
static void
git_worktrees(const char *gpath, int depth)
{
	_cleanup_close_ int	 fd = -1;
	struct stat		 st;
	struct dirent		*de;
	DIR			*d;
	char			 p[PATH_MAX], sub[PATH_MAX];
	int			 dfd;

	cat(p, sizeof(p), gpath, "worktrees");
	if ((fd = open_in(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &st) == -1)
		return;
	pin(fd, &st, p);
	close(fd);
	if ((fd = open_in(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1 ||
	    (dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		cat(sub, sizeof(sub), p, de->d_name);
		git_unit(sub, NULL, depth + 1);
	}
	closedir(d);
}

/*
 * A git directory at gpath (wt: its work tree, or NULL): pinned, its
 * names held, and the directories it leads to taken in turn.
 */
static void
git_unit(const char *gpath, const char *wt, int depth)
{
	_cleanup_close_ int	 fd = -1, efd = -1;
	struct stat		 st, est;
	struct gdir		*d;
	char			 p[PATH_MAX], line[PATH_MAX], cpath[PATH_MAX];
	size_t			 i;
	int			 again;

	if (depth > GIT_DEPTH_MAX)
		sandbox_init_fail(ELOOP, "filesystem.protected: '%s': git"
		    " directories lead to each other too deep", gpath);
	if ((fd = open_in(gpath, O_PATH | O_DIRECTORY)) == -1) {
		/* Missing: git fails there today; keep it from appearing. */
		if (errno == ENOENT)
			protect_path(gpath);
		return;
	}
	if (fstat(fd, &st) == -1)
		return;
	again = (d = gdir_find(&st)) != NULL && (d->flags & GD_GITDIR);
	if (!again) {
		pin(fd, &st, gpath);
		gdir_add(&st, GD_GITDIR);
		close(fd);
		if ((fd = open_in(gpath, O_PATH | O_DIRECTORY)) == -1)
			sandbox_init_fail(errno, "filesystem.protected: open"
			    " '%s'", gpath);
		for (i = 0; i < nitems(unit_names); i++) {
			if ((efd = openat(fd, unit_names[i], O_PATH |
			    O_NOFOLLOW | O_CLOEXEC)) == -1)
				continue;
			cat(p, sizeof(p), gpath, unit_names[i]);
			if (fstat(efd, &est) == -1)
				est.st_mode = 0;
			if (S_ISREG(est.st_mode) || S_ISDIR(est.st_mode))
				freeze(efd, &est, p);
			else if (S_ISLNK(est.st_mode))
				/* What the link leads to, or would. */
				protect_path(p);
			close(efd);
			efd = -1;
		}
		git_objects(fd, gpath);
		git_worktrees(gpath, depth);
		cat(p, sizeof(p), gpath, "modules");
		git_modules(p, depth + 1);
	}
	/* The common directory, and the configuration read there. */
	snprintf(cpath, sizeof(cpath), "%s", gpath);
	cat(p, sizeof(p), gpath, "commondir");
	if (read_line(p, line, sizeof(line)) == 0) {
		if (join(cpath, sizeof(cpath), gpath, line) == -1)
			sandbox_init_fail(errno, "filesystem.protected: '%s'",
			    p);
		git_unit(cpath, wt, depth + 1);
	}
	if (again && wt == NULL)
		return;
	cat(p, sizeof(p), cpath, "config");
	config_file(p, wt != NULL ? wt : gpath, 0);
	cat(p, sizeof(p), gpath, "config.worktree");
	config_file(p, wt != NULL ? wt : gpath, 0);
}

/* A ".git" entry (directory, file or link) or a bare git directory. */
static void
git_entry(const struct gfound *f)
{
	_cleanup_close_ int	 fd = -1;
	struct stat		 st;
	char			 line[PATH_MAX], base[PATH_MAX], p[PATH_MAX];
	ssize_t			 n;

	if ((fd = open_in(f->git, O_PATH)) == -1) {
		/* A link to nothing yet: keep its target from appearing. */
		dir_of(base, sizeof(base), f->git);
		if (errno == ENOENT && (fd = open_in(base, O_PATH |
		    O_DIRECTORY)) != -1 && (n = readlinkat(fd, ".git", line,
		    sizeof(line) - 1)) > 0) {
			line[n] = '\0';
			if (join(p, sizeof(p), base, line) == 0)
				protect_path(p);
		}
		return;
	}
	if (fstat(fd, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode)) {
		git_unit(f->git, f->wt, 0);
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	/* A gitfile: "gitdir: PATH", PATH from the file's directory. */
	freeze(fd, &st, f->git);
	if (read_line(f->git, line, sizeof(line)) == -1 ||
	    strncmp(line, "gitdir:", 7) != 0)
		return;
	dir_of(base, sizeof(base), f->git);
	if (join(p, sizeof(p), base, line + 7 + strspn(line + 7, " ")) == -1)
		sandbox_init_fail(errno, "filesystem.protected: '%s'", f->git);
	git_unit(p, f->wt, 0);
}

/* In init, after the walk, in the new tree: apply what it found. */
void
sandbox_protect_git_apply(int root, const char *home)
{
	size_t	i;
	char	p[PATH_MAX];

	g.root = root;
	g.home = home;
	qsort(g.old, g.nold, sizeof(*g.old), cmp_u64);
	/*
	 * The user's own configuration, where the sandbox sees the home:
	 * it applies to every repository. The XDG file is held as a
	 * repository's config is, and the absolute hook paths and includes
	 * of both files too (~/.gitconfig is held as a protected name).
	 */
	cat(p, sizeof(p), home, ".config/git/config");
	protect_path(p);
	config_file(p, NULL, 0);
	cat(p, sizeof(p), home, ".gitconfig");
	config_file(p, NULL, 0);
	for (i = 0; i < g.nfound; i++) {
		git_entry(&g.found[i]);
		free(g.found[i].wt);
		free(g.found[i].git);
	}
	free(g.found);
	g.found = NULL;
	g.nfound = g.capfound = 0;
	g.root = -1;
}

/* ------------------------------------------------------------------ */
/* While the command runs: the supervisor's questions                  */

/*
 * Whether creating, writing or replacing name in dir (open, at path)
 * must be refused. st is the directory's.
 */
int
sandbox_protect_git_refused(const struct stat *st, const char *path,
    const char *name)
{
	struct gdir	*d;
	size_t		 i;

	if ((d = gdir_find(st)) != NULL) {
		if (d->flags & GD_FROZEN)
			return (1);
		if (d->flags & GD_GITDIR)
			for (i = 0; i < nitems(unit_names); i++)
				if (strcmp(name, unit_names[i]) == 0)
					return (1);
	}
	for (i = 0; i < g.nnames; i++)
		if (g.names[i].dev == st->st_dev &&
		    g.names[i].ino == st->st_ino &&
		    strcmp(g.names[i].name, name) == 0)
			return (1);
	/* A new repository in a directory that was there. */
	if ((strcmp(name, ".git") == 0 || strcmp(name, "HEAD") == 0) &&
	    old_path(path, NULL))
		return (1);
	return (0);
}

/* Whether a symbolic link at dir/name would stand where a dir was. */
int
sandbox_protect_git_old_path(const char *path, const char *name)
{
	return (old_path(path, name));
}

/* Whether the tree at dfd holds ".git" or "HEAD"; 1 also when too big. */
static int
scan(int dfd, size_t *budget, int depth)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, sub, found = 0;

	if (depth > SCAN_DEPTH_MAX ||
	    (fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (1);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (1);
	}
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((*budget)-- == 0 || strcmp(de->d_name, ".git") == 0 ||
		    strcmp(de->d_name, "HEAD") == 0) {
			found = 1;
			break;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub == -1) {
			if (errno != ENOTDIR && errno != ELOOP)
				found = 1;
			continue;
		}
		found = scan(sub, budget, depth + 1);
		close(sub);
	}
	closedir(d);
	return (found);
}

/*
 * Whether what is at (dir, name) may land at the path to/toname: a
 * directory holding ".git" or "HEAD", or a symbolic link, may not take
 * the place of a directory that was there at start.
 */
static int
lands(int dir, const char *name, const char *to, const char *toname)
{
	_cleanup_close_ int	 fd = -1;
	struct stat		 st;
	size_t			 budget = SCAN_MAX;

	if (!old_path(to, toname) ||
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (0);
	if (S_ISLNK(st.st_mode))
		return (1);
	if (!S_ISDIR(st.st_mode))
		return (0);
	if ((fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (1);
	return (scan(fd, &budget, 0));
}

/*
 * rename(odir/oname, ndir/nname) with flags: whether it must be
 * refused. opath and npath are the directories' paths.
 */
int
sandbox_protect_git_move(int odir, const char *oname, const char *opath,
    int ndir, const char *nname, const char *npath, unsigned int flags)
{
	if (lands(odir, oname, npath, nname))
		return (1);
	return ((flags & RENAME_EXCHANGE) && lands(ndir, nname, opath,
	    oname));
}

/* ------------------------------------------------------------------ */
/* git-config(1) syntax, enough to find keys                           */

/*
 * Read a git config text and call fn(section, key, value, arg) for each
 * key (value NULL for a bare boolean key). Sections: "[name]",
 * "[name "sub"]" and "[name.sub]"; the subsection is not passed, the
 * section name is. Values: quotes, backslash escapes, a backslash at
 * the end of a line, and comments (# ;) outside quotes. Malformed input
 * stops the reading, as git stops with an error.
 */
void
sandbox_protect_git_config(const char *s, size_t len,
    void (*fn)(const char *, const char *, const char *, void *),
    void *arg)
{
	char		 section[64], key[64], *val;
	const char	*end = s + len;
	size_t		 n, keep, cap = len + 1;
	int		 quote;

	section[0] = '\0';
	if ((val = malloc(cap)) == NULL)
		return;
	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
		    *s == '\n'))
			s++;
		if (s >= end)
			break;
		if (*s == '#' || *s == ';') {
			while (s < end && *s != '\n')
				s++;
			continue;
		}
		if (*s == '[') {
			s++;
			n = 0;
			while (s < end && *s != ']' && *s != '"' &&
			    *s != ' ' && *s != '.' && *s != '\n') {
				if (n + 1 < sizeof(section))
					section[n++] = *s;
				s++;
			}
			section[n] = '\0';
			/* The subsection: skipped, escapes and all. */
			while (s < end && *s != ']' && *s != '\n') {
				if (*s == '"') {
					for (s++; s < end && *s != '"' &&
					    *s != '\n'; s++)
						if (*s == '\\' && s + 1 < end)
							s++;
				}
				if (s < end && *s != '\n')
					s++;
			}
			if (s >= end || *s != ']')
				break;
			s++;
			continue;
		}
		/* A key: letters, digits and '-'. */
		n = 0;
		while (s < end && ((*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '-')) {
			if (n + 1 < sizeof(key))
				key[n++] = *s;
			s++;
		}
		key[n] = '\0';
		if (n == 0)
			break;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s >= end || *s == '\n' || *s == '\r' || *s == '#' ||
		    *s == ';') {
			fn(section, key, NULL, arg);
			continue;
		}
		if (*s != '=')
			break;
		s++;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		n = keep = 0;
		quote = 0;
		while (s < end) {
			/* A newline ends the value, in quotes an error. */
			if (*s == '\n')
				break;
			if (!quote && (*s == '#' || *s == ';')) {
				while (s < end && *s != '\n')
					s++;
				break;
			}
			if (*s == '"') {
				quote = !quote;
				s++;
				keep = n;
				continue;
			}
			if (*s == '\\' && s + 1 < end) {
				s++;
				switch (*s) {
				case '\n':
					s++;
					continue;
				case '\r':
					if (s + 1 < end && s[1] == '\n')
						s++;
					s++;
					continue;
				case 'n':
					val[n++] = '\n';
					break;
				case 't':
					val[n++] = '\t';
					break;
				case 'b':
					if (n > 0)
						n--;
					break;
				default:
					val[n++] = *s;
					break;
				}
				s++;
				keep = n;
				continue;
			}
			val[n++] = *s++;
			if (quote)
				keep = n;
		}
		/* Trailing white space outside quotes goes. */
		while (n > keep && (val[n - 1] == ' ' ||
		    val[n - 1] == '\t' || val[n - 1] == '\r'))
			n--;
		val[n] = '\0';
		fn(section, key, val, arg);
	}
	free(val);
}
