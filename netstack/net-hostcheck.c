/*
 * The netstack helper's check that a destination is not the host itself,
 * before anything is asked of the upstream. greywalld main keeps it
 * current (netstack.c): the host's interface addresses whenever they
 * change, and its hosts file and resolv.conf as open fds whenever they
 * change, so the helper never opens a path. A name is looked up as the
 * C library's "hosts: files dns" would: the hosts file, else A and AAAA
 * queries over UDP to the nameservers in turn, without blocking.
 *
 * A name the host's resolver answered with no host address is not asked
 * again for HC_CACHE_SECS: npm or pip open many connections to the same
 * few names, and each would otherwise wait for two queries before the
 * upstream is even asked. The time is shorter than almost any record's
 * TTL, so it stays within what the resolver itself would have cached; a
 * name whose answer changes faster (rebinding) is the upstream check's
 * part, as it is without the cache, since the upstream resolves on its
 * own. Any change to the host's addresses, hosts file or resolvers
 * empties it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netstack.h"

#define HC_SERVER_TIMEOUT	1	/* s per nameserver */
#define HC_DEAD_TIME		30	/* s to skip a resolver that was silent */
#define HC_FILE_MAX		(16 << 20)	/* a hosts file, read whole */
#define HC_ANSWERS_MAX		32
#define HC_CACHE_SECS		10	/* s a clear answer is kept */
#define HC_CACHE_MAX		64	/* names kept */

struct hostcheck {
	char			 name[DNS_NAME_MAX + 1];
	hostcheck_cb		 cb;
	void			*arg;
	size_t			 server;	/* nameserver being asked */
	int			 fd[2];		/* A, AAAA */
	uint16_t		 id[2];
	int			 done[2];
	int			 rcode[2];
	struct event		*ev[2], *timer;
	struct hostaddr		 hit;
	const char		*why;
};

static struct hostset		*hc_addrs;
static struct hostsfile		*hc_hosts;
static struct sockaddr_storage	 hc_ns[RESOLV_NS_MAX];
static size_t			 hc_nns;
static time_t			 hc_dead_until;

/* Names the host's resolver said are not the host, until expires. */
struct hc_clear {
	char	name[DNS_NAME_MAX + 1];
	time_t	expires;		/* CLOCK_MONOTONIC s; 0: free */
};
static struct hc_clear		 hc_cache[HC_CACHE_MAX];

static time_t
hc_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

static void
hc_cache_flush(void)
{
	memset(hc_cache, 0, sizeof(hc_cache));
}

static int
hc_cache_find(const char *name)
{
	time_t	now = hc_now();
	size_t	i;

	for (i = 0; i < nitems(hc_cache); i++)
		if (hc_cache[i].expires > now &&
		    strcmp(hc_cache[i].name, name) == 0)
			return (1);
	return (0);
}

/* Keep name, in a free or expired slot, else in the oldest. */
static void
hc_cache_add(const char *name)
{
	time_t	now = hc_now();
	size_t	i, k = 0;

	for (i = 0; i < nitems(hc_cache); i++) {
		if (hc_cache[i].expires <= now ||
		    strcmp(hc_cache[i].name, name) == 0) {
			k = i;
			break;
		}
		if (hc_cache[i].expires < hc_cache[k].expires)
			k = i;
	}
	snprintf(hc_cache[k].name, sizeof(hc_cache[k].name), "%s", name);
	hc_cache[k].expires = now + HC_CACHE_SECS;
}

/* The host's interface addresses (NSMSG_HOSTADDRS). */
int
hostcheck_set_addrs(const struct hostaddr *v, size_t n)
{
	struct hostset	*s;

	if ((s = hostset_new(v, n)) == NULL)
		return (-1);
	hostset_free(hc_addrs);
	hc_addrs = s;
	hc_cache_flush();
	return (0);
}

