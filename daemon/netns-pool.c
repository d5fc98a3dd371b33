/*
 * A small pool of prepared namespaces, so that a sandbox with network
 * does not pay for its namespaces, its TUN device and the base of its
 * mount tree while its user waits.
 *
 * Each entry is made by a short-lived child (sandbox_ns_prepare()) of
 * the preparers' parent, which greywalld forks once at start-up and asks
 * for one at a time: greywalld itself never forks for the pool, which
 * cost its loop a fork of its whole address space (1.2 ms here) and a
 * copy-on-write fault for each page it wrote after, per start. The
 * child makes a network namespace with loopback up and the
 * TUN configured for an address slot reserved for it; a mount namespace
 * with the base of the tree built (the system binds, /dev, tmpfs mounts,
 * sysfs: the same for every sandbox, nothing of a request); ipc and uts
 * namespaces. greywalld holds their fds and the TUN's, nothing else does:
 * no name under /run/netns, no process in them. A sandbox takes one
 * entry, its init joins the namespaces, and the entry is gone: an entry
 * is never given to a second sandbox, and the slot goes back only when
 * that sandbox ends.
 *
 * The mount namespace is a copy of greywalld's as it was when the entry
 * was made, and a sandbox opens policy paths by name in it: any change
 * to greywalld's mount table (POLLPRI on /proc/self/mountinfo) discards
 * every entry, so a sandbox sees the host's mounts as of its start, as
 * one whose init makes its own namespace does. The same for the copy of
 * the host's /etc/hosts each entry holds (inotify on /etc). The pool
 * refills one entry at a time, only after an entry was taken (a zero timer, so the child is
 * forked after the request that took it has been answered): idle, it
 * costs no CPU. After PREP_FAILS_MAX failed children in a row it stops
 * and logs why; sandboxes then make their namespace in init, as without
 * a pool.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "greywalld.h"

#define POOL_MAX	32
#define PREP_FAILS_MAX	3

struct pool_entry {
	int	nsfd[PREP__MAX];	/* net, mnt, ipc, uts */
	int	tunfd;
	int	slot;
	int	ipv6;
};

/* What the preparer sends, in this order after the TUN ('T'). */
static const char prep_kind[PREP__MAX] = { 'N', 'M', 'I', 'U' };

static struct pool_entry pool[POOL_MAX];
static int		 npool;
static int		 pool_ipv6 = 1;	/* of the last request that wanted one */
static int		 prep_fails;
static struct event	*ev_refill;
static int		 stopping;
static int		 mountinfo_fd = -1, mountinfo_ep = -1;
static struct event	*ev_mountinfo;
static int		 hosts_fd = -1;
static struct event	*ev_hosts;

/* The preparers' parent, and what greywalld asks it for. */
static pid_t		 parent_pid = -1;
static int		 parent_fd = -1;
struct prep_req {
	int32_t		 slot;
	int32_t		 ipv6;
	uint32_t	 tty_gid;
};

/* The one child at work, if any. */
static struct {
	int		 busy;
	int		 fd;
	struct event	*ev;
	int		 stale;		/* the host's mounts changed meanwhile */
	struct pool_entry e;
} prep = { 0, -1, NULL, 0, { { -1, -1, -1, -1 }, -1, 0, 0 } };

static void	netns_pool_refill(void);

static void
entry_init(struct pool_entry *e)
{
	int	i;

	for (i = 0; i < PREP__MAX; i++)
		e->nsfd[i] = -1;
	e->tunfd = -1;
	e->slot = 0;
}

static void
entry_close(struct pool_entry *e)
{
	int	i;

	for (i = 0; i < PREP__MAX; i++)
		if (e->nsfd[i] >= 0)
			close(e->nsfd[i]);
	closer_close(e->tunfd);
	netstack_slot_put(e->slot);
	entry_init(e);
}

static int
entry_complete(const struct pool_entry *e)
{
	int	i;

	for (i = 0; i < PREP__MAX; i++)
		if (e->nsfd[i] < 0)
			return (0);
	return (e->tunfd >= 0);
}

/* The child is done (every fd came) or gave up (EOF first). */
static void
prep_end(int ok)
{
	int	stale = prep.stale;

	if (prep.ev != NULL)
		event_free(prep.ev);
	prep.ev = NULL;
	/* It exits after its last message, or at its next one (EPIPE). */
	close(prep.fd);
	prep.fd = -1;
	prep.busy = 0;
	prep.stale = 0;
	if (ok && stale) {
		/* Made from mounts that have changed since: not used. */
		entry_close(&prep.e);
	} else if (ok) {
		pool[npool++] = prep.e;
		prep_fails = 0;
	} else {
		entry_close(&prep.e);
		if (!stopping && ++prep_fails == PREP_FAILS_MAX)
			log_warnx("netns pool: %d namespaces in a row could not"
			    " be prepared; sandboxes make their own from now"
			    " on", PREP_FAILS_MAX);
	}
	entry_init(&prep.e);
	netns_pool_refill();
}

