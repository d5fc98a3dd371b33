/*
 * filesystem.mask and filesystem.protected: files that read as empty, and
 * places where the sandbox may not write even inside a writable directory.
 *
 * Design. Two mechanisms, each used where it is exact:
 *
 * 1. At start, in the sandbox's tree (sandbox_protect_mount): a walk of
 *    the project (the working directory, or its git work tree) and the
 *    read and write paths, as the peer and without following symlinks,
 *    but not into the directories of skip_dirs[] (node_modules; objects
 *    and lfs of a git directory: sandbox-protect-walk.c), so the cost
 *    does not grow with installed packages; nothing is refused for its
 *    size. A
 *    file whose name matches a mask pattern gets an empty, read-only,
 *    mode-0444 file bound over it (reads return empty, writes fail with
 *    EROFS, it cannot be removed or renamed: EBUSY); a directory gets an
 *    empty read-only tmpfs. The walk also notes every git directory and
 *    ".git" entry, and every other directory it sees, for
 *    sandbox-protect-git.c, which then holds the repositories as units
 *    (see there); and it binds read-only the protected names that exist
 *    in the working and home directories. Only files that exist at
 *    start are masked: what the sandbox writes later is its own data, and
 *    the threat is secrets that were there before it. The alternatives
 *    were worse: fanotify permission events can only deny an open, never
 *    return empty content, and route every open of the tree through the
 *    daemon; a seccomp supervisor for every open is slow and must redo
 *    the kernel's path walk.
 *
 * 2. A path that does not exist yet cannot be covered by a mount (its
 *    mount point would have to be made on the host) nor denied by
 *    Landlock (which grants by directory, never by name). So with
 *    protected: default, the command runs under a second seccomp filter
 *    that sends the calls which create, rename, link or open for writing
 *    to init, pid 1 of the sandbox, as user notifications. Init is the
 *    supervisor: it runs as the user, in the same mount namespace and
 *    Landlock domain, so it can do nothing the command could not. It
 *    never answers "continue" (the kernel would read the path again from
 *    memory the command can change): it reads the path from
 *    /proc/PID/mem, resolves the parent directory itself, checks the
 *    (directory, name) pair, and then performs the call itself on that
 *    very directory fd, handing back the result or, for an open, the new
 *    fd (SECCOMP_ADDFD_FLAG_SEND). A final symlink that an open would
 *    follow is followed by hand, each hop checked. Refused: creating,
 *    opening for writing, truncating, renaming or linking a protected
 *    name, which is
 *     - one of root_names[] in the working or the home directory;
 *     - what sandbox-protect-git.c holds of the git repositories that
 *       existed at start: their configuration and indirection names,
 *       anything in their hooks, ".git" and "HEAD" in a directory that
 *       existed, and moves that would put a new repository there.
 *    Refusals are EPERM. A git directory made inside the sandbox in a
 *    new directory (git init, git clone) is the sandbox's own, as the
 *    files it writes are.
 *    openat2 gets ENOSYS under this filter (its flags are in memory, out
 *    of the filter's sight), so callers fall back to openat.
 *
 * Limits, documented in greywall-policy(5): a process that made itself
 * non-dumpable cannot have its memory read, so its notified calls fail
 * with EPERM; a file under another name (a hard link made before the
 * sandbox) is not masked under that name; socket files (bind) are not
 * notified.
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

#define FOLLOW_MAX	40	/* symlinks an open follows, as the kernel */

/* ------------------------------------------------------------------ */
/* The filter and the supervisor                                       */

static struct sock_fprog	notify_filter;

/*
 * Build the notifying filter once, at greywalld's start. Opens are
 * notified when they may create or write; openat2, whose flags seccomp
 * cannot see, gets ENOSYS. Returns 0, or -1 with errno.
 */
