/*
 * The sandbox's mount tree, built in its new mount namespace and entered
 * with pivot_root.
 *
 * Deny by default: an empty read-only tmpfs root holding read-only binds
 * of the system directories (/usr, /etc, the /bin and /lib links as
 * links), a minimal /dev with its own devpts, private tmpfs on /tmp,
 * /var/tmp, /run and /dev/shm, a /proc and /sys of the new namespaces, the
 * client's working directory per filesystem.cwd, the policy's read and
 * write paths, and last the deny_read masks. Nothing of /home, /root,
 * /srv or /var is there unless the policy names it.
 *
 * Paths are never resolved with root's rights through user-controlled
 * symlinks: the cwd arrives as an fd and is cloned with open_tree(), and
 * every mount target is opened with openat2(RESOLVE_NO_SYMLINKS |
 * RESOLVE_IN_ROOT) inside the new tree.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>

#include <linux/magic.h>
#include <linux/openat2.h>

#include <sys/fsuid.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/* Where the new root is attached before pivot_root; only in our ns. */
#define STAGING_DIR	"/tmp"

/* The peer, whose file system identity opens policy paths on the host. */
static uid_t	peer_uid;
static gid_t	peer_gid;

/*
 * The file system identity init last set and read back (fsid_known), so
 * that a switch to the identity already in force costs no system call:
 * the tree's binds switch between root and the peer about a hundred
 * times, four calls each. Anything else that changes it in init calls
 * sandbox_fsid_forget() (sandbox-home.c, sandbox-creds.c), and init
 * starts unknown (sandbox_mount_setup): greywalld's copy means nothing.
 */
static int	fsid_known;
static uid_t	fsid_uid;
static gid_t	fsid_gid;

void
sandbox_fsid_forget(void)
{
	fsid_known = 0;
}

/*
 * Switch the file system identity used for path lookups and creation.
 * setfsuid() reports no error, so read the result back and fail closed.
 */
void
sandbox_fsid_set(uid_t uid, gid_t gid)
{
	if (fsid_known && fsid_uid == uid && fsid_gid == gid)
		return;
	fsid_known = 0;
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid)
		sandbox_init_fail(0, "cannot switch the file system identity"
		    " to %u:%u", (unsigned)uid, (unsigned)gid);
	fsid_uid = uid;
	fsid_gid = gid;
	fsid_known = 1;
}

/* The current file system identity, to put back after a switch. */
static void
fsid_get(uid_t *uid, gid_t *gid)
{
	if (fsid_known) {
		*uid = fsid_uid;
		*gid = fsid_gid;
		return;
	}
	*uid = setfsuid(-1);
	*gid = setfsgid(-1);
}

static int
openat2_dir(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how	how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = resolve;
	return (syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

/*
 * Clone the mount the client's cwd fd sits on, in the daemon's (the
 * host's) mount namespace: the fd names the mount, so nothing is looked
 * up by path. The detached tree is attached inside the sandbox later.
 */
int
sandbox_mount_cwd_tree(int cwdfd)
{
	_cleanup_close_ int	 tree = -1;
	struct mount_attr	 attr;

	tree = open_tree(cwdfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree == -1)
		return (-1);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	attr.propagation = MS_PRIVATE;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
	    sizeof(attr)) == -1)
		return (-1);
	return (TAKE_FD(tree));
}

/*
 * The devices of the tmpfs mounts this sandbox created: the only places
 * where missing mount points may be made. Directories bound from the host
 * (the cwd, policy paths) must never gain a directory or file from us.
 */
static dev_t	own_dev[8];
static size_t	own_ndev;
/* The private home's tmpfs: what is made there is the peer's. */
static dev_t	home_dev;
static int	have_home_dev;

static void
own_add(int fd)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		sandbox_init_fail(errno, "stat a new mount");
	if (own_ndev < nitems(own_dev))
		own_dev[own_ndev++] = st.st_dev;
}

static int
own_is(int fd)
{
	struct stat	st;
	size_t		i;

	if (fstat(fd, &st) == -1)
		return (0);
	for (i = 0; i < own_ndev; i++)
		if (own_dev[i] == st.st_dev)
			return (1);
	return (0);
}

/*
 * Make a directory or an empty file on our own tmpfs, as root; on the
 * private home as the peer, so that ~/.config or ~/.cache made for a
 * mount point stays usable for the peer's own files.
 */
static int
own_create(int dir, const char *name, int file)
{
	struct stat	st;
	uid_t		ou;
	gid_t		og;
	int		r, saved_errno;

	fsid_get(&ou, &og);
	if (have_home_dev && fstat(dir, &st) == 0 && st.st_dev == home_dev)
		sandbox_fsid_set(peer_uid, peer_gid);
	else
		sandbox_fsid_set(0, 0);
	if (file)
		r = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0444);
	else
		r = mkdirat(dir, name, 0755);
	saved_errno = errno;
	sandbox_fsid_set(ou, og);
	errno = saved_errno;
	return (r);
}

/*
 * Open path (relative, below root) as a directory, creating missing
 * components, but only on the sandbox's own tmpfs mounts: a component
 * missing inside a host directory is an error (EROFS), never created.
 * With leaf set, the last component is made as an empty file instead.
 * Lookups run as the peer, who may pass its own 0700 directories where
 * root without CAP_DAC_* may not; creation on our tmpfs runs as root.
 */
static int	open_mkdir_beneath_as(int, const char *, int);

static int
open_mkdir_beneath_leaf(int root, const char *path, int leaf)
{
	uid_t	ou;
	gid_t	og;
	int	r, saved_errno;

	fsid_get(&ou, &og);
	sandbox_fsid_set(peer_uid, peer_gid);
	r = open_mkdir_beneath_as(root, path, leaf);
	saved_errno = errno;
	sandbox_fsid_set(ou, og);
	errno = saved_errno;
	return (r);
}