static void
prep_cb(int fd, short ev __unused, void *arg __unused)
{
	char	c;
	ssize_t	n;
	int	rfd, i;

	n = fd_recvmsg(fd, &c, 1, &rfd, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != 1 || rfd == -1) {
		if (n > 0 && rfd != -1)
			close(rfd);
		prep_end(0);
		return;
	}
	if (c == 'T' && prep.e.tunfd == -1) {
		prep.e.tunfd = rfd;
		rfd = -1;
	}
	for (i = 0; i < PREP__MAX && rfd != -1; i++)
		if (c == prep_kind[i] && prep.e.nsfd[i] == -1) {
			prep.e.nsfd[i] = rfd;
			rfd = -1;
		}
	if (rfd != -1) {
		close(rfd);
		prep_end(0);
		return;
	}
	if (entry_complete(&prep.e))
		prep_end(1);
}

/*
 * The preparers' parent: a copy of greywalld from its start-up that only
 * forks. Each request brings one end of a socket pair; its child makes
 * the namespaces and sends them over it to greywalld, and the kernel
 * reaps it. It exits when greywalld closes its end, and a child at work
 * then dies with it (sandbox_ns_prepare() sets PR_SET_PDEATHSIG).
 */
static void __attribute__((noreturn))
prep_parent_main(int sock)
{
	struct prep_req	 q;
	ssize_t		 n;
	int		 fd;

	signal(SIGCHLD, SIG_IGN);
	if (fd_close_except(&sock, 1) == -1)
		_exit(1);
	for (;;) {
		n = fd_recvmsg(sock, &q, sizeof(q), &fd, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 && fd == -1)
			_exit(0);
		if (n == sizeof(q) && fd != -1 && fork() == 0) {
			signal(SIGCHLD, SIG_DFL);
			sandbox_ns_prepare(q.slot, q.ipv6, q.tty_gid, fd);
		}
		/* A failed fork: greywalld sees the end of the socket. */
		if (fd != -1)
			close(fd);
	}
}

/* Ask for one set if the pool is short and none is being made. */
static void
netns_pool_refill(void)
{
	struct prep_req	q;
	struct iovec	iov;
	int		sp[2], slot;

	if (stopping || prep.busy || npool >= (int)gw_conf.netns_pool ||
	    prep_fails >= PREP_FAILS_MAX || parent_fd == -1)
		return;
	if ((slot = netstack_slot_get()) == 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("netns pool: socketpair");
		netstack_slot_put(slot);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.slot = slot;
	q.ipv6 = pool_ipv6;
	q.tty_gid = sandbox_tty_gid();
	iov.iov_base = &q;
	iov.iov_len = sizeof(q);
	if (fd_sendmsgv(parent_fd, &iov, 1, sp[1], MSG_DONTWAIT) !=
	    (ssize_t)sizeof(q)) {
		log_warn("netns pool: the preparers' parent is gone;"
		    " sandboxes make their own namespaces from now on");
		close(parent_fd);
		parent_fd = -1;
		close(sp[0]);
		close(sp[1]);
		netstack_slot_put(slot);
		return;
	}
	close(sp[1]);
	prep.busy = 1;
	prep.fd = sp[0];
	entry_init(&prep.e);
	prep.e.slot = slot;
	prep.e.ipv6 = pool_ipv6;
	if ((prep.ev = event_new(gw_base, prep.fd, EV_READ | EV_PERSIST,
	    prep_cb, NULL)) == NULL || event_add(prep.ev, NULL) == -1) {
		log_warnx("netns pool: cannot watch the child; sandboxes make"
		    " their own namespaces from now on");
		prep_fails = PREP_FAILS_MAX;
		prep_end(0);
	}
}

static void
refill_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	netns_pool_refill();
}

/*
 * Every entry goes, and the one being made when it is done (a reload:
 * the group of terminals may be another; the host's mounts changed).
 */
void
netns_pool_flush(void)
{
	int	i;

	if (npool > 0)
		log_debug("netns pool: %d prepared entries discarded", npool);
	for (i = 0; i < npool; i++)
		entry_close(&pool[i]);
	npool = 0;
	if (prep.busy)
		prep.stale = 1;
	netns_pool_refill();
}

/* greywalld's mount table changed: entries copied from it are outdated. */
static void
mountinfo_cb(int fd, short ev __unused, void *arg __unused)
{
	struct epoll_event	e;

	/*
	 * The loop's own check of the set already took the change (polling
	 * the file does): being called is the news. Empty the set anyway.
	 */
	(void)epoll_wait(fd, &e, 1, 0);
	netns_pool_flush();
}

/*
 * The mount table file is always readable; a change shows as POLLPRI
 * alone, which libevent cannot wait for: an epoll set of its own, which
 * is readable only then, is what the loop watches.
 */