int
sandbox_protect_prepare(void)
{
	static const int always[] = {
		SYS_creat, SYS_mkdir, SYS_mkdirat, SYS_mknod, SYS_mknodat,
		SYS_symlink, SYS_symlinkat, SYS_link, SYS_linkat, SYS_rename,
		SYS_renameat, SYS_renameat2, SYS_truncate,
	};
	static const unsigned long wbits[] = {
		O_CREAT, O_WRONLY, O_RDWR, O_TRUNC,
	};
	scmp_filter_ctx	ctx;
	size_t		i;
	int		r;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	for (i = 0; i < nitems(always); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, always[i],
		    0)) < 0)
			goto fail;
	for (i = 0; i < nitems(wbits); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SYS_open, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, wbits[i], wbits[i]))) < 0 ||
		    (r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SYS_openat, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, wbits[i], wbits[i]))) < 0)
			goto fail;
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SYS_openat2,
	    0)) < 0)
		goto fail;
	r = sandbox_seccomp_export(ctx, &notify_filter);
	seccomp_release(ctx);
	return (r);
fail:
	seccomp_release(ctx);
	errno = -r;
	return (-1);
}

/*
 * In the forked command, just before exec: load the notifying filter
 * and send its listener to init over sock. Returns 0, or -1 with errno.
 */
int
sandbox_protect_install(int sock)
{
	char	c = 'L';
	int	fd, saved;

	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &notify_filter);
	if (fd == -1)
		return (-1);
	if (fd_sendmsg(sock, &c, 1, fd) != 1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	close(fd);
	return (0);
}

/* In init: the listener the command sent, or -1 with errno. */
int
sandbox_protect_listener(int sock)
{
	char	c;
	int	fd;
	ssize_t	n;

	do {
		n = fd_recvmsg(sock, &c, 1, &fd, 0);
	} while (n == -1 && errno == EINTR);
	if (n == 0)
		errno = EPIPE;
	if (n != 1)
		return (-1);
	if (fd == -1)
		errno = EBADMSG;
	return (fd);
}

/* What the supervisor knows of the sandbox, set once in init. */
static struct {
	dev_t			cwd_dev, home_dev;
	ino_t			cwd_ino, home_ino;
	int			have_cwd, have_home;
	struct seccomp_notif_sizes sizes;
	int			statusfd;	/* to greywalld: events */
	uint32_t		dropped;	/* events it did not take */
	pid_t			pid;		/* the call served */
	int			action;		/* enum init_ev_action */
} sv;

/* Before the command starts: the working and home directories, the time. */
void
sandbox_protect_supervise_init(const struct sandbox_spec *spec)
{
	struct stat	st;

	if (spec->cwd_mode != CWD_NONE && stat(spec->project, &st) == 0) {
		sv.cwd_dev = st.st_dev;
		sv.cwd_ino = st.st_ino;
		sv.have_cwd = 1;
	}
	if (stat(spec->home, &st) == 0) {
		sv.home_dev = st.st_dev;
		sv.home_ino = st.st_ino;
		sv.have_home = 1;
	}
	sv.statusfd = spec->statusfd;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sv.sizes) == -1)
		sandbox_init_fail(errno, "seccomp: notification sizes");
}

/* The path of the directory fd, as the sandbox sees it. */
static int
dir_path(int fd, char *path, size_t len)
{
	char	link[64];
	ssize_t	l;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((l = readlink(link, path, len - 1)) <= 0)
		return (-1);
	path[l] = '\0';
	return (0);
}

/*
 * Whether name in the directory dir is protected. The git rules go by
 * the directory's identity and by its path, read from /proc.
 */
static int
protected_at(int dir, const char *name)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	size_t		 i;

	if (fstat(dir, &st) == -1)
		return (1);
	if ((sv.have_cwd && st.st_dev == sv.cwd_dev &&
	    st.st_ino == sv.cwd_ino) || (sv.have_home &&
	    st.st_dev == sv.home_dev && st.st_ino == sv.home_ino))
		for (i = 0; i < sandbox_protect_nroot; i++)
			if (strcmp(name, sandbox_protect_root_names[i]) == 0)
				return (1);
	if (dir_path(dir, path, sizeof(path)) == -1)
		return (1);
	return (sandbox_protect_git_refused(&st, path, name));
}

/* One notification being handled. */
struct call {
	struct seccomp_notif	*req;
	int			 listener;
	int			 mem;		/* /proc/PID/mem */
	int			 resolved;	/* a symlink was followed */
};