static int
open_mkdir_beneath_as(int root, const char *path, int leaf)
{
	char		 buf[PATH_MAX], *p, *slash;
	int		 dir = root, next, last, saved_errno;
	struct open_how	 how;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(buf, path);
	/* dir is root (the caller's, never closed here) or ours. */
	for (p = buf; *p != '\0'; p = slash) {
		if ((slash = strchr(p, '/')) != NULL)
			*slash++ = '\0';
		else
			slash = p + strlen(p);
		if (*p == '\0')
			continue;
		last = *slash == '\0';
		if (last && leaf) {
			memset(&how, 0, sizeof(how));
			how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
			how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
			next = syscall(SYS_openat2, dir, p, &how, sizeof(how));
			if (next == -1 && errno == ENOENT) {
				if (!own_is(dir)) {
					errno = EROFS;
					goto fail;
				}
				next = own_create(dir, p, 1);
			}
			if (next == -1)
				goto fail;
			if (dir != root)
				close(dir);
			return (next);
		}
		next = openat2_dir(dir, p, RESOLVE_NO_SYMLINKS |
		    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (next == -1 && errno == ENOENT) {
			if (!own_is(dir)) {
				errno = EROFS;
				goto fail;
			}
			if (own_create(dir, p, 0) == -1 && errno != EEXIST)
				goto fail;
			next = openat2_dir(dir, p, RESOLVE_NO_SYMLINKS |
			    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		}
		if (next == -1)
			goto fail;
		if (dir != root)
			close(dir);
		dir = next;
	}
	/* An empty path: root itself, as a new fd. */
	if (dir == root)
		return (fcntl(root, F_DUPFD_CLOEXEC, 3));
	return (dir);

fail:
	saved_errno = errno;
	if (dir != root)
		close(dir);
	errno = saved_errno;
	return (-1);
}

static int
open_mkdir_beneath(int root, const char *path)
{
	return (open_mkdir_beneath_leaf(root, path, 0));
}

/*
 * Mount a new filesystem instance of type at path below root. The mount
 * point is looked up as the peer, or as root (asroot) for the fixed
 * system ones (/tmp, /run, /dev, /proc ...), whose every component is in
 * the sandbox's own tmpfs: no host directory to pass, nothing of the
 * peer's, and no identity switch per component.
 */
static void
mount_fs_as(int root, const char *path, const char *type, const char *mode,
    unsigned int attrs, int asroot)
{
	_cleanup_close_ int	 fs = -1, mnt = -1, target = -1;

	if ((fs = fsopen(type, FSOPEN_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "mount %s on /%s: fsopen", type, path);
	if (mode != NULL &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) == -1)
		sandbox_init_fail(errno, "mount %s on /%s: mode", type, path);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1)
		sandbox_init_fail(errno, "mount %s on /%s: create", type, path);
	if ((mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs)) == -1)
		sandbox_init_fail(errno, "mount %s on /%s: fsmount", type,
		    path);
	target = asroot ? open_mkdir_beneath_as(root, path, 0) :
	    open_mkdir_beneath(root, path);
	if (target == -1)
		sandbox_init_fail(errno, "mount %s on /%s: open target", type,
		    path);
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "mount %s on /%s", type, path);
	if (strcmp(type, "tmpfs") == 0)
		own_add(mnt);
}

static void
mount_fs(int root, const char *path, const char *type, const char *mode,
    unsigned int attrs)
{
	mount_fs_as(root, path, type, mode, attrs, 0);
}

/* A fixed system mount point, in our own tmpfs: see mount_fs_as(). */
static void
mount_sys_fs(int root, const char *path, const char *type, const char *mode,
    unsigned int attrs)
{
	sandbox_fsid_set(0, 0);
	mount_fs_as(root, path, type, mode, attrs, 1);
}

/*
 * Bind host path src (absolute, a system path or a policy path already
 * expanded) at the same place in the new root. The source is opened
 * without following symlinks, with the peer's file system identity
 * unless asroot is set (system paths); the target is made only on our own
 * tmpfs. Returns 0, or -1 with errno when src does not exist.
 */
static int
bind_path(int root, const char *src, unsigned int attrs, int asroot)
{
	_cleanup_close_ int	 sfd = -1, tree = -1, target = -1;
	struct mount_attr	 attr;
	struct open_how		 how;
	struct stat		 st;
	int			 saved_errno;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	if (!asroot)
		sandbox_fsid_set(peer_uid, peer_gid);
	sfd = syscall(SYS_openat2, AT_FDCWD, src, &how, sizeof(how));
	if (!asroot) {
		saved_errno = errno;
		sandbox_fsid_set(0, 0);
		errno = saved_errno;
	}
	if (sfd == -1)
		return (-1);
	if (fstat(sfd, &st) == -1)
		sandbox_init_fail(errno, "stat '%s'", src);
	/* O_PATH|O_NOFOLLOW opened the link itself: refuse it too. */
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return (-1);
	}
	tree = open_tree(sfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree == -1)
		sandbox_init_fail(errno, "bind '%s'", src);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = attrs;
	attr.propagation = MS_PRIVATE;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
	    sizeof(attr)) == -1)
		sandbox_init_fail(errno, "bind '%s': mount flags", src);
	/*
	 * A system path's mount point is in our own tmpfs (the root, /dev):
	 * nothing of the peer's to pass, so no switch to the peer.
	 */
	if (asroot)
		target = open_mkdir_beneath_as(root, src + 1,
		    !S_ISDIR(st.st_mode));
	else
		target = open_mkdir_beneath_leaf(root, src + 1,
		    !S_ISDIR(st.st_mode));
	if (target == -1)
		sandbox_init_fail(errno, "bind '%s': make its mount point",
		    src);
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "bind '%s'", src);
	return (0);
}

/*
 * Attach the cloned cwd tree at its own path inside the new root,
 * read-only for filesystem.cwd: ro. For cwd: none an empty read-only
 * tmpfs takes its place, so the command starts in a directory with
 * nothing of the project in it.
 */
