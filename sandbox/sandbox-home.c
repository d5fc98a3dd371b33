/*
 * What greywalld's main process looks up for the sandbox's home and
 * project before it forks: the peer's directory in greywall's per-user
 * store, and the git work tree around the working directory.
 *
 * The store is STATEDIR/users/UID, one directory per user, the user's
 * own (0700). greywalld makes STATEDIR and users/ (root's, 0755 and
 * 0711: nobody lists the others) and UID in it, and hands the sandbox an
 * O_PATH fd of UID: the only names it resolves as root are these three,
 * which no user can change, each opened with O_NOFOLLOW; what is inside
 * UID is opened by the sandbox's init as the peer (sandbox-mount.c,
 * mount_caches), below that fd, never through a symlink. "gw cache"
 * lists and clears it as the user.
 *
 * The project is found as the peer (its file system uid and gid): from
 * the working directory fd up through "..", the first directory holding
 * a ".git" (a directory, or a file as in a linked work tree or a
 * submodule), never the home directory or one above it, never "/".
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <sys/fsuid.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

#define PROJECT_DEPTH_MAX	64	/* directories looked at upwards */

/* Open (making it if missing) the root-owned directory dir/name. */
static int
home_root_dir(int dir, const char *name, mode_t mode)
{
	struct stat	st;
	int		fd;

	if (mkdirat(dir, name, mode) == -1 && errno != EEXIST)
		return (-1);
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		errno = EPERM;
		return (-1);
	}
	return (fd);
}

/*
 * The peer's directory in the store below base (an absolute path the
 * administrator chose), made if missing and given to uid:gid, mode 0700.
 * Returns an O_PATH fd, or -1 with errno (EPERM: something in the way
 * that is neither root's nor the user's).
 */
int
sandbox_home_store_open(const char *base, uid_t uid, gid_t gid)
{
	_cleanup_close_ int	 top = -1, users = -1, fd = -1;
	struct stat		 st;
	char			 name[16];
	int			 made = 0;

	if (base[0] != '/') {
		errno = EINVAL;
		return (-1);
	}
	/* The base's parents are the administrator's (/var/lib). */
	if ((top = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		if (mkdir(base, 0755) == -1 && errno != EEXIST)
			return (-1);
		top = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (top == -1)
		return (-1);
	if (fstat(top, &st) == -1)
		return (-1);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		errno = EPERM;
		return (-1);
	}
	if ((users = home_root_dir(top, "users", 0711)) == -1)
		return (-1);
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (mkdirat(users, name, 0700) == 0)
		made = 1;
	else if (errno != EEXIST)
		return (-1);
	fd = openat(users, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1)
		return (-1);
	/* Root's: made just now, or a chown that did not happen. */
	if (st.st_uid == 0 && uid != 0) {
		if (!made && (st.st_mode & 07777) != 0700) {
			errno = EPERM;
			return (-1);
		}
		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1)
			return (-1);
	} else if (st.st_uid != uid) {
		errno = EPERM;
		return (-1);
	}
	return (TAKE_FD(fd));
}

/* Switch the file system ids; 0, or -1 if the kernel did not take them. */
static int
home_fsid(uid_t uid, gid_t gid)
{
	sandbox_fsid_forget();
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}

static int
home_find(int cwdfd, const char *hpath, const struct stat *home, char *path,
    size_t len)
{
	size_t			 l;
	_cleanup_close_ int	 dir = -1;
	struct stat		 st, up, git;
	char			 proc[64];
	ssize_t			 n;
	int			 i, next;

	if ((dir = fcntl(cwdfd, F_DUPFD_CLOEXEC, 3)) == -1)
		return (-1);
	for (i = 0; i < PROJECT_DEPTH_MAX; i++) {
		if (fstat(dir, &st) == -1)
			return (-1);
		/* Never the home or "/", so never above either. */
		if (home != NULL && st.st_dev == home->st_dev &&
		    st.st_ino == home->st_ino)
			break;
		if (fstatat(dir, "..", &up, 0) == -1)
			return (-1);
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			break;
		if (fstatat(dir, ".git", &git, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (S_ISDIR(git.st_mode) || S_ISREG(git.st_mode))) {
			if (st.st_mode & S_IWOTH)
				break;
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dir);
			n = readlink(proc, path, len - 1);
			if (n <= 0 || (size_t)n >= len - 1 || path[0] != '/')
				break;
			path[n] = '\0';
			if (strstr(path, " (deleted)") != NULL)
				break;
			/* A directory above the home (a repository at /home). */
			l = strlen(path);
			if (strncmp(hpath, path, l) == 0 &&
			    (hpath[l] == '/' || hpath[l] == '\0'))
				break;
			return (TAKE_FD(dir));
		}
		next = openat(dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next == -1)
			break;
		close(dir);
		dir = next;
	}
	errno = ENOENT;
	return (-1);
}

/*
 * Whether path exists for uid:gid, looked up as them without following
 * a final symlink: 1, 0 (ENOENT or ENOTDIR), or -1 with errno.
 */
int
sandbox_home_exists(const char *path, uid_t uid, gid_t gid)
{
	struct stat	 st;
	uid_t		 ou;
	gid_t		 og;
	int		 r, saved_errno;

	ou = setfsuid(-1);
	og = setfsgid(-1);
	if (home_fsid(uid, gid) == -1) {
		home_fsid(ou, og);
		return (-1);
	}
	r = lstat(path, &st) == 0 ? 1 : (errno == ENOENT ||
	    errno == ENOTDIR) ? 0 : -1;
	saved_errno = errno;
	if (home_fsid(ou, og) == -1)
		fatalx("cannot switch the file system ids back to %u:%u",
		    (unsigned)ou, (unsigned)og);
	errno = saved_errno;
	return (r);
}

/*
 * The top of the git work tree the working directory cwdfd is in, looked
 * up as uid:gid (see the top of this file): its O_PATH fd, its path in
 * path; -1 with errno ENOENT when there is none (or it is the cwd's own
 * parent that a user cannot reach).
 */
int
sandbox_home_project(int cwdfd, uid_t uid, gid_t gid, const char *home,
    char *path, size_t len)
{
	struct stat	 hst;
	uid_t		 ou;
	gid_t		 og;
	int		 fd, saved_errno, have_home;

	ou = setfsuid(-1);
	og = setfsgid(-1);
	if (home_fsid(uid, gid) == -1) {
		home_fsid(ou, og);
		return (-1);
	}
	have_home = stat(home, &hst) == 0;
	fd = home_find(cwdfd, home, have_home ? &hst : NULL, path, len);
	saved_errno = errno;
	if (home_fsid(ou, og) == -1)
		fatalx("cannot switch the file system ids back to %u:%u",
		    (unsigned)ou, (unsigned)og);
	errno = saved_errno;
	return (fd);
}
