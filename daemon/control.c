/*
 * The control socket: accept clients, learn who they are from the kernel,
 * read and validate their messages, dispatch them, and queue replies.
 *
 * Everything a client sends is untrusted. A malformed or unexpected message
 * is logged once with the peer's uid and pid and the connection is closed;
 * nothing here may bring the daemon down.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "greywalld.h"

struct outmsg {
	TAILQ_ENTRY(outmsg)	 entry;
	size_t			 len;
	uint8_t			*buf;
	int			 fd;		/* sent with it, or -1 */
	int			 event;		/* counts in conn.ev_queued */
};
TAILQ_HEAD(outq, outmsg);

enum conn_state {
	CONN_NEW,		/* waiting for HELLO */
	CONN_READY,		/* HELLO done */
	CONN_OPENING,		/* SANDBOX_OPEN seen, collecting */
	CONN_RUNNING,		/* sandbox started */
	CONN_DONE,		/* flushing output, then close */
	CONN_MONITOR,		/* gwctl monitor: events only */
};

struct sandbox;

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_close;
	struct peer		 peer;
	uint32_t		 kind;		/* enum gw_client_kind */
	enum conn_state		 state;
	struct outq		 outq;
	size_t			 outq_bytes;
	struct request		*req;
	struct sandbox		*sb;
	/* Events queued and not yet written; missed since the last drain. */
	uint32_t		 ev_queued;
	uint32_t		 ev_dropped;
	struct gw_monitor	 mon;		/* CONN_MONITOR */
	uint64_t		 t_accept;	/* --timing: monotonic ns */
	uint64_t		 t_request;
};

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif

/* Replies a slow client may have queued before it is dropped. */
#define CONN_OUTQ_MAX	(1024 * 1024)
/* Messages handled per read callback, so one client cannot starve others. */
#define CONN_READ_BURST	64
/*
 * Events queued per subscriber. Past this they are counted and dropped,
 * and one EVENTS_DROPPED follows once the queue has drained: a reader
 * that falls behind loses events, it never holds up a sandbox.
 */
#define CONN_EVENTS_MAX	512

TAILQ_HEAD(connlist, conn);

static struct connlist	 conns = TAILQ_HEAD_INITIALIZER(conns);
static int		 listen_fd = -1;
static struct event	*ev_accept;
static struct event	*ev_accept_pause;
static struct gw_msg	 inmsg;

static void	conn_free(struct conn *);
static void	conn_close_cb(int, short, void *);

/*
 * Bind the socket at path. A stale socket file is replaced; one that
 * still answers belongs to a running daemon and is left alone.
 */
int
control_listen(const char *path, int *ret_fd)
{
	_cleanup_close_ int	 fd = -1, probe = -1;
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 dir[sizeof(sun.sun_path)], *slash;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);

	/* Create the socket's directory (one level, like /run/greywall). */
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return (-1);
	}

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return (-1);
		}
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe == -1)
			return (-1);
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_warnx("another greywalld is listening on %s", path);
			errno = EADDRINUSE;
			return (-1);
		}
		if (unlink(path) == -1)
			return (-1);
	}

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return (-1);
	/* Anyone may connect: authorization is per request, by peer uid. */
	if (chmod(path, 0666) == -1 || listen(fd, 128) == -1) {
		unlink(path);
		return (-1);
	}
	*ret_fd = TAKE_FD(fd);
	return (0);
}

static int
peer_read(int fd, struct peer *p)
{
	struct ucred	 cred;
	socklen_t	 len;
	gid_t		*groups = NULL, *ng;
	int		 pidfd;

	memset(p, 0, sizeof(*p));
	p->pidfd = -1;
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (-1);
	if (len != sizeof(cred) || cred.pid <= 0) {
		errno = EPERM;
		return (-1);
	}
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;

	/* The peer's supplementary groups as the kernel knows them. */
	len = 16 * sizeof(gid_t);
	for (;;) {
		if ((ng = realloc(groups, len)) == NULL) {
			free(groups);
			return (-1);
		}
		groups = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == 0)
			break;
		if (errno != ERANGE || len > 65536 * sizeof(gid_t)) {
			free(groups);
			return (-1);
		}
	}
	p->groups = groups;
	p->ngroups = len / sizeof(gid_t);

	/* A pidfd pins the peer process (Linux 6.5+); optional. */
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0)
		p->pidfd = pidfd;
	else if (errno != ENOPROTOOPT && errno != EINVAL &&
	    errno != ENODATA && errno != ESRCH)
		log_warn("SO_PEERPIDFD for pid %d", (int)p->pid);
	return (0);
}

