/*
 * greywalld's side of the netstack helper: start it, restart it when it
 * dies (its sandboxes' connections reset; none gets any other network),
 * hand it each sandbox's TUN fd with the sandbox's network settings, and
 * hand out the address slots. It also keeps the helper's picture of the
 * host current (netstack/net-hostcheck.c): the interface addresses, pushed on
 * every rtnetlink address change (the helper's seccomp filter allows no
 * netlink socket, and a poll would leave a new address open until the
 * next round), and the hosts file and resolv.conf, as fds, whenever a
 * stat every few seconds sees them change.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "greywalld.h"

#define FILES_INTERVAL		5	/* s between stats of the two files */
#define RESTART_BURST		5	/* restarts allowed ... */
#define RESTART_WINDOW		60	/* ... within this many seconds */
#define READ_BURST		256	/* helper messages per wakeup */

static uid_t		 ns_uid;
static gid_t		 ns_gid;
static pid_t		 ns_pid = -1;
static int		 ns_pidfd = -1, ns_fd = -1;
static struct event	*ns_ev, *ns_rev;
static uint64_t		 ns_bad;		/* refused helper messages */
static time_t		 ns_restarts[RESTART_BURST];
static unsigned int	 ns_nrestarts;	/* for gwctl status */
static uint8_t		 ns_slots[NET_SLOTS + 1];
static int		 ns_nlfd = -1;	/* rtnetlink address changes */
static struct event	*ns_nlev, *ns_filesev;
static struct stat	 ns_hosts_st, ns_resolv_st;	/* as last sent */

static int	netstack_spawn(void);
static int	netstack_send(const void *, size_t, int);

/*
 * A host connection to a sandbox's inbound port wants its other end: the
 * socket, or none (the helper resets the host connection).
 */
static void
netstack_inbound_answer(uint32_t id, uint32_t port, int fd)
{
	struct nsmsg	m;

	memset(&m, 0, sizeof(m));
	m.type = NSMSG_INBOUND;
	m.id = id;
	m.port = port;
	if (netstack_send(&m, sizeof(m), fd) == -1)
		log_warn("sandbox %u: port %u: cannot answer the netstack",
		    id, port);
	if (fd != -1)
		close(fd);
}

static void
netstack_inbound(struct sandbox *sb, uint32_t port)
{
	int	fd;

	if ((fd = sandbox_inbound_connect(sb, port)) == -1 &&
	    errno != ECONNREFUSED && errno != ENOENT)
		log_warn("sandbox %u: port %u: its end of a host connection",
		    sb->id, port);
	netstack_inbound_answer(sb->id, port, fd);
}

/*
 * Events, counters and inbound requests from the helper. It parses
 * packets the sandboxes write, so each message is checked like a
 * client's; a bad one is dropped and counted, a message for a sandbox
 * that is gone ignored (an inbound request is answered with none).
 */
static void
netstack_read_cb(int fd, short ev __unused, void *arg __unused)
{
	uint8_t			 buf[sizeof(struct frame_hdr) +
				    sizeof(union nsmsg_in)];
	struct frame_hdr	 hdr;
	union nsmsg_in		 m;
	struct sandbox		*sb;
	int			 i, type, r, rfd;

	for (i = 0; i < READ_BURST; i++) {
		r = frame_recv(fd, buf, sizeof(buf), &hdr, &rfd, MSG_DONTWAIT);
		if (r == 0 || (r == -1 && errno != EPROTO))
			return;
		/* No fd travels this way: frame_recv closed any with -1. */
		if (r == -1 || rfd != -1 || (type = nsmsg_in_parse(&hdr,
		    buf + sizeof(hdr), &m)) == -1) {
			if (rfd != -1)
				close(rfd);
			if (ns_bad++ == 0)
				log_warnx("netstack helper sent a malformed"
				    " message (type %u, %u bytes), ignoring"
				    " it", hdr.type, hdr.len);
			continue;
		}
		/* The id is the helper's word: only one that exists. */
		if ((sb = sandbox_find(m.ev.id)) == NULL || sb->net == NULL) {
			if (type == NSMSG_INBOUND)
				netstack_inbound_answer(m.in.id, m.in.port,
				    -1);
			continue;
		}
		if (type == NSMSG_INBOUND) {
			netstack_inbound(sb, m.in.port);
			continue;
		}
		if (type == NSMSG_COUNTERS) {
			sb->ev.bytes_out = m.cnt.bytes_out;
			sb->ev.bytes_in = m.cnt.bytes_in;
		}
		/* Same offset in both: events the helper could not send. */
		if (m.ev.dropped > 0) {
			sb->ev.count += m.ev.dropped;
			events_dropped(sb, m.ev.dropped);
		}
		if (type == NSMSG_EVENT)
			events_from_net(sb, &m.ev);
	}
}

