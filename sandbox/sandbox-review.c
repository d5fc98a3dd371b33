/*
 * gw exec --review (filesystem.review: true): the project seen through
 * an overlay whose upper layer is in the user's store, so that nothing
 * the command writes reaches the real project until "gw apply".
 *
 * Layout, all of it the user's own (made with the peer's fsuid, below
 * the O_PATH fd of STATEDIR/users/UID that sandbox-home.c opened):
 *
 *	reviews/		0700
 *	reviews/ID/		0700, ID: GW_REVIEW_ID_LEN hex digits
 *	reviews/ID/upper/	the overlay's upper layer: what changed
 *	reviews/ID/work/	the overlay's work directory
 *	reviews/ID/meta/	info (written by greywalld), lock (held
 *				by the sandbox's init while it lives)
 *
 * The overlay is made by the sandbox's init, in the sandbox's own mount
 * namespace, with the peer's file system identity: its fsuid, fsgid and
 * groups, and (setfsuid cleared them) none of the file system
 * capabilities. Overlayfs does every upper-layer operation, copy-up
 * included, with those credentials, so what lands in upper/ is owned by
 * the user, a copy-up can never give a file an owner or a set-id bit the
 * user could not give it, and a file the user could not write is not
 * copied up at all. It is mounted nosuid,nodev, with userxattr (its
 * opaque-directory marks are user.overlay.* attributes, which gw reads
 * as the user), with redirect_dir=nofollow (none made, none followed)
 * and without metacopy or index, so the upper layer is plain files,
 * whiteouts and opaque marks.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/openat2.h>

#include <sys/fsuid.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/* Where init attaches the new root before pivot_root (sandbox-mount.c). */
#define STAGING_DIR_REVIEW	"/tmp"

static int
review_open_dir(int dir, const char *name)
{
	struct open_how	how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	return (syscall(SYS_openat2, dir, name, &how, sizeof(how)));
}