unsigned int
control_count_uid(uid_t uid)
{
	struct conn	*c;
	unsigned int	 n = 0;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->peer.uid == uid)
			n++;
	return (n);
}

/* Who is at the other end, from SO_PEERCRED and SO_PEERGROUPS. */
const struct peer *
control_peer(const struct conn *c)
{
	return (&c->peer);
}

/* --timing: when the connection was accepted and its request complete. */
void
control_times(const struct conn *c, uint64_t *accept, uint64_t *request)
{
	*accept = c->t_accept;
	*request = c->t_request;
}

/* The sandbox this connection started (sb), or none any more (NULL). */
void
control_attach(struct conn *c, struct sandbox *sb)
{
	c->sb = sb;
}

/*
 * gwctl monitor: after the OK, the connection carries events only, those
 * mon selects (control_event).
 */
int
control_monitor(struct conn *c, const struct gw_monitor *mon)
{
	if (control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0) == -1)
		return (-1);
	c->mon = *mon;
	c->state = CONN_MONITOR;
	return (0);
}

static void
request_free(struct request *r)
{
	uint32_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nargs; i++)
		free(r->argv[i]);
	for (i = 0; i < r->nenv; i++)
		free(r->envp[i]);
	free(r->argv);
	free(r->envp);
	free(r->policy_name);
	free(r->policy_text);
	for (i = 0; i < GW_FD_ROLE_MAX; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	free(r);
}

static void
outmsg_free(struct outmsg *om)
{
	if (om->fd >= 0)
		close(om->fd);
	free(om->buf);
	free(om);
}

static void
conn_update_events(struct conn *c)
{
	if (!TAILQ_EMPTY(&c->outq))
		event_add(c->ev_write, NULL);
	else
		event_del(c->ev_write);
}

/* Close once everything queued has been written. */
void
control_finish(struct conn *c)
{
	c->state = CONN_DONE;
	if (TAILQ_EMPTY(&c->outq))
		event_active(c->ev_close, 0, 0);
}

static int	conn_queue(struct conn *, uint32_t, uint32_t, const void *,
		    size_t, const char *const *, size_t, int, int);

/* Tell a subscriber how many events it missed; queued after the rest. */
static void
conn_dropped(struct conn *c)
{
	struct gw_events_dropped	d;

	memset(&d, 0, sizeof(d));
	d.count = c->ev_dropped;
	c->ev_dropped = 0;
	conn_queue(c, GW_MSG_EVENTS_DROPPED, 0, &d, sizeof(d), NULL, 0, -1,
	    0);
}

static void
outq_clear(struct conn *c)
{
	struct outmsg	*om;

	while ((om = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, om, entry);
		outmsg_free(om);
	}
	c->outq_bytes = 0;
	c->ev_queued = 0;
}

static void
conn_flush(struct conn *c)
{
	struct outmsg	*om;

	while ((om = TAILQ_FIRST(&c->outq)) != NULL) {
		if (gw_msg_sendbuf(c->fd, om->buf, om->len, om->fd) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno != EPIPE && errno != ECONNRESET)
				log_warn("write to uid %u pid %d",
				    (unsigned)c->peer.uid, (int)c->peer.pid);
			outq_clear(c);
			control_finish(c);
			return;
		}
		TAILQ_REMOVE(&c->outq, om, entry);
		c->outq_bytes -= om->len;
		if (om->event)
			c->ev_queued--;
		/* The client has the fd now; the daemon keeps no copy. */
		outmsg_free(om);
		if (c->ev_queued == 0 && c->ev_dropped > 0)
			conn_dropped(c);
	}
	conn_update_events(c);
	if (c->state == CONN_DONE && TAILQ_EMPTY(&c->outq))
		event_active(c->ev_close, 0, 0);
}

