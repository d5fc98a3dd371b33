/*
 * filesystem.mask and filesystem.protected at start: the walk of the
 * sandbox's tree and its mounts (part 1 of the design at the top of
 * sandbox-protect-supervise.c).
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>

#include <sys/fsuid.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"

/*
 * Directories the walk does not look into, whatever their size, so a
 * project starts as fast with a million installed files as without:
 * what is in them was downloaded, not written by the user, and no secret
 * of the user's is expected there (greywall-policy(5), filesystem.mask).
 *  - "node_modules": packages installed from a registry; no new git
 *    repository may be made anywhere inside one that existed
 *    (sandbox_protect_git_oldtree), as the walk did not see its
 *    directories;
 *  - "objects" and "lfs" inside a git directory: file contents named by
 *    their hash, never ".env" and never hooks or config.
 */
static const char *const skip_dirs[] = { "node_modules" };
static const char *const skip_git_dirs[] = { "objects", "lfs" };

/* ------------------------------------------------------------------ */
/* At start: the walk and its mounts                                   */

static uid_t	peer_uid;
static gid_t	peer_gid;

struct walk {
	int		 root;		/* the new tree */
	int		 empty;		/* tmpfs holding the empty file, or -1 */
	char *const	*mask;
	int		 protect;
	size_t		 seen;		/* entries read */
	size_t		 cached;	/* directories not read: cached */
	uint64_t	 maskhash;	/* sandbox_protect_cache_maskhash */
	char		 first[256];	/* first_chars() */
	const char	*top;		/* for messages */
};

/* Bind dir/name onto itself, read-only, with everything below it. */
static void
bind_ro(int dir, const char *name, const char *path)
{
	_cleanup_close_ int	 fd = -1;
	struct open_how		 how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
	if ((fd = syscall(SYS_openat2, dir, name, &how, sizeof(how))) == -1)
		sandbox_init_fail(errno, "filesystem.protected: open '%s/%s'",
		    path, name);
	if (sandbox_mount_ro_self(fd) == -1)
		sandbox_init_fail(errno, "filesystem.protected: make '%s/%s'"
		    " read-only", path, name);
}

/*
 * The empty file every masked file shows: 0444, root's, on a read-only
 * tmpfs of its own. Made when the first file is masked: most starts mask
 * none, and each detached tmpfs costs a grace period when it goes.
 */
static int
walk_empty(struct walk *w)
{
	_cleanup_close_ int	 fs = -1, efd = -1;
	struct mount_attr	 attr;

	if (w->empty >= 0)
		return (w->empty);
	sandbox_fsid_set(0, 0);
	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (w->empty = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) == -1 ||
	    (efd = openat(w->empty, "empty", O_RDONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0444)) == -1)
		sandbox_init_fail(errno, "filesystem.mask: make the empty file");
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY;
	if (mount_setattr(w->empty, "", AT_EMPTY_PATH, &attr,
	    sizeof(attr)) == -1)
		sandbox_init_fail(errno, "filesystem.mask: make it read-only");
	sandbox_fsid_set(peer_uid, peer_gid);
	return (w->empty);
}