static int
mountinfo_watch(void)
{
	struct epoll_event	e;

	if ((mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY |
	    O_CLOEXEC)) == -1 ||
	    (mountinfo_ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (-1);
	memset(&e, 0, sizeof(e));
	e.events = EPOLLPRI;
	if (epoll_ctl(mountinfo_ep, EPOLL_CTL_ADD, mountinfo_fd, &e) == -1 ||
	    (ev_mountinfo = event_new(gw_base, mountinfo_ep,
	    EV_READ | EV_PERSIST, mountinfo_cb, NULL)) == NULL ||
	    event_add(ev_mountinfo, NULL) == -1)
		return (-1);
	return (0);
}

/*
 * Something in /etc changed; if it was the hosts file, the sets hold the
 * old one (mount_base() copied it): discard them. A lost event (the
 * queue overflowed) counts as a change.
 */
static void
hosts_cb(int fd, short ev __unused, void *arg __unused)
{
	char			 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	ssize_t			 n;
	char			*p;
	int			 hit = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + n; p += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)p;
			if ((ie->mask & IN_Q_OVERFLOW) || (ie->len > 0 &&
			    strcmp(ie->name, "hosts") == 0))
				hit = 1;
		}
	if (hit) {
		log_debug("netns pool: /etc/hosts changed");
		netns_pool_flush();
	}
}

static int
hosts_watch(void)
{
	if ((hosts_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(hosts_fd, "/etc", IN_MODIFY | IN_CLOSE_WRITE |
	    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
	    IN_ONLYDIR) == -1 ||
	    (ev_hosts = event_new(gw_base, hosts_fd, EV_READ | EV_PERSIST,
	    hosts_cb, NULL)) == NULL || event_add(ev_hosts, NULL) == -1)
		return (-1);
	return (0);
}

int
netns_pool_init(void)
{
	if (gw_conf.netns_pool == 0)
		return (0);
	if ((ev_refill = evtimer_new(gw_base, refill_cb, NULL)) == NULL)
		return (-1);
	/* Without the watch, entries could outlive the host's mounts. */
	if (mountinfo_watch() == -1) {
		log_warn("netns pool: cannot watch /proc/self/mountinfo;"
		    " no namespaces are prepared");
		return (0);
	}
	/* Nor the hosts file they copied. */
	if (hosts_watch() == -1) {
		log_warn("netns pool: cannot watch /etc for the hosts file;"
		    " no namespaces are prepared");
		return (0);
	}
	/* Now, while greywalld is small: it is copied once, here. */
	if ((parent_pid = child_fork(prep_parent_main, "gw-ns-preparer",
	    &parent_fd)) == -1) {
		log_warn("netns pool: cannot fork the preparers' parent; no"
		    " namespaces are prepared");
		return (0);
	}
	netns_pool_refill();
	return (0);
}

/*
 * Take prepared namespaces for a sandbox whose network wants ipv6 (or
 * not): the slot, TUN fd and namespace fds become the caller's. Returns
 * -1 if none fits; the pool then prepares that kind next.
 */
int
netns_pool_take(int ipv6, int *slot, int *tunfd, int nsfd[PREP__MAX])
{
	struct timeval	tv = { 0, 0 };
	int		i, j;

	if (gw_conf.netns_pool == 0)
		return (-1);
	for (i = 0; i < npool; i++)
		if (pool[i].ipv6 == ipv6)
			break;
	if (ipv6 != pool_ipv6) {
		/* What is left of the other kind goes. */
		pool_ipv6 = ipv6;
		for (j = 0; j < npool; j++)
			if (j != i)
				entry_close(&pool[j]);
		if (i < npool) {
			pool[0] = pool[i];
			i = 0;
			npool = 1;
		} else
			npool = 0;
	}
	evtimer_add(ev_refill, &tv);
	if (i >= npool)
		return (-1);
	*slot = pool[i].slot;
	*tunfd = pool[i].tunfd;
	memcpy(nsfd, pool[i].nsfd, sizeof(pool[i].nsfd));
	pool[i] = pool[--npool];
	return (0);
}

/* At exit: the namespaces go with their fds; the child is killed. */
void
netns_pool_shutdown(void)
{
	int	i;

	stopping = 1;
	if (prep.busy)
		prep_end(0);
	if (parent_fd != -1)
		close(parent_fd);
	parent_fd = -1;
	if (parent_pid != -1)
		while (waitpid(parent_pid, NULL, 0) == -1 && errno == EINTR)
			;
	parent_pid = -1;
	for (i = 0; i < npool; i++)
		entry_close(&pool[i]);
	npool = 0;
	if (ev_refill != NULL)
		event_free(ev_refill);
	ev_refill = NULL;
	if (ev_mountinfo != NULL)
		event_free(ev_mountinfo);
	ev_mountinfo = NULL;
	if (mountinfo_fd != -1)
		close(mountinfo_fd);
	if (mountinfo_ep != -1)
		close(mountinfo_ep);
	mountinfo_fd = mountinfo_ep = -1;
	if (ev_hosts != NULL)
		event_free(ev_hosts);
	ev_hosts = NULL;
	if (hosts_fd != -1)
		close(hosts_fd);
	hosts_fd = -1;
}

/* For gwctl status / logs: entries ready now. */
int
netns_pool_ready(void)
{
	return (npool);
}
