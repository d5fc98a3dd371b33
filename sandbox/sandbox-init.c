/*
 * The sandbox's init: pid 1 of its pid namespace. It builds the sandbox
 * (mounts, namespaces, credentials), forks the command, forwards the
 * signals the daemon relays, reaps orphans, and reports how the command
 * ended. When the command exits, init exits, and the kernel kills
 * whatever the command left behind in the pid namespace.
 *
 * Init must stay pid 1 rather than exec the command: the kernel drops
 * signals from outside the namespace that pid 1 has no handler for, so a
 * plain command as pid 1 would ignore a forwarded SIGINT.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static int	init_statusfd = -1;

/* greywalld --timing only: marks is NULL otherwise. */
void
sandbox_mark(uint64_t *marks, enum sandbox_mark m)
{
	struct timespec	ts;

	if (marks == NULL || m >= MARK__MAX)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	marks[m] = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Signals init forwards to the command; SIGCHLD tells it to reap. */
static const int init_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
	SIGCONT, SIGCHLD
};

static void
init_send(const struct init_msg *m)
{
	init_msg_send(init_statusfd, m, -1, 0);
}

/* Hand the TUN device to the daemon, which passes it to the netstack. */
static void
init_send_tun(int fd)
{
	struct init_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = INIT_MSG_TUN;
	if (init_msg_send(init_statusfd, &m, fd, 0) == -1)
		sandbox_init_fail(errno, "hand the TUN device to greywalld");
}

/* Report a failed setup step to the daemon and give up. */
void
sandbox_init_fail(int err, const char *fmt, ...)
{
	struct init_msg	m;
	va_list		ap;
	int		n;

	memset(&m, 0, sizeof(m));
	m.type = INIT_MSG_FAIL;
	va_start(ap, fmt);
	n = vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (err != 0 && n >= 0 && (size_t)n < sizeof(m.text))
		snprintf(m.text + n, sizeof(m.text) - n, ": %s", strerror(err));
	init_send(&m);
	_exit(1);
}

static void
init_report_exit(uint32_t how, int code)
{
	struct init_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = INIT_MSG_EXITED;
	m.how = how;
	m.code = code;
	init_send(&m);
}

/*
 * A fresh audit session for the sandbox: the kernel gives one with a new
 * loginuid, and every record of the sandbox's processes carries it, so
 * greywalld can tell them from the rest of the host's (audit.c). Best
 * effort: a kernel that locks loginuids still has the cgroup to go by.
 */
static void
init_audit_session(uid_t uid)
{
	char	buf[16];
	int	fd, n;

	if ((fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC)) == -1)
		return;
	n = snprintf(buf, sizeof(buf), "%u", (unsigned)uid);
	if (write(fd, buf, n) != n) {
		/* Nothing else to do: events fall back to the cgroup. */
	}
	close(fd);
}

static void
noop_handler(int sig __unused)
{
}

/*
 * What init inherits from greywalld and must undo: the signals it ignores
 * (clone3's CLONE_CLEAR_SIGHAND keeps those) and its bounding set. They
 * do not change once greywalld is set up, so it reads them then, once
 * (sandbox_inherit_snapshot()), and no start pays for a read of
 * /proc/self/status and its page faults. Until then every bit is set:
 * init resets every disposition and drops every capability in turn.
 */
static unsigned long long	inherit_sigign = ~0ULL;
static unsigned long long	inherit_capbnd = ~0ULL;