/* Cover dir/name with the empty file, or an empty directory. */
static void
mask_entry(struct walk *w, int dir, const char *name, int isdir,
    const char *path)
{
	_cleanup_close_ int	 fd = -1, src = -1, fs = -1;
	struct open_how		 how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
	if ((fd = syscall(SYS_openat2, dir, name, &how, sizeof(how))) == -1)
		sandbox_init_fail(errno, "filesystem.mask: open '%s/%s'", path,
		    name);
	if (isdir) {
		if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
		    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555",
		    0) == -1 ||
		    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
		    (src = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY |
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		    MOUNT_ATTR_NOEXEC)) == -1)
			sandbox_init_fail(errno, "filesystem.mask: an empty"
			    " directory for '%s/%s'", path, name);
	} else if ((src = open_tree(walk_empty(w), "empty", OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "filesystem.mask: clone the empty"
		    " file");
	if (move_mount(src, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "filesystem.mask: cover '%s/%s'",
		    path, name);
}

static void	walk_dir(struct walk *, int, char *, size_t, int);

/*
 * Whether name can match a mask pattern by its first character alone: a
 * pattern that starts with a plain character matches only names that
 * start with it (fnmatch without FNM_PERIOD or FNM_CASEFOLD), and most
 * names of a project match none. Exact: a "no" here is fnmatch's "no".
 */
static void
first_chars(struct walk *w)
{
	char *const	*m;

	memset(w->first, 0, sizeof(w->first));
	for (m = w->mask; m != NULL && *m != NULL; m++) {
		if (strchr("*?[{\\", (*m)[0]) != NULL) {
			memset(w->first, 1, sizeof(w->first));
			return;
		}
		w->first[(unsigned char)(*m)[0]] = 1;
	}
}

static int
is_masked(const struct walk *w, const char *name)
{
	return (w->first[(unsigned char)name[0]] &&
	    sandbox_protect_masked(w->mask, name));
}

/*
 * Whether the walk acts on an entry of this name and type: a directory,
 * ".git" of any type, a masked file. Only these go into the cache.
 */
static int
walk_wants(const struct walk *w, const char *name, unsigned char type)
{
	if (type == DT_DIR)
		return (1);
	if (strcmp(name, ".git") == 0)
		return (1);
	return (type == DT_REG && is_masked(w, name));
}

/*
 * One entry of a directory being walked, one walk_wants() took; ingit:
 * the directory is in a git directory.
 */
static void
walk_entry(struct walk *w, int dir, const char *name, unsigned char type,
    char *path, size_t len, int ingit)
{
	_cleanup_close_ int	 sub = -1;
	struct open_how		 how;
	struct stat		 st;
	char			 entry[PATH_MAX];
	size_t			 i;

	if ((size_t)snprintf(entry, sizeof(entry), "%s/%s", path, name) >=
	    sizeof(entry))
		sandbox_init_fail(ENAMETOOLONG, "'%s/%s'", path, name);
	/* A ".git" of a work tree, whatever its type: git's to find. */
	if (w->protect && !ingit && strcmp(name, ".git") == 0)
		sandbox_protect_git_found(path[0] == '\0' ? "/" : path, entry);
	/* Symlinks: their target is masked, or not, under its own name. */
	if (type != DT_DIR && type != DT_REG)
		return;
	if (is_masked(w, name)) {
		mask_entry(w, dir, name, type == DT_DIR, path);
		return;
	}
	if (type != DT_DIR)
		return;
	for (i = 0; i < nitems(skip_dirs); i++)
		if (strcmp(name, skip_dirs[i]) == 0) {
			/* No new repository inside it (sandbox-protect-git.c). */
			if (w->protect && !ingit)
				sandbox_protect_git_oldtree(entry);
			return;
		}
	for (i = 0; ingit && i < nitems(skip_git_dirs); i++)
		if (strcmp(name, skip_git_dirs[i]) == 0)
			return;
	if (w->protect && !ingit) {
		if (strcmp(name, ".git") == 0)
			ingit = 1;
		else if (sandbox_protect_git_is_gitdir(dir, name)) {
			sandbox_protect_git_found(NULL, entry);
			ingit = 1;
		} else
			sandbox_protect_git_olddir(entry);
	}
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
	sub = syscall(SYS_openat2, dir, name, &how, sizeof(how));
	if (sub == -1 && errno == EACCES) {
		/* Its owner could open it up later: refuse, not skip. */
		if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_uid != peer_uid)
			return;
		sandbox_init_fail(EACCES, "filesystem.mask and protected:"
		    " cannot look into '%s/%s', which the user could open up"
		    " later", path, name);
	}
	if (sub == -1)
		sandbox_init_fail(errno, "filesystem.mask and protected: open"
		    " '%s/%s'", path, name);
	if (len + 1 + strlen(name) >= PATH_MAX)
		sandbox_init_fail(ENAMETOOLONG, "'%s/%s'", path, name);
	path[len] = '/';
	strcpy(path + len + 1, name);
	walk_dir(w, sub, path, len + 1 + strlen(name), ingit);
	path[len] = '\0';
}

/* The entries walk_wants() took, as (type, name, NUL) records. */
struct wanted {
	unsigned char	*buf;
	size_t		 len, cap;
};

static void
wanted_add(struct wanted *v, const char *name, unsigned char type,
    const char *path)
{
	size_t	n = strlen(name) + 2;
	void	*p;

	if (v->len + n > v->cap) {
		v->cap = v->cap == 0 ? 4096 : v->cap * 2;
		if (v->cap < v->len + n)
			v->cap = v->len + n;
		if ((p = realloc(v->buf, v->cap)) == NULL)
			sandbox_init_fail(ENOMEM, "read the directory '%s'",
			    path);
		v->buf = p;
	}
	v->buf[v->len] = type;
	memcpy(v->buf + v->len + 1, name, n - 1);
	v->len += n;
}

/*
 * Read the directory fd and note what the walk acts on in v. Types come
 * from getdents (a file system without them gets an lstat per entry).
 */
static void
read_dir(struct walk *w, int fd, const char *path, struct wanted *v)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	unsigned char	 type;
	int		 dfd;

	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (d = fdopendir(dfd)) == NULL)
		sandbox_init_fail(errno, "read the directory '%s'", path);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		w->seen++;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1)
				sandbox_init_fail(errno, "stat '%s/%s'", path,
				    de->d_name);
			type = S_ISDIR(st.st_mode) ? DT_DIR :
			    S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		}
		if (walk_wants(w, de->d_name, type))
			wanted_add(v, de->d_name, type, path);
	}
	if (errno != 0)
		sandbox_init_fail(errno, "read the directory '%s'", path);
	closedir(d);
}

