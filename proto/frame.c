/*
 * The one framing of every channel: the client protocol (gw_msg), the
 * greywalld <-> helper channel (nsmsg) and init's status socket
 * (init_msg). One SOCK_SEQPACKET datagram is one frame: a struct
 * frame_hdr, then hdr.len bytes of payload, with at most one fd
 * (common/util.c's SCM_RIGHTS, strict for every channel). Each channel
 * keeps its own type numbering and payload structs and checks them after
 * frame_parse() has checked the frame.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "gw-protocol.h"

/*
 * Check the framing of n received bytes: a whole header, a length that
 * matches what arrived, the reserved word zero. Copies the header to
 * *hdr; the payload is at buf + sizeof(*hdr). Pure, for the fuzzers.
 */
int
frame_parse(const void *buf, size_t n, struct frame_hdr *hdr)
{
	if (n < sizeof(*hdr))
		goto bad;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->len != n - sizeof(*hdr) || hdr->reserved != 0)
		goto bad;
	return (0);
bad:
	memset(hdr, 0, sizeof(*hdr));
	errno = EPROTO;
	return (-1);
}

/*
 * Send one frame: the header for type, id and len, then len bytes of
 * payload, with fd attached when fd >= 0. flags: MSG_DONTWAIT or 0.
 */
int
frame_send(int sock, uint32_t type, uint32_t id, const void *payload,
    size_t len, int fd, int flags)
{
	struct frame_hdr	hdr;
	struct iovec		iov[2];
	ssize_t			n;

	if (len > UINT32_MAX - sizeof(hdr)) {
		errno = EMSGSIZE;
		return (-1);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.id = id;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	if ((n = fd_sendmsgv(sock, iov, len > 0 ? 2 : 1, fd, flags)) == -1)
		return (-1);
	if ((size_t)n != sizeof(hdr) + len) {
		errno = EMSGSIZE;
		return (-1);
	}
	return (0);
}

/*
 * Receive one frame into buf (size bytes, header included) and its fd
 * into *fd (-1 if none). Returns 1 for a frame, 0 at end of file, -1 on
 * error: EPROTO for a malformed frame or ancillary data, with any fd
 * that came closed. The payload is at buf + sizeof(*hdr).
 */
int
frame_recv(int sock, void *buf, size_t size, struct frame_hdr *hdr,
    int *fd, int flags)
{
	ssize_t	n;

	if ((n = fd_recvmsg(sock, buf, size, fd, flags)) == -1)
		return (-1);
	if (n == 0)
		return (0);
	if (frame_parse(buf, n, hdr) == -1) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EPROTO;
		return (-1);
	}
	return (1);
}
