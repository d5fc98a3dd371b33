/* Small fd and string helpers shared by every program. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

void
freep(void *p)
{
	free(*(void **)p);
}

/* Close an fd from a cleanup attribute; keeps errno for the caller. */
void
closep(int *fd)
{
	int	saved_errno = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved_errno;
}

/* TCP_NODELAY, for sockets that relay what another stack already sent. */
int
fd_set_nodelay(int fd)
{
	int	one = 1;

	return (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
}

int
fd_set_nonblock(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

static int
int_cmp(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return ((x > y) - (x < y));
}

/*
 * Close every fd from 3 upwards except those in keep. Used in a freshly
 * forked sandbox so nothing the daemon holds (other clients, other
 * sandboxes, the listening socket) can reach it.
 */
int
fd_close_except(const int *keep, size_t n)
{
	int		 sorted[64];
	unsigned int	 from = 3;
	size_t		 i;

	if (n > nitems(sorted)) {
		errno = EINVAL;
		return (-1);
	}
	memcpy(sorted, keep, n * sizeof(*keep));
	qsort(sorted, n, sizeof(*sorted), int_cmp);
	for (i = 0; i < n; i++) {
		if (sorted[i] < (int)from) {
			if (sorted[i] >= 0 && sorted[i] + 1 > (int)from)
				from = sorted[i] + 1;
			continue;
		}
		if ((unsigned int)sorted[i] > from &&
		    close_range(from, sorted[i] - 1, 0) == -1)
			return (-1);
		from = sorted[i] + 1;
	}
	return (close_range(from, ~0U, 0));
}

/*
 * Replace control characters with '?' in a string meant for a log line or
 * a terminal, so a command line cannot forge log lines or send escape
 * sequences to an administrator's terminal.
 */
void
str_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * Copy len bytes of s into buf for an error message: control characters
 * become '?', and what does not fit is cut at a UTF-8 character boundary
 * and marked with "...".
 */
void
str_display(char *buf, size_t size, const char *s, size_t len)
{
	size_t	i, k;

	for (i = 0; i < len && s[i] != '\0'; i++) {
		if (i + 4 >= size) {
			k = i;
			while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
				k--;
			memcpy(buf + k, "...", 4);
			return;
		}
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ?
		    '?' : s[i];
	}
	buf[i] = '\0';
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return (strncmp(s, prefix, strlen(prefix)) == 0);
}

/*
 * One datagram of niov pieces with at most one fd (SCM_RIGHTS); fd -1
 * sends none. flags: MSG_DONTWAIT or 0 (MSG_NOSIGNAL always).
 */
ssize_t
fd_sendmsgv(int sock, const struct iovec *iov, int niov, int fd, int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	ssize_t		 n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)iov;
	mh.msg_iovlen = niov;
	if (fd != -1) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	return (n);
}

/* The same for one buffer (the notify socket's byte). */
ssize_t
fd_sendmsg(int sock, const void *buf, size_t len, int fd)
{
	struct iovec	iov;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return (fd_sendmsgv(sock, &iov, 1, fd, 0));
}

/*
 * Receive one datagram and at most one fd into *fd (-1 if none). A
 * truncated datagram, truncated control data or more than one fd is
 * EPROTO, with every fd that came closed. 0 is the peer's end.
 */
ssize_t
fd_recvmsg(int sock, void *buf, size_t len, int *fd, int flags)
{
	union {
		struct cmsghdr	hdr;
		/* Room for two fds so a second one is seen and closed. */
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	ssize_t		 n;
	size_t		 nfds, i;
	int		 fds[2], bad = 0;

	*fd = -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		/* A credential or any other ancillary message: malformed. */
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds > nitems(fds))
			nfds = nitems(fds);
		memcpy(fds, CMSG_DATA(cm), nfds * sizeof(int));
		for (i = 0; i < nfds; i++) {
			if (*fd == -1 && !bad)
				*fd = fds[i];
			else {
				close(fds[i]);
				bad = 1;
			}
		}
	}
	/* An fd on an empty message would be lost by a caller seeing EOF. */
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (n == 0 && *fd != -1)) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EPROTO;
		return (-1);
	}
	return (n);
}

/*
 * A TCP port as a user writes it: decimal digits only, no sign, no
 * leading zero, 1 to 65535 (as the policy's port lists). EINVAL else.
 */
int
port_parse(const char *s, uint16_t *ret)
{
	unsigned long	v = 0;
	size_t		i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || s[i] != '\0' || s[0] == '0' || v > 65535) {
		errno = EINVAL;
		return (-1);
	}
	*ret = v;
	return (0);
}