/*
 * One directory: its entries from the cache while its ctime is the one
 * they were read at (sandbox-protect-cache.c), else read and kept.
 */
static void
walk_dir(struct walk *w, int fd, char *path, size_t len, int ingit)
{
	struct wanted	 v = { NULL, 0, 0 };
	struct stat	 st;
	size_t		 off, n;
	int		 keep = 0;

	if (fstat(fd, &st) == -1)
		sandbox_init_fail(errno, "stat the directory '%s'", path);
	if (sandbox_protect_cache_get(&st, peer_uid, w->maskhash, &v.buf,
	    &v.len))
		w->cached++;
	else {
		/* Usable before the read: a change during it moves ctime. */
		keep = sandbox_protect_cache_usable(fd, &st);
		read_dir(w, fd, path, &v);
		if (keep)
			sandbox_protect_cache_put(&st, peer_uid, w->maskhash,
			    v.buf, v.len);
	}
	for (off = 0; off < v.len; off += n + 2) {
		n = strlen((char *)v.buf + off + 1);
		walk_entry(w, fd, (char *)v.buf + off + 1, v.buf[off], path,
		    len, ingit);
	}
	free(v.buf);
}

/* Whether path is below (or is) one of v[0..n-1] other than skip. */
static int
nested(const char *path, char *const *v, size_t n, size_t skip)
{
	size_t	i, l;

	for (i = 0; i < n; i++) {
		if (i == skip)
			continue;
		if (strcmp(path, v[i]) == 0) {
			/* The same path twice: walk the first. */
			if (i < skip)
				return (1);
			continue;
		}
		l = strlen(v[i]);
		if (strcmp(v[i], "/") == 0 ||
		    (strncmp(path, v[i], l) == 0 && path[l] == '/'))
			return (1);
	}
	return (0);
}