static void
mount_cwd(int root, const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 target = -1;
	struct mount_attr	 attr;

	if (spec->cwd_mode == CWD_NONE) {
		if ((target = open_mkdir_beneath(root, spec->cwd + 1)) == -1)
			sandbox_init_fail(errno, "hide the working directory"
			    " '%s'", spec->cwd);
		close(target);
		target = -1;
		mount_fs(root, spec->cwd + 1, "tmpfs", "0555",
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
		return;
	}
	if (spec->cwd_mode == CWD_RO) {
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = MOUNT_ATTR_RDONLY;
		if (mount_setattr(spec->cwdtree, "", AT_EMPTY_PATH |
		    AT_RECURSIVE, &attr, sizeof(attr)) == -1)
			sandbox_init_fail(errno, "make the working directory"
			    " '%s' read-only", spec->cwd);
	}
	target = open_mkdir_beneath(root, spec->project + 1);
	if (target == -1)
		sandbox_init_fail(errno, "bind the working directory '%s'",
		    spec->project);
	if (move_mount(spec->cwdtree, "", target, "",
	    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "bind the working directory '%s'",
		    spec->project);
}

/*
 * filesystem.review: the project's top, just bound, gets the overlay on
 * top (sandbox-review.c). The working directory is checked against the
 * client's here, while the real one is still what the path shows.
 */
static void
mount_review(int root, const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 top = -1, dir = -1;
	struct stat		 want, got;
	uid_t			 ou;
	gid_t			 og;

	fsid_get(&ou, &og);
	sandbox_fsid_set(peer_uid, peer_gid);
	top = openat2_dir(root, spec->project + 1, RESOLVE_NO_SYMLINKS |
	    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	dir = openat2_dir(root, spec->cwd + 1, RESOLVE_NO_SYMLINKS |
	    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	sandbox_fsid_set(ou, og);
	if (top == -1 || dir == -1)
		sandbox_init_fail(errno, "filesystem.review: open the project"
		    " '%s'", spec->project);
	if (fstat(spec->fds[GW_FD_CWD], &want) == -1 || fstat(dir, &got) == -1)
		sandbox_init_fail(errno, "stat the working directory");
	if (want.st_dev != got.st_dev || want.st_ino != got.st_ino)
		sandbox_init_fail(0, "the working directory '%s' changed"
		    " while the sandbox was built", spec->cwd);
	sandbox_review_mount(top, spec);
}

/*
 * Enter the working directory inside the new root and check it is the
 * very directory the client sent, not something a rename put there.
 */
static void
enter_cwd(const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 dir = -1;
	struct stat		 want, got;

	if (fstat(spec->fds[GW_FD_CWD], &want) == -1)
		sandbox_init_fail(errno, "stat the working directory");
	dir = openat2_dir(AT_FDCWD, spec->cwd, RESOLVE_NO_SYMLINKS);
	if (dir == -1 || fstat(dir, &got) == -1)
		sandbox_init_fail(errno, "open the working directory '%s'",
		    spec->cwd);
	/* Under review the overlay's ids are not the host's: checked above. */
	if (spec->cwd_mode != CWD_NONE && spec->review_upper < 0 &&
	    (want.st_dev != got.st_dev || want.st_ino != got.st_ino))
		sandbox_init_fail(0, "the working directory '%s' changed"
		    " while the sandbox was built", spec->cwd);
	if (fchdir(dir) == -1)
		sandbox_init_fail(errno, "enter the working directory '%s'",
		    spec->cwd);
}

/*
 * Cover greywalld's policy directory with an empty read-only tmpfs: the
 * policy is none of the sandbox's business. A directory the user cannot
 * reach anyway is left alone.
 */
static void
hide_policy_dir(int root, const char *dir)
{
	_cleanup_close_ int	fd = -1;

	if (dir[0] != '/' || dir[1] == '\0')
		sandbox_init_fail(0, "policy directory '%s' is not an absolute"
		    " path below /", dir);
	fd = openat2_dir(root, dir + 1, RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT);
	if (fd == -1 && (errno == EACCES || errno == ENOENT))
		return;
	if (fd == -1)
		sandbox_init_fail(errno, "hide the policy directory '%s'",
		    dir);
	mount_fs(root, dir + 1, "tmpfs", "0555", MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* System directories bound read-only; symlinks (merged /usr) kept as such. */
static const char *const system_paths[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/opt",
};

/* Host devices a sandbox gets, bound into its own /dev. */
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

/* The two lists above, for sandbox-landlock.c; NULL past the end. */
const char *
sandbox_mount_system_path(size_t i)
{
	return (i < nitems(system_paths) ? system_paths[i] : NULL);
}

const char *
sandbox_mount_dev_node(size_t i)
{
	return (i < nitems(dev_nodes) ? dev_nodes[i] : NULL);
}

/*
 * Closing the last fd of a detached mount (an fsmount() or open_tree()
 * clone not moved anywhere) dissolves it, and the kernel then waits for
 * an RCU grace period: about as long as the rest of the tree takes to
 * build. Init keeps such fds (close-on-exec, closed in the command's
 * child) until it exits, after greywalld has told gw how the command
 * ended.
 */
void
sandbox_mount_close_late(int fd)
{
	static int	late[8];
	static size_t	nlate;

	if (fd < 0)
		return;
	if (nlate < nitems(late))
		late[nlate++] = fd;
	else
		close(fd);
}

static void
mount_system(int root)
{
	char		link[PATH_MAX];
	struct stat	st;
	ssize_t		n;
	size_t		i;

	for (i = 0; i < nitems(system_paths); i++) {
		if (lstat(system_paths[i], &st) == -1) {
			if (errno == ENOENT)
				continue;
			sandbox_init_fail(errno, "stat '%s'", system_paths[i]);
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlink(system_paths[i], link, sizeof(link) - 1);
			if (n == -1)
				sandbox_init_fail(errno, "readlink '%s'",
				    system_paths[i]);
			link[n] = '\0';
			if (symlinkat(link, root, system_paths[i] + 1) == -1)
				sandbox_init_fail(errno, "symlink '%s'",
				    system_paths[i]);
			continue;
		}
		if (bind_path(root, system_paths[i], MOUNT_ATTR_RDONLY |
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 1) == -1)
			sandbox_init_fail(errno, "bind '%s'", system_paths[i]);
	}
}

/* A minimal /dev: a few host devices, a devpts of its own, /dev/shm. */
static void
mount_dev(int root, gid_t tty_gid)
{
	_cleanup_close_ int	 fs = -1, mnt = -1, target = -1;
	char			 path[64], gid[16];
	size_t			 i;

	mount_sys_fs(root, "dev", "tmpfs", "0755", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NOEXEC);
	for (i = 0; i < nitems(dev_nodes); i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		if (bind_path(root, path, MOUNT_ATTR_NOSUID |
		    MOUNT_ATTR_NOEXEC, 1) == -1)
			sandbox_init_fail(errno, "bind '%s'", path);
	}
	/*
	 * A new devpts instance: the host's terminals are not in it. Its
	 * ptys are the opener's, group tty, 0620, as on the host.
	 */
	snprintf(gid, sizeof(gid), "%u", (unsigned)tty_gid);
	if ((fs = fsopen("devpts", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) == -1 ||
	    (tty_gid != (gid_t)-1 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "gid", gid, 0) == -1) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NOEXEC)) == -1)
		sandbox_init_fail(errno, "mount devpts on /dev/pts");
	if ((target = open_mkdir_beneath_as(root, "dev/pts", 0)) == -1 ||
	    move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "mount devpts on /dev/pts");
	if (symlinkat("pts/ptmx", root, "dev/ptmx") == -1 ||
	    symlinkat("/proc/self/fd", root, "dev/fd") == -1 ||
	    symlinkat("/proc/self/fd/0", root, "dev/stdin") == -1 ||
	    symlinkat("/proc/self/fd/1", root, "dev/stdout") == -1 ||
	    symlinkat("/proc/self/fd/2", root, "dev/stderr") == -1)
		sandbox_init_fail(errno, "populate /dev");
	mount_sys_fs(root, "dev/shm", "tmpfs", "1777", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
}

/* One bind of the working directory or a policy path, in mount order. */
enum bind_kind {
	BIND_HOME,		/* the private or read-only home: first */
	BIND_WRITE,		/* same depth: first, so it is covered */
	BIND_CWD,
	BIND_READ,		/* last, so the narrower read-only one wins */
};

struct bind {
	const char	*path;
	enum bind_kind	 kind;
	size_t		 depth;
	size_t		 index;
};

static int
bind_cmp(const void *a, const void *b)
{
	const struct bind	*x = a, *y = b;

	if (x->depth != y->depth)
		return (x->depth < y->depth ? -1 : 1);
	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	return (x->index < y->index ? -1 : x->index > y->index);
}

static size_t
path_depth(const char *p)
{
	size_t	n = 0;

	for (; *p != '\0'; p++)
		if (*p == '/')
			n++;
	return (n);
}

static size_t
binds_add(struct bind *v, size_t n, char *const *paths, enum bind_kind kind)
{
	for (; paths != NULL && *paths != NULL; paths++) {
		v[n].path = *paths;
		v[n].kind = kind;
		v[n].depth = path_depth(*paths);
		v[n].index = n;
		n++;
	}
	return (n);
}

static size_t
paths_count(char *const *paths)
{
	size_t	n = 0;

	while (paths != NULL && paths[n] != NULL)
		n++;
	return (n);
}

/*
 * Files of the real home bound read-only into the private home: git's
 * identity and settings, nothing that holds a token (greywall-policy(5)).
 * One on the deny_read list, a symlink, or one the peer cannot read is
 * left out.
 */
static const char *const home_files[] = {
	".gitconfig",
	".config/git/config",
	".config/git/ignore",
	".config/git/attributes",
};

/* The list above, for gw exec -d; NULL past the end. */
const char *
sandbox_mount_home_file(size_t i)
{
	return (i < nitems(home_files) ? home_files[i] : NULL);
}

/* Whether path is, or is below, one of paths. */
static int
path_below_any(const char *path, char *const *paths)
{
	size_t	l;

	for (; paths != NULL && *paths != NULL; paths++) {
		l = strlen(*paths);
		if (strncmp(path, *paths, l) == 0 &&
		    (path[l] == '\0' || path[l] == '/' || l == 1))
			return (1);
	}
	return (0);
}

/* The "file:line" a write path came from, for messages. */
static const char *
write_src(const struct sandbox_spec *spec, const char *path)
{
	size_t	i;

	for (i = 0; spec->write != NULL && spec->write[i] != NULL; i++)
		if (strcmp(spec->write[i], path) == 0 &&
		    spec->write_src != NULL && spec->write_src[i] != NULL)
			return (spec->write_src[i]);
	return ("the policy");
}

/*
 * Create the missing directories of path (absolute, strictly below home)
 * on the host, as the peer, mode 0700, never through a symlink. Returns
 * 0, or -1 with errno (ENOENT when path is not below home).
 */
static int
home_mkdirs(const char *home, const char *path)
{
	_cleanup_close_ int	 dir = -1;
	char			 buf[PATH_MAX], *p, *slash;
	size_t			 l = strlen(home);
	int			 next, saved_errno, r = -1;

	if (home[0] != '/' || home[1] == '\0' || strncmp(path, home, l) != 0 ||
	    path[l] != '/' || strlen(path + l + 1) >= sizeof(buf)) {
		errno = ENOENT;
		return (-1);
	}
	strcpy(buf, path + l + 1);
	sandbox_fsid_set(peer_uid, peer_gid);
	if ((dir = openat2_dir(AT_FDCWD, home, RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS)) == -1)
		goto out;
	for (p = buf; *p != '\0'; p = slash) {
		if ((slash = strchr(p, '/')) != NULL)
			*slash++ = '\0';
		else
			slash = p + strlen(p);
		if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			continue;
		if (mkdirat(dir, p, 0700) == -1 && errno != EEXIST)
			goto out;
		next = openat2_dir(dir, p, RESOLVE_NO_SYMLINKS |
		    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (next == -1)
			goto out;
		close(dir);
		dir = next;
	}
	r = 0;
out:
	saved_errno = errno;
	sandbox_fsid_set(0, 0);
	errno = saved_errno;
	return (r);
}

/*
 * The name of a cache's directory in the store: its path below the home
 * with '%' as "%25" and '/' as "%2F", so one flat directory holds them.
 */
static int
cache_name(const char *home, const char *path, char *out, size_t len)
{
	size_t	l = strlen(home), o = 0;
	const char *p;

	if (strncmp(path, home, l) != 0 || path[l] != '/' ||
	    path[l + 1] == '\0')
		return (-1);
	for (p = path + l + 1; *p != '\0'; p++) {
		if (o + 4 > len)
			return (-1);
		if (*p == '/' || *p == '%')
			o += snprintf(out + o, len - o, "%%%02X",
			    (unsigned char)*p);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	return (o > 0 && o < NAME_MAX ? 0 : -1);
}

/* Open dir/name as a directory, as the peer, making it 0700 if missing. */
static int
store_dir(int dir, const char *name)
{
	int	fd;

	fd = openat2_dir(dir, name, RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
	    RESOLVE_NO_MAGICLINKS);
	if (fd == -1 && errno == ENOENT) {
		if (mkdirat(dir, name, 0700) == -1 && errno != EEXIST)
			return (-1);
		fd = openat2_dir(dir, name, RESOLVE_NO_SYMLINKS |
		    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	}
	return (fd);
}

/*
 * caches.paths: each a directory of the peer's own in greywall's store,
 * bound at its place in the private home. Everything in the store is
 * opened as the peer, below the store's fd, without symlinks.
 */
static void
mount_caches(int root, const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 caches = -1, store = -1;
	struct mount_attr	 attr;
	struct stat		 want, got;
	char			 name[NAME_MAX + 1];
	char *const		*p;
	int			 fd, tree, target;

	if (spec->storefd < 0 || spec->caches == NULL ||
	    spec->caches[0] == NULL)
		return;
	/*
	 * The fd greywalld opened names a mount of the host's namespace,
	 * which open_tree() cannot clone here: open the same directory in
	 * ours, as the peer, and check it is the one greywalld made.
	 */
	sandbox_fsid_set(peer_uid, peer_gid);
	store = openat2_dir(AT_FDCWD, spec->store_path, RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS);
	if (store == -1 || fstat(store, &got) == -1 ||
	    fstat(spec->storefd, &want) == -1)
		sandbox_init_fail(errno, "caches: open the store '%s'",
		    spec->store_path);
	if (got.st_dev != want.st_dev || got.st_ino != want.st_ino)
		sandbox_init_fail(0, "caches: the store '%s' changed",
		    spec->store_path);
	if ((caches = store_dir(store, "caches")) == -1)
		sandbox_init_fail(errno, "caches: open the store");
	for (p = spec->caches; *p != NULL; p++) {
		if (cache_name(spec->home, *p, name, sizeof(name)) == -1)
			sandbox_init_fail(EINVAL, "caches.paths entry '%s' is"
			    " not below the home directory", *p);
		if ((fd = store_dir(caches, name)) == -1)
			sandbox_init_fail(errno, "caches: open '%s' in the"
			    " store", name);
		tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
		    AT_EMPTY_PATH);
		close(fd);
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		attr.propagation = MS_PRIVATE;
		if (tree == -1 || mount_setattr(tree, "", AT_EMPTY_PATH,
		    &attr, sizeof(attr)) == -1)
			sandbox_init_fail(errno, "caches: bind '%s'", *p);
		if ((target = open_mkdir_beneath(root, *p + 1)) == -1 ||
		    move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
		    MOVE_MOUNT_T_EMPTY_PATH) == -1)
			sandbox_init_fail(errno, "caches: bind '%s'", *p);
		close(target);
		close(tree);
	}
	sandbox_fsid_set(0, 0);
}

/*
 * The home directory: with filesystem.home: private a tmpfs of the
 * peer's (0700), discarded with the sandbox, holding read-only binds of
 * home_files[] and the caches; with readonly an empty read-only one.
 */
static void
mount_home(int root, const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 fs = -1, mnt = -1, target = -1;
	struct stat		 st;
	char			 uid[16], gid[16], path[PATH_MAX];
	size_t			 i;

	/*
	 * An empty directory of the root tmpfs, read-only with it, which
	 * mount points below it (the cwd) can still be made in.
	 */
	if (spec->home_mode == HOME_READONLY) {
		if ((target = open_mkdir_beneath(root, spec->home + 1)) == -1)
			sandbox_init_fail(errno, "filesystem.home: make '%s'",
			    spec->home);
		return;
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)peer_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)peer_gid);
	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "uid", uid, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "gid", gid, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV)) == -1)
		sandbox_init_fail(errno, "filesystem.home: a private home for"
		    " '%s'", spec->home);
	if ((target = open_mkdir_beneath(root, spec->home + 1)) == -1 ||
	    move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "filesystem.home: mount it on '%s'",
		    spec->home);
	if (fstat(mnt, &st) == -1)
		sandbox_init_fail(errno, "filesystem.home: stat");
	own_add(mnt);
	home_dev = st.st_dev;
	have_home_dev = 1;
	for (i = 0; i < nitems(home_files); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", spec->home,
		    home_files[i]) >= sizeof(path) ||
		    path_below_any(path, spec->deny_read))
			continue;
		/* Missing, unreadable or a symlink: not there. */
		if (bind_path(root, path, MOUNT_ATTR_RDONLY |
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		    0) == -1 && errno != ENOENT && errno != EACCES &&
		    errno != ELOOP && errno != ENOTDIR)
			sandbox_init_fail(errno, "filesystem.home: bind '%s'",
			    path);
	}
	mount_caches(root, spec);
}

