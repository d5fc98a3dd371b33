/*
 * SOCKS5 client messages (RFC 1928, with RFC 1929 username/password
 * authentication). Pure functions over buffers: the netstack reads the
 * proxy's replies with exact lengths, so no byte of the proxied stream is
 * ever consumed as part of the handshake.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gw-protocol.h"

#define SOCKS5_VER		5
#define SOCKS5_AUTH_VER		1
#define SOCKS5_CMD_CONNECT	1
#define SOCKS5_ATYP_IPV4	1
#define SOCKS5_ATYP_NAME	3
#define SOCKS5_ATYP_IPV6	4

/* Offer no authentication and username/password; the proxy picks. */
size_t
socks5_greeting(uint8_t *buf)
{
	buf[0] = SOCKS5_VER;
	buf[1] = 2;
	buf[2] = SOCKS5_METHOD_NONE;
	buf[3] = SOCKS5_METHOD_USERPASS;
	return (4);
}

/* The method the proxy chose, or -1 (EPROTO) for a malformed reply. */
int
socks5_method(const uint8_t *buf)
{
	if (buf[0] != SOCKS5_VER) {
		errno = EPROTO;
		return (-1);
	}
	return (buf[1]);
}

ssize_t
socks5_auth(uint8_t *buf, size_t len, const char *user, const char *pass)
{
	size_t	ulen = strlen(user), plen = strlen(pass);

	if (ulen == 0 || ulen > 255 || plen == 0 || plen > 255 ||
	    len < 3 + ulen + plen) {
		errno = EINVAL;
		return (-1);
	}
	buf[0] = SOCKS5_AUTH_VER;
	buf[1] = ulen;
	memcpy(buf + 2, user, ulen);
	buf[2 + ulen] = plen;
	memcpy(buf + 3 + ulen, pass, plen);
	return (3 + ulen + plen);
}

/* 0 when the proxy accepted the credentials, else -1 with errno. */
int
socks5_auth_status(const uint8_t *buf)
{
	if (buf[0] != SOCKS5_AUTH_VER) {
		errno = EPROTO;
		return (-1);
	}
	if (buf[1] != 0) {
		errno = EACCES;
		return (-1);
	}
	return (0);
}

/* A CONNECT to name (when not NULL) or to the address, and port. */
ssize_t
socks5_connect(uint8_t *buf, size_t len, const char *name, int family,
    const void *addr, uint16_t port)
{
	size_t	n = 0, alen;

	if (len < 4 + 1 + 255 + 2) {
		errno = EINVAL;
		return (-1);
	}
	buf[n++] = SOCKS5_VER;
	buf[n++] = SOCKS5_CMD_CONNECT;
	buf[n++] = 0;
	if (name != NULL) {
		if ((alen = strlen(name)) == 0 || alen > 255) {
			errno = EINVAL;
			return (-1);
		}
		buf[n++] = SOCKS5_ATYP_NAME;
		buf[n++] = alen;
		memcpy(buf + n, name, alen);
	} else if (family == AF_INET) {
		buf[n++] = SOCKS5_ATYP_IPV4;
		memcpy(buf + n, addr, alen = 4);
	} else if (family == AF_INET6) {
		buf[n++] = SOCKS5_ATYP_IPV6;
		memcpy(buf + n, addr, alen = 16);
	} else {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	n += alen;
	buf[n++] = port >> 8;
	buf[n++] = port & 0xff;
	return (n);
}

/*
 * The full length of a CONNECT reply whose first 5 bytes are in buf (the
 * address type decides the rest), or -1 (EPROTO).
 */
ssize_t
socks5_reply_len(const uint8_t *buf)
{
	if (buf[0] != SOCKS5_VER || buf[2] != 0) {
		errno = EPROTO;
		return (-1);
	}
	switch (buf[3]) {
	case SOCKS5_ATYP_IPV4:
		return (4 + 4 + 2);
	case SOCKS5_ATYP_IPV6:
		return (4 + 16 + 2);
	case SOCKS5_ATYP_NAME:
		if (buf[4] == 0)
			break;
		return (4 + 1 + buf[4] + 2);
	}
	errno = EPROTO;
	return (-1);
}

/* The reply code of a complete CONNECT reply: 0 is success. */
int
socks5_reply_code(const uint8_t *buf, size_t len)
{
	ssize_t	need;

	if (len < 5 || (need = socks5_reply_len(buf)) == -1 ||
	    (size_t)need != len) {
		errno = EPROTO;
		return (-1);
	}
	return (buf[1]);
}

const char *
socks5_strerror(int code)
{
	static const char *const msgs[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired",
		"command not supported",
		"address type not supported",
	};

	if (code >= 0 && (size_t)code < nitems(msgs))
		return (msgs[code]);
	return ("unknown SOCKS5 reply");
}
