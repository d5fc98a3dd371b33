/*
 * Landlock: the kernel checks every path access of the sandbox against
 * the same read, write and execute sets the mount tree grants, so a
 * mistake in the tree, or a file reached past it (a magic link in /proc,
 * an fd passed in), still meets a second wall. The ABI is detected once
 * when greywalld starts; each sandbox's init builds a ruleset handling
 * every file system right that ABI knows, adds one rule per place the
 * tree offers, and restricts itself before seccomp and the command.
 *
 * Rules only ever add access below a directory, they cannot take any
 * away: deny_read, deny_write and the policy directory below an allowed
 * path stay the mount tree's job alone. See greywalld(8).
 *
 * Network rights are not handled: the sandbox's only way out is its own
 * network namespace (a TUN device to the netstack helper), which already
 * decides every connection.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>
#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/* Newer than Debian 12's <linux/landlock.h>: the kernel ABI's values. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)	/* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON	(1U << 1)	/* ABI 7 */
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

#define LL_READ		(LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_EXEC		LANDLOCK_ACCESS_FS_EXECUTE
/*
 * Changing a directory's contents. MAKE_CHAR and MAKE_BLOCK are handled
 * but never granted: the sandbox has no CAP_MKNOD, so only the kernel's
 * answer changes, not what works.
 */
#define LL_WRITE	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_REMOVE_DIR | \
			 LANDLOCK_ACCESS_FS_REMOVE_FILE | \
			 LANDLOCK_ACCESS_FS_MAKE_DIR | \
			 LANDLOCK_ACCESS_FS_MAKE_REG | \
			 LANDLOCK_ACCESS_FS_MAKE_SOCK | \
			 LANDLOCK_ACCESS_FS_MAKE_FIFO | \
			 LANDLOCK_ACCESS_FS_MAKE_SYM | \
			 LANDLOCK_ACCESS_FS_REFER | \
			 LANDLOCK_ACCESS_FS_TRUNCATE)
/* Opening and using a device node for reading and writing. */
#define LL_DEV		(LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* The rights a rule on a file (not a directory) may carry. */
#define LL_FILE		(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int	ll_abi;		/* 0: this kernel has no Landlock */

/*
 * Ask the kernel which Landlock ABI it offers, once, at start. ENOSYS
 * (not built in) and EOPNOTSUPP (not enabled at boot) both mean none.
 */
int
sandbox_landlock_detect(void)
{
	int	abi;

	if ((abi = landlock_abi()) >= 1) {
		ll_abi = abi;
		log_info("Landlock ABI %d", ll_abi);
	} else if (errno == ENOSYS || errno == EOPNOTSUPP) {
		ll_abi = 0;
		log_warnx("Landlock is not available (%s): sandboxes whose"
		    " policy says hardening.landlock: required will be"
		    " refused", errno == ENOSYS ? "not in this kernel" :
		    "not enabled at boot");
	} else {
		ll_abi = 0;
		log_warn("Landlock ABI check failed, running as if this"
		    " kernel had none");
	}
	return (ll_abi);
}

int
sandbox_landlock_abi(void)
{
	return (ll_abi);
}

/* Every file system right this ABI knows: all are handled. */
static uint64_t
ll_handled(void)
{
	return (landlock_fs_handled(ll_abi));
}

/*
 * Allow rights beneath the file fd refers to (of type mode, from the
 * caller's fstat), cut down to what the ABI handles and, for anything
 * but a directory, to the rights of a file.
 * Returns 0, or -1 with errno.
 */
static int
ll_add(int ruleset, int fd, mode_t mode, uint64_t rights)
{
	struct landlock_path_beneath_attr	pb;

	rights &= ll_handled();
	if (!S_ISDIR(mode))
		rights &= LL_FILE;
	if (rights == 0)
		return (0);
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	return (syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1 ? -1 : 0);
}

/*
 * Allow rights beneath path in the sandbox's tree, opened as the peer
 * without following symlinks. A path that is not there (a missing system
 * or read path the tree skipped too), cannot be reached by the peer, or
 * is a symlink (the merged-usr links, whose targets have their own rule)
 * gets no rule: that only ever means less access.
 */
static void
ll_rule(int ruleset, const char *path, uint64_t rights)
{
	_cleanup_close_ int	 fd = -1;
	struct open_how		 how;
	struct stat		 st;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd == -1 && (errno == ENOENT || errno == EACCES ||
	    errno == ELOOP))
		return;
	if (fd == -1 || fstat(fd, &st) == -1)
		sandbox_init_fail(errno, "Landlock: open '%s'", path);
	if (S_ISLNK(st.st_mode))
		return;
	if (ll_add(ruleset, fd, st.st_mode, rights) == -1)
		sandbox_init_fail(errno, "Landlock: add a rule for '%s'", path);
}

static void
ll_rules(int ruleset, char *const *paths, uint64_t rights)
{
	for (; paths != NULL && *paths != NULL; paths++)
		ll_rule(ruleset, *paths, rights);
}

/*
 * The client's stdin, stdout and stderr, in the direction each was
 * opened: reopening one through /dev/stdout (a magic link in /proc) is a
 * path access, and the file usually lies outside the tree. A rule on the
 * file itself grants nothing else; never on a directory, where it would
 * grant everything below.
 */