/*
 * The working directory and the policy's read (read-only) and write
 * (read/write) paths, outermost first, so a path inside another is
 * mounted on top of it and keeps its own mode: a read path inside a write
 * path stays read-only, and a write path around the working directory
 * does not undo filesystem.cwd. A missing read path has nothing to show
 * and is skipped; a missing write path is an error, as is any path that
 * goes through a symlink.
 */
static void
mount_binds(int root, const struct sandbox_spec *spec)
{
	_cleanup_free_ struct bind	*v = NULL;
	unsigned int			 attrs;
	size_t				 n = 0, i;
	char				*cwd[2], *home[2];

	cwd[0] = (char *)spec->project;
	cwd[1] = NULL;
	home[0] = (char *)spec->home;
	home[1] = NULL;
	v = calloc(paths_count(spec->read) + paths_count(spec->write) + 2,
	    sizeof(*v));
	if (v == NULL)
		sandbox_init_fail(errno, "bind list");
	if (spec->home_mode != HOME_NONE && home[0][0] == '/' &&
	    home[0][1] != '\0')
		n = binds_add(v, n, home, BIND_HOME);
	n = binds_add(v, n, cwd, BIND_CWD);
	n = binds_add(v, n, spec->read, BIND_READ);
	n = binds_add(v, n, spec->write, BIND_WRITE);
	qsort(v, n, sizeof(*v), bind_cmp);

	for (i = 0; i < n; i++) {
		if (v[i].kind == BIND_HOME) {
			mount_home(root, spec);
			continue;
		}
		if (v[i].kind == BIND_CWD) {
			/* "/" (filesystem.allow_cwd: root): the tree's own. */
			if (strcmp(spec->cwd, "/") != 0)
				mount_cwd(root, spec);
			if (spec->review_upper >= 0)
				mount_review(root, spec);
			continue;
		}
		attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		if (v[i].kind == BIND_READ)
			attrs |= MOUNT_ATTR_RDONLY;
		if (bind_path(root, v[i].path, attrs, 0) == 0)
			continue;
		if (errno == ENOENT && v[i].kind == BIND_READ)
			continue;
		/* A missing write path in the home: made, as the peer. */
		if (errno == ENOENT && v[i].kind == BIND_WRITE &&
		    home_mkdirs(spec->home, v[i].path) == 0 &&
		    bind_path(root, v[i].path, attrs, 0) == 0)
			continue;
		if (errno == ENOENT && v[i].kind == BIND_WRITE)
			sandbox_init_fail(0, "filesystem.write path '%s' (%s)"
			    " does not exist: create it, or remove it from"
			    " that policy file", v[i].path,
			    write_src(spec, v[i].path));
		sandbox_init_fail(errno, "filesystem.%s path '%s'%s",
		    v[i].kind == BIND_WRITE ? "write" : "read", v[i].path,
		    errno == ELOOP ? " goes through a symlink" : "");
	}
}