/*
 * Queue a reply, with fd attached when fd >= 0 (the queue owns it from
 * here, sent or not). A client that lets its queue grow past
 * CONN_OUTQ_MAX is not reading: it is dropped rather than allowed to pin
 * daemon memory.
 */
static int
conn_queue(struct conn *c, uint32_t type, uint32_t id, const void *payload,
    size_t len, const char *const *strs, size_t nstrs, int fd, int event)
{
	struct outmsg	*om;

	if (c->state == CONN_DONE && type != GW_MSG_ERROR &&
	    type != GW_MSG_VERSION) {
		if (fd >= 0)
			close(fd);
		return (0);
	}
	if ((om = calloc(1, sizeof(*om))) == NULL) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	om->fd = fd;
	if (gw_msg_build(type, id, payload, len, strs, nstrs, &om->buf,
	    &om->len) == -1) {
		outmsg_free(om);
		goto fail;
	}
	if (c->outq_bytes + om->len > CONN_OUTQ_MAX) {
		log_warnx("uid %u pid %d is not reading its replies,"
		    " closing", (unsigned)c->peer.uid, (int)c->peer.pid);
		outmsg_free(om);
		outq_clear(c);
		control_finish(c);
		errno = ENOBUFS;
		return (-1);
	}
	TAILQ_INSERT_TAIL(&c->outq, om, entry);
	c->outq_bytes += om->len;
	if ((om->event = event))
		c->ev_queued++;
	conn_flush(c);
	return (0);
fail:
	log_warn("cannot queue %s for uid %u", gw_msg_typename(type),
	    (unsigned)c->peer.uid);
	outq_clear(c);
	control_finish(c);
	return (-1);
}

/* Queue one event for c, or count it as dropped if c is behind. */
static void
conn_event(struct conn *c, const struct gw_event *ev, const char *const *strs)
{
	if (c->state == CONN_DONE)
		return;
	if (c->ev_queued >= CONN_EVENTS_MAX || c->ev_dropped > 0) {
		if (c->ev_dropped < UINT32_MAX)
			c->ev_dropped++;
		return;
	}
	conn_queue(c, GW_MSG_EVENT, ev->sandbox, ev, sizeof(*ev), strs, 6,
	    -1, 1);
}

/* Before the last word to a gw: the count of events it missed. */
void
control_flush_dropped(struct conn *c)
{
	if (c->ev_dropped > 0)
		conn_dropped(c);
}

/* n events of sb were lost before they reached greywalld. */
static void
control_event_dropped(struct sandbox *sb, uint32_t n)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, entry) {
		if (c->state == CONN_DONE)
			continue;
		if (c == sb->conn ? !sb->ev.stream : c->state != CONN_MONITOR ||
		    ((c->mon.flags & GW_MONITOR_UID) && c->mon.uid != sb->uid))
			continue;
		c->ev_dropped = c->ev_dropped > UINT32_MAX - n ? UINT32_MAX :
		    c->ev_dropped + n;
		if (c->ev_queued == 0)
			conn_dropped(c);
	}
}

/*
 * An event of sandbox sb: to its gw if that asked for events (gw -m), and
 * to every gwctl monitor that follows sb's user.
 */
static void
control_event(struct sandbox *sb, const struct gw_event *ev,
    const char *const *strs)
{
	struct conn	*c;

	if (sb->conn != NULL && sb->ev.stream)
		conn_event(sb->conn, ev, strs);
	TAILQ_FOREACH(c, &conns, entry) {
		if (c->state != CONN_MONITOR)
			continue;
		if ((c->mon.flags & GW_MONITOR_UID) && c->mon.uid != sb->uid)
			continue;
		conn_event(c, ev, strs);
	}
}

