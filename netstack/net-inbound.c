/*
 * gw exec -p in the helper: each connection to a sandbox's inbound port
 * on the host's 127.0.0.1 is spliced to a connection greywalld makes in
 * the sandbox's network namespace, to its 127.0.0.1 at the same port
 * (daemon/sandbox-inbound.c). Kernel TCP on both sides, no
 * lwIP and no copy through user space: splice(2) moves the data through
 * a pipe per direction.
 *
 * The helper only asks: it names the sandbox and the port, and greywalld
 * answers with the socket (connecting) or with none. Answers come in the
 * order of the questions, so each goes to the oldest connection waiting.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "netstack.h"

#define PIPE_BYTES	(256 * 1024)	/* asked per direction */
#define WAITING_MAX	64	/* per sandbox, asked and not answered */
#define ACCEPT_BATCH	64	/* connections accepted per wakeup */
#define IB_CONNECT_TIMEOUT 10	/* s: greywalld's answer plus the connect */

enum sp_state {
	SP_ASKED,		/* waiting for greywalld's answer */
	SP_CONNECT,		/* the sandbox's end is connecting */
	SP_OPEN,		/* splicing */
};

/* One direction: fd[from] to fd[!from], through a pipe. */
struct half {
	int		 pipe[2];
	size_t		 held;		/* bytes in the pipe */
	int		 eof;		/* its source said so */
	int		 shut;		/* and the other end was told */
	uint64_t	*count;		/* the sandbox's counter */
};

struct ibsb;

struct splice {
	TAILQ_ENTRY(splice)	 entry;
	struct ibsb		*ib;
	uint16_t		 port;
	enum sp_state		 state;
	int			 fd[2];		/* 0 the host's, 1 the sandbox's */
	struct half		 h[2];		/* h[0] from fd[0], h[1] from fd[1] */
	struct event		*ev_r[2], *ev_w[2];
	time_t			 since;
};
TAILQ_HEAD(splicelist, splice);

struct inport {
	struct ibsb		*ib;
	uint16_t		 port;
	int			 fd;
	int			 paused;	/* retried by the sweep */
	struct event		*ev;
};

/* One sandbox's inbound ports and their connections. */
struct ibsb {
	TAILQ_ENTRY(ibsb)	 entry;
	uint32_t		 id;
	struct inport		 ports[GW_PORTS_MAX];
	size_t			 nports;
	struct splicelist	 asked;		/* in the order asked */
	struct splicelist	 open;
	size_t			 nasked;
	uint64_t		*bytes_in, *bytes_out;
};
static TAILQ_HEAD(, ibsb)	 ibsbs = TAILQ_HEAD_INITIALIZER(ibsbs);

static int	splice_pump(struct splice *, int);
static void	inport_resume(struct ibsb *);

static struct ibsb *
ibsb_find(uint32_t id)
{
	struct ibsb	*ib;

	TAILQ_FOREACH(ib, &ibsbs, entry)
		if (ib->id == id)
			return (ib);
	return (NULL);
}

/*
 * Close everything of a connection. hard: a reset to both ends (the host
 * client sees a reset, not an end, when the sandbox refused or failed).
 */
static void
splice_free(struct splice *s, int hard)
{
	struct linger	l = { 1, 0 };
	int		i, j;

	TAILQ_REMOVE(s->state == SP_ASKED ? &s->ib->asked : &s->ib->open, s,
	    entry);
	if (s->state == SP_ASKED)
		s->ib->nasked--;
	for (i = 0; i < 2; i++) {
		if (s->ev_r[i] != NULL)
			event_free(s->ev_r[i]);
		if (s->ev_w[i] != NULL)
			event_free(s->ev_w[i]);
		if (s->fd[i] != -1) {
			if (hard)
				(void)setsockopt(s->fd[i], SOL_SOCKET,
				    SO_LINGER, &l, sizeof(l));
			close(s->fd[i]);
		}
		for (j = 0; j < 2; j++)
			if (s->h[i].pipe[j] != -1)
				close(s->h[i].pipe[j]);
	}
	free(s);
}

static void
splice_read_cb(int fd __unused, short ev __unused, void *arg)
{
	struct splice	*s = arg;

	/* Readable fd[i] feeds half i. */
	(void)splice_pump(s, fd == s->fd[0] ? 0 : 1);
}

static void
splice_write_cb(int fd, short ev __unused, void *arg)
{
	struct splice	*s = arg;

	/* Writable fd[i] drains half !i. */
	(void)splice_pump(s, fd == s->fd[0] ? 1 : 0);
}

/*
 * Move what half d can, from fd[d] to fd[!d], until either side would
 * block; then wait for that side. A pipe is refilled only once empty, so
 * an EAGAIN when reading is the socket's, never the pipe's. Returns -1
 * if the connection ended (and s is freed).
 */
