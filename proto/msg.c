/*
 * The client protocol's messages, over the common framing (frame.c).
 *
 * One recvmsg() is one message: the kernel keeps the boundaries, so a short
 * read is a protocol error (MSG_TRUNC), never a partial frame to buffer.
 * Each message carries at most one fd; fds arrive with MSG_CMSG_CLOEXEC so
 * none can leak into a sandbox through a later fork.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw-protocol.h"

struct gw_msgspec {
	uint32_t	 type;
	const char	*name;
	uint8_t		 dir;		/* enum gw_msgdir */
	uint8_t		 fd;		/* 1: exactly one fd, 0: none */
	uint8_t		 nstr;		/* strings after the fixed part */
	uint32_t	 size;		/* fixed part */
};

static const struct gw_msgspec msgspecs[] = {
	{ GW_MSG_HELLO, "HELLO", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_hello) },
	{ GW_MSG_VERSION, "VERSION", GW_DIR_TO_CLIENT, 0, 0,
	    sizeof(struct gw_version) },
	{ GW_MSG_OK, "OK", GW_DIR_TO_CLIENT, 0, 0, 0 },
	{ GW_MSG_ERROR, "ERROR", GW_DIR_TO_CLIENT, 0, 1,
	    sizeof(struct gw_error) },
	{ GW_MSG_SANDBOX_OPEN, "SANDBOX_OPEN", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_sandbox_open) },
	{ GW_MSG_SANDBOX_ARG, "SANDBOX_ARG", GW_DIR_TO_DAEMON, 0, 1, 0 },
	{ GW_MSG_SANDBOX_ENV, "SANDBOX_ENV", GW_DIR_TO_DAEMON, 0, 1, 0 },
	{ GW_MSG_SANDBOX_FD, "SANDBOX_FD", GW_DIR_TO_DAEMON, 1, 0,
	    sizeof(struct gw_sandbox_fd) },
	{ GW_MSG_SANDBOX_START, "SANDBOX_START", GW_DIR_TO_DAEMON, 0, 0, 0 },
	{ GW_MSG_SANDBOX_STARTED, "SANDBOX_STARTED", GW_DIR_TO_CLIENT, 0, 0,
	    sizeof(struct gw_sandbox_started) },
	{ GW_MSG_SANDBOX_SIGNAL, "SANDBOX_SIGNAL", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_signal) },
	{ GW_MSG_SANDBOX_EXITED, "SANDBOX_EXITED", GW_DIR_TO_CLIENT, 0, 0,
	    sizeof(struct gw_sandbox_exited) },
	{ GW_MSG_SANDBOX_POLICY, "SANDBOX_POLICY", GW_DIR_TO_DAEMON, 0, 2, 0 },
	{ GW_MSG_SANDBOX_PTY, "SANDBOX_PTY", GW_DIR_TO_CLIENT, 1, 0, 0 },
	{ GW_MSG_SANDBOX_PORT, "SANDBOX_PORT", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_sandbox_port) },
	{ GW_MSG_SANDBOX_DEBUG, "SANDBOX_DEBUG", GW_DIR_TO_CLIENT, 0, 1, 0 },
	{ GW_MSG_SANDBOX_REVIEW, "SANDBOX_REVIEW", GW_DIR_TO_CLIENT, 0, 1, 0 },
	{ GW_MSG_POLICY_SHOW, "POLICY_SHOW", GW_DIR_TO_DAEMON, 0, 1, 0 },
	{ GW_MSG_POLICY_TEXT, "POLICY_TEXT", GW_DIR_TO_CLIENT, 0, 1, 0 },
	{ GW_MSG_POLICY_JSON, "POLICY_JSON", GW_DIR_TO_DAEMON, 0, 1, 0 },
	{ GW_MSG_ADMIN_LIST, "ADMIN_LIST", GW_DIR_TO_DAEMON, 0, 0, 0 },
	{ GW_MSG_ADMIN_LIST_ENTRY, "ADMIN_LIST_ENTRY", GW_DIR_TO_CLIENT, 0, 3,
	    sizeof(struct gw_sandbox_info) },
	{ GW_MSG_ADMIN_LIST_END, "ADMIN_LIST_END", GW_DIR_TO_CLIENT, 0, 0, 0 },
	{ GW_MSG_ADMIN_KILL, "ADMIN_KILL", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_sandbox_id) },
	{ GW_MSG_ADMIN_RELOAD, "ADMIN_RELOAD", GW_DIR_TO_DAEMON, 0, 0, 0 },
	{ GW_MSG_EVENT, "EVENT", GW_DIR_TO_CLIENT, 0, 6,
	    sizeof(struct gw_event) },
	{ GW_MSG_EVENTS_DROPPED, "EVENTS_DROPPED", GW_DIR_TO_CLIENT, 0, 0,
	    sizeof(struct gw_events_dropped) },
	{ GW_MSG_MONITOR, "MONITOR", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_monitor) },
	{ GW_MSG_STATUS, "STATUS", GW_DIR_TO_DAEMON, 0, 0, 0 },
	{ GW_MSG_STATUS_ITEM, "STATUS_ITEM", GW_DIR_TO_CLIENT, 0, 2,
	    sizeof(struct gw_status_item) },
	{ GW_MSG_ADMIN_LIST_STATS, "ADMIN_LIST_STATS", GW_DIR_TO_CLIENT, 0, 1,
	    sizeof(struct gw_sandbox_stats) },
	{ GW_MSG_ADMIN_KILL_USER, "ADMIN_KILL_USER", GW_DIR_TO_DAEMON, 0, 0,
	    sizeof(struct gw_kill_user) },
	{ GW_MSG_WHY, "WHY", GW_DIR_TO_DAEMON, 0, 4, sizeof(struct gw_why) },
	{ GW_MSG_WHY_ANSWER, "WHY_ANSWER", GW_DIR_TO_CLIENT, 0, 1,
	    sizeof(struct gw_why_answer) },
};

