/*
 * The upstream check: does a SOCKS5 upstream connect to the host itself?
 * The netstack refuses host addresses, and names the host resolves to
 * them, but a name whose answer changes between its lookup and the
 * proxy's (DNS rebinding) only the proxy can refuse. So greywalld asks
 * each upstream its policy files name to CONNECT to probe listeners of
 * its own: on 127.0.0.1 and on one non-loopback address of the host (and
 * an IPv6 one if the host has any). An upstream that connects to any of
 * them is unsafe: gwctl status and gw doctor say so, the log says so,
 * and with network.upstream_check: required its sandboxes are refused.
 * Checked at start, on reload and every UC_INTERVAL seconds, without ever
 * blocking: every socket is non-blocking and driven by the event loop.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "greywalld.h"

#define UC_INTERVAL		300	/* s between rounds */
#define UC_TIMEOUT		5	/* s for one probe, handshake and all */
#define UC_TARGETS		3	/* 127.0.0.1, a host v4, a host v6 */
#define UC_UPSTREAMS_MAX	32

/* A listener of ours that no one but the upstream should reach. */
struct uc_target {
	int			 fd;
	struct event		*ev;
	struct sockaddr_storage	 ss;
	char			 text[INET6_ADDRSTRLEN + 8];
	unsigned int		 accepted;
};

/* What is known of one upstream. */
struct uc_upstream {
	char			 addr[300];	/* as the policy says it */
	struct sockaddr_storage	 ss;
	enum uc_verdict		 verdict;
	char			 detail[512];
	time_t			 when;
	int			 running;	/* probes not done */
	int			 connected, refused, unknown;
	int			 result[UC_TARGETS];	/* 1, 0, -1 */
	char			 why[200];	/* why a probe had no answer */
};

/* One SOCKS5 session: an upstream asked to reach one target. */
struct uc_probe {
	TAILQ_ENTRY(uc_probe)	 entry;
	struct uc_upstream	*up;
	struct uc_target	*t;
	int			 fd;
	struct event		*ev;
	int			 step;		/* UCP_* */
	uint8_t			 buf[600];
	size_t			 have, want;
};
TAILQ_HEAD(uc_probelist, uc_probe);

enum {
	UCP_CONNECT,
	UCP_METHOD,
	UCP_AUTH,
	UCP_REPLY,
};

static struct uc_target		 uc_targets[UC_TARGETS];
static size_t			 uc_ntargets;
static struct uc_upstream	 uc_ups[UC_UPSTREAMS_MAX];
static size_t			 uc_nups;
static struct uc_probelist	 uc_probes = TAILQ_HEAD_INITIALIZER(uc_probes);
static struct event		*uc_timer;

static void
uc_target_close(struct uc_target *t)
{
	if (t->ev != NULL)
		event_free(t->ev);
	t->ev = NULL;
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

/* Someone reached a probe listener: only an upstream could. */
static void
uc_accept_cb(int fd, short ev __unused, void *arg)
{
	struct uc_target	*t = arg;
	int			 c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		t->accepted++;
		close(c);
	}
}