int
control_send(struct conn *c, uint32_t type, uint32_t id, const void *payload,
    size_t len, const char *const *strs, size_t nstrs)
{
	return (conn_queue(c, type, id, payload, len, strs, nstrs, -1, 0));
}

/* Send a message with an fd; the fd is closed here whatever happens. */
int
control_send_fd(struct conn *c, uint32_t type, uint32_t id,
    const void *payload, size_t len, int fd)
{
	return (conn_queue(c, type, id, payload, len, NULL, 0, fd, 0));
}

int
control_send_error(struct conn *c, uint32_t code, const char *fmt, ...)
{
	struct gw_error	 e;
	char		 text[GW_TEXT_MAX];
	const char	*strs[1] = { text };
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	e.code = code;
	return (control_send(c, GW_MSG_ERROR, 0, &e, sizeof(e), strs, 1));
}

static void
control_status_item(void *arg, int level, const char *name,
    const char *value)
{
	struct gw_status_item	 it;
	const char		*strs[2] = { name, value };

	memset(&it, 0, sizeof(it));
	it.level = level;
	control_send(arg, GW_MSG_STATUS_ITEM, 0, &it, sizeof(it), strs, 2);
}

static void
control_status_end(void *arg)
{
	control_send(arg, GW_MSG_OK, 0, NULL, 0, NULL, 0);
}

static void
control_status_error(void *arg, uint32_t code, const char *text)
{
	control_send_error(arg, code, "%s", text);
}

/*
 * gwctl status (admin) or gw doctor: status.c composes the items, which
 * come back here to be sent; the list ends with OK or an error.
 */
void
control_status(struct conn *c, int admin)
{
	struct status_out	out;

	out.item = control_status_item;
	out.end = control_status_end;
	out.error = control_status_error;
	out.arg = c;
	out.uid = c->peer.uid;
	out.gid = c->peer.gid;
	status_send(&out, admin);
}

/* gw exec -d: one line of sandbox-debug.c's, to the client (arg). */
void
control_debug_line(void *arg, uint32_t id, const char *line)
{
	const char	*strs[1] = { line };

	control_send(arg, GW_MSG_SANDBOX_DEBUG, id, NULL, 0, strs, 1);
}

/* Log a protocol violation once, tell the client, and hang up. */
void
control_violation(struct conn *c, const struct gw_msg *m, const char *why)
{
	log_warnx("uid %u pid %d: %s (message %s, type %u, %u bytes),"
	    " closing connection", (unsigned)c->peer.uid, (int)c->peer.pid,
	    why, m != NULL ? gw_msg_typename(m->hdr.type) : "-",
	    m != NULL ? m->hdr.type : 0, m != NULL ? m->hdr.len : 0);
	control_send_error(c, GW_ERR_PROTOCOL, "protocol error: %s", why);
	control_finish(c);
}

static int
dispatch_hello(struct conn *c, struct gw_msg *m)
{
	struct gw_hello		h;
	struct gw_version	v;

	memcpy(&h, m->data, sizeof(h));
	if (h.version != GW_PROTO_VERSION) {
		log_info("uid %u pid %d speaks protocol %u, this daemon %u",
		    (unsigned)c->peer.uid, (int)c->peer.pid, h.version,
		    GW_PROTO_VERSION);
		v.version = GW_PROTO_VERSION;
		control_send(c, GW_MSG_VERSION, 0, &v, sizeof(v), NULL, 0);
		control_finish(c);
		return (0);
	}
	if (h.kind != GW_CLIENT_GW && h.kind != GW_CLIENT_CTL) {
		control_violation(c, m, "unknown client kind");
		return (-1);
	}
	c->kind = h.kind;
	c->state = CONN_READY;
	/*
	 * A new connection's hello goes first (accept_cb); after it, only an
	 * administrator's gwctl keeps going before every other connection's
	 * next message: it stays answered while hundreds of sandboxes start.
	 */
	if ((h.kind != GW_CLIENT_CTL || !admin_allowed(&c->peer)) &&
	    (event_del(c->ev_read) == -1 ||
	    event_priority_set(c->ev_read, 1) == -1 ||
	    event_priority_set(c->ev_write, 1) == -1 ||
	    event_add(c->ev_read, NULL) == -1)) {
		control_violation(c, m, "cannot set its priority");
		return (-1);
	}
	return (control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0));
}