/* Read a NUL-terminated string of the caller's at addr. */
static int
read_str(struct call *c, uint64_t addr, char *buf, size_t len)
{
	size_t	off = 0, chunk;
	ssize_t	n;

	if (addr == 0) {
		errno = EFAULT;
		return (-1);
	}
	while (off < len) {
		/* Up to the end of the page: the next may be unmapped. */
		chunk = 4096 - ((addr + off) & 4095);
		if (chunk > len - off)
			chunk = len - off;
		n = pread(c->mem, buf + off, chunk, addr + off);
		if (n <= 0) {
			errno = EFAULT;
			return (-1);
		}
		if (memchr(buf + off, '\0', n) != NULL)
			return (0);
		off += n;
	}
	errno = ENAMETOOLONG;
	return (-1);
}

/*
 * /proc/self and /proc/thread-self name the caller, not init: rewrite
 * them to the caller's pid (its thread id, which /proc also knows).
 */
static int
proc_self(struct call *c, char *path, size_t len)
{
	static const char *const selves[] = {
		"/proc/self", "/proc/thread-self",
	};
	char	 buf[PATH_MAX];
	size_t	 i, l;

	for (i = 0; i < nitems(selves); i++) {
		l = strlen(selves[i]);
		if (strncmp(path, selves[i], l) != 0 ||
		    (path[l] != '/' && path[l] != '\0'))
			continue;
		if ((size_t)snprintf(buf, sizeof(buf), "/proc/%u%s",
		    c->req->pid, path + l) >= sizeof(buf) ||
		    strlen(buf) >= len) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		strcpy(path, buf);
		break;
	}
	return (0);
}

/* Whether fd is on procfs, whose final links are magic: not followed. */
static int
on_proc(int fd)
{
	struct statfs	sf;

	return (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC);
}

/*
 * The directory a path of the caller's starts from: the root, its cwd,
 * or its fd dfd. Returns an O_PATH fd or -1 with errno.
 */