/* dir/name, made with mode if missing; it must be uid's directory. */
static int
review_mkdir(int dir, const char *name, mode_t mode, uid_t uid, int excl)
{
	struct stat	st;
	int		fd;

	if (mkdirat(dir, name, mode) == -1 && (excl || errno != EEXIST))
		return (-1);
	if ((fd = review_open_dir(dir, name)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || st.st_uid != uid) {
		close(fd);
		errno = EPERM;
		return (-1);
	}
	return (fd);
}

static int
review_fsid(uid_t uid, gid_t gid)
{
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/*
 * Make a new review in the store (storefd, the user's directory), as
 * uid:gid: its id in id (GW_REVIEW_ID_LEN + 1 bytes), upper/ with the
 * owner and mode of the project's top (projst) so the sandbox sees the
 * project's own, work/, and meta/lock opened and locked (LOCK_EX) in
 * r->lock. Returns 0, or -1 with errno and nothing left behind.
 */
int
sandbox_review_create(int storefd, uid_t uid, gid_t gid,
    const struct stat *projst, struct sandbox_review *r)
{
	_cleanup_close_ int	 reviews = -1, rdir = -1, meta = -1;
	unsigned char		 rnd[GW_REVIEW_ID_LEN / 2];
	uid_t			 ou;
	gid_t			 og;
	size_t			 i;
	int			 saved_errno, tries;

	r->dir = r->upper = r->work = r->meta = r->lock = -1;
	if (projst->st_uid != uid) {
		errno = EPERM;
		return (-1);
	}
	ou = setfsuid(-1);
	og = setfsgid(-1);
	if (review_fsid(uid, gid) == -1)
		goto fail;
	if ((reviews = review_mkdir(storefd, "reviews", 0700, uid, 0)) == -1)
		goto fail;
	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			goto fail;
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(r->id + 2 * i, 3, "%02x", rnd[i]);
		rdir = review_mkdir(reviews, r->id, 0700, uid, 1);
		if (rdir != -1 || errno != EEXIST)
			break;
	}
	if (rdir == -1)
		goto fail;
	if ((r->upper = review_mkdir(rdir, "upper", 0700, uid, 1)) == -1 ||
	    (r->work = review_mkdir(rdir, "work", 0700, uid, 1)) == -1 ||
	    (meta = review_mkdir(rdir, "meta", 0700, uid, 1)) == -1)
		goto fail_rm;
	/* The merged top shows the upper's mode: the project's own. */
	if (fchmodat(rdir, "upper", projst->st_mode & 01777, 0) == -1)
		goto fail_rm;
	if ((r->lock = openat(meta, "lock", O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    flock(r->lock, LOCK_EX | LOCK_NB) == -1)
		goto fail_rm;
	r->dir = TAKE_FD(rdir);
	r->meta = TAKE_FD(meta);
	review_fsid(ou, og);
	return (0);

fail_rm:
	saved_errno = errno;
	unlinkat(meta, "lock", 0);
	unlinkat(rdir, "meta", AT_REMOVEDIR);
	unlinkat(rdir, "upper", AT_REMOVEDIR);
	unlinkat(rdir, "work", AT_REMOVEDIR);
	unlinkat(reviews, r->id, AT_REMOVEDIR);
	errno = saved_errno;
fail:
	saved_errno = errno;
	sandbox_review_close(r);
	review_fsid(ou, og);
	errno = saved_errno;
	return (-1);
}

/* Close what sandbox_review_create() opened; the review stays. */
void
sandbox_review_close(struct sandbox_review *r)
{
	if (r->dir >= 0)
		close(r->dir);
	if (r->upper >= 0)
		close(r->upper);
	if (r->work >= 0)
		close(r->work);
	if (r->meta >= 0)
		close(r->meta);
	if (r->lock >= 0)
		close(r->lock);
	r->dir = r->upper = r->work = r->meta = r->lock = -1;
}

/*
 * Open dir (a path in this mount namespace) without symlinks and check
 * it is the directory want (an fd from before) names.
 */
static int
review_here(const char *path, int want)
{
	struct open_how	how;
	struct stat	a, b;
	int		fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd == -1 || fstat(fd, &a) == -1 || fstat(want, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * The mounter, a child of init: in a user namespace of its own where
 * uid 0 and gid 0 are the peer's (and nothing else is mapped), and a
 * mount namespace that namespace owns, it makes the overlay and sends
 * the detached mount to init over sock. Overlayfs keeps the mounter's
 * credentials for the upper layer: the peer's uid and gid, and the
 * capabilities of a user namespace in which no other id exists.
 */
static void __attribute__((noreturn))
review_mounter(const struct sandbox_spec *spec, int target, int sock,
    int sync)
{
	char		 lower[64], upper[64], work[64], path[PATH_MAX * 2];
	char		 fail[256], c;
	int		 fs = -1, mnt = -1, lo, up, wk;
	const char	*what = "";

#define MOUNTER_FAIL(w) do { what = (w); goto fail; } while (0)
	/* It becomes the user's uid: nothing of the user's may trace it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		MOUNTER_FAIL("PR_SET_DUMPABLE");
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (unshare(CLONE_NEWUSER) == -1)
		MOUNTER_FAIL("unshare a user namespace");
	/* Init writes the maps, then closes its end. */
	if (write(sync, "u", 1) != 1 || read(sync, &c, 1) != 1 || c != 'm')
		MOUNTER_FAIL("wait for the id maps");
	if (setresgid(0, 0, 0) == -1 || setresuid(0, 0, 0) == -1)
		MOUNTER_FAIL("become the namespace's root");
	if (unshare(CLONE_NEWNS) == -1)
		MOUNTER_FAIL("unshare a mount namespace");
	/* The layers again, as paths of this namespace's copy. */
	snprintf(path, sizeof(path), "%s%s", STAGING_DIR_REVIEW,
	    spec->project);
	if ((lo = review_here(path, target)) == -1)
		MOUNTER_FAIL("open the project");
	snprintf(path, sizeof(path), "%s/reviews/%s/upper", spec->store_path,
	    spec->review_id);
	if ((up = review_here(path, spec->review_upper)) == -1)
		MOUNTER_FAIL("open upper");
	snprintf(path, sizeof(path), "%s/reviews/%s/work", spec->store_path,
	    spec->review_id);
	if ((wk = review_here(path, spec->review_work)) == -1)
		MOUNTER_FAIL("open work");
	snprintf(lower, sizeof(lower), "/proc/self/fd/%d", lo);
	snprintf(upper, sizeof(upper), "/proc/self/fd/%d", up);
	snprintf(work, sizeof(work), "/proc/self/fd/%d", wk);
	if ((fs = fsopen("overlay", FSOPEN_CLOEXEC)) == -1)
		MOUNTER_FAIL("fsopen overlay");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) == -1)
		MOUNTER_FAIL("lowerdir");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) == -1)
		MOUNTER_FAIL("upperdir");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) == -1)
		MOUNTER_FAIL("workdir");
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) == -1)
		MOUNTER_FAIL("userxattr");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "redirect_dir", "nofollow",
	    0) == -1)
		MOUNTER_FAIL("redirect_dir=nofollow");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "index", "off", 0) == -1)
		MOUNTER_FAIL("index=off");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "metacopy", "off", 0) == -1)
		MOUNTER_FAIL("metacopy=off");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1)
		MOUNTER_FAIL("make the overlay");
	if ((mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV)) == -1)
		MOUNTER_FAIL("fsmount");
	if (fd_sendmsg(sock, "M", 1, mnt) != 1)
		_exit(1);
	_exit(0);