/* A whole small file from an fd greywalld opened; NUL-terminated. */
static char *
read_fd(int fd, size_t *len)
{
	struct stat	 st;
	char		*buf;
	size_t		 n = 0;
	ssize_t		 r;

	if (fstat(fd, &st) == -1)
		return (NULL);
	if (!S_ISREG(st.st_mode) || st.st_size > HC_FILE_MAX) {
		errno = EFBIG;
		return (NULL);
	}
	if ((buf = malloc(st.st_size + 1)) == NULL)
		return (NULL);
	while (n < (size_t)st.st_size) {
		r = pread(fd, buf + n, st.st_size - n, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*len = n;
	return (buf);
}

/* The host's hosts file (NSMSG_HOSTS); fd -1: none. Takes fd. */
int
hostcheck_set_hosts(int fd)
{
	struct hostsfile	*h = NULL;
	char			*text = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	if (fd != -1 && (text = read_fd(fd, &len)) == NULL)
		goto out;
	if ((h = hostsfile_parse(text != NULL ? text : "", len)) == NULL)
		goto out;
	hostsfile_free(hc_hosts);
	hc_hosts = h;
	hc_cache_flush();
	rc = 0;
out:
	free(text);
	if (fd != -1)
		close(fd);
	return (rc);
}

/* The host's resolv.conf (NSMSG_RESOLV); fd -1: none. Takes fd. */
int
hostcheck_set_resolv(int fd)
{
	struct sockaddr_storage	 ns[RESOLV_NS_MAX];
	char			*text = NULL;
	size_t			 len = 0, n = 0;

	if (fd != -1) {
		text = read_fd(fd, &len);
		close(fd);
		if (text == NULL)
			return (-1);
		n = resolv_parse(text, len, ns, nitems(ns));
		free(text);
	}
	memcpy(hc_ns, ns, n * sizeof(ns[0]));
	hc_nns = n;
	hc_dead_until = 0;
	hc_cache_flush();
	return (0);
}

/* For the log: how much the helper knows. */
void
hostcheck_counts(size_t *addrs, size_t *hosts, size_t *ns)
{
	*addrs = hostset_count(hc_addrs);
	*hosts = hostsfile_count(hc_hosts);
	*ns = hc_nns;
}

/* Whether an address is the host's own: the rule, or NULL. */
const char *
hostcheck_addr(int family, const void *addr)
{
	return (hostset_match(hc_addrs, family, addr));
}

/* The first host address among v, or -1. */
static int
first_host(const struct hostaddr *v, size_t n, const char **why)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((*why = hostset_match(hc_addrs, v[i].family,
		    v[i].addr)) != NULL)
			return ((int)i);
	return (-1);
}

static void
hc_close_queries(struct hostcheck *h)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (h->ev[i] != NULL)
			event_free(h->ev[i]);
		h->ev[i] = NULL;
		if (h->fd[i] != -1)
			close(h->fd[i]);
		h->fd[i] = -1;
	}
}

void
hostcheck_cancel(struct hostcheck *h)
{
	if (h == NULL)
		return;
	hc_close_queries(h);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}

static void
hc_finish(struct hostcheck *h, enum hc_result r)
{
	hostcheck_cb	 cb = h->cb;
	void		*arg = h->arg;
	struct hostaddr	 hit = h->hit;
	const char	*why = h->why;

	hostcheck_cancel(h);
	cb(arg, r, why, &hit);
}

static int	hc_ask(struct hostcheck *);

static void
hc_next_server(struct hostcheck *h)
{
	hc_close_queries(h);
	while (++h->server < hc_nns)
		if (hc_ask(h) == 0)
			return;
	/*
	 * No answer is no host address: a name the host cannot resolve
	 * takes the upstream to the host only if its answer differs for
	 * the upstream, which is rebinding, the upstream check's part.
	 * Failing closed here would cut off hosts whose proxy resolves
	 * names itself; a silent resolver is skipped for a while instead
	 * of costing every connection its timeout.
	 */
	log_debug("netstack: the host's resolver did not answer for '%s'",
	    h->name);
	hc_dead_until = time(NULL) + HC_DEAD_TIME;
	hc_finish(h, HC_CLEAR);
}

static void
hc_timeout_cb(int fd __unused, short ev __unused, void *arg)
{
	hc_next_server(arg);
}

