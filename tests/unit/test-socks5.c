/*
 * The SOCKS5 client messages (net-socks5.c): the bytes of each request,
 * and the reading of each reply, well formed or not.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "netstack.h"
#include "tap.h"

static int
bytes_are(const uint8_t *got, ssize_t n, const char *want, size_t wlen)
{
	return (n == (ssize_t)wlen && memcmp(got, want, wlen) == 0);
}

int
main(void)
{
	uint8_t		 buf[600];
	char		 name[300];
	struct in6_addr	 a6;
	uint8_t		 a4[4] = { 10, 231, 77, 2 };
	ssize_t		 n;

	plan(29);

	n = socks5_greeting(buf);
	ok(bytes_are(buf, n, "\x05\x02\x00\x02", 4),
	    "greeting offers no-auth and username/password");
	ok(socks5_method((const uint8_t *)"\x05\x00") == SOCKS5_METHOD_NONE,
	    "method: none");
	ok(socks5_method((const uint8_t *)"\x05\x02") ==
	    SOCKS5_METHOD_USERPASS, "method: username/password");
	ok(socks5_method((const uint8_t *)"\x05\xff") ==
	    SOCKS5_METHOD_REFUSED, "method: none acceptable");
	errno = 0;
	ok(socks5_method((const uint8_t *)"\x04\x00") == -1 &&
	    errno == EPROTO, "method: a SOCKS4 reply is a protocol error");

	n = socks5_auth(buf, sizeof(buf), "gwtest/7/curl", "7");
	ok(bytes_are(buf, n, "\x01\x0dgwtest/7/curl\x01" "7", 17),
	    "RFC 1929 request bytes");
	memset(name, 'a', 256);
	name[256] = '\0';
	ok(socks5_auth(buf, sizeof(buf), name, "x") == -1 && errno == EINVAL,
	    "a user name over 255 bytes is refused");
	ok(socks5_auth(buf, sizeof(buf), "", "x") == -1,
	    "an empty user name is refused");
	ok(socks5_auth(buf, 10, "gwtest/7/curl", "7") == -1,
	    "a short buffer is refused");
	ok(socks5_auth_status((const uint8_t *)"\x01\x00") == 0,
	    "auth accepted");
	ok(socks5_auth_status((const uint8_t *)"\x01\x01") == -1 &&
	    errno == EACCES, "auth rejected: EACCES");
	ok(socks5_auth_status((const uint8_t *)"\x05\x00") == -1 &&
	    errno == EPROTO, "auth reply with the wrong version: EPROTO");

	n = socks5_connect(buf, sizeof(buf), "web.gw.test", AF_INET, a4, 8080);
	ok(bytes_are(buf, n, "\x05\x01\x00\x03\x0bweb.gw.test\x1f\x90", 18),
	    "CONNECT by name (socks5h)");
	n = socks5_connect(buf, sizeof(buf), NULL, AF_INET, a4, 443);
	ok(bytes_are(buf, n, "\x05\x01\x00\x01\x0a\xe7\x4d\x02\x01\xbb", 10),
	    "CONNECT by IPv4 address");
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	n = socks5_connect(buf, sizeof(buf), NULL, AF_INET6, &a6, 80);
	ok(n == 22 && buf[3] == 4 && memcmp(buf + 4, &a6, 16) == 0 &&
	    buf[20] == 0 && buf[21] == 80, "CONNECT by IPv6 address");
	ok(socks5_connect(buf, sizeof(buf), name, AF_INET, a4, 1) == -1 &&
	    errno == EINVAL, "a name over 255 bytes is refused");
	ok(socks5_connect(buf, sizeof(buf), NULL, AF_UNIX, a4, 1) == -1 &&
	    errno == EAFNOSUPPORT, "another family is refused");
	ok(socks5_connect(buf, 100, "x", AF_INET, a4, 1) == -1,
	    "a buffer that cannot hold any request is refused");

	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x00\x01\x7f") == 10,
	    "reply with an IPv4 address: 10 bytes");
	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x00\x04\x00") == 22,
	    "reply with an IPv6 address: 22 bytes");
	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x00\x03\x05") == 12,
	    "reply with a 5-byte name: 12 bytes");
	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x00\x03\x00") == -1,
	    "reply with an empty name: protocol error");
	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x00\x02\x00") == -1,
	    "reply with an unknown address type: protocol error");
	ok(socks5_reply_len((const uint8_t *)"\x05\x00\x01\x01\x00") == -1,
	    "reply with a non-zero reserved byte: protocol error");
	ok(socks5_reply_len((const uint8_t *)"\x04\x5a\x00\x01\x00") == -1,
	    "a SOCKS4 reply: protocol error");
	ok(socks5_reply_code((const uint8_t *)
	    "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90", 10) == 0,
	    "success");
	ok(socks5_reply_code((const uint8_t *)
	    "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00", 10) == 5 &&
	    strcmp(socks5_strerror(5), "connection refused") == 0,
	    "connection refused, with its text");
	ok(socks5_reply_code((const uint8_t *)
	    "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f", 9) == -1,
	    "a reply shorter than its address type says: protocol error");
	ok(strcmp(socks5_strerror(200), "unknown SOCKS5 reply") == 0,
	    "an unknown code has a text too");
	return (done_testing());
}