int
netstack_slot_get(void)
{
	int	i;

	for (i = 1; i <= NET_SLOTS; i++) {
		if (!ns_slots[i]) {
			ns_slots[i] = 1;
			return (i);
		}
	}
	return (0);
}

void
netstack_slot_put(int slot)
{
	if (slot > 0 && slot <= NET_SLOTS)
		ns_slots[slot] = 0;
}

static int
netstack_send(const void *buf, size_t len, int fd)
{
	struct nsmsg	m;

	if (ns_fd == -1) {
		errno = ENOTCONN;
		return (-1);
	}
	/* The frame's type and id are the message's own. */
	memcpy(&m, buf, sizeof(m));
	return (frame_send(ns_fd, m.type, m.id, buf, len, fd, 0));
}

/*
 * Give the helper a sandbox's TUN fd and settings, then its inbound
 * ports' listening sockets (gw exec -p); greywalld keeps its copies for
 * a restarted helper. Connections wait in the backlog until then.
 */
int
netstack_attach(struct sandbox *sb)
{
	struct nsmsg	m;
	size_t		i;

	if (sb->net == NULL || sb->tunfd == -1)
		return (0);
	if (netstack_send(sb->net, sb->netlen, sb->tunfd) == -1) {
		log_warn("sandbox %u: cannot hand its TUN to the netstack",
		    sb->id);
		return (-1);
	}
	for (i = 0; i < sb->ninbound; i++) {
		if (sb->inbound_fd[i] < 0)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = NSMSG_LISTEN;
		m.id = sb->id;
		m.port = sb->inbound_port[i];
		if (netstack_send(&m, sizeof(m), sb->inbound_fd[i]) == -1) {
			log_warn("sandbox %u: cannot hand port %u to the"
			    " netstack", sb->id, sb->inbound_port[i]);
			return (-1);
		}
	}
	return (0);
}

void
netstack_detach(struct sandbox *sb)
{
	struct nsmsg	m;

	if (sb->net == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.type = NSMSG_DETACH;
	m.id = sb->id;
	if (sb->tunfd != -1)
		(void)netstack_send(&m, sizeof(m), -1);
}

/*
 * Every address of every interface, as the helper's host address list.
 * getifaddrs() is one rtnetlink dump: local, and quick.
 */
static int
netstack_push_addrs(void)
{
	struct ifaddrs	*ifa, *i;
	struct hostaddr	*v;
	struct nsmsg	*m;
	size_t		 n = 0, len;
	int		 rc;

	if (getifaddrs(&ifa) == -1)
		return (-1);
	len = sizeof(*m) + HOSTADDR_MAX * sizeof(*v);
	if ((m = calloc(1, len)) == NULL) {
		freeifaddrs(ifa);
		return (-1);
	}
	v = (struct hostaddr *)(m + 1);
	for (i = ifa; i != NULL && n < HOSTADDR_MAX; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			v[n].family = AF_INET;
			memcpy(v[n++].addr, &((struct sockaddr_in *)
			    i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			v[n].family = AF_INET6;
			memcpy(v[n++].addr, &((struct sockaddr_in6 *)
			    i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
	if (n == HOSTADDR_MAX)
		log_warnx("more than %d host addresses: the netstack knows"
		    " the first %d", HOSTADDR_MAX, HOSTADDR_MAX);
	m->type = NSMSG_HOSTADDRS;
	m->nstr = n;
	rc = netstack_send(m, sizeof(*m) + n * sizeof(*v), -1);
	free(m);
	return (rc);
}

/*
 * One of the host's name files, as an fd the helper reads: sent when it
 * changed since the last time (or always, with force). A missing file is
 * sent as none: the C library then has no entries either.
 */
static void
netstack_push_file(const char *path, uint32_t type, struct stat *last,
    int force)
{
	struct stat	 st;
	struct nsmsg	 m;
	int		 fd = -1;

	memset(&st, 0, sizeof(st));
	if (stat(path, &st) == -1 && errno != ENOENT) {
		log_warn("%s", path);
		return;
	}
	if (!force && st.st_dev == last->st_dev && st.st_ino == last->st_ino &&
	    st.st_size == last->st_size &&
	    st.st_mtim.tv_sec == last->st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == last->st_mtim.tv_nsec)
		return;
	if (st.st_ino != 0) {
		/* O_NONBLOCK: a FIFO put there must not stop greywalld. */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK)) == -1 || fstat(fd, &st) == -1 ||
		    !S_ISREG(st.st_mode)) {
			log_warnx("%s: not a readable regular file; the"
			    " netstack checks names without it", path);
			if (fd != -1)
				close(fd);
			fd = -1;
		}
	}
	memset(&m, 0, sizeof(m));
	m.type = type;
	if (netstack_send(&m, sizeof(m), fd) == 0)
		*last = st;
	if (fd != -1)
		close(fd);
}

static void
netstack_push_host(int force)
{
	if (ns_fd == -1)
		return;
	if (force && netstack_push_addrs() == -1)
		log_warn("cannot give the netstack the host's addresses");
	netstack_push_file(gw_conf.hosts_file, NSMSG_HOSTS, &ns_hosts_st,
	    force);
	netstack_push_file(gw_conf.resolv_conf, NSMSG_RESOLV, &ns_resolv_st,
	    force);
}

/* An address came or went: drain the notices, send the whole list. */
static void
netstack_nl_cb(int fd, short ev __unused, void *arg __unused)
{
	char	buf[8192];
	ssize_t	n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	    (n == -1 && (errno == EINTR || errno == ENOBUFS)))
		;
	if (ns_fd != -1 && netstack_push_addrs() == -1)
		log_warn("cannot give the netstack the host's addresses");
}

static void
netstack_files_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	netstack_push_host(0);
}

static int
netstack_watch(void)
{
	struct sockaddr_nl	 snl;
	struct timeval		 tv = { FILES_INTERVAL, 0 };

	if ((ns_nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, NETLINK_ROUTE)) == -1)
		return (-1);
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(ns_nlfd, (struct sockaddr *)&snl, sizeof(snl)) == -1 ||
	    (ns_nlev = event_new(gw_base, ns_nlfd, EV_READ | EV_PERSIST,
	    netstack_nl_cb, NULL)) == NULL || event_add(ns_nlev, NULL) == -1 ||
	    (ns_filesev = event_new(gw_base, -1, EV_PERSIST,
	    netstack_files_cb, NULL)) == NULL ||
	    event_add(ns_filesev, &tv) == -1)
		return (-1);
	return (0);
}