static int
dispatch_open(struct conn *c, struct gw_msg *m)
{
	struct gw_sandbox_open	 o;
	struct request		*r;
	int			 i;

	memcpy(&o, m->data, sizeof(o));
	if ((o.flags & ~GW_OPEN_FLAGS) != 0 || o.umask > 0777) {
		control_violation(c, m, "unknown flags or bad umask");
		return (-1);
	}
	if (!(o.flags & GW_OPEN_PTY) && ((o.flags & GW_OPEN_PTY_UTF8) ||
	    o.ws_row != 0 || o.ws_col != 0 || o.ws_xpixel != 0 ||
	    o.ws_ypixel != 0)) {
		control_violation(c, m, "terminal settings without a pty");
		return (-1);
	}
	if (o.argc == 0 || o.argc > GW_ARGC_MAX || o.envc > GW_ENVC_MAX) {
		control_violation(c, m, "argument or environment count out of"
		    " range");
		return (-1);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->argv = calloc(o.argc + 1, sizeof(char *))) == NULL ||
	    (r->envp = calloc(o.envc + 1, sizeof(char *))) == NULL) {
		if (r != NULL)
			free(r->argv);
		free(r);
		log_warn("%s", __func__);
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		control_finish(c);
		return (0);
	}
	for (i = 0; i < GW_FD_ROLE_MAX; i++)
		r->fds[i] = -1;
	r->argc = o.argc;
	r->envc = o.envc;
	r->umask = o.umask;
	r->flags = o.flags;
	r->winsize.ws_row = o.ws_row;
	r->winsize.ws_col = o.ws_col;
	r->winsize.ws_xpixel = o.ws_xpixel;
	r->winsize.ws_ypixel = o.ws_ypixel;
	c->req = r;
	c->state = CONN_OPENING;
	return (0);
}

static int
dispatch_string(struct conn *c, struct gw_msg *m)
{
	struct request	*r = c->req;
	size_t		 len = strlen(m->str[0]);
	char		*s;

	if (m->hdr.type == GW_MSG_SANDBOX_ARG ? r->nargs == r->argc :
	    r->nenv == r->envc) {
		control_violation(c, m, "more strings than announced");
		return (-1);
	}
	if (m->hdr.type == GW_MSG_SANDBOX_ENV &&
	    strchr(m->str[0], '=') == NULL) {
		control_violation(c, m, "environment entry without '='");
		return (-1);
	}
	r->bytes += len + 1;
	if (r->bytes > GW_ARGS_BYTES_MAX) {
		control_violation(c, m, "argument and environment too large");
		return (-1);
	}
	if ((s = strdup(m->str[0])) == NULL) {
		log_warn("%s", __func__);
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		control_finish(c);
		return (0);
	}
	if (m->hdr.type == GW_MSG_SANDBOX_ARG)
		r->argv[r->nargs++] = s;
	else
		r->envp[r->nenv++] = s;
	return (0);
}

static int
dispatch_policy(struct conn *c, struct gw_msg *m)
{
	struct request	*r = c->req;

	if (r->policy_text != NULL) {
		control_violation(c, m, "more than one policy overlay");
		return (-1);
	}
	if (strlen(m->str[1]) > GW_POLICY_MAX || strlen(m->str[0]) > 255) {
		control_violation(c, m, "policy overlay too large");
		return (-1);
	}
	if ((r->policy_name = strdup(m->str[0])) == NULL ||
	    (r->policy_text = strdup(m->str[1])) == NULL) {
		log_warn("%s", __func__);
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		control_finish(c);
	}
	return (0);
}