void
sandbox_inherit_snapshot(void)
{
	struct sigaction	 sa;
	unsigned long long	 ign = 0;
	int			 sig;

	for (sig = 1; sig < NSIG && sig <= 64; sig++)
		if (sigaction(sig, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			ign |= 1ULL << (sig - 1);
	inherit_sigign = ign;
	inherit_capbnd = sandbox_creds_bounding();
}

unsigned long long
sandbox_inherited_capbnd(void)
{
	return (inherit_capbnd);
}

/*
 * Start from a clean signal state: the daemon's dispositions mean nothing
 * here. clone3(CLONE_CLEAR_SIGHAND) already reset every handler to the
 * default; what it keeps is what greywalld ignores (SIGPIPE, and what it
 * inherited ignored). The mask is set to block what init forwards.
 */
static void
init_reset_signals(const sigset_t *mask)
{
	struct sigaction	 sa;
	int			 sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG && sig <= 64; sig++)
		if (inherit_sigign & (1ULL << (sig - 1)))
			sigaction(sig, &sa, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

/*
 * The signals init forwards. The daemon blocks them around clone, so init
 * starts with them blocked: pid 1 drops a signal it neither blocks nor
 * handles, and a relayed Ctrl-C can arrive while the sandbox is still
 * being built.
 */
void
sandbox_init_sigset(sigset_t *set)
{
	size_t	i;

	sigemptyset(set);
	for (i = 0; i < nitems(init_signals); i++)
		sigaddset(set, init_signals[i]);
}

/*
 * Find and exec the command the way a shell does, so "not found" (127)
 * and "found but not executable" (126) can be told apart: execvp()
 * reports EACCES for a missing command when any PATH entry is not
 * searchable.
 */
static int
init_execvpe(char *const argv[], char *const envp[])
{
	const char	*path = NULL, *p, *end;
	char		 buf[PATH_MAX];
	struct stat	 st;
	int		 i, err = ENOENT;
	size_t		 dl;

	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], argv, envp);
		return (errno);
	}
	for (i = 0; envp[i] != NULL; i++)
		if (str_has_prefix(envp[i], "PATH="))
			path = envp[i] + 5;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dl = end - p;
		if (dl == 0) {
			p = ".";
			dl = 1;
		}
		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)dl, p,
		    argv[0]) < sizeof(buf) && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			execve(buf, argv, envp);
			/* Remember it, but a later entry may still work. */
			err = errno;
		}
		if (*end == '\0')
			break;
	}
	return (err);
}

/*
 * In the forked command: stdio from the client or the pty, nothing else,
 * then exec. A new session either way; with a pty, the slave becomes its
 * controlling terminal, so the command and any shell in it have job
 * control and a /dev/tty that is this pty.
 */
static void __attribute__((noreturn))
init_exec_command(struct sandbox_spec *spec, int errfd, int protfd)
{
	struct sigaction	sa;
	sigset_t		none;
	int			err, i, keep[2];

	/*
	 * Init reset every disposition when it started and then caught
	 * only init_signals: those go back to the default (before they
	 * are unblocked, so a signal forwarded now is not lost on the
	 * no-op handler), and exec does the rest.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < (int)nitems(init_signals); i++)
		sigaction(init_signals[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(spec->umask);
	if (setsid() == -1)
		goto fail;
	if (spec->ptyslave >= 0 && ioctl(spec->ptyslave, TIOCSCTTY, 0) == -1)
		goto fail;
	for (i = 0; i < 3; i++)
		if (dup2(spec->fds[i] >= 0 ? spec->fds[i] : spec->ptyslave,
		    i) == -1)
			goto fail;
	/* Only the exec-error pipe (close-on-exec) stays open. */
	keep[0] = errfd;
	keep[1] = protfd;
	if (fd_close_except(keep, protfd >= 0 ? 2 : 1) == -1)
		goto fail;
	/* Last: from here on, init supervises creating and writing calls. */
	if (protfd >= 0) {
		if (sandbox_protect_install(protfd) == -1)
			goto fail;
		close(protfd);
	}
	sandbox_mark(spec->marks, MARK_CHILD_EXEC);
	errno = init_execvpe(spec->argv, spec->envp);
fail:
	err = errno;
	/* Nothing more can be done if this write fails: init sees EOF. */
	if (write(errfd, &err, sizeof(err)) != sizeof(err))
		_exit(127);
	_exit(127);
}

/*
 * The command is gone: kill and reap everything else in the pid
 * namespace before reporting, so that when greywalld passes the status
 * on to gw (at once, sandbox.c), nothing of the sandbox but init is left.
 */
static void
init_kill_rest(void)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

struct cmd_arg {
	struct sandbox_spec	*spec;
	int			*errpipe;
	int			*prot;
};

static int
init_command_main(void *arg)
{
	struct cmd_arg	*a = arg;

	close(a->errpipe[0]);
	if (a->prot[0] >= 0)
		close(a->prot[0]);
	init_exec_command(a->spec, a->errpipe[1], a->prot[1]);
}

/*
 * Start the command the way posix_spawn does: a child sharing init's
 * memory (no copy of its page tables, no copy-on-write faults after),
 * on a stack of its own, while init waits until it has exec'd or failed.
 * It has its own fd table and signal handlers. Returns its pid or -1.
 * The stack stays mapped until init exits: init resumes while the exec
 * may still run on the old page tables, and an unmap then would stop
 * that CPU for a TLB flush.
 */
static pid_t
init_spawn_command(struct sandbox_spec *spec, int *errpipe, int *prot)
{
	struct cmd_arg	 a = { spec, errpipe, prot };
	const size_t	 len = 256 * 1024;
	void		*stack;

	stack = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return (-1);
	return (clone(init_command_main, (char *)stack + len, CLONE_VM |
	    CLONE_VFORK | SIGCHLD, &a));
}