static int
splice_pump(struct splice *s, int d)
{
	struct half	*h = &s->h[d];
	int		 src = s->fd[d], dst = s->fd[!d], progress;
	ssize_t		 n;

	do {
		progress = 0;
		if (!h->eof && h->held == 0) {
			n = splice(src, NULL, h->pipe[1], NULL, PIPE_BYTES,
			    SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				h->held = n;
				*h->count += n;
				progress = 1;
			} else if (n == 0)
				h->eof = 1;
			else if (errno != EAGAIN && errno != EINTR)
				goto reset;
		}
		if (h->held > 0) {
			n = splice(h->pipe[0], NULL, dst, NULL, h->held,
			    SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				h->held -= n;
				progress = 1;
			} else if (n == -1 && errno != EAGAIN &&
			    errno != EINTR)
				goto reset;
		}
	} while (progress);
	if (h->eof && h->held == 0 && !h->shut) {
		/* Its end, passed on: the other direction goes on. */
		(void)shutdown(dst, SHUT_WR);
		h->shut = 1;
	}
	if (s->h[0].shut && s->h[1].shut) {
		splice_free(s, 0);
		return (-1);
	}
	if (!h->eof && h->held == 0)
		event_add(s->ev_r[d], NULL);
	else
		event_del(s->ev_r[d]);
	if (h->held > 0)
		event_add(s->ev_w[!d], NULL);
	else
		event_del(s->ev_w[!d]);
	return (0);
reset:
	log_debug("sandbox %u: port %u: %s", s->ib->id, s->port,
	    strerror(errno));
	splice_free(s, 1);
	return (-1);
}

/* The sandbox's end connected, or failed to. */
static void
splice_connected_cb(int fd, short ev __unused, void *arg)
{
	struct splice	*s = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0, i, sz = PIPE_BYTES;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY) {
		event_add(s->ev_w[1], NULL);
		return;
	}
	if (err != 0) {
		/* Nothing listens there (yet): reset at once. */
		log_debug("sandbox %u: port %u: %s", s->ib->id, s->port,
		    strerror(err));
		splice_free(s, 1);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (pipe2(s->h[i].pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
			log_debug("sandbox %u: port %u: pipe: %s", s->ib->id,
			    s->port, strerror(errno));
			splice_free(s, 1);
			return;
		}
		/* Larger pipes where the user's allowance has room. */
		(void)fcntl(s->h[i].pipe[1], F_SETPIPE_SZ, sz);
		(void)fd_set_nodelay(s->fd[i]);
	}
	event_free(s->ev_w[1]);
	s->ev_r[1] = event_new(net_base, s->fd[1], EV_READ, splice_read_cb,
	    s);
	s->ev_w[1] = event_new(net_base, s->fd[1], EV_WRITE, splice_write_cb,
	    s);
	s->ev_r[0] = event_new(net_base, s->fd[0], EV_READ, splice_read_cb,
	    s);
	s->ev_w[0] = event_new(net_base, s->fd[0], EV_WRITE, splice_write_cb,
	    s);
	if (s->ev_r[0] == NULL || s->ev_r[1] == NULL || s->ev_w[0] == NULL ||
	    s->ev_w[1] == NULL) {
		splice_free(s, 1);
		return;
	}
	s->state = SP_OPEN;
	s->since = time(NULL);
	log_debug("sandbox %u: port %u: connected", s->ib->id, s->port);
	/* The sandbox first: the host's end may have sent all, then EOF. */
	if (splice_pump(s, 1) == 0)
		(void)splice_pump(s, 0);
}

/*
 * greywalld's answer for the oldest connection waiting: the sandbox's
 * end (connecting), or none. Takes fd.
 */
void
net_inbound_answer(uint32_t id, uint16_t port, int fd)
{
	struct ibsb	*ib;
	struct splice	*s;

	if ((ib = ibsb_find(id)) == NULL ||
	    (s = TAILQ_FIRST(&ib->asked)) == NULL || s->port != port) {
		/* Its sandbox is gone (or detached and back): not ours. */
		if (fd != -1)
			close(fd);
		return;
	}
	if (fd == -1) {
		log_debug("sandbox %u: port %u: refused", id, port);
		splice_free(s, 1);
		inport_resume(ib);
		return;
	}
	TAILQ_REMOVE(&ib->asked, s, entry);
	ib->nasked--;
	TAILQ_INSERT_TAIL(&ib->open, s, entry);
	s->state = SP_CONNECT;
	s->fd[1] = fd;
	/* Non-blocking already: greywalld made it so (SOCK_NONBLOCK). */
	if ((s->ev_w[1] = event_new(net_base, fd, EV_WRITE,
	    splice_connected_cb, s)) == NULL ||
	    event_add(s->ev_w[1], NULL) == -1)
		splice_free(s, 1);
	/* Room to ask again. */
	inport_resume(ib);
}