fail:
	snprintf(fail, sizeof(fail), "E%s: %s", what, strerror(errno));
	(void)!write(sock, fail, strlen(fail));
	_exit(1);
#undef MOUNTER_FAIL
}

/*
 * Stack the overlay on the project's mount point target (an fd of the
 * project's top in the new tree, the clone of the host's), made by a
 * child in a user namespace of the peer's (review_mounter). Init, as
 * root, writes that namespace's maps and attaches the mount it gets.
 */
void
sandbox_review_mount(int target, const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 mnt = -1;
	int			 sp[2], sy[2], status, fd = -1;
	char			 buf[300], path[64], map[64];
	ssize_t			 n;
	pid_t			 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sy) == -1)
		sandbox_init_fail(errno, "filesystem.review: socketpair");
	if ((pid = fork()) == -1)
		sandbox_init_fail(errno, "filesystem.review: fork");
	if (pid == 0) {
		close(sp[0]);
		close(sy[0]);
		review_mounter(spec, target, sp[1], sy[1]);
	}
	close(sp[1]);
	close(sy[1]);
	if (read(sy[0], buf, 1) == 1 && buf[0] == 'u') {
		/* The new tree's /proc is of the sandbox's pid namespace. */
		snprintf(path, sizeof(path), STAGING_DIR_REVIEW
		    "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)spec->uid);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			sandbox_init_fail(errno, "filesystem.review: %s", path);
		close(fd);
		snprintf(path, sizeof(path), STAGING_DIR_REVIEW
		    "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)spec->gid);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			sandbox_init_fail(errno, "filesystem.review: %s", path);
		close(fd);
		(void)!write(sy[0], "m", 1);
	}
	close(sy[0]);
	n = fd_recvmsg(sp[0], buf, sizeof(buf) - 1, &mnt, 0);
	close(sp[0]);
	if (waitpid(pid, &status, 0) == -1)
		sandbox_init_fail(errno, "filesystem.review: wait");
	if (n > 1 && buf[0] == 'E') {
		buf[n] = '\0';
		sandbox_init_fail(0, "filesystem.review: the overlay of the"
		    " project '%s': %s", spec->project, buf + 1);
	}
	if (n != 1 || mnt < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		sandbox_init_fail(0, "filesystem.review: the overlay of the"
		    " project '%s' was not made", spec->project);
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1)
		sandbox_init_fail(errno, "filesystem.review: put the overlay"
		    " on '%s'", spec->project);
}

/* meta/info (the text greywalld composed), written as uid:gid. */
int
sandbox_review_info(const struct sandbox_review *r, uid_t uid, gid_t gid,
    const char *text, size_t len)
{
	uid_t	ou;
	gid_t	og;
	int	fd = -1, ret = -1, saved_errno;

	ou = setfsuid(-1);
	og = setfsgid(-1);
	if (review_fsid(uid, gid) == 0 &&
	    (fd = openat(r->meta, "info", O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1 &&
	    write(fd, text, len) == (ssize_t)len)
		ret = 0;
	saved_errno = errno;
	if (fd != -1)
		close(fd);
	review_fsid(ou, og);
	errno = saved_errno;
	return (ret);
}

/*
 * The bytes the user's pending reviews hold, as gw recorded them in each
 * one's meta/size (a review gw has not measured yet counts 0), read as
 * uid:gid. Returns 0, or -1 with errno.
 */
int
sandbox_review_usage(int storefd, uid_t uid, gid_t gid, uint64_t *bytes)
{
	_cleanup_close_ int	 reviews = -1;
	DIR			*d = NULL;
	struct dirent		*de;
	char			 path[NAME_MAX + 16], buf[32];
	struct open_how		 how;
	uid_t			 ou;
	gid_t			 og;
	ssize_t			 n;
	int			 fd, ret = -1, saved_errno;

	*bytes = 0;
	ou = setfsuid(-1);
	og = setfsgid(-1);
	if (review_fsid(uid, gid) == -1)
		goto out;
	reviews = review_open_dir(storefd, "reviews");
	if (reviews == -1 && errno == ENOENT) {
		ret = 0;
		goto out;
	}
	if (reviews == -1 || (fd = openat(reviews, ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		goto out;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		goto out;
	}
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/meta/size", de->d_name);
		if ((fd = syscall(SYS_openat2, reviews, path, &how,
		    sizeof(how))) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		*bytes += strtoull(buf, NULL, 10);
	}
	ret = 0;
out:
	saved_errno = errno;
	if (d != NULL)
		closedir(d);
	review_fsid(ou, og);
	errno = saved_errno;
	return (ret);
}