/*
 * Open a deny_read or deny_write path in the new tree, as the peer and
 * without following symlinks. Returns the fd, or -1 with errno ENOENT or
 * EACCES when the path is not there for the peer; a path that is or goes
 * through a symlink fails the sandbox, since what it points to might be
 * reachable another way.
 */
static int
open_deny_target(int root, const char *path, const char *key,
    struct stat *st)
{
	struct open_how	how;
	int		fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT;
	fd = syscall(SYS_openat2, root, path + 1, &how, sizeof(how));
	if (fd == -1 && (errno == ENOENT || errno == EACCES))
		return (-1);
	if (fd == -1 || fstat(fd, st) == -1)
		sandbox_init_fail(errno, "filesystem.%s path '%s'%s", key, path,
		    errno == ELOOP ? " goes through a symlink" : "");
	if (S_ISLNK(st->st_mode))
		sandbox_init_fail(0, "filesystem.%s path '%s' is a symlink",
		    key, path);
	return (fd);
}

/*
 * deny_read, applied after every bind so nothing re-exposes it: an empty
 * read-only tmpfs over a directory, an empty mode-0000 file over a file.
 * Paths are looked up as the peer: one the peer cannot reach, or that is
 * not in the tree, has nothing to hide; one that goes through a symlink
 * is refused, since its target might be visible elsewhere.
 */