/* gw exec -p: one port, once; the policy is checked at start. */
static int
dispatch_port(struct conn *c, struct gw_msg *m)
{
	struct request		*r = c->req;
	struct gw_sandbox_port	 p;
	uint32_t		 i;

	memcpy(&p, m->data, sizeof(p));
	if (p.port == 0 || p.port > 65535) {
		control_violation(c, m, "port out of range");
		return (-1);
	}
	if (r->nports == GW_PORTS_MAX) {
		control_violation(c, m, "too many ports");
		return (-1);
	}
	for (i = 0; i < r->nports; i++) {
		if (r->ports[i] == p.port) {
			control_violation(c, m, "repeated port");
			return (-1);
		}
	}
	r->ports[r->nports++] = p.port;
	return (0);
}

static int
dispatch_start(struct conn *c, struct gw_msg *m)
{
	struct request	*r = c->req;
	int		 i, npty = 0;

	if (r->nargs != r->argc || r->nenv != r->envc) {
		control_violation(c, m, "start before all strings arrived");
		return (-1);
	}
	/* With a pty, the stdio roles gw did not send are the pty's. */
	for (i = 0; i < GW_FD_ROLE_MAX; i++) {
		if (r->fds[i] >= 0)
			continue;
		if (i != GW_FD_CWD && (r->flags & GW_OPEN_PTY)) {
			npty++;
			continue;
		}
		control_violation(c, m, "start before all fds arrived");
		return (-1);
	}
	if ((r->flags & GW_OPEN_PTY) && npty == 0) {
		control_violation(c, m, "a pty asked for, but no stdio role"
		    " left for it");
		return (-1);
	}
	c->req = NULL;
	if (gw_conf.timing) {
		uint64_t t[MARK__MAX];

		sandbox_mark(t, MARK_REQUEST);
		c->t_request = t[MARK_REQUEST];
	}
	if (sandbox_start(c, r) == -1) {
		request_free(r);
		control_finish(c);
		return (0);
	}
	request_free(r);
	c->state = CONN_RUNNING;
	return (0);
}

/* Signals gw may forward; anything else is a protocol error. */
static int
signal_forwardable(uint32_t signo)
{
	switch (signo) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
	case SIGQUIT:
	case SIGUSR1:
	case SIGUSR2:
	case SIGWINCH:
	case SIGCONT:
	case SIGKILL:		/* the whole sandbox: a second Ctrl-C */
		return (1);
	default:
		return (0);
	}
}

/* Admin requests, gwctl's only: admin.c checks who asks and answers. */
static int
dispatch_admin(struct conn *c, struct gw_msg *m)
{
	if (c->kind != GW_CLIENT_CTL || c->state != CONN_READY) {
		control_violation(c, m, "unexpected admin message");
		return (-1);
	}
	return (admin_dispatch(c, m));
}