/* The helper's pid (-1: not running) and how often it was restarted. */
void
netstack_status(pid_t *pid, unsigned int *restarts)
{
	*pid = ns_pid;
	*restarts = ns_nrestarts;
}

static int
restart_allowed(void)
{
	time_t	now = time(NULL);

	if (ns_restarts[0] != 0 && now - ns_restarts[0] < RESTART_WINDOW)
		return (0);
	memmove(ns_restarts, ns_restarts + 1,
	    sizeof(ns_restarts) - sizeof(ns_restarts[0]));
	ns_restarts[RESTART_BURST - 1] = now;
	return (1);
}

static void
netstack_exit_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	struct sandbox	*sb;
	int		 status = 0;

	if (waitpid(ns_pid, &status, WNOHANG) == 0)
		return;
	if (WIFSIGNALED(status))
		log_warnx("netstack helper (pid %d) killed by signal %d",
		    (int)ns_pid, WTERMSIG(status));
	else
		log_warnx("netstack helper (pid %d) exited with status %d",
		    (int)ns_pid, WEXITSTATUS(status));
	event_free(ns_ev);
	ns_ev = NULL;
	if (ns_rev != NULL)
		event_free(ns_rev);
	ns_rev = NULL;
	close(ns_pidfd);
	close(ns_fd);
	ns_pidfd = ns_fd = -1;
	ns_pid = -1;
	if (!restart_allowed()) {
		log_warnx("netstack helper died %d times in %d s: not"
		    " restarting; sandboxes have no network", RESTART_BURST,
		    RESTART_WINDOW);
		return;
	}
	if (netstack_spawn() == -1) {
		log_warn("cannot restart the netstack helper; sandboxes have"
		    " no network");
		return;
	}
	ns_nrestarts++;
	log_info("netstack helper restarted (pid %d); open connections were"
	    " reset", (int)ns_pid);
	netstack_push_host(1);
	TAILQ_FOREACH(sb, &sandboxes, entry)
		netstack_attach(sb);
}

/*
 * In the child, between fork and exec: the helper gets its socket as fd
 * 3, stderr for its log and nothing else; an environment with only what
 * logging needs; default signals. It holds no copy of greywalld's memory
 * once the exec is done. Never returns.
 */