static int
base_dir(struct call *c, int dfd, const char *path)
{
	char	proc[64];

	if (path[0] == '/')
		return (open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dfd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%u/cwd", c->req->pid);
	else if (dfd >= 0)
		snprintf(proc, sizeof(proc), "/proc/%u/fd/%d", c->req->pid,
		    dfd);
	else {
		errno = EBADF;
		return (-1);
	}
	return (open(proc, O_PATH | O_CLOEXEC));
}

/*
 * Split path (relative to base) into its parent directory, opened as
 * the kernel would walk it, and its last component in name (trailing
 * slashes kept, so the call itself sees them). Returns the directory fd
 * or -1 with errno.
 */
static int
parent_of(int base, char *path, char *name, size_t len)
{
	char	*end, *slash;
	int	 fd;

	if (path[0] == '\0') {
		errno = ENOENT;
		return (-1);
	}
	end = path + strlen(path);
	while (end > path + 1 && end[-1] == '/')
		end--;
	for (slash = end; slash > path && slash[-1] != '/'; slash--)
		;
	if ((size_t)snprintf(name, len, "%s", slash) >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (slash == path)
		return (fcntl(base, F_DUPFD_CLOEXEC, 3));
	if (slash == path + 1) {
		/* "/name": the root. */
		return (open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	}
	slash[-1] = '\0';
	fd = openat(base, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	slash[-1] = '/';
	return (fd);
}

/* The last component without trailing slashes, for the checks. */
static void
bare(const char *name, char *out, size_t len)
{
	size_t	n = strcspn(name, "/");

	if (n >= len)
		n = len - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

/*
 * Tell greywalld what was refused (INIT_EV_PROTECTED) or found read-only
 * (INIT_EV_READONLY) at dir/name, for its events. Never waits: when the
 * socket is full the event is counted, and the count goes with the next.
 */
static void
sv_event(int kind, int dir, const char *name)
{
	struct init_msg	 m;
	struct stat	 st;
	char		 link[64], path[PATH_MAX], comm[32];
	char		 b[NAME_MAX + 1];
	ssize_t		 l;
	int		 fd, action = sv.action, n;

	bare(name, b, sizeof(b));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dir);
	if ((l = readlink(link, path, sizeof(path) - 1)) <= 0)
		return;
	path[l] = '\0';
	/* Opening an existing file to write is a write, not a create. */
	if (action == INIT_EV_CREATE && fstatat(dir, b, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		action = INIT_EV_WRITE;
	comm[0] = '\0';
	snprintf(link, sizeof(link), "/proc/%d/comm", (int)sv.pid);
	if ((fd = open(link, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((l = read(fd, comm, sizeof(comm) - 1)) > 0)
			comm[l - (comm[l - 1] == '\n')] = '\0';
		else
			comm[0] = '\0';
		close(fd);
	}
	memset(&m, 0, sizeof(m));
	m.type = INIT_MSG_EVENT;
	m.how = kind;
	m.code = action;
	m.dropped = sv.dropped;
	n = snprintf(m.text, sizeof(m.text), "%s%s%s", path,
	    strcmp(path, "/") == 0 ? "" : "/", b);
	if (n < 0 || (size_t)n >= sizeof(m.text) - 32)
		return;
	n++;
	n += snprintf(m.text + n, sizeof(m.text) - n, "%s", comm) + 1;
	snprintf(m.text + n, sizeof(m.text) - n, "%d", (int)sv.pid);
	if (init_msg_send(sv.statusfd, &m, -1, MSG_DONTWAIT) == 0)
		sv.dropped = 0;
	else if (sv.dropped < UINT32_MAX)
		sv.dropped++;
}

/* Whether the directory fd is on a read-only mount. */
static int
ro_dir(int fd)
{
	struct statvfs	sf;

	return (fstatvfs(fd, &sf) == 0 && (sf.f_flag & ST_RDONLY));
}

/* A call made for the caller failed with err: EROFS is an event. */
static void
sv_readonly(int dir, const char *name, int err)
{
	if (err == EROFS)
		sv_event(INIT_EV_READONLY, dir, name);
}

/* Whether creating or writing dir/name must be refused. */
static int
refused(int dir, const char *name)
{
	char	b[NAME_MAX + 1];

	bare(name, b, sizeof(b));
	if (b[0] == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return (0);
	if (!protected_at(dir, b))
		return (0);
	sv_event(INIT_EV_PROTECTED, dir, name);
	return (1);
}

/* Resolve (dfd, path) of the caller to a parent fd and a name. */
static int
resolve(struct call *c, int dfd, uint64_t addr, char *name, size_t len)
{
	_cleanup_close_ int	 base = -1;
	char			 path[PATH_MAX];

	if (read_str(c, addr, path, sizeof(path)) == -1 ||
	    proc_self(c, path, sizeof(path)) == -1)
		return (-1);
	if ((base = base_dir(c, dfd, path)) == -1)
		return (-1);
	return (parent_of(base, path, name, len));
}

/* The caller's umask, which the calls made for it must use. */
static mode_t
caller_umask(struct call *c)
{
	char	 proc[64], buf[4096], *p;
	int	 fd;
	ssize_t	 n;

	snprintf(proc, sizeof(proc), "/proc/%u/status", c->req->pid);
	if ((fd = open(proc, O_RDONLY | O_CLOEXEC)) == -1)
		return (022);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (022);
	buf[n] = '\0';
	if ((p = strstr(buf, "\nUmask:")) == NULL)
		return (022);
	return ((mode_t)strtoul(p + 7, NULL, 8) & 0777);
}

/*
 * Follow a final symlink at dir/name the way an open would, each hop
 * checked. Returns the final parent fd (dir is consumed) with the final
 * name, or -1 with errno (EPERM when a hop is protected).
 */
static int
follow(struct call *c, int dir, char *name, size_t len)
{
	_cleanup_close_ int	 base = -1;
	char			 target[PATH_MAX], b[NAME_MAX + 1];
	struct stat		 st;
	ssize_t			 n;
	int			 i, next;

	for (i = 0; i <= FOLLOW_MAX; i++) {
		if (refused(dir, name)) {
			close(dir);
			errno = EPERM;
			return (-1);
		}
		bare(name, b, sizeof(b));
		/* A magic link of /proc reopens a file: the kernel's job. */
		if (fstatat(dir, b, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISLNK(st.st_mode) || on_proc(dir))
			return (dir);
		if ((n = readlinkat(dir, b, target, sizeof(target) - 1)) <= 0) {
			close(dir);
			return (-1);
		}
		target[n] = '\0';
		if (proc_self(c, target, sizeof(target)) == -1) {
			close(dir);
			return (-1);
		}
		base = target[0] == '/' ? open("/", O_PATH | O_DIRECTORY |
		    O_CLOEXEC) : dir;
		next = parent_of(base, target, name, len);
		if (base != dir)
			close(base);
		base = -1;
		close(dir);
		if ((dir = next) == -1)
			return (-1);
	}
	close(dir);
	errno = ELOOP;
	return (-1);
}

static void
respond(struct call *c, int64_t val, int err)
{
	struct seccomp_notif_resp	*resp;

	resp = calloc(1, sv.sizes.seccomp_notif_resp);
	if (resp == NULL)
		return;
	resp->id = c->req->id;
	resp->val = val;
	resp->error = err == 0 ? 0 : -err;
	/* ENOENT: the caller was killed meanwhile. */
	ioctl(c->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	free(resp);
}

/* Hand fd to the caller as the result of its open. */
static void
respond_fd(struct call *c, int fd, int flags)
{
	struct seccomp_notif_addfd	add;

	memset(&add, 0, sizeof(add));
	add.id = c->req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = fd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) == -1 &&
	    errno != ENOENT)
		respond(c, -1, errno);
}

/* open, openat, creat: check every hop, open here, pass the fd over. */
static void
do_open(struct call *c, int dfd, uint64_t addr, int flags, mode_t mode)
{
	char		name[NAME_MAX + 2 + PATH_MAX];
	struct stat	st;
	pid_t		pid;
	int		dir, fd, nofollow, err;

	if ((dir = resolve(c, dfd, addr, name, sizeof(name))) == -1) {
		respond(c, -1, errno);
		return;
	}
	/* No final symlink is followed: O_NOFOLLOW, or O_CREAT | O_EXCL. */
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) ==
	    (O_CREAT | O_EXCL)) {
		if (refused(dir, name)) {
			close(dir);
			respond(c, -1, EPERM);
			return;
		}
	} else if ((dir = follow(c, dir, name, sizeof(name))) == -1) {
		respond(c, -1, errno);
		return;
	}
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
	    &c->req->id) == -1) {
		close(dir);
		return;
	}
	/* Any other final symlink was followed above, each hop checked. */
	nofollow = on_proc(dir) ? 0 : O_NOFOLLOW;
	if (flags & O_CREAT)
		umask(caller_umask(c));
	/*
	 * A FIFO blocks its opener until the other end comes: open it in a
	 * child of init, so that init goes on serving everyone else.
	 */
	if (!(flags & O_NONBLOCK) && fstatat(dir, name, &st, 0) == 0 &&
	    S_ISFIFO(st.st_mode)) {
		if ((pid = fork()) == 0) {
			fd = openat(dir, name, flags | O_CLOEXEC | nofollow,
			    mode);
			if (fd == -1)
				respond(c, -1, errno);
			else
				respond_fd(c, fd, flags);
			_exit(0);
		}
		if (pid == -1)
			respond(c, -1, errno);
		close(dir);
		return;
	}
	fd = openat(dir, name, flags | O_CLOEXEC | nofollow, mode);
	if (fd == -1) {
		err = errno;
		sv_readonly(dir, name, err);
		close(dir);
		respond(c, -1, err);
		return;
	}
	close(dir);
	respond_fd(c, fd, flags);
	close(fd);
}

/*
 * Whether a symbolic link at dir/name would stand where a directory was
 * at start, which git on the host would then enter.
 */
static int
symlink_refused(int dir, const char *name)
{
	char	path[PATH_MAX], b[NAME_MAX + 1];

	bare(name, b, sizeof(b));
	if (dir_path(dir, path, sizeof(path)) == 0 &&
	    !sandbox_protect_git_old_path(path, b))
		return (0);
	sv_event(INIT_EV_PROTECTED, dir, name);
	return (1);
}

/*
 * Whether renaming odir/oname to ndir/nname (or exchanging them) would
 * put a new repository, or a symbolic link, where a directory was.
 */
static int
move_refused(int odir, const char *oname, int ndir, const char *nname,
    unsigned int flags)
{
	char	opath[PATH_MAX], npath[PATH_MAX];
	char	ob[NAME_MAX + 1], nb[NAME_MAX + 1];

	bare(oname, ob, sizeof(ob));
	bare(nname, nb, sizeof(nb));
	if (dir_path(odir, opath, sizeof(opath)) == -1 ||
	    dir_path(ndir, npath, sizeof(npath)) == -1 ||
	    sandbox_protect_git_move(odir, ob, opath, ndir, nb, npath,
	    flags)) {
		sv_event(INIT_EV_PROTECTED, ndir, nname);
		return (1);
	}
	return (0);
}

/* mkdir, mknod, symlink: one new name. */
static void
do_make(struct call *c, int nr, int dfd, uint64_t addr, mode_t mode,
    dev_t dev, uint64_t target)
{
	char	name[NAME_MAX + 2 + PATH_MAX], tgt[PATH_MAX];
	int	dir, r, err;

	if (nr == SYS_symlinkat && read_str(c, target, tgt,
	    sizeof(tgt)) == -1) {
		respond(c, -1, errno);
		return;
	}
	if ((dir = resolve(c, dfd, addr, name, sizeof(name))) == -1) {
		respond(c, -1, errno);
		return;
	}
	if (refused(dir, name) || (nr == SYS_symlinkat &&
	    symlink_refused(dir, name))) {
		close(dir);
		respond(c, -1, EPERM);
		return;
	}
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
	    &c->req->id) == -1) {
		close(dir);
		return;
	}
	umask(caller_umask(c));
	if (nr == SYS_mkdirat)
		r = mkdirat(dir, name, mode);
	else if (nr == SYS_mknodat)
		r = mknodat(dir, name, mode, dev);
	else
		r = symlinkat(tgt, dir, name);
	err = r == -1 ? errno : 0;
	sv_readonly(dir, name, err);
	respond(c, 0, err);
	close(dir);
}

/* link, rename: two names, both checked. */
static void
do_two(struct call *c, int nr, int odfd, uint64_t oaddr, int ndfd,
    uint64_t naddr, unsigned int flags)
{
	char	oname[NAME_MAX + 2 + PATH_MAX], nname[NAME_MAX + 2 + PATH_MAX];
	char	proc[64], opath[PATH_MAX];
	int	odir = -1, ndir = -1, r, empty = 0, err;

	if (nr == SYS_linkat && (flags & AT_EMPTY_PATH) &&
	    read_str(c, oaddr, opath, sizeof(opath)) == 0 && opath[0] == '\0')
		empty = 1;
	if ((!empty && (odir = resolve(c, odfd, oaddr, oname,
	    sizeof(oname))) == -1) ||
	    (ndir = resolve(c, ndfd, naddr, nname, sizeof(nname))) == -1) {
		respond(c, -1, errno);
		goto out;
	}
	if (refused(ndir, nname) || (odir != -1 && refused(odir, oname))) {
		respond(c, -1, EPERM);
		goto out;
	}
	/* Old git directories are pinned: the kernel refuses moving them. */
	if (nr == SYS_renameat2 && move_refused(odir, oname, ndir, nname,
	    flags)) {
		respond(c, -1, EPERM);
		goto out;
	}
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
	    &c->req->id) == -1)
		goto out;
	if (nr == SYS_linkat && empty) {
		/* The caller's fd itself, an O_TMPFILE file say. */
		snprintf(proc, sizeof(proc), "/proc/%u/fd/%d", c->req->pid,
		    odfd);
		r = linkat(AT_FDCWD, proc, ndir, nname, AT_SYMLINK_FOLLOW);
	} else if (nr == SYS_linkat)
		r = linkat(odir, oname, ndir, nname, flags &
		    AT_SYMLINK_FOLLOW);
	else
		r = syscall(SYS_renameat2, odir, oname, ndir, nname, flags);
	err = r == -1 ? errno : 0;
	/* Which side was read-only: the new name's, or else the old one. */
	/* EBUSY: the old name is a mask or a protected bind. */
	if (err == EBUSY && odir != -1)
		sv_event(INIT_EV_READONLY, odir, oname);
	else if (err == EROFS) {
		if (odir != -1 && !ro_dir(ndir))
			sv_event(INIT_EV_READONLY, odir, oname);
		else
			sv_event(INIT_EV_READONLY, ndir, nname);
	}
	respond(c, 0, err);
out:
	if (odir != -1)
		close(odir);
	if (ndir != -1)
		close(ndir);
}

static void
do_truncate(struct call *c, uint64_t addr, off_t length)
{
	char	name[NAME_MAX + 2 + PATH_MAX];
	int	dir, fd, r;

	if ((dir = resolve(c, AT_FDCWD, addr, name, sizeof(name))) == -1 ||
	    (dir = follow(c, dir, name, sizeof(name))) == -1) {
		respond(c, -1, errno);
		return;
	}
	if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
	    &c->req->id) == -1) {
		close(dir);
		return;
	}
	fd = openat(dir, name, O_WRONLY | O_NONBLOCK | O_CLOEXEC |
	    (on_proc(dir) ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		r = errno;
		sv_readonly(dir, name, r);
		close(dir);
		respond(c, -1, r);
		return;
	}
	close(dir);
	r = ftruncate(fd, length);
	respond(c, 0, r == -1 ? errno : 0);
	close(fd);
}

