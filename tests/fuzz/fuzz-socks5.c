/*
 * libFuzzer target for the SOCKS5 upstream's replies (net-socks5.c), read
 * the way the netstack reads them (net-lwip.c, flow_handshake): exact
 * lengths into a 600-byte handshake buffer. Arbitrary bytes as what the
 * proxy sends: the chosen method, the authentication status when it asks
 * for one, the CONNECT reply's first 5 bytes, then the rest of the length
 * they announce. The announced length must fit the buffer, and a reply is
 * taken only when it is complete and well-formed. The first input byte
 * picks the CONNECT sent (a name, IPv4 or IPv6) and is not a reply byte.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"

#define HS_MAX	600	/* struct flow's hs[] in net-lwip.c */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Read want bytes of the stream into hs, as flow_handshake does. */
static int
take(uint8_t *hs, size_t want, const uint8_t **data, size_t *size)
{
	if (want > HS_MAX)
		abort();
	if (*size < want)
		return (-1);
	memcpy(hs, *data, want);
	*data += want;
	*size -= want;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	addr[16] = { 10, 0, 0, 1 };
	uint8_t		*hs, buf[600];
	ssize_t		 n, need;
	int		 m, code, pick;

	if (size < 1)
		return (0);
	pick = data[0] % 3;
	data++;
	size--;
	n = socks5_connect(buf, sizeof(buf), pick == 0 ? "example.org" : NULL,
	    pick == 2 ? AF_INET6 : AF_INET, addr, 443);
	if (n < 4 + 4 + 2 || (size_t)n > sizeof(buf))
		abort();
	/* On the heap at its exact size: a read past it is a report. */
	if ((hs = malloc(HS_MAX)) == NULL)
		return (0);
	if (take(hs, 2, &data, &size) == -1)
		goto out;
	m = socks5_method(hs);
	if (m == SOCKS5_METHOD_USERPASS) {
		if (socks5_auth(buf, sizeof(buf), "user", "17") != 3 + 4 + 2)
			abort();
		if (take(hs, 2, &data, &size) == -1 ||
		    socks5_auth_status(hs) == -1)
			goto out;
	} else if (m != SOCKS5_METHOD_NONE)
		goto out;
	if (take(hs, 5, &data, &size) == -1)
		goto out;
	if ((need = socks5_reply_len(hs)) == -1)
		goto out;
	if (need < 5 || need > HS_MAX)
		abort();
	if (take(hs + 5, need - 5, &data, &size) == -1)
		goto out;
	code = socks5_reply_code(hs, need);
	if (code < -1 || code > 255 || (code == 0 && (hs[0] != 5 ||
	    hs[1] != 0)))
		abort();
	if (code > 0 && socks5_strerror(code) == NULL)
		abort();
out:
	free(hs);
	return (0);
}