static int
conn_dispatch(struct conn *c, struct gw_msg *m)
{
	struct gw_sandbox_fd	fdm;
	struct gw_signal	sig;
	const char		*why;
	char			buf[128];

	if (c->state == CONN_DONE)
		return (0);
	if (c->state == CONN_NEW) {
		if (m->hdr.type != GW_MSG_HELLO) {
			control_violation(c, m, "expected HELLO");
			return (-1);
		}
		return (dispatch_hello(c, m));
	}

	switch (m->hdr.type) {
	case GW_MSG_POLICY_SHOW:
	case GW_MSG_POLICY_JSON:
		/* Anyone may see their own policy; others' need an admin. */
		if (c->state != CONN_READY)
			break;
		if (m->str[0][0] == '\0') {
			admin_policy_show(c, "",
			    m->hdr.type == GW_MSG_POLICY_JSON);
			return (0);
		}
		return (dispatch_admin(c, m));
	case GW_MSG_ADMIN_LIST:
	case GW_MSG_ADMIN_KILL:
	case GW_MSG_ADMIN_KILL_USER:
	case GW_MSG_ADMIN_RELOAD:
	case GW_MSG_MONITOR:
		return (dispatch_admin(c, m));
	case GW_MSG_STATUS:
		if (c->state != CONN_READY)
			break;
		/* gwctl status is an admin's; gw doctor anyone's own. */
		if (c->kind == GW_CLIENT_CTL)
			return (dispatch_admin(c, m));
		control_status(c, 0);
		return (0);
	case GW_MSG_WHY:
		/* Anyone may ask about their own policy. */
		if (c->kind != GW_CLIENT_GW || c->state != CONN_READY)
			break;
		why_answer(c, m);
		return (0);
	case GW_MSG_SANDBOX_POLICY:
		if (c->state != CONN_OPENING)
			break;
		return (dispatch_policy(c, m));
	case GW_MSG_SANDBOX_OPEN:
		if (c->kind != GW_CLIENT_GW || c->state != CONN_READY)
			break;
		return (dispatch_open(c, m));
	case GW_MSG_SANDBOX_ARG:
	case GW_MSG_SANDBOX_ENV:
		if (c->state != CONN_OPENING)
			break;
		return (dispatch_string(c, m));
	case GW_MSG_SANDBOX_PORT:
		if (c->state != CONN_OPENING)
			break;
		return (dispatch_port(c, m));
	case GW_MSG_SANDBOX_FD:
		if (c->state != CONN_OPENING)
			break;
		memcpy(&fdm, m->data, sizeof(fdm));
		if (fdm.role >= GW_FD_ROLE_MAX ||
		    c->req->fds[fdm.role] != -1) {
			control_violation(c, m, "bad or repeated fd role");
			return (-1);
		}
		/* Never the user's terminal: see sandbox-pty.c. */
		if (fdm.role != GW_FD_CWD &&
		    (why = sandbox_pty_stdio_refused(m->fd)) != NULL) {
			snprintf(buf, sizeof(buf), "the %s sent is %s",
			    fdm.role == GW_FD_STDIN ? "stdin" :
			    fdm.role == GW_FD_STDOUT ? "stdout" : "stderr",
			    why);
			control_violation(c, m, buf);
			return (-1);
		}
		c->req->fds[fdm.role] = TAKE_FD(m->fd);
		return (0);
	case GW_MSG_SANDBOX_START:
		if (c->state != CONN_OPENING)
			break;
		return (dispatch_start(c, m));
	case GW_MSG_SANDBOX_SIGNAL:
		if (c->state != CONN_RUNNING)
			break;
		memcpy(&sig, m->data, sizeof(sig));
		if (!signal_forwardable(sig.signo)) {
			control_violation(c, m, "signal not forwardable");
			return (-1);
		}
		if (c->sb == NULL)
			return (0);
		if (sig.signo == SIGKILL) {
			log_info("sandbox %u: uid %u asked to kill it",
			    c->sb->id, (unsigned)c->peer.uid);
			sandbox_kill(c->sb);
		} else
			sandbox_signal(c->sb, sig.signo);
		return (0);
	default:
		break;
	}
	control_violation(c, m, "unexpected message in this state");
	return (-1);
}

static void
conn_read_cb(int fd, short ev __unused, void *arg)
{
	struct conn	*c = arg;
	int		 i, r;

	for (i = 0; i < CONN_READ_BURST; i++) {
		r = gw_msg_recv(fd, &inmsg);
		if (r == 0) {
			conn_free(c);
			return;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EPROTO || errno == EMSGSIZE) {
				control_violation(c, NULL, "malformed message");
				event_del(c->ev_read);
			} else {
				if (errno != ECONNRESET)
					log_warn("read from uid %u pid %d",
					    (unsigned)c->peer.uid,
					    (int)c->peer.pid);
				conn_free(c);
			}
			return;
		}
		if (gw_msg_validate(&inmsg, GW_DIR_TO_DAEMON) == -1) {
			control_violation(c, &inmsg, "malformed message");
			gw_msg_clear(&inmsg);
			event_del(c->ev_read);
			return;
		}
		r = conn_dispatch(c, &inmsg);
		gw_msg_clear(&inmsg);
		if (r == -1 || c->state == CONN_DONE) {
			/* Stop reading; the close callback frees it. */
			event_del(c->ev_read);
			return;
		}
	}
}