static void
mount_deny_read(int root, char *const *paths)
{
	_cleanup_close_ int	 fs = -1, empty = -1, efile = -1;
	struct mount_attr	 attr;
	struct stat		 st;
	int			 fd, tree;

	if (paths == NULL || *paths == NULL)
		return;
	/* One empty, unreadable, root-owned file serves every mask. */
	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (empty = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) == -1 ||
	    (efile = openat(empty, "denied", O_RDONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0)) == -1)
		sandbox_init_fail(errno, "deny_read: make the empty file");
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY;
	if (mount_setattr(empty, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == -1)
		sandbox_init_fail(errno, "deny_read: make it read-only");

	sandbox_fsid_set(peer_uid, peer_gid);
	for (; *paths != NULL; paths++) {
		if ((fd = open_deny_target(root, *paths, "deny_read",
		    &st)) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			mount_fs(root, *paths + 1, "tmpfs", "0555",
			    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			continue;
		}
		tree = open_tree(empty, "denied", OPEN_TREE_CLONE |
		    OPEN_TREE_CLOEXEC);
		if (tree == -1 || move_mount(tree, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
			sandbox_init_fail(errno, "filesystem.deny_read path"
			    " '%s'", *paths);
		close(tree);
		close(fd);
	}
	sandbox_fsid_set(0, 0);
}

/*
 * Whether the peer could create path: its nearest existing ancestor in
 * the new tree is on a writable mount and writable for the peer. Runs
 * with the peer's file system identity.
 */
static int
creatable(int root, const char *path)
{
	char		 buf[PATH_MAX], *slash;
	struct statvfs	 sv;
	int		 fd, r;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		if ((slash = strrchr(buf, '/')) == NULL || slash == buf)
			strcpy(buf, "/");
		else
			*slash = '\0';
		fd = openat2_dir(root, buf[1] == '\0' ? "." : buf + 1,
		    RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT);
		if (fd != -1)
			break;
		if (errno != ENOENT)
			return (errno != EACCES);
		if (strcmp(buf, "/") == 0)
			return (0);
	}
	r = fstatvfs(fd, &sv) == 0 && !(sv.f_flag & ST_RDONLY) &&
	    faccessat(fd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) == 0;
	close(fd);
	return (r);
}

/*
 * Bind what fd (an O_PATH fd in the new tree) names read-only onto
 * itself, with everything below it. Returns 0, or -1 with errno.
 */
int
sandbox_mount_ro_self(int fd)
{
	_cleanup_close_ int	 tree = -1;
	struct mount_attr	 attr;

	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_EMPTY_PATH | AT_RECURSIVE);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY;
	if (tree == -1 || mount_setattr(tree, "", AT_EMPTY_PATH |
	    AT_RECURSIVE, &attr, sizeof(attr)) == -1 ||
	    move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		return (-1);
	return (0);
}

/*
 * deny_write, after the binds and before deny_read: an existing path is
 * bound onto itself read-only, so nothing beneath it can be changed. A
 * path that does not exist yet where the peer could create it cannot be
 * protected by this version (that needs Landlock), so the sandbox is
 * refused rather than started without the rule.
 */
static void
mount_deny_write(int root, char *const *paths)
{
	struct stat		 st;
	int			 fd;

	if (paths == NULL || *paths == NULL)
		return;
	sandbox_fsid_set(peer_uid, peer_gid);
	for (; *paths != NULL; paths++) {
		fd = open_deny_target(root, *paths, "deny_write", &st);
		if (fd == -1 && errno == ENOENT && creatable(root, *paths))
			sandbox_init_fail(0, "filesystem.deny_write path '%s'"
			    " does not exist yet in a writable directory, where"
			    " this version cannot keep it from being created",
			    *paths);
		if (fd == -1)
			continue;
		if (sandbox_mount_ro_self(fd) == -1)
			sandbox_init_fail(errno, "filesystem.deny_write path"
			    " '%s'", *paths);
		close(fd);
	}
	sandbox_fsid_set(0, 0);
}

/*
 * A small detached tmpfs that holds the files the sandbox gets in place
 * of the host's /etc ones.
 */
static int
etc_files_tmpfs(void)
{
	_cleanup_close_ int	 fs = -1;
	int			 mnt;

	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) == -1)
		sandbox_init_fail(errno, "create the tmpfs for /etc files");
	return (mnt);
}