static int
uc_target_open(struct uc_target *t, int family, const void *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&t->ss;
	socklen_t		 sl;
	char			 a[INET6_ADDRSTRLEN];

	memset(t, 0, sizeof(*t));
	t->ss.ss_family = family;
	if (family == AF_INET)
		memcpy(&sin->sin_addr, addr, 4);
	else
		memcpy(&sin6->sin6_addr, addr, 16);
	sl = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	if ((t->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(t->fd, (struct sockaddr *)&t->ss, sl) == -1 ||
	    listen(t->fd, 16) == -1 ||
	    getsockname(t->fd, (struct sockaddr *)&t->ss, &sl) == -1 ||
	    (t->ev = event_new(gw_base, t->fd, EV_READ | EV_PERSIST,
	    uc_accept_cb, t)) == NULL || event_add(t->ev, NULL) == -1) {
		uc_target_close(t);
		return (-1);
	}
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(t->text, sizeof(t->text), family == AF_INET ? "%s:%u" :
	    "[%s]:%u", a, family == AF_INET ? ntohs(sin->sin_port) :
	    ntohs(sin6->sin6_port));
	return (0);
}

/*
 * The probe listeners of this round: 127.0.0.1 and the first
 * non-loopback, non-link-local address of each family, as they are now.
 */
static void
uc_targets_open(void)
{
	struct ifaddrs		*ifa = NULL, *i;
	const uint8_t		*a;
	struct in_addr		 lo = { htonl(INADDR_LOOPBACK) };
	int			 have4 = 0, have6 = 0;

	uc_ntargets = 0;
	if (uc_target_open(&uc_targets[uc_ntargets], AF_INET, &lo) == 0)
		uc_ntargets++;
	else
		log_warn("upstream check: cannot listen on 127.0.0.1");
	if (getifaddrs(&ifa) == -1) {
		log_warn("upstream check: the host's addresses");
		return;
	}
	for (i = ifa; i != NULL && uc_ntargets < UC_TARGETS;
	    i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !have4) {
			a = (const uint8_t *)&((struct sockaddr_in *)
			    i->ifa_addr)->sin_addr;
			if (a[0] == 127 || (a[0] == 169 && a[1] == 254))
				continue;
			if (uc_target_open(&uc_targets[uc_ntargets], AF_INET,
			    a) == 0) {
				uc_ntargets++;
				have4 = 1;
			}
		} else if (i->ifa_addr->sa_family == AF_INET6 && !have6) {
			a = ((struct sockaddr_in6 *)i->ifa_addr)->
			    sin6_addr.s6_addr;
			if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a) ||
			    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)a) ||
			    IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a))
				continue;
			if (uc_target_open(&uc_targets[uc_ntargets], AF_INET6,
			    a) == 0) {
				uc_ntargets++;
				have6 = 1;
			}
		}
	}
	freeifaddrs(ifa);
}

/* The probes with this result, in target order, into buf. */
static void
uc_list(const struct uc_upstream *u, int result, char *buf, size_t len)
{
	size_t	i, l;

	buf[0] = '\0';
	for (i = 0; i < uc_ntargets; i++) {
		if (u->result[i] != result)
			continue;
		l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", l > 0 ? ", " : "",
		    uc_targets[i].text);
	}
}

static void
uc_verdict_set(struct uc_upstream *u)
{
	char	reached[300], blocked[300];

	uc_list(u, 1, reached, sizeof(reached));
	uc_list(u, 0, blocked, sizeof(blocked));
	u->when = time(NULL);
	if (u->connected > 0) {
		u->verdict = UC_UNSAFE;
		snprintf(u->detail, sizeof(u->detail), "connected to the"
		    " host's own %s: it must refuse loopback and the host's"
		    " addresses", reached);
		log_warnx("upstream %s is unsafe: it %s", u->addr, u->detail);
	} else if (u->unknown > 0 || u->refused == 0) {
		u->verdict = UC_UNKNOWN;
		snprintf(u->detail, sizeof(u->detail), "not checked: %s",
		    u->why[0] != '\0' ? u->why : "no probe listener");
		log_warnx("upstream %s: %s", u->addr, u->detail);
	} else {
		u->verdict = UC_SAFE;
		snprintf(u->detail, sizeof(u->detail), "refused to connect"
		    " to the host's own %s", blocked);
		log_info("upstream %s %s", u->addr, u->detail);
	}
}

static void
uc_probe_done(struct uc_probe *p, int result, const char *why)
{
	struct uc_upstream	*u = p->up;

	u->result[p->t - uc_targets] = result;
	if (result > 0)
		u->connected++;
	else if (result == 0)
		u->refused++;
	else {
		u->unknown++;
		snprintf(u->why, sizeof(u->why), "%s", why);
	}
	TAILQ_REMOVE(&uc_probes, p, entry);
	if (p->ev != NULL)
		event_free(p->ev);
	close(p->fd);
	free(p);
	if (--u->running == 0)
		uc_verdict_set(u);
}