static const struct gw_msgspec *
msgspec_find(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(msgspecs) / sizeof(msgspecs[0]); i++)
		if (msgspecs[i].type == type)
			return (&msgspecs[i]);
	return (NULL);
}

const char *
gw_msg_typename(uint32_t type)
{
	const struct gw_msgspec	*spec;

	if ((spec = msgspec_find(type)) == NULL)
		return ("UNKNOWN");
	return (spec->name);
}

static const char *const event_kinds[] = {
	[GW_EV_DNS] = "dns",
	[GW_EV_CONNECT] = "connect",
	[GW_EV_UPSTREAM] = "upstream",
	[GW_EV_UDP] = "udp",
	[GW_EV_ICMP] = "icmp",
	[GW_EV_FS] = "fs",
	[GW_EV_SYSCALL] = "syscall",
	[GW_EV_COMMAND] = "command",
};

/* The name of an event kind, as JSON and the journal spell it. */
const char *
gw_event_kindname(uint32_t kind)
{
	if (kind == 0 || kind > GW_EV_KIND_MAX)
		return ("unknown");
	return (event_kinds[kind]);
}

void
gw_msg_init(struct gw_msg *m)
{
	memset(&m->hdr, 0, sizeof(m->hdr));
	m->data = m->buf + sizeof(m->hdr);
	m->fd = -1;
	m->nstr = 0;
}

/* Drop a message's fd unless the caller took it (set m->fd to -1). */
void
gw_msg_clear(struct gw_msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	gw_msg_init(m);
}

/*
 * Check the framing of n received bytes already in m->buf: a whole header,
 * a length that matches what arrived, reserved bits zero. fd is what came
 * with it (or -1); on success m owns it, on failure it is closed.
 */
int
gw_msg_parse(struct gw_msg *m, size_t n, int fd)
{
	gw_msg_init(m);
	m->fd = fd;
	if (n > sizeof(m->buf) || frame_parse(m->buf, n, &m->hdr) == -1)
		goto bad;
	return (0);
bad:
	gw_msg_clear(m);
	errno = EPROTO;
	return (-1);
}

/*
 * Receive one message. Returns 1 for a message, 0 at end of file, -1 on
 * error (EPROTO for anything malformed: truncated data or control data,
 * more than one fd, a credential or other ancillary message).
 */
int
gw_msg_recv(int sock, struct gw_msg *m)
{
	int	fd, r;

	gw_msg_init(m);
	if ((r = frame_recv(sock, m->buf, sizeof(m->buf), &m->hdr, &fd,
	    0)) != 1)
		return (r);
	m->fd = fd;
	return (1);
}

/*
 * Check a parsed message against its type: known, travelling the right
 * way, exact fixed size, exactly the expected number of NUL-terminated
 * strings after it, and an fd only where one belongs.
 */
