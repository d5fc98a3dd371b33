/*
 * A small pool of prepared network namespaces, so that a sandbox with
 * network does not pay for a new namespace and its TUN device while its
 * user waits.
 *
 * Each entry is a network namespace made by a short-lived child of
 * greywalld (sandbox_ns_prepare()): loopback up, the TUN configured for
 * an address slot reserved for it. greywalld holds its fd and the TUN's,
 * nothing else does: no name under /run/netns, no process in it. A
 * sandbox takes one entry, its init joins the namespace, and the entry
 * is gone: an entry is never given to a second sandbox, and the slot goes
 * back only when that sandbox ends. The pool refills one entry at a
 * time, only after an entry was taken (a zero timer, so the child is
 * forked after the request that took it has been answered): idle, it
 * costs no CPU. After PREP_FAILS_MAX failed children in a row it stops
 * and logs why; sandboxes then make their namespace in init, as without
 * a pool.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "greywalld.h"

#define POOL_MAX	32
#define PREP_FAILS_MAX	3

struct pool_entry {
	int	nsfd;
	int	tunfd;
	int	slot;
	int	ipv6;
};

static struct pool_entry pool[POOL_MAX];
static int		 npool;
static int		 pool_ipv6 = 1;	/* of the last request that wanted one */
static int		 prep_fails;
static struct event	*ev_refill;
static int		 stopping;

/* The one child at work, if any. */
static struct {
	pid_t		 pid;
	int		 fd;
	struct event	*ev;
	struct pool_entry e;
} prep = { -1, -1, NULL, { -1, -1, 0, 0 } };

static void	netns_pool_refill(void);

static void
entry_close(struct pool_entry *e)
{
	if (e->nsfd >= 0)
		close(e->nsfd);
	closer_close(e->tunfd);
	netstack_slot_put(e->slot);
	e->nsfd = e->tunfd = -1;
	e->slot = 0;
}

/* The child is done (both fds came) or gave up (EOF first). */
static void
prep_end(int ok)
{
	if (prep.ev != NULL)
		event_free(prep.ev);
	prep.ev = NULL;
	close(prep.fd);
	prep.fd = -1;
	/* It exits right after its last message: a short wait. */
	if (!ok)
		kill(prep.pid, SIGKILL);
	while (waitpid(prep.pid, NULL, 0) == -1 && errno == EINTR)
		;
	prep.pid = -1;
	if (ok) {
		pool[npool++] = prep.e;
		prep_fails = 0;
	} else {
		entry_close(&prep.e);
		if (!stopping && ++prep_fails == PREP_FAILS_MAX)
			log_warnx("netns pool: %d namespaces in a row could not"
			    " be prepared; sandboxes make their own from now"
			    " on", PREP_FAILS_MAX);
	}
	prep.e.nsfd = prep.e.tunfd = -1;
	prep.e.slot = 0;
	netns_pool_refill();
}

static void
prep_cb(int fd, short ev __unused, void *arg __unused)
{
	char	c;
	ssize_t	n;
	int	rfd;

	n = fd_recvmsg(fd, &c, 1, &rfd, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != 1 || rfd == -1) {
		if (n > 0 && rfd != -1)
			close(rfd);
		prep_end(0);
		return;
	}
	if (c == 'T' && prep.e.tunfd == -1)
		prep.e.tunfd = rfd;
	else if (c == 'N' && prep.e.nsfd == -1)
		prep.e.nsfd = rfd;
	else {
		close(rfd);
		prep_end(0);
		return;
	}
	if (prep.e.tunfd >= 0 && prep.e.nsfd >= 0)
		prep_end(1);
}

/* Start one child if the pool is short and none is at work. */
static void
netns_pool_refill(void)
{
	int	sp[2], slot;
	pid_t	pid;

	if (stopping || prep.pid != -1 || npool >= (int)gw_conf.netns_pool ||
	    prep_fails >= PREP_FAILS_MAX)
		return;
	if ((slot = netstack_slot_get()) == 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("netns pool: socketpair");
		netstack_slot_put(slot);
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("netns pool: fork");
		close(sp[0]);
		close(sp[1]);
		netstack_slot_put(slot);
		return;
	}
	if (pid == 0) {
		close(sp[0]);
		sandbox_ns_prepare(slot, pool_ipv6, sp[1]);
	}
	close(sp[1]);
	prep.pid = pid;
	prep.fd = sp[0];
	prep.e.nsfd = prep.e.tunfd = -1;
	prep.e.slot = slot;
	prep.e.ipv6 = pool_ipv6;
	if ((prep.ev = event_new(gw_base, prep.fd, EV_READ | EV_PERSIST,
	    prep_cb, NULL)) == NULL || event_add(prep.ev, NULL) == -1) {
		log_warnx("netns pool: cannot watch the child; sandboxes make"
		    " their own network namespace from now on");
		prep_fails = PREP_FAILS_MAX;
		prep_end(0);
	}
}

static void
refill_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	netns_pool_refill();
}

int
netns_pool_init(void)
{
	if (gw_conf.netns_pool == 0)
		return (0);
	if ((ev_refill = evtimer_new(gw_base, refill_cb, NULL)) == NULL)
		return (-1);
	netns_pool_refill();
	return (0);
}

/*
 * Take a prepared namespace for a sandbox whose network wants ipv6 (or
 * not): its slot, TUN fd and namespace fd become the caller's. Returns
 * -1 if none fits; the pool then prepares that kind next.
 */
int
netns_pool_take(int ipv6, int *slot, int *tunfd, int *nsfd)
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
	*nsfd = pool[i].nsfd;
	pool[i] = pool[--npool];
	return (0);
}

/* At exit: the namespaces go with their fds; the child is killed. */
void
netns_pool_shutdown(void)
{
	int	i;

	stopping = 1;
	if (prep.pid != -1)
		prep_end(0);
	for (i = 0; i < npool; i++)
		entry_close(&pool[i]);
	npool = 0;
	if (ev_refill != NULL)
		event_free(ev_refill);
	ev_refill = NULL;
}

/* For gwctl status / logs: entries ready now. */
int
netns_pool_ready(void)
{
	return (npool);
}