static int
uc_send(struct uc_probe *p, const uint8_t *buf, size_t len, size_t want)
{
	if (send(p->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return (-1);
	p->have = 0;
	p->want = want;
	return (0);
}

static void
uc_probe_cb(int fd, short what, void *arg)
{
	struct uc_probe		*p = arg;
	struct sockaddr_storage	*ss = &p->t->ss;
	uint8_t			 buf[600];
	socklen_t		 len = sizeof(int);
	ssize_t			 n, need;
	int			 err = 0, code;
	const void		*a;

	if (what & EV_TIMEOUT) {
		uc_probe_done(p, -1, "no answer in time");
		return;
	}
	if (p->step == UCP_CONNECT) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			uc_probe_done(p, -1, "unreachable");
			return;
		}
		p->step = UCP_METHOD;
		if (uc_send(p, buf, socks5_greeting(buf), 2) == -1)
			goto broken;
		event_del(p->ev);
		event_assign(p->ev, gw_base, fd, EV_READ | EV_PERSIST,
		    uc_probe_cb, p);
		goto rearm;
	}
	n = read(fd, p->buf + p->have, p->want - p->have);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Closed without a reply: refused, as some proxies do. */
		if (p->step == UCP_REPLY) {
			uc_probe_done(p, 0, NULL);
			return;
		}
		goto broken;
	}
	p->have += n;
	if (p->have < p->want)
		return;
	switch (p->step) {
	case UCP_METHOD:
		code = socks5_method(p->buf);
		if (code == SOCKS5_METHOD_USERPASS) {
			n = socks5_auth(buf, sizeof(buf), "greywalld",
			    "upstream-check");
			p->step = UCP_AUTH;
			if (n == -1 || uc_send(p, buf, n, 2) == -1)
				goto broken;
			return;
		}
		if (code != SOCKS5_METHOD_NONE)
			goto broken;
		break;
	case UCP_AUTH:
		if (socks5_auth_status(p->buf) == -1)
			goto broken;
		break;
	case UCP_REPLY:
		if (p->want == 5) {
			if ((need = socks5_reply_len(p->buf)) == -1)
				goto broken;
			p->want = need;
			return;
		}
		if ((code = socks5_reply_code(p->buf, p->have)) == -1)
			goto broken;
		uc_probe_done(p, code == 0, NULL);
		return;
	}
	/* Greeted (and authenticated): ask for the target. */
	a = ss->ss_family == AF_INET ?
	    (const void *)&((struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr;
	n = socks5_connect(buf, sizeof(buf), NULL, ss->ss_family, a,
	    ntohs(ss->ss_family == AF_INET ?
	    ((struct sockaddr_in *)ss)->sin_port :
	    ((struct sockaddr_in6 *)ss)->sin6_port));
	p->step = UCP_REPLY;
	if (n == -1 || uc_send(p, buf, n, 5) == -1)
		goto broken;
	return;
rearm:
	{
		struct timeval	tv = { UC_TIMEOUT, 0 };

		if (event_add(p->ev, &tv) == -1)
			goto broken;
	}
	return;
broken:
	uc_probe_done(p, -1, "not a SOCKS5 proxy that greywalld can use");
}

static void
uc_probe_start(struct uc_upstream *u, struct uc_target *t)
{
	struct timeval	 tv = { UC_TIMEOUT, 0 };
	struct uc_probe	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		u->unknown++;
		snprintf(u->why, sizeof(u->why), "out of memory");
		return;
	}
	p->up = u;
	p->t = t;
	p->step = UCP_CONNECT;
	if ((p->fd = socket(u->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		free(p);
		u->unknown++;
		snprintf(u->why, sizeof(u->why), "%s", strerror(errno));
		return;
	}
	TAILQ_INSERT_TAIL(&uc_probes, p, entry);
	u->running++;
	if ((connect(p->fd, (struct sockaddr *)&u->ss,
	    u->ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) == -1 && errno != EINPROGRESS) ||
	    (p->ev = event_new(gw_base, p->fd, EV_WRITE, uc_probe_cb,
	    p)) == NULL || event_add(p->ev, &tv) == -1)
		uc_probe_done(p, -1, errno == ECONNREFUSED ? "nothing"
		    " listens there" : strerror(errno));
}

/* Every upstream the policy files name, and the built-in default. */
static void
uc_collect(struct uc_upstream *old, size_t nold)
{
	const struct policy_keyinfo	*ki;
	const char			*a;
	size_t				 i, j, n;

	uc_nups = 0;
	ki = &policy_keys[PK_NET_UPSTREAM_SOCKS5];
	for (i = 0; i <= gw_policy.n && uc_nups < nitems(uc_ups); i++) {
		if (i == gw_policy.n)
			a = ki->dflt;
		else if (gw_policy.v[i].pol.e[PK_NET_UPSTREAM_SOCKS5].set)
			a = gw_policy.v[i].pol.e[PK_NET_UPSTREAM_SOCKS5].
			    one.str;
		else
			continue;
		for (j = 0; j < uc_nups; j++)
			if (strcmp(uc_ups[j].addr, a) == 0)
				break;
		if (j < uc_nups)
			continue;
		n = uc_nups++;
		memset(&uc_ups[n], 0, sizeof(uc_ups[n]));
		snprintf(uc_ups[n].addr, sizeof(uc_ups[n].addr), "%s", a);
		/* What was known stays known while the new round runs. */
		for (j = 0; j < nold; j++)
			if (strcmp(old[j].addr, a) == 0) {
				uc_ups[n].verdict = old[j].verdict;
				memcpy(uc_ups[n].detail, old[j].detail,
				    sizeof(uc_ups[n].detail));
				uc_ups[n].when = old[j].when;
			}
	}
}

static void
uc_cancel(void)
{
	struct uc_probe	*p;
	size_t		 i;

	while ((p = TAILQ_FIRST(&uc_probes)) != NULL) {
		TAILQ_REMOVE(&uc_probes, p, entry);
		if (p->ev != NULL)
			event_free(p->ev);
		close(p->fd);
		free(p);
	}
	for (i = 0; i < uc_ntargets; i++)
		uc_target_close(&uc_targets[i]);
	uc_ntargets = 0;
}

/* A new round: at start, on reload and from the timer. */
void
upstream_check_run(void)
{
	static struct uc_upstream	old[UC_UPSTREAMS_MAX];
	size_t				nold = uc_nups, i, t;

	uc_cancel();
	memcpy(old, uc_ups, sizeof(old));
	uc_collect(old, nold);
	uc_targets_open();
	for (i = 0; i < uc_nups; i++) {
		struct uc_upstream	*u = &uc_ups[i];

		/* Held at 1 until every probe started: no early verdict. */
		u->running = 1;
		for (t = 0; t < UC_TARGETS; t++)
			u->result[t] = -2;	/* not probed */
		if (sandbox_net_addr(u->addr, &u->ss) == -1) {
			snprintf(u->why, sizeof(u->why), "not a numeric"
			    " address and port");
			u->unknown++;
		} else
			for (t = 0; t < uc_ntargets; t++)
				uc_probe_start(u, &uc_targets[t]);
		if (--u->running == 0)
			uc_verdict_set(u);
	}
}

static void
uc_timer_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	upstream_check_run();
}

int
upstream_check_init(void)
{
	struct timeval	tv = { UC_INTERVAL, 0 };

	if ((uc_timer = event_new(gw_base, -1, EV_PERSIST, uc_timer_cb,
	    NULL)) == NULL || event_add(uc_timer, &tv) == -1)
		return (-1);
	upstream_check_run();
	return (0);
}

void
upstream_check_stop(void)
{
	uc_cancel();
	if (uc_timer != NULL)
		event_free(uc_timer);
	uc_timer = NULL;
}

/*
 * What the last round found about the upstream at addr (as a policy
 * names it), with a sentence for the user in buf.
 */
enum uc_verdict
upstream_check_verdict(const char *addr, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < uc_nups; i++) {
		if (strcmp(uc_ups[i].addr, addr) != 0)
			continue;
		if (uc_ups[i].verdict == UC_PENDING)
			snprintf(buf, len, "being checked now");
		else
			snprintf(buf, len, "%s (checked %lld s ago)",
			    uc_ups[i].detail,
			    (long long)(time(NULL) - uc_ups[i].when));
		return (uc_ups[i].verdict);
	}
	snprintf(buf, len, "not checked yet");
	return (UC_PENDING);
}