static void
ll_rules_stdio(int ruleset, const struct sandbox_spec *spec)
{
	struct stat	st;
	uint64_t	rights;
	int		i, fl;

	for (i = GW_FD_STDIN; i <= GW_FD_STDERR; i++) {
		/* A role the pty takes: /dev/pts is granted anyway. */
		if (spec->fds[i] == -1)
			continue;
		if (fstat(spec->fds[i], &st) == -1 ||
		    (fl = fcntl(spec->fds[i], F_GETFL)) == -1)
			sandbox_init_fail(errno, "Landlock: stdio fd %d", i);
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) &&
		    !S_ISFIFO(st.st_mode))
			continue;
		rights = 0;
		if ((fl & O_ACCMODE) != O_WRONLY)
			rights |= LANDLOCK_ACCESS_FS_READ_FILE;
		if ((fl & O_ACCMODE) != O_RDONLY)
			rights |= LANDLOCK_ACCESS_FS_WRITE_FILE |
			    LANDLOCK_ACCESS_FS_TRUNCATE;
		if (S_ISCHR(st.st_mode))
			rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
		/* An anonymous pipe (EBADFD) is not path-checked at all. */
		if (ll_add(ruleset, spec->fds[i], st.st_mode, rights) == -1 &&
		    errno != EBADFD)
			sandbox_init_fail(errno, "Landlock: add a rule for"
			    " fd %d", i);
	}
}

/*
 * In the sandbox's init, after pivot_root and the credential drop (which
 * set no_new_privs), before seccomp: restrict init, and so the command it
 * forks, to what the mount tree offers. Every failure stops the sandbox.
 */
void
sandbox_landlock_apply(const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 ruleset = -1;
	struct ll_ruleset_attr	 attr;
	const char		*p;
	char			 path[64];
	size_t			 size, i;
	unsigned int		 flags = 0;

	if (ll_abi == 0)
		sandbox_init_fail(0, "Landlock: not available");
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = ll_handled();
	size = sizeof(attr.handled_access_fs);
	if (ll_abi >= 6) {
		/*
		 * No abstract Unix socket or signal out of the domain: what
		 * the pid and network namespaces already cut off, and
		 * anything that still gets in (an nsenter by root).
		 */
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
		    LANDLOCK_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	ruleset = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset == -1)
		sandbox_init_fail(errno, "Landlock: create the ruleset (ABI"
		    " %d)", ll_abi);

	/* Read and execute the system binds; the root itself: nothing. */
	for (i = 0; (p = sandbox_mount_system_path(i)) != NULL; i++)
		ll_rule(ruleset, p, LL_READ | LL_EXEC);
	ll_rule(ruleset, "/tmp", LL_READ | LL_WRITE | LL_EXEC);
	ll_rule(ruleset, "/var/tmp", LL_READ | LL_WRITE | LL_EXEC);
	ll_rule(ruleset, "/run", LL_READ);
	ll_rule(ruleset, "/dev", LL_READ);
	for (i = 0; (p = sandbox_mount_dev_node(i)) != NULL; i++) {
		snprintf(path, sizeof(path), "/dev/%s", p);
		ll_rule(ruleset, path, LL_DEV);
	}
	ll_rule(ruleset, "/dev/pts", LL_READ | LL_DEV);
	ll_rule(ruleset, "/dev/shm", LL_READ | LL_WRITE | LL_EXEC);
	/* Read-only, writes to /proc/self/... included. */
	ll_rule(ruleset, "/proc", LL_READ);
	ll_rule(ruleset, "/sys", LL_READ);

	/* A cwd of "/" is the sandbox's own root: no rule for all of it. */
	switch (strcmp(spec->cwd, "/") == 0 ? -1 : spec->cwd_mode) {
	case CWD_RW:
		ll_rule(ruleset, spec->project, LL_READ | LL_WRITE | LL_EXEC);
		break;
	case CWD_RO:
		ll_rule(ruleset, spec->project, LL_READ | LL_EXEC);
		break;
	case CWD_NONE:
		ll_rule(ruleset, spec->cwd, LL_READ);
		break;
	default:
		break;
	}
	/*
	 * The private home and the caches bound into it (a read-only home
	 * gets no rule: it cannot even be listed); what is read-only
	 * below it (a read path, a read-only cwd) stays the mount's job, as
	 * a read path inside a write path does.
	 */
	if (spec->home_mode == HOME_PRIVATE)
		ll_rule(ruleset, spec->home, LL_READ | LL_WRITE | LL_EXEC);
	ll_rules(ruleset, spec->read, LL_READ | LL_EXEC);
	ll_rules(ruleset, spec->write, LL_READ | LL_WRITE | LL_EXEC);
	ll_rules_stdio(ruleset, spec);

	/*
	 * Log the command's denials too, not only init's own (the default
	 * stops at the first execve): they are the sandbox's violations.
	 */
	if (ll_abi >= 7)
		flags |= LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON;
	if (syscall(SYS_landlock_restrict_self, ruleset, flags) == -1)
		sandbox_init_fail(errno, "Landlock: restrict the sandbox");
}