static void __attribute__((noreturn))
netstack_exec(int sock)
{
	static const int	 keep[] = { 2, 3 };
	char			 uid[16], gid[16];
	char			*argv[10], *envp[2];
	const char		*journal;
	char			 jbuf[64];
	sigset_t		 none;
	size_t			 n = 0;
	int			 sig;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sock != 3) {
		if (dup2(sock, 3) == -1)
			_exit(127);
	} else if (fcntl(3, F_SETFD, 0) == -1)
		_exit(127);
	if (fd_close_except(keep, nitems(keep)) == -1)
		_exit(127);
	snprintf(uid, sizeof(uid), "%u", (unsigned)ns_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)ns_gid);
	argv[n++] = (char *)"gw-netstack";
	argv[n++] = (char *)"--uid";
	argv[n++] = uid;
	argv[n++] = (char *)"--gid";
	argv[n++] = gid;
	if (gw_conf.log_stderr)
		argv[n++] = (char *)"--stderr";
	if (gw_conf.log_verbose)
		argv[n++] = (char *)"--verbose";
	argv[n] = NULL;
	n = 0;
	if ((journal = getenv("JOURNAL_STREAM")) != NULL &&
	    (size_t)snprintf(jbuf, sizeof(jbuf), "JOURNAL_STREAM=%s",
	    journal) < sizeof(jbuf))
		envp[n++] = jbuf;
	envp[n] = NULL;
	execve(gw_conf.netstack_path, argv, envp);
	log_warn("netstack: cannot execute '%s'", gw_conf.netstack_path);
	_exit(127);
}

static int
netstack_spawn(void)
{
	if ((ns_pid = child_fork(netstack_exec, NULL, &ns_fd)) == -1)
		return (-1);
	if ((ns_pidfd = syscall(SYS_pidfd_open, ns_pid, 0)) == -1 ||
	    (ns_ev = event_new(gw_base, ns_pidfd, EV_READ, netstack_exit_cb,
	    NULL)) == NULL || event_add(ns_ev, NULL) == -1 ||
	    (ns_rev = event_new(gw_base, ns_fd, EV_READ | EV_PERSIST,
	    netstack_read_cb, NULL)) == NULL ||
	    event_add(ns_rev, NULL) == -1) {
		if (ns_ev != NULL)
			event_free(ns_ev);
		ns_ev = NULL;
		if (ns_rev != NULL)
			event_free(ns_rev);
		ns_rev = NULL;
		kill(ns_pid, SIGKILL);
		waitpid(ns_pid, NULL, 0);
		ns_pid = -1;
		close(ns_fd);
		ns_fd = -1;
		if (ns_pidfd != -1)
			close(ns_pidfd);
		ns_pidfd = -1;
		return (-1);
	}
	return (0);
}

/*
 * The helper starts as root (it confines itself before it drops to its
 * user): only a root-owned program nobody else can write may be run so.
 */
static int
netstack_check_program(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		log_warn("the netstack helper '%s'", path);
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (st.st_mode & S_IXUSR) == 0) {
		log_warnx("the netstack helper '%s' must be a root-owned"
		    " executable file that only root can write", path);
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/* At startup: a missing user is a configuration error, not a fallback. */
int
netstack_start(void)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(gw_conf.net_user)) == NULL) {
		log_warnx("the netstack user '%s' does not exist (create it,"
		    " or name another with --net-user)", gw_conf.net_user);
		errno = ENOENT;
		return (-1);
	}
	if (pw->pw_uid == 0) {
		log_warnx("the netstack user '%s' is root; it must be an"
		    " unprivileged system user", gw_conf.net_user);
		errno = EPERM;
		return (-1);
	}
	ns_uid = pw->pw_uid;
	ns_gid = pw->pw_gid;
	if (netstack_check_program(gw_conf.netstack_path) == -1)
		return (-1);
	/* Watch first: no address change between the list and the watch. */
	if (netstack_watch() == -1) {
		log_warn("cannot watch the host's addresses");
		return (-1);
	}
	if (netstack_spawn() == -1)
		return (-1);
	netstack_push_host(1);
	log_info("netstack helper started (pid %d, user %s)", (int)ns_pid,
	    gw_conf.net_user);
	return (0);
}

/* At shutdown. */
void
netstack_stop(void)
{
	if (ns_nlev != NULL)
		event_free(ns_nlev);
	if (ns_filesev != NULL)
		event_free(ns_filesev);
	ns_nlev = ns_filesev = NULL;
	if (ns_nlfd != -1)
		close(ns_nlfd);
	ns_nlfd = -1;
	if (ns_pid == -1)
		return;
	if (ns_ev != NULL)
		event_free(ns_ev);
	ns_ev = NULL;
	if (ns_rev != NULL)
		event_free(ns_rev);
	ns_rev = NULL;
	close(ns_fd);
	kill(ns_pid, SIGTERM);
	waitpid(ns_pid, NULL, 0);
	close(ns_pidfd);
	ns_pid = -1;
}