/* Walk one top directory (or mask one top file) of the tree. */
static void
walk_top(struct walk *w, const char *top)
{
	_cleanup_close_ int	 fd = -1, parent = -1;
	struct open_how		 how;
	struct stat		 st;
	char			 path[PATH_MAX], pdir[PATH_MAX], *slash;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT;
	fd = syscall(SYS_openat2, w->root, top[1] == '\0' ? "." : top + 1,
	    &how, sizeof(how));
	/* Not in the tree (a missing read path): nothing to look at. */
	if (fd == -1 && (errno == ENOENT || errno == EACCES))
		return;
	if (fd == -1 || fstat(fd, &st) == -1)
		sandbox_init_fail(errno, "filesystem.mask: open '%s'", top);
	w->top = top;
	snprintf(path, sizeof(path), "%s", strcmp(top, "/") == 0 ? "" : top);
	/* The top itself may be a masked name. */
	snprintf(pdir, sizeof(pdir), "%s", top);
	if ((slash = strrchr(pdir, '/')) != NULL && slash[1] != '\0' &&
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
	    is_masked(w, slash + 1)) {
		*slash = '\0';
		parent = syscall(SYS_openat2, w->root, pdir[0] == '\0' ? "." :
		    pdir + 1, &how, sizeof(how));
		if (parent == -1)
			sandbox_init_fail(errno, "filesystem.mask: open '%s'",
			    pdir);
		mask_entry(w, parent, slash + 1, S_ISDIR(st.st_mode), pdir);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		return;
	close(fd);
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
	fd = syscall(SYS_openat2, w->root, top[1] == '\0' ? "." : top + 1,
	    &how, sizeof(how));
	if (fd == -1)
		sandbox_init_fail(errno, "filesystem.mask: open '%s'", top);
	/* The top itself may be a git directory (a bare repository). */
	if (w->protect && sandbox_protect_git_is_gitdir(fd, ".")) {
		sandbox_protect_git_found(NULL, top);
		walk_dir(w, fd, path, strlen(path), 1);
		return;
	}
	if (w->protect)
		sandbox_protect_git_olddir(path);
	walk_dir(w, fd, path, strlen(path), 0);
}

/* The protected names that exist in dir (the cwd or the home): ro. */
static void
protect_root(int root, const char *dir)
{
	_cleanup_close_ int	 fd = -1;
	struct open_how		 how;
	struct stat		 st;
	size_t			 i;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT;
	fd = syscall(SYS_openat2, root, dir[1] == '\0' ? "." : dir + 1, &how,
	    sizeof(how));
	if (fd == -1)
		return;
	for (i = 0; i < sandbox_protect_nroot; i++) {
		if (fstatat(fd, sandbox_protect_root_names[i], &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		/* A link is followed, hop by hop, by the supervisor. */
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			bind_ro(fd, sandbox_protect_root_names[i], dir);
	}
}

/*
 * In init, in the new tree before pivot_root: mask and protect what
 * exists (see the top of this file). root is the tree's root.
 */
void
sandbox_protect_mount(int root, const struct sandbox_spec *spec)
{
	struct walk		 w;
	char			*tops[PATH_MAX / 2];
	size_t			 n = 0, i;
	char *const		*p;

	if ((spec->mask == NULL || spec->mask[0] == NULL) && !spec->protect) {
		sandbox_protect_cache_detach();
		return;
	}
	peer_uid = spec->uid;
	peer_gid = spec->gid;
	memset(&w, 0, sizeof(w));
	w.root = root;
	w.mask = spec->mask;
	w.protect = spec->protect;
	w.empty = -1;
	w.maskhash = sandbox_protect_cache_maskhash(spec->mask);
	first_chars(&w);

	sandbox_fsid_set(peer_uid, peer_gid);
	if (spec->protect) {
		if (spec->cwd_mode != CWD_NONE)
			protect_root(root, spec->project);
		protect_root(root, spec->home);
	}
	/* The cwd, the read and the write paths; nested ones once. */
	if (spec->cwd_mode != CWD_NONE)
		tops[n++] = (char *)spec->project;
	for (p = spec->read; p != NULL && *p != NULL && n < nitems(tops); p++)
		tops[n++] = *p;
	for (p = spec->write; p != NULL && *p != NULL && n < nitems(tops); p++)
		tops[n++] = *p;
	for (i = 0; i < n; i++)
		if (!nested(tops[i], tops, n, i))
			walk_top(&w, tops[i]);
	if (spec->protect)
		sandbox_protect_git_apply(root, spec->home);
	sandbox_fsid_set(0, 0);
	if (w.empty >= 0)
		sandbox_mount_close_late(w.empty);
	sandbox_protect_cache_detach();
}