static void
hc_reply_cb(int fd, short ev __unused, void *arg)
{
	struct hostcheck	*h = arg;
	struct hostaddr		 ans[HC_ANSWERS_MAX];
	uint8_t			 buf[4096];
	ssize_t			 n;
	size_t			 nans;
	int			 i, rc, k;

	i = fd == h->fd[0] ? 0 : 1;
	if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* ICMP unreachable: this server is not there. */
		hc_next_server(h);
		return;
	}
	rc = dns_answer_addrs(buf, n, h->id[i], i == 0 ? DNS_TYPE_A :
	    DNS_TYPE_AAAA, ans, nitems(ans), &nans);
	if (rc == -1)
		return;			/* not the reply: keep waiting */
	if (nans > nitems(ans))
		nans = nitems(ans);
	if ((k = first_host(ans, nans, &h->why)) != -1) {
		h->hit = ans[k];
		hc_finish(h, HC_HOST);
		return;
	}
	if (rc != DNS_RCODE_NOERROR && rc != DNS_RCODE_NXDOMAIN) {
		/* SERVFAIL, REFUSED: as the C library, try the next one. */
		hc_next_server(h);
		return;
	}
	h->done[i] = 1;
	event_del(h->ev[i]);
	if (h->done[0] && h->done[1]) {
		hc_cache_add(h->name);
		hc_finish(h, HC_CLEAR);
	}
}

/* Send the A and AAAA queries to the current server; 0, or -1. */
static int
hc_ask(struct hostcheck *h)
{
	struct timeval		 tv = { HC_SERVER_TIMEOUT, 0 };
	struct sockaddr_storage	*ss = &hc_ns[h->server];
	uint8_t			 q[DNS_HDR_LEN + DNS_NAME_MAX + 2 + 4];
	ssize_t			 len;
	int			 i;

	for (i = 0; i < 2; i++) {
		h->done[i] = 0;
		h->id[i] = arc4random() & 0xffff;
		len = dns_query_build(q, sizeof(q), h->id[i], h->name,
		    i == 0 ? DNS_TYPE_A : DNS_TYPE_AAAA);
		if (len == -1)
			goto fail;
		h->fd[i] = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (h->fd[i] == -1 || connect(h->fd[i], (struct sockaddr *)ss,
		    ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == -1 ||
		    send(h->fd[i], q, len, 0) != len)
			goto fail;
		h->ev[i] = event_new(net_base, h->fd[i], EV_READ | EV_PERSIST,
		    hc_reply_cb, h);
		if (h->ev[i] == NULL || event_add(h->ev[i], NULL) == -1)
			goto fail;
	}
	if (evtimer_add(h->timer, &tv) == -1)
		goto fail;
	return (0);
fail:
	hc_close_queries(h);
	return (-1);
}

/*
 * Whether name (canonical, as net_rules_name() accepted it) is the host:
 * HC_HOST with *why and *hit when any address the host would give it is
 * a host address, HC_CLEAR when none is (or the name does not exist, or
 * no nameserver answered), HC_UNKNOWN with *why when it cannot be asked
 * here (no memory, no socket: fail closed), or HC_PENDING with
 * *hp: cb then says, later, unless hostcheck_cancel(*hp) comes first.
 */
enum hc_result
hostcheck_name(const char *name, hostcheck_cb cb, void *arg,
    struct hostcheck **hp, const char **why, struct hostaddr *hit)
{
	struct hostaddr		 v[HC_ANSWERS_MAX];
	struct hostcheck	*h;
	struct in_addr		 in;
	size_t			 n;
	int			 k;

	*hp = NULL;
	*why = NULL;
	/* "0x7f.1" and friends: the C library reads them as addresses. */
	if (inet_aton(name, &in) == 1) {
		memset(hit, 0, sizeof(*hit));
		hit->family = AF_INET;
		memcpy(hit->addr, &in, 4);
		return ((*why = hostset_match(hc_addrs, AF_INET,
		    hit->addr)) != NULL ? HC_HOST : HC_CLEAR);
	}
	if ((n = hostsfile_find(hc_hosts, name, v, nitems(v))) > 0) {
		if (n > nitems(v))
			n = nitems(v);
		if ((k = first_host(v, n, why)) == -1)
			return (HC_CLEAR);
		*hit = v[k];
		return (HC_HOST);
	}
	if (hc_nns == 0 || time(NULL) < hc_dead_until ||
	    hc_cache_find(name))
		return (HC_CLEAR);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*why = "out of memory";
		return (HC_UNKNOWN);
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->cb = cb;
	h->arg = arg;
	h->fd[0] = h->fd[1] = -1;
	if ((h->timer = evtimer_new(net_base, hc_timeout_cb, h)) == NULL) {
		free(h);
		*why = "out of memory";
		return (HC_UNKNOWN);
	}
	for (h->server = 0; h->server < hc_nns; h->server++)
		if (hc_ask(h) == 0) {
			*hp = h;
			return (HC_PENDING);
		}
	hostcheck_cancel(h);
	*why = "cannot ask the host's resolver";
	return (HC_UNKNOWN);
}