/*
 * Replace /etc/NAME in the new root by a read-only file holding text,
 * made on mnt (etc_files_tmpfs) and bound over the host's. When the
 * host's is a link (systemd-resolved's resolv.conf points into /run), the
 * file goes where the link points, which is then on the sandbox's own
 * /run.
 */
static void
mount_etc_file(int root, int mnt, const char *name, const char *text,
    size_t len)
{
	_cleanup_close_ int	 fd = -1, file = -1, target = -1;
	struct mount_attr	 attr;
	struct stat		 st;
	char			 link[PATH_MAX - 16], path[PATH_MAX];
	ssize_t			 n;

	if ((fd = openat(mnt, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || write(fd, text, len) != (ssize_t)len)
		sandbox_init_fail(errno, "/etc/%s: write it", name);
	if ((file = open_tree(mnt, name, OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "/etc/%s: clone it", name);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY;
	if (mount_setattr(file, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == -1)
		sandbox_init_fail(errno, "/etc/%s: make it read-only", name);

	snprintf(path, sizeof(path), "etc/%s", name);
	target = open_mkdir_beneath_leaf(root, path, 1);
	if (target != -1 && fstat(target, &st) == 0 && S_ISLNK(st.st_mode)) {
		n = readlinkat(target, "", link, sizeof(link) - 1);
		if (n <= 0)
			sandbox_init_fail(errno, "readlink /etc/%s", name);
		link[n] = '\0';
		if (link[0] == '/')
			snprintf(path, sizeof(path), "%s", link + 1);
		else
			snprintf(path, sizeof(path), "etc/%s", link);
		close(target);
		target = open_mkdir_beneath_leaf(root, path, 1);
		if (target != -1 && fstat(target, &st) == 0 &&
		    !S_ISREG(st.st_mode)) {
			errno = ELOOP;
			close(target);
			target = -1;
		}
	}
	if (target == -1)
		sandbox_init_fail(errno, "place the sandbox's /etc/%s at"
		    " '/%s'", name, path);
	if (move_mount(file, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "bind the sandbox's /etc/%s on '/%s'",
		    name, path);
}

/* The sandbox's only resolver is its netstack. */
static void
mount_resolv(int root, int mnt)
{
	char	text[256], addr[INET_ADDRSTRLEN];
	uint8_t	a[4];
	int	len;

	net_addr_fakeip_infra(FAKEIP_RESOLVER, AF_INET, a);
	inet_ntop(AF_INET, a, addr, sizeof(addr));
	len = snprintf(text, sizeof(text), "# greywall: the sandbox's only"
	    " resolver is its netstack.\nnameserver %s\n", addr);
	mount_etc_file(root, mnt, "resolv.conf", text, len);
}

/*
 * The host's /etc/hosts (root's, read before the pivot) with the
 * sandbox's own host name added, so that a lookup of it stays local,
 * and with a network SANDBOX_HOST_NAME: the address at which the
 * netstack reaches the host's 127.0.0.1, on the ports of
 * network.host_loopback.allow_ports.
 */
static void
mount_hosts(int root, int mnt, int net)
{
	char			 host[128], addr[INET_ADDRSTRLEN];
	uint8_t			 a[4];
	int			 hlen = 0;
	_cleanup_free_ char	*text = NULL;
	_cleanup_close_ int	 fd = -1;
	static const char	 self[] = "\n# greywall: the sandbox's own"
	    " name\n127.0.1.1\t" SANDBOX_HOSTNAME "\n::1\t" SANDBOX_HOSTNAME
	    "\n";
	struct stat		 st;
	size_t			 len = 0, max = 256 * 1024;
	ssize_t			 n;

	if (net) {
		net_addr_fakeip_infra(FAKEIP_HOST, AF_INET, a);
		inet_ntop(AF_INET, a, addr, sizeof(addr));
		hlen = snprintf(host, sizeof(host), "# greywall: the host's"
		    " loopback\n%s\t" SANDBOX_HOST_NAME "\n", addr);
	}
	/* Sized to the file: a 256 KiB buffer would be a mapping of its own. */
	if ((fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) != -1 &&
	    fstat(fd, &st) == 0 && st.st_size < (off_t)max)
		max = st.st_size;
	if ((text = malloc(max + sizeof(self) + sizeof(host))) == NULL)
		sandbox_init_fail(ENOMEM, "/etc/hosts");
	if (fd != -1)
		while (len < max &&
		    (n = read(fd, text + len, max - len)) > 0)
			len += n;
	memcpy(text + len, self, sizeof(self) - 1);
	len += sizeof(self) - 1;
	memcpy(text + len, host, hlen);
	len += hlen;
	mount_etc_file(root, mnt, "hosts", text, len);
}

/*
 * The part of the tree every sandbox with network gets alike, with no
 * request in it: an empty tmpfs root at STAGING_DIR, the system binds,
 * /tmp, /var/tmp, /run, /dev and the sysfs of the current network
 * namespace. Returns the root. In init, or ahead in the preparer
 * (netns-pool.c), in a new mount namespace either way.
 */
static int
mount_base(gid_t tty_gid, int net)
{
	int			 etc;
	_cleanup_close_ int	 fs = -1;
	int			 root;

	sandbox_fsid_forget();
	sandbox_fsid_set(0, 0);
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		sandbox_init_fail(errno, "make mounts private");

	/* Deny by default: an empty tmpfs root, then only what is allowed. */
	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (root = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV)) == -1)
		sandbox_init_fail(errno, "create the root tmpfs");
	if (move_mount(root, "", AT_FDCWD, STAGING_DIR,
	    MOVE_MOUNT_F_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "attach the new root");
	own_add(root);

	mount_system(root);
	mount_sys_fs(root, "tmp", "tmpfs", "1777", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_sys_fs(root, "var/tmp", "tmpfs", "1777", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_sys_fs(root, "run", "tmpfs", "0755", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_dev(root, tty_gid);
	/* A sysfs of the new net namespace: the host's interfaces vanish. */
	mount_sys_fs(root, "sys", "sysfs", NULL, MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	/*
	 * The same for every sandbox (with network): its resolver, and the
	 * host's /etc/hosts with its own names. A prepared set holds the
	 * hosts file as it was: greywalld discards the pool when it changes.
	 */
	etc = etc_files_tmpfs();
	if (net)
		mount_resolv(root, etc);
	mount_hosts(root, etc, net);
	sandbox_mount_close_late(etc);
	return (root);
}

/* Our own tmpfs mounts of mount_base(), below its root. */
static const char *const base_tmpfs[] = {
	"tmp", "var/tmp", "run", "dev", "dev/shm",
};

/*
 * The preparer, as root, in its new mount and network namespaces: the
 * base of a tree, for a sandbox's init to join (mount_base_join()).
 */
void
sandbox_mount_prepare(gid_t tty_gid)
{
	close(mount_base(tty_gid, 1));
}

/*
 * Init joined a prepared mount namespace: its root at STAGING_DIR, which
 * must be a tmpfs (the preparer's root, nothing else), and which of the
 * mounts below are our own.
 */
static int
mount_base_join(void)
{
	struct open_how	 how;
	struct statfs	 sfs;
	size_t		 i;
	int		 root, fd;

	if ((root = open(STAGING_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstatfs(root, &sfs) == -1)
		sandbox_init_fail(errno, "open the prepared root");
	if (sfs.f_type != TMPFS_MAGIC)
		sandbox_init_fail(EINVAL, "the prepared root is no tmpfs");
	own_add(root);
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	for (i = 0; i < nitems(base_tmpfs); i++) {
		if ((fd = syscall(SYS_openat2, root, base_tmpfs[i], &how,
		    sizeof(how))) == -1)
			sandbox_init_fail(errno, "open the prepared /%s",
			    base_tmpfs[i]);
		own_add(fd);
		close(fd);
	}
	return (root);
}

void
sandbox_mount_setup(const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 root = -1;
	struct mount_attr	 attr;

	peer_uid = spec->uid;
	peer_gid = spec->gid;
	/* Our own tmpfs is root's; host sources are opened as the peer. */
	if (spec->tree_prepared) {
		sandbox_fsid_forget();
		sandbox_fsid_set(0, 0);
		root = mount_base_join();
	} else
		root = mount_base(spec->tty_gid, spec->net_slot > 0);
	sandbox_mark(spec->marks, MARK_MNT_BASE);
	mount_sys_fs(root, "proc", "proc", NULL, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	sandbox_mark(spec->marks, MARK_MNT_SYSTEM);
	mount_binds(root, spec);
	/* After every bind, so that none can re-expose what these hide. */
	hide_policy_dir(root, spec->policy_dir);
	mount_deny_write(root, spec->deny_write);
	sandbox_mark(spec->marks, MARK_MNT_BINDS);
	/* Masks and protected paths; deny_read still goes on top. */
	sandbox_protect_mount(root, spec);
	sandbox_mark(spec->marks, MARK_MNT_PROTECT);
	mount_deny_read(root, spec->deny_read);

	/* Every mount point exists now: the root itself becomes read-only. */
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY;
	if (mount_setattr(root, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == -1)
		sandbox_init_fail(errno, "make the root read-only");

	if (fchdir(root) == -1)
		sandbox_init_fail(errno, "enter the new root");
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		sandbox_init_fail(errno, "pivot_root");
	/* The old root is stacked under the new one: detach it. */
	if (umount2(".", MNT_DETACH) == -1)
		sandbox_init_fail(errno, "detach the old root");
	if (chdir("/") == -1)
		sandbox_init_fail(errno, "chdir /");
	sandbox_fsid_set(peer_uid, peer_gid);
	enter_cwd(spec);
}
