/*
 * The status socket's messages (struct init_msg) in the common framing,
 * and greywalld's check of the events a sandbox's init reports about the
 * protected-path supervisor (INIT_MSG_EVENT). init runs as the user, so
 * its messages are checked like a client's. The parsers are pure: no
 * I/O, no logging, for the unit test and the fuzzer.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * An INIT_MSG_EVENT from a sandbox's init, which runs as the user: its
 * kind and action in range, and its three strings (an absolute path, the
 * command name, the pid: one or more digits) each ending inside text.
 * Returns 0 with pointers into m, or -1 with errno EPROTO.
 */
int
init_event_parse(const struct init_msg *m, const char **path,
    const char **comm, const char **pid)
{
	const char	*end = m->text + sizeof(m->text), *p, *c, *d;

	if ((m->how != INIT_EV_PROTECTED && m->how != INIT_EV_READONLY) ||
	    m->code < 1 || m->code > INIT_EV_ACTION_MAX)
		goto bad;
	p = m->text;
	if ((c = memchr(p, '\0', end - p)) == NULL || ++c >= end ||
	    (d = memchr(c, '\0', end - c)) == NULL || ++d >= end ||
	    memchr(d, '\0', end - d) == NULL || p[0] != '/' ||
	    d[0] == '\0' || strspn(d, "0123456789") != strlen(d))
		goto bad;
	*path = p;
	*comm = c;
	*pid = d;
	return (0);
bad:
	errno = EPROTO;
	return (-1);
}

/*
 * A frame on the status socket (checked by frame_parse): an init_msg of
 * exactly its size, the frame's type the message's, id 0. Copies it to
 * *m; returns 0, or -1 with errno EPROTO.
 */
int
init_msg_parse(const struct frame_hdr *hdr, const void *payload,
    struct init_msg *m)
{
	if (hdr->len != sizeof(*m) || hdr->id != 0)
		goto bad;
	memcpy(m, payload, sizeof(*m));
	if (m->type != hdr->type)
		goto bad;
	return (0);
bad:
	errno = EPROTO;
	return (-1);
}

/* Send m on the status socket, with fd when fd >= 0. */
int
init_msg_send(int sock, const struct init_msg *m, int fd, int flags)
{
	return (frame_send(sock, m->type, 0, m, sizeof(*m), fd, flags));
}

/*
 * Receive one init_msg and its fd (-1 if none). 1, 0 at end of file, -1
 * on error (EPROTO for a malformed one, with its fd closed).
 */
int
init_msg_recv(int sock, struct init_msg *m, int *fd, int flags)
{
	uint8_t			buf[sizeof(struct frame_hdr) + sizeof(*m)];
	struct frame_hdr	hdr;
	int			r;

	if ((r = frame_recv(sock, buf, sizeof(buf), &hdr, fd, flags)) != 1)
		return (r);
	if (init_msg_parse(&hdr, buf + sizeof(hdr), m) == -1) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EPROTO;
		return (-1);
	}
	return (1);
}