int
gw_msg_validate(struct gw_msg *m, enum gw_msgdir dir)
{
	const struct gw_msgspec	*spec;
	const char		*p, *end;
	size_t			 n = 0;

	if ((spec = msgspec_find(m->hdr.type)) == NULL || spec->dir != dir)
		goto bad;
	if ((spec->fd && m->fd < 0) || (!spec->fd && m->fd >= 0))
		goto bad;
	if (m->hdr.len < spec->size)
		goto bad;
	if (spec->nstr == 0) {
		if (m->hdr.len != spec->size)
			goto bad;
	} else {
		p = (const char *)m->data + spec->size;
		end = (const char *)m->data + m->hdr.len;
		if (p == end || end[-1] != '\0')
			goto bad;
		while (p < end) {
			if (n == spec->nstr)
				goto bad;
			m->str[n++] = p;
			p += strlen(p) + 1;
		}
		if (n != spec->nstr)
			goto bad;
	}
	m->nstr = n;
	return (0);
bad:
	m->nstr = 0;
	errno = EPROTO;
	return (-1);
}

/* Serialize a message into a new buffer of *ret_len bytes. */
int
gw_msg_build(uint32_t type, uint32_t id, const void *payload, size_t len,
    const char *const *strs, size_t nstrs, uint8_t **ret, size_t *ret_len)
{
	struct frame_hdr	 hdr;
	uint8_t		*buf, *p;
	size_t		 total = len, i, sl;

	for (i = 0; i < nstrs; i++)
		total += strlen(strs[i]) + 1;
	if (total > GW_MSG_MAX - sizeof(hdr)) {
		errno = EMSGSIZE;
		return (-1);
	}
	if ((buf = malloc(sizeof(hdr) + total)) == NULL)
		return (-1);
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = total;
	hdr.id = id;
	memcpy(buf, &hdr, sizeof(hdr));
	p = buf + sizeof(hdr);
	if (len > 0)
		memcpy(p, payload, len);
	p += len;
	for (i = 0; i < nstrs; i++) {
		sl = strlen(strs[i]) + 1;
		memcpy(p, strs[i], sl);
		p += sl;
	}
	*ret = buf;
	*ret_len = sizeof(hdr) + total;
	return (0);
}

/* Send one built message, with fd attached when fd >= 0. */
int
gw_msg_sendbuf(int sock, const uint8_t *buf, size_t len, int fd)
{
	struct frame_hdr	hdr;

	if (frame_parse(buf, len, &hdr) == -1)
		return (-1);
	return (frame_send(sock, hdr.type, hdr.id, buf + sizeof(hdr),
	    hdr.len, fd, 0));
}

/*
 * Send n built messages in order with as few system calls as the socket
 * takes (sendmmsg, 64 at a time): the same frames on the wire as one
 * gw_msg_sendbuf() each, but the reader wakes once for the lot. Each
 * frame is checked first. Returns 0, or -1 with errno.
 */
int
gw_msg_send_batch(int sock, const struct gw_msg_out *v, size_t n)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cbuf[64];
	struct mmsghdr		 mm[64];
	struct iovec		 iov[64];
	struct frame_hdr	 hdr;
	struct cmsghdr		*cm;
	size_t			 i, k, done = 0;
	int			 r;

	for (i = 0; i < n; i++)
		if (frame_parse(v[i].buf, v[i].len, &hdr) == -1)
			return (-1);
	while (done < n) {
		k = n - done < nitems(mm) ? n - done : nitems(mm);
		memset(mm, 0, k * sizeof(mm[0]));
		for (i = 0; i < k; i++) {
			iov[i].iov_base = v[done + i].buf;
			iov[i].iov_len = v[done + i].len;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			if (v[done + i].fd < 0)
				continue;
			memset(&cbuf[i], 0, sizeof(cbuf[i]));
			mm[i].msg_hdr.msg_control = cbuf[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
			cm = CMSG_FIRSTHDR(&mm[i].msg_hdr);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &v[done + i].fd, sizeof(int));
		}
		if ((r = sendmmsg(sock, mm, k, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		for (i = 0; i < (size_t)r; i++)
			if (mm[i].msg_len != v[done + i].len) {
				errno = EMSGSIZE;
				return (-1);
			}
		done += r;
	}
	return (0);
}

int
gw_msg_send(int sock, uint32_t type, uint32_t id, const void *payload,
    size_t len, const char *const *strs, size_t nstrs, int fd)
{
	uint8_t	*buf;
	size_t	 blen;
	int	 r, saved_errno;

	if (gw_msg_build(type, id, payload, len, strs, nstrs, &buf,
	    &blen) == -1)
		return (-1);
	r = gw_msg_sendbuf(sock, buf, blen, fd);
	saved_errno = errno;
	free(buf);
	errno = saved_errno;
	return (r);
}