static void __attribute__((noreturn))
init_loop(pid_t cmd, int sigfd, int exec_failed, int listener,
    uint64_t *marks)
{
	struct signalfd_siginfo	 si;
	struct pollfd		 pfd[3];
	pid_t			 pid;
	int			 wstatus;

	pfd[0].fd = sigfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = init_statusfd;
	pfd[1].events = POLLIN;
	/* The protected paths' supervisor (sandbox-protect-supervise.c), or -1. */
	pfd[2].fd = listener;
	pfd[2].events = POLLIN;
	for (;;) {
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		/* The daemon closed its end or died: take everything down. */
		if (pfd[1].revents != 0)
			_exit(1);
		if (pfd[2].revents & POLLIN)
			sandbox_protect_serve(listener);
		else if (pfd[2].revents != 0) {
			/* No process is left under the filter. */
			close(listener);
			pfd[2].fd = -1;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			/* To the command's group, as a terminal would. */
			if (kill(-cmd, si.ssi_signo) == -1)
				kill(cmd, si.ssi_signo);
			continue;
		}
		while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
			if (pid != cmd)
				continue;
			sandbox_mark(marks, MARK_INIT_CMDEXIT);
			init_kill_rest();
			if (!exec_failed) {
				if (WIFSIGNALED(wstatus))
					init_report_exit(GW_EXIT_SIGNAL,
					    WTERMSIG(wstatus));
				else
					init_report_exit(GW_EXIT_CODE,
					    WEXITSTATUS(wstatus));
			}
			_exit(0);
		}
	}
}

/*
 * Init moves itself into its v1 cgroups (the directories greywalld made,
 * inherited as fds), first thing, then makes those the root of a new
 * cgroup namespace. The move waits on the kernel's cgroup lock, here in
 * init rather than in greywalld's loop, where every other start would
 * wait behind it.
 */
static void
init_place_self(const struct sandbox_spec *spec)
{
	int	i, fd;

	for (i = 0; i < (int)nitems(spec->cgroup_v1); i++) {
		if (spec->cgroup_v1[i] < 0)
			continue;
		if ((fd = openat(spec->cgroup_v1[i], "cgroup.procs",
		    O_WRONLY | O_CLOEXEC)) == -1 || write(fd, "0", 1) != 1)
			sandbox_init_fail(errno, "enter its v1 cgroups");
		close(fd);
	}
	if (unshare(CLONE_NEWCGROUP) == -1)
		sandbox_init_fail(errno, "unshare the cgroup namespace");
}

