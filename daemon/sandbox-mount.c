/*
 * The sandbox's mount tree, built in its new mount namespace and entered
 * with pivot_root.
 *
 * This version: a read-only, nosuid clone of the host's whole tree; the
 * client's working directory bound on top with the host mount's own
 * read/write state; fresh tmpfs on /tmp, /run and /dev/shm; a /proc for
 * the new pid namespace and a read-only /sys for the new net namespace. The deny-by-default tree replaces the host clone
 * when filesystem policy lands.
 *
 * Paths are never resolved with root's rights through user-controlled
 * symlinks: the cwd arrives as an fd and is cloned with open_tree(), and
 * every mount target is opened with openat2(RESOLVE_NO_SYMLINKS |
 * RESOLVE_IN_ROOT) inside the new tree.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "greywalld.h"

/* Where the new root is attached before pivot_root; only in our ns. */
#define STAGING_DIR	"/tmp"

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
 * Open path (relative, below root) as a directory, creating missing
 * components. Creation only succeeds on our own tmpfs mounts; on the
 * read-only host clone it fails with EROFS, which is what we want.
 */
static int
open_mkdir_beneath(int root, const char *path)
{
	_cleanup_close_ int	 dir = -1;
	char			 buf[PATH_MAX], *p, *slash;
	int			 next;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(buf, path);
	if ((dir = fcntl(root, F_DUPFD_CLOEXEC, 3)) == -1)
		return (-1);
	for (p = buf; *p != '\0'; p = slash) {
		if ((slash = strchr(p, '/')) != NULL)
			*slash++ = '\0';
		else
			slash = p + strlen(p);
		if (*p == '\0')
			continue;
		next = openat2_dir(dir, p, RESOLVE_NO_SYMLINKS |
		    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (next == -1 && errno == ENOENT) {
			if (mkdirat(dir, p, 0755) == -1 && errno != EEXIST)
				return (-1);
			next = openat2_dir(dir, p, RESOLVE_NO_SYMLINKS |
			    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		}
		if (next == -1)
			return (-1);
		close(dir);
		dir = next;
	}
	return (TAKE_FD(dir));
}

/* Mount a new filesystem instance of type at path below root. */
static void
mount_fs(int root, const char *path, const char *type, const char *mode,
    unsigned int attrs)
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
		sandbox_init_fail(errno, "mount %s on /%s: fsmount", type, path);
	target = openat2_dir(root, path, RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT);
	if (target == -1)
		sandbox_init_fail(errno, "mount %s on /%s: open target", type,
		    path);
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "mount %s on /%s", type, path);
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
	target = open_mkdir_beneath(root, spec->cwd + 1);
	if (target == -1)
		sandbox_init_fail(errno, "bind the working directory '%s'",
		    spec->cwd);
	if (move_mount(spec->cwdtree, "", target, "",
	    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "bind the working directory '%s'",
		    spec->cwd);
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
	if (spec->cwd_mode != CWD_NONE &&
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

void
sandbox_mount_setup(const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 root = -1;
	struct mount_attr	 attr;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		sandbox_init_fail(errno, "make mounts private");

	root = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_RECURSIVE);
	if (root == -1)
		sandbox_init_fail(errno, "clone the host tree");
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
	attr.propagation = MS_PRIVATE;
	if (mount_setattr(root, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
	    sizeof(attr)) == -1)
		sandbox_init_fail(errno, "make the host tree read-only");
	if (move_mount(root, "", AT_FDCWD, STAGING_DIR,
	    MOVE_MOUNT_F_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "attach the new root");

	mount_fs(root, "tmp", "tmpfs", "1777", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_fs(root, "run", "tmpfs", "0755", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_fs(root, "dev/shm", "tmpfs", "1777", MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV);
	mount_fs(root, "proc", "proc", NULL, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	/* A sysfs of the new net namespace: the host's interfaces vanish. */
	mount_fs(root, "sys", "sysfs", NULL, MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	hide_policy_dir(root, gw_conf.policy_dir);
	/* Last, so the tmpfs mounts above cannot cover it. */
	mount_cwd(root, spec);

	if (fchdir(root) == -1)
		sandbox_init_fail(errno, "enter the new root");
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		sandbox_init_fail(errno, "pivot_root");
	/* The old root is stacked under the new one: detach it. */
	if (umount2(".", MNT_DETACH) == -1)
		sandbox_init_fail(errno, "detach the old root");
	if (chdir("/") == -1)
		sandbox_init_fail(errno, "chdir /");
	enter_cwd(spec);
}