static void
conn_write_cb(int fd __unused, short ev __unused, void *arg)
{
	conn_flush(arg);
}

static void
conn_close_cb(int fd __unused, short ev __unused, void *arg)
{
	conn_free(arg);
}

static void
conn_free(struct conn *c)
{
	TAILQ_REMOVE(&conns, c, entry);
	status_gone(c);
	if (c->sb != NULL)
		sandbox_detach(c->sb);
	request_free(c->req);
	outq_clear(c);
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_close);
	close(c->fd);
	if (c->peer.pidfd >= 0)
		close(c->peer.pidfd);
	free(c->peer.groups);
	free(c);
}

static void
accept_resume_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	event_add(ev_accept, NULL);
}

static void
accept_cb(int fd, short ev __unused, void *arg __unused)
{
	struct timeval	 tv = { 1, 0 };
	struct conn	*c;
	struct peer	 p;
	uint64_t	 t[MARK__MAX];
	int		 s;

	t[MARK_ACCEPT] = 0;
	if (gw_conf.timing)
		sandbox_mark(t, MARK_ACCEPT);
	s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Back off for a second rather than spin. */
			log_warn("accept");
			event_del(ev_accept);
			evtimer_add(ev_accept_pause, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (peer_read(s, &p) == -1) {
		log_warn("cannot read peer credentials, closing");
		close(s);
		return;
	}
	if (control_count_uid(p.uid) >= gw_conf.max_conn_per_uid) {
		log_info("uid %u has %u connections, refusing another",
		    (unsigned)p.uid, gw_conf.max_conn_per_uid);
		/* Best effort: the socket is fresh, so this will not block. */
		{
			struct gw_error	 e = { GW_ERR_LIMIT };
			const char	*strs[1] = { "limit reached: too many"
			    " connections for this user" };

			gw_msg_send(s, GW_MSG_ERROR, 0, &e, sizeof(e), strs,
			    1, -1);
		}
		if (p.pidfd >= 0)
			close(p.pidfd);
		free(p.groups);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		if (p.pidfd >= 0)
			close(p.pidfd);
		free(p.groups);
		close(s);
		return;
	}
	c->fd = s;
	c->peer = p;
	c->state = CONN_NEW;
	c->t_accept = t[MARK_ACCEPT];
	TAILQ_INIT(&c->outq);
	c->ev_read = event_new(gw_base, s, EV_READ | EV_PERSIST, conn_read_cb,
	    c);
	c->ev_write = event_new(gw_base, s, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	c->ev_close = event_new(gw_base, -1, 0, conn_close_cb, c);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	/* Its hello is one small message: before the busy connections. */
	if (c->ev_read == NULL || c->ev_write == NULL || c->ev_close == NULL ||
	    event_priority_set(c->ev_read, 0) == -1 ||
	    event_priority_set(c->ev_write, 0) == -1 ||
	    event_add(c->ev_read, NULL) == -1) {
		log_warnx("cannot set up events for a new connection");
		conn_free(c);
		return;
	}
	log_debug("connection from uid %u gid %u pid %d", (unsigned)p.uid,
	    (unsigned)p.gid, (int)p.pid);
}

int
control_init(int fd)
{
	events_sink(control_event, control_event_dropped);
	listen_fd = fd;
	ev_accept = event_new(gw_base, fd, EV_READ | EV_PERSIST, accept_cb,
	    NULL);
	ev_accept_pause = evtimer_new(gw_base, accept_resume_cb, NULL);
	if (ev_accept == NULL || ev_accept_pause == NULL ||
	    event_priority_set(ev_accept, 0) == -1)
		return (-1);
	return (event_add(ev_accept, NULL));
}

void
control_shutdown(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_free(c);
	if (ev_accept != NULL)
		event_free(ev_accept);
	if (ev_accept_pause != NULL)
		event_free(ev_accept_pause);
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
}