void
sandbox_init_run(struct sandbox_spec *spec)
{
	struct sigaction	 sa;
	sigset_t		 set;
	int			 keep[GW_FD_ROLE_MAX + 6], errpipe[2], sigfd;
	int			 devnull, i, err, prot[2] = { -1, -1 };
	int			 listener = -1;
	ssize_t			 n;
	pid_t			 cmd;

	sandbox_mark(spec->marks, MARK_INIT);
	init_statusfd = spec->statusfd;
	spec->ptyslave = -1;
	/* A prepared network namespace, its TUN already with greywalld. */
	if (spec->netnsfd >= 0) {
		if (setns(spec->netnsfd, CLONE_NEWNET) == -1)
			sandbox_init_fail(errno, "join the prepared network"
			    " namespace");
		close(spec->netnsfd);
		spec->netnsfd = -1;
	}
	/* And the rest of the prepared set: the base of the tree is built. */
	if (spec->mntnsfd >= 0) {
		if (setns(spec->mntnsfd, CLONE_NEWNS) == -1 ||
		    setns(spec->ipcnsfd, CLONE_NEWIPC) == -1 ||
		    setns(spec->utsnsfd, CLONE_NEWUTS) == -1)
			sandbox_init_fail(errno, "join the prepared"
			    " namespaces");
		close(spec->mntnsfd);
		close(spec->ipcnsfd);
		close(spec->utsnsfd);
		spec->mntnsfd = spec->ipcnsfd = spec->utsnsfd = -1;
		spec->tree_prepared = 1;
	}
	sandbox_mark(spec->marks, MARK_INIT_NETNS);
	sandbox_init_sigset(&set);
	init_reset_signals(&set);
	/* If the daemon dies, so does the sandbox. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sandbox_mark(spec->marks, MARK_INIT_SIGNALS);
	if (spec->cgroup_hold)
		init_place_self(spec);
	sandbox_mark(spec->marks, MARK_INIT_CGV1);
	init_audit_session(spec->uid);

	/* Keep only what this sandbox needs: no other client's fds. */
	for (i = 0; i < GW_FD_ROLE_MAX; i++)
		keep[i] = spec->fds[i];
	keep[i++] = spec->statusfd;
	keep[i++] = spec->cwdtree;
	keep[i++] = spec->storefd;
	/* The review's lock stays with init until it exits. */
	keep[i++] = spec->review_upper;
	keep[i++] = spec->review_work;
	keep[i++] = spec->review_lock;
	if (fd_close_except(keep, i) == -1)
		sandbox_init_fail(errno, "close inherited fds");
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "open /dev/null");
	for (i = 0; i < 3; i++)
		if (dup2(devnull, i) == -1)
			sandbox_init_fail(errno, "dup2 /dev/null");
	close(devnull);
	sandbox_mark(spec->marks, MARK_INIT_PLACED);

	/*
	 * The peer's groups count in every lookup made as the peer while the
	 * tree is built (sandbox-mount.c switches fsuid and fsgid).
	 */
	if (setgroups(spec->ngroups, spec->groups) == -1)
		sandbox_init_fail(errno, "set supplementary groups");

	/* While the host's /dev/net/tun is still in reach. */
	if (spec->net_slot > 0 && !spec->net_prepared) {
		int tun = sandbox_tun_create(spec->net_slot, spec->net_ipv6);

		init_send_tun(tun);
		close(tun);
	}
	sandbox_mark(spec->marks, MARK_INIT_TUN);

	sandbox_mount_setup(spec);
	sandbox_mount_close_late(spec->cwdtree);
	if (spec->storefd >= 0)
		close(spec->storefd);
	spec->storefd = -1;
	if (spec->review_upper >= 0)
		close(spec->review_upper);
	if (spec->review_work >= 0)
		close(spec->review_work);
	spec->review_upper = spec->review_work = -1;
	sandbox_mark(spec->marks, MARK_INIT_MOUNT);
	sandbox_ns_setup(!spec->tree_prepared, !spec->net_prepared);
	sandbox_creds_drop(spec);
	sandbox_mark(spec->marks, MARK_INIT_CREDS);
	/* Needs no_new_privs, set just above; before seccomp, which is last. */
	if (spec->landlock)
		sandbox_landlock_apply(spec);
	sandbox_mark(spec->marks, MARK_INIT_LANDLOCK);
	/* A session keyring of its own, not the daemon's. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1)
		sandbox_init_fail(errno, "join a new session keyring");
	/* Changing credentials cleared these; set them again. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/*
	 * pid 1 only receives signals it has a handler for, so install a
	 * no-op handler and then collect them through a signalfd.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	for (i = 0; i < (int)nitems(init_signals); i++)
		sigaction(init_signals[i], &sa, NULL);
	if ((sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "signalfd");
	/* As the peer, in the new root; init closes the master at once. */
	if (spec->pty)
		spec->ptyslave = sandbox_pty_open(spec);

	/* Last: init and the command both run under the filter. */
	sandbox_seccomp_apply(spec);
	sandbox_mark(spec->marks, MARK_INIT_SECCOMP);

	if (pipe2(errpipe, O_CLOEXEC) == -1)
		sandbox_init_fail(errno, "pipe");
	if (spec->protect) {
		sandbox_protect_supervise_init(spec);
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    prot) == -1)
			sandbox_init_fail(errno, "socketpair");
	}
	if ((cmd = init_spawn_command(spec, errpipe, prot)) == -1)
		sandbox_init_fail(errno, "fork the command");
	close(errpipe[1]);
	if (spec->protect) {
		close(prot[1]);
		if ((listener = sandbox_protect_listener(prot[0])) == -1) {
			kill(cmd, SIGKILL);
			sandbox_init_fail(errno, "filesystem.protected: the"
			    " command's seccomp listener");
		}
		close(prot[0]);
	}
	/* Only the command holds its stdio and the pty slave now. */
	for (i = 0; i < 3; i++)
		if (spec->fds[i] >= 0)
			close(spec->fds[i]);
	close(spec->fds[GW_FD_CWD]);
	if (spec->ptyslave >= 0)
		close(spec->ptyslave);

	/* EOF means exec succeeded; an errno means it did not. */
	do {
		n = read(errpipe[0], &err, sizeof(err));
	} while (n == -1 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof(err))
		init_report_exit(GW_EXIT_EXEC, err);
	sandbox_mark(spec->marks, MARK_INIT_EXECOK);
	init_loop(cmd, sigfd, n == sizeof(err), listener, spec->marks);
}