/* Handle one notification from the listener; errors end only the call. */
void
sandbox_protect_serve(int listener)
{
	struct seccomp_notif	*req;
	struct call		 c;
	const __u64		*a;
	char			 proc[64];

	if ((req = calloc(1, sv.sizes.seccomp_notif)) == NULL)
		return;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == -1) {
		free(req);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.listener = listener;
	a = req->data.args;
	sv.pid = req->pid;
	switch (req->data.nr) {
	case SYS_truncate:
		sv.action = INIT_EV_TRUNCATE;
		break;
	case SYS_open:
	case SYS_openat:
		sv.action = (a[req->data.nr == SYS_open ? 1 : 2] & O_CREAT) ?
		    INIT_EV_CREATE : INIT_EV_WRITE;
		break;
	case SYS_link:
	case SYS_linkat:
		sv.action = INIT_EV_LINK;
		break;
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		sv.action = INIT_EV_RENAME;
		break;
	default:
		sv.action = INIT_EV_CREATE;
		break;
	}
	snprintf(proc, sizeof(proc), "/proc/%u/mem", req->pid);
	if ((c.mem = open(proc, O_RDONLY | O_CLOEXEC)) == -1) {
		respond(&c, -1, EPERM);
		free(req);
		return;
	}
	switch (req->data.nr) {
	case SYS_open:
		do_open(&c, AT_FDCWD, a[0], a[1], a[2]);
		break;
	case SYS_openat:
		do_open(&c, a[0], a[1], a[2], a[3]);
		break;
	case SYS_creat:
		do_open(&c, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
		    a[1]);
		break;
	case SYS_mkdir:
		do_make(&c, SYS_mkdirat, AT_FDCWD, a[0], a[1], 0, 0);
		break;
	case SYS_mkdirat:
		do_make(&c, SYS_mkdirat, a[0], a[1], a[2], 0, 0);
		break;
	case SYS_mknod:
		do_make(&c, SYS_mknodat, AT_FDCWD, a[0], a[1], a[2], 0);
		break;
	case SYS_mknodat:
		do_make(&c, SYS_mknodat, a[0], a[1], a[2], a[3], 0);
		break;
	case SYS_symlink:
		do_make(&c, SYS_symlinkat, AT_FDCWD, a[1], 0, 0, a[0]);
		break;
	case SYS_symlinkat:
		do_make(&c, SYS_symlinkat, a[1], a[2], 0, 0, a[0]);
		break;
	case SYS_link:
		do_two(&c, SYS_linkat, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
		break;
	case SYS_linkat:
		do_two(&c, SYS_linkat, a[0], a[1], a[2], a[3], a[4]);
		break;
	case SYS_rename:
		do_two(&c, SYS_renameat2, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
		break;
	case SYS_renameat:
		do_two(&c, SYS_renameat2, a[0], a[1], a[2], a[3], 0);
		break;
	case SYS_renameat2:
		do_two(&c, SYS_renameat2, a[0], a[1], a[2], a[3], a[4]);
		break;
	case SYS_truncate:
		do_truncate(&c, a[0], a[1]);
		break;
	default:
		respond(&c, -1, ENOSYS);
		break;
	}
	close(c.mem);
	free(req);
}