/* Ask greywalld for the other end of a host connection; takes fd. */
static void
inport_ask(struct inport *in, int fd)
{
	struct nsinbound	 q;
	struct splice		*s;
	int			 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return;
	}
	s->ib = in->ib;
	s->port = in->port;
	s->state = SP_ASKED;
	s->fd[0] = fd;
	s->fd[1] = -1;
	for (i = 0; i < 2; i++)
		s->h[i].pipe[0] = s->h[i].pipe[1] = -1;
	s->h[0].count = in->ib->bytes_in;
	s->h[1].count = in->ib->bytes_out;
	s->since = time(NULL);
	TAILQ_INSERT_TAIL(&in->ib->asked, s, entry);
	in->ib->nasked++;
	memset(&q, 0, sizeof(q));
	q.type = NSMSG_INBOUND;
	q.id = in->ib->id;
	q.port = in->port;
	if (net_event_fd == -1 || frame_send(net_event_fd, NSMSG_INBOUND,
	    q.id, &q, sizeof(q), -1, MSG_DONTWAIT) == -1) {
		log_debug("sandbox %u: port %u: cannot ask greywalld: %s",
		    q.id, q.port, strerror(errno));
		splice_free(s, 1);
	}
}

static void
inport_accept_cb(int fd, short ev __unused, void *arg)
{
	struct inport	*in = arg;
	int		 cfd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (in->ib->nasked >= WAITING_MAX) {
			/* The backlog holds the rest until answers come. */
			event_del(in->ev);
			in->paused = 1;
			return;
		}
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd == -1 && errno == EAGAIN)
			break;
		if (cfd == -1) {
			/* Out of fds: the sweep tries again; else it is gone. */
			event_del(in->ev);
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				in->paused = 1;
			else if (errno != EINVAL)	/* closed by greywalld */
				log_warn("sandbox %u: port %u: accept",
				    in->ib->id, in->port);
			break;
		}
		inport_ask(in, cfd);
	}
}

static void
inport_resume(struct ibsb *ib)
{
	size_t	i;

	for (i = 0; i < ib->nports; i++)
		if (ib->ports[i].paused && ib->nasked < WAITING_MAX &&
		    event_add(ib->ports[i].ev, NULL) == 0)
			ib->ports[i].paused = 0;
}

/*
 * A sandbox's inbound port, listening on the host; takes fd. bytes_in
 * and bytes_out are the sandbox's counters, valid until
 * net_inbound_detach().
 */
int
net_inbound_listen(uint32_t id, uint16_t port, int fd, uint64_t *bytes_in,
    uint64_t *bytes_out)
{
	struct ibsb	*ib;
	struct inport	*in;
	size_t		 i;

	if ((ib = ibsb_find(id)) == NULL) {
		if ((ib = calloc(1, sizeof(*ib))) == NULL)
			goto fail;
		ib->id = id;
		TAILQ_INIT(&ib->asked);
		TAILQ_INIT(&ib->open);
		ib->bytes_in = bytes_in;
		ib->bytes_out = bytes_out;
		TAILQ_INSERT_TAIL(&ibsbs, ib, entry);
	}
	if (ib->nports == nitems(ib->ports))
		goto fail;
	for (i = 0; i < ib->nports; i++)
		if (ib->ports[i].port == port)
			goto fail;
	in = &ib->ports[ib->nports];
	in->ib = ib;
	in->port = port;
	in->fd = fd;
	in->paused = 0;
	in->ev = event_new(net_base, fd, EV_READ | EV_PERSIST,
	    inport_accept_cb, in);
	if (in->ev == NULL || event_add(in->ev, NULL) == -1) {
		if (in->ev != NULL)
			event_free(in->ev);
		goto fail;
	}
	ib->nports++;
	log_debug("sandbox %u: port %u from the host", id, port);
	return (0);
fail:
	close(fd);
	return (-1);
}

/* The sandbox is gone: its ports and connections with it. */
void
net_inbound_detach(uint32_t id)
{
	struct ibsb	*ib;
	struct splice	*s;
	size_t		 i;

	if ((ib = ibsb_find(id)) == NULL)
		return;
	for (i = 0; i < ib->nports; i++) {
		event_free(ib->ports[i].ev);
		close(ib->ports[i].fd);
	}
	while ((s = TAILQ_FIRST(&ib->asked)) != NULL)
		splice_free(s, 1);
	while ((s = TAILQ_FIRST(&ib->open)) != NULL)
		splice_free(s, 1);
	TAILQ_REMOVE(&ibsbs, ib, entry);
	free(ib);
}

/*
 * Every few seconds: a connection whose other end never came or never
 * connected (a server whose backlog is full) is reset; a port paused
 * for want of fds listens again.
 */
void
net_inbound_sweep(time_t now)
{
	struct ibsb	*ib;
	struct splice	*s, *next;

	TAILQ_FOREACH(ib, &ibsbs, entry) {
		for (s = TAILQ_FIRST(&ib->asked); s != NULL; s = next) {
			next = TAILQ_NEXT(s, entry);
			if (now - s->since > IB_CONNECT_TIMEOUT)
				splice_free(s, 1);
		}
		for (s = TAILQ_FIRST(&ib->open); s != NULL; s = next) {
			next = TAILQ_NEXT(s, entry);
			if (s->state == SP_CONNECT &&
			    now - s->since > IB_CONNECT_TIMEOUT)
				splice_free(s, 1);
		}
		inport_resume(ib);
	}
}
