/*
 * Namespaces: fork the sandbox's init into new mount, pid, net, ipc, uts
 * and cgroup namespaces, and give the new uts and net namespaces their
 * only settings (a hostname, loopback up).
 *
 * The daemon forks as root without a user namespace, so every namespace
 * is owned by the initial user namespace: the user's other processes
 * cannot setns() into them or ptrace their init.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/sched.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"


/*
 * clone3 with CLONE_PIDFD: the daemon watches the pidfd instead of
 * handling SIGCHLD, and signals through it so a recycled pid can never be
 * hit. With CLONE_INTO_CGROUP the child starts in its own cgroup, which
 * becomes the root of its new cgroup namespace. When init must first be
 * put into v1 cgroups (spec->cgroup_hold), it enters them and unshares its cgroup
 * namespace itself once it is there. Returns the child's pid in the
 * parent; the child never returns.
 */
pid_t
sandbox_ns_spawn(struct sandbox_spec *spec, int *ret_pidfd)
{
	struct clone_args	args;
	sigset_t		set, old;
	int			pidfd = -1, saved_errno;
	long			pid;

	memset(&args, 0, sizeof(args));
	/* Handlers back to the default: init resets only what is ignored. */
	args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
	    CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_PIDFD |
	    CLONE_CLEAR_SIGHAND;
	if (spec->cgroup_hold)
		args.flags &= ~(uint64_t)CLONE_NEWCGROUP;
	/* Init joins prepared ones first thing (sandbox_init_run). */
	if (spec->netnsfd >= 0)
		args.flags &= ~(uint64_t)CLONE_NEWNET;
	if (spec->mntnsfd >= 0)
		args.flags &= ~(uint64_t)(CLONE_NEWNS | CLONE_NEWIPC |
		    CLONE_NEWUTS);
	if (spec->cgroupfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = spec->cgroupfd;
	}
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;

	/* The child inherits this mask; see sandbox_init_sigset(). */
	sandbox_init_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		sandbox_init_run(spec);
	saved_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = saved_errno;
		return (-1);
	}
	*ret_pidfd = pidfd;
	return (pid);
}

/* Loopback up: no other interface exists in a new network namespace. */
static void
ns_loopback_up(void)
{
	_cleanup_close_ int	 s = -1;
	struct ifreq		 ifr;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		sandbox_init_fail(errno, "bring up loopback: socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		sandbox_init_fail(errno, "bring up loopback: SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		sandbox_init_fail(errno, "bring up loopback: SIOCSIFFLAGS");
}

/*
 * Hostname for a uts namespace, and loopback for a network namespace,
 * that init made itself (prepared ones have both already).
 */
void
sandbox_ns_setup(int hostname, int loopback)
{
	if (hostname &&
	    sethostname(SANDBOX_HOSTNAME, strlen(SANDBOX_HOSTNAME)) == -1)
		sandbox_init_fail(errno, "set the hostname");
	if (loopback)
		ns_loopback_up();
}

/* One namespace of the calling process, as an fd, to send; or exit. */
static void
ns_send(int sock, char c, const char *name)
{
	char	path[32];
	int	fd;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fd_sendmsg(sock, &c, 1, fd) != 1)
		_exit(1);
	close(fd);
}

/*
 * Prepare the namespaces of a sandbox with network ahead of any request
 * (daemon/netns-pool.c), in a child of greywalld: new network, mount,
 * ipc and uts namespaces; loopback up and the TUN device configured for
 * slot; the base of the mount tree (sandbox_mount_prepare: the system
 * binds, /dev, the tmpfs mounts, sysfs, nothing of any request); the
 * hostname. Then the TUN fd and each namespace's fd are sent over sock,
 * one message each, and it exits. Nothing of a user runs in them before
 * a sandbox's init joins them, and only greywalld holds them. On any
 * failure the child exits without sending all, and greywalld makes the
 * namespaces in init as before.
 */
void
sandbox_ns_prepare(int slot, int ipv6, gid_t tty_gid, int sock)
{
	int	tun;
	char	c;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* No copy of greywalld's clients', sandboxes' or signal fds. */
	if (fd_close_except(&sock, 1) == -1 || unshare(CLONE_NEWNET |
	    CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) == -1)
		_exit(1);
	/* sandbox_init_fail() in here has no status socket: it exits. */
	ns_loopback_up();
	sandbox_ns_setup(1, 0);
	tun = sandbox_tun_create(slot, ipv6);
	/* In the new mount namespace only: its mounts are made private. */
	sandbox_mount_prepare(tty_gid);
	c = 'T';
	if (fd_sendmsg(sock, &c, 1, tun) != 1)
		_exit(1);
	ns_send(sock, 'N', "net");
	ns_send(sock, 'M', "mnt");
	ns_send(sock, 'I', "ipc");
	ns_send(sock, 'U', "uts");
	_exit(0);
}
