/*
 * Unit tests for the sandbox network's pure logic: DNS queries as glibc
 * and dig send them and every malformed variant (net-dns.c), the replies
 * byte by byte, DNS over TCP framing, the fake-IP pool both ways with
 * reuse and pinning (net-fakeip.c), and the domain and CIDR rules
 * (net-rules.c).
 */

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* glibc's getaddrinfo("example.com"): A, RD, no EDNS. */
static const uint8_t q_glibc_a[] = {
	0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

/* dig AAAA www.Example.COM: RD and AD, an OPT record with a cookie. */
static const uint8_t q_dig_aaaa[] = {
	0xbe, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 'w', 'w', 'w', 0x07, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
	0x03, 'C', 'O', 'M', 0x00, 0x00, 0x1c, 0x00, 0x01,
	/* OPT: root, type 41, UDP size 1232, no flags, COOKIE option */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
	0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
};

/* curl's HTTPS (type 65) query for pypi.org, with a bare OPT record. */
static const uint8_t q_https[] = {
	0x00, 0x07, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x04, 'p', 'y', 'p', 'i', 0x03, 'o', 'r', 'g', 0x00, 0x00, 0x41,
	0x00, 0x01,
	0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static uint16_t
g16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* Build a query: header fields, a dotted name (NULL: no question). */
static size_t
mkquery(uint8_t *b, uint16_t flags, uint16_t qd, const char *name,
    uint16_t qtype, uint16_t qclass)
{
	size_t		 off = 12, l;
	const char	*p, *dot;

	memset(b, 0, 12);
	b[0] = 0x12;
	b[1] = 0x34;
	b[2] = flags >> 8;
	b[3] = flags & 0xff;
	b[5] = qd;
	if (name == NULL)
		return (off);
	for (p = name; *p != '\0'; p = *dot ? dot + 1 : dot) {
		dot = strchr(p, '.');
		if (dot == NULL)
			dot = p + strlen(p);
		l = dot - p;
		b[off++] = l;
		memcpy(b + off, p, l);
		off += l;
	}
	b[off++] = 0;
	b[off++] = qtype >> 8;
	b[off++] = qtype & 0xff;
	b[off++] = qclass >> 8;
	b[off++] = qclass & 0xff;
	return (off);
}

static int
parse_fails(const uint8_t *b, size_t n, int error, int rcode)
{
	struct dns_query	q;

	return (dns_query_parse(b, n, &q) == -1 && errno == error &&
	    q.rcode == rcode);
}

static char *
label(int len, char c)
{
	static char	buf[4][64];
	static int	i;
	char		*s = buf[i++ % 4];

	memset(s, c, len);
	s[len] = '\0';
	return (s);
}

static void
test_dns(void)
{
	struct dns_query	q;
	uint8_t			b[600], out[DNS_REPLY_MAX];
	uint8_t			a4[4] = { 198, 18, 1, 0 }, a6[16];
	char			name[300];
	ssize_t			n;
	size_t			len, qd;

	/* glibc A query and the A answer to it. */
	ok(dns_query_parse(q_glibc_a, sizeof(q_glibc_a), &q) == 0 &&
	    q.id == 0x1a2b && q.qtype == DNS_TYPE_A &&
	    q.qclass == DNS_CLASS_IN && q.rd == 1 &&
	    strcmp(q.name, "example.com") == 0 &&
	    q.qend == sizeof(q_glibc_a) && q.rcode == 0,
	    "glibc A query parses (%s)", q.name);
	n = dns_reply(q_glibc_a, sizeof(q_glibc_a), &q, DNS_RCODE_NOERROR, a4,
	    AF_INET, out, sizeof(out));
	qd = sizeof(q_glibc_a) - 12;
	ok(n == (ssize_t)(12 + qd + 16), "A reply length %zd", n);
	ok(g16(out) == 0x1a2b, "A reply: same ID");
	ok(g16(out + 2) == 0x8580, "A reply: QR AA RD RA, NOERROR (%04x)",
	    g16(out + 2));
	ok(g16(out + 4) == 1 && g16(out + 6) == 1 && g16(out + 8) == 0 &&
	    g16(out + 10) == 0, "A reply: QD 1, AN 1, NS 0, AR 0");
	ok(memcmp(out + 12, q_glibc_a + 12, qd) == 0,
	    "A reply: the question repeated");
	ok(g16(out + 12 + qd) == 0xc00c && g16(out + 14 + qd) == DNS_TYPE_A &&
	    g16(out + 16 + qd) == DNS_CLASS_IN,
	    "A reply: answer names the question, type A, class IN");
	ok(g16(out + 18 + qd) == 0 && g16(out + 20 + qd) == DNS_TTL &&
	    DNS_TTL >= 1 && DNS_TTL <= 60, "A reply: TTL %d", DNS_TTL);
	ok(g16(out + 22 + qd) == 4 && memcmp(out + 24 + qd, a4, 4) == 0,
	    "A reply: RDATA is the address");

	/* dig AAAA with EDNS: the OPT record is ignored, the case kept. */
	ok(dns_query_parse(q_dig_aaaa, sizeof(q_dig_aaaa), &q) == 0 &&
	    q.id == 0xbeef && q.qtype == DNS_TYPE_AAAA &&
	    strcmp(q.name, "www.example.com") == 0 && q.qend == 33,
	    "dig AAAA query with OPT parses, name lower-cased (%s)", q.name);
	inet_pton(AF_INET6, "fd67:7779:6661::100", a6);
	n = dns_reply(q_dig_aaaa, sizeof(q_dig_aaaa), &q, DNS_RCODE_NOERROR,
	    a6, AF_INET6, out, sizeof(out));
	ok(n == 12 + 21 + 28 && g16(out) == 0xbeef &&
	    g16(out + 2) == 0x8580 && g16(out + 6) == 1 && g16(out + 10) == 0,
	    "AAAA reply: header, and no OPT record back");
	ok(memcmp(out + 12, "\x03www\x07" "Example\x03" "COM", 17) == 0,
	    "AAAA reply: the question keeps the query's case");
	ok(g16(out + 33) == 0xc00c && g16(out + 35) == DNS_TYPE_AAAA &&
	    g16(out + 43) == 16 && memcmp(out + 45, a6, 16) == 0,
	    "AAAA reply: type AAAA, 16 bytes of RDATA");
	ok(dns_reply(q_dig_aaaa, sizeof(q_dig_aaaa), &q, 0, a4, AF_INET, out,
	    sizeof(out)) == -1 && errno == EINVAL,
	    "an IPv4 answer to an AAAA query is refused");
	ok(dns_reply(q_dig_aaaa, sizeof(q_dig_aaaa), &q, 0, a6, AF_INET6, out,
	    60) == -1 && errno == ENOBUFS, "a short buffer is ENOBUFS");

	/* HTTPS gets NODATA, so the client falls back to A and AAAA. */
	ok(dns_query_parse(q_https, sizeof(q_https), &q) == 0 &&
	    q.qtype == 65 && strcmp(q.name, "pypi.org") == 0,
	    "HTTPS query parses");
	n = dns_reply(q_https, sizeof(q_https), &q, DNS_RCODE_NOERROR, NULL,
	    0, out, sizeof(out));
	ok(n == 12 + 14 && g16(out + 2) == 0x8580 && g16(out + 4) == 1 &&
	    g16(out + 6) == 0, "HTTPS: NODATA (NOERROR, no answer)");
	ok(dns_reply(q_https, sizeof(q_https), &q, 0, a4, AF_INET, out,
	    sizeof(out)) == -1 && errno == EINVAL,
	    "an address answer to an HTTPS query is refused");

	/* NXDOMAIN, and RD echoed only when set. */
	len = mkquery(b, 0x0000, 1, "denied.example", DNS_TYPE_A, 1);
	ok(dns_query_parse(b, len, &q) == 0 && q.rd == 0, "query without RD");
	n = dns_reply(b, len, &q, DNS_RCODE_NXDOMAIN, NULL, 0, out,
	    sizeof(out));
	ok(n == (ssize_t)len && g16(out) == 0x1234 &&
	    g16(out + 2) == 0x8483 && g16(out + 6) == 0,
	    "NXDOMAIN: AA RA, no RD, rcode 3, no answer (%04x)",
	    g16(out + 2));
	ok(dns_reply(b, len, &q, DNS_RCODE_NXDOMAIN, a4, AF_INET, out,
	    sizeof(out)) == -1 && errno == EINVAL,
	    "NXDOMAIN with an address is refused");

	/* Names: case, the longest, the root. */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label(63, 'a'),
	    label(63, 'B'), label(63, 'c'), label(61, 'd'));
	len = mkquery(b, 0x0100, 1, name, DNS_TYPE_AAAA, 1);
	ok(dns_query_parse(b, len, &q) == 0 && strlen(q.name) == 253 &&
	    q.name[64] == 'b', "a 253-character name parses, lower-cased");
	ok(dns_reply(b, len, &q, 0, a6, AF_INET6, out, DNS_REPLY_MAX) ==
	    (ssize_t)(len + 28), "its AAAA reply fits DNS_REPLY_MAX");
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label(63, 'a'),
	    label(63, 'b'), label(63, 'c'), label(62, 'd'));
	len = mkquery(b, 0x0100, 1, name, DNS_TYPE_A, 1);
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a 254-character name is FORMERR");
	len = mkquery(b, 0x0100, 1, label(63, 'x'), DNS_TYPE_A, 1);
	ok(dns_query_parse(b, len, &q) == 0, "a 63-byte label parses");
	len = mkquery(b, 0x0100, 1, "", DNS_TYPE_A, 1);
	b[12] = 0;
	len = 17;
	ok(dns_query_parse(b, len, &q) == 0 && q.name[0] == '\0' &&
	    q.qend == 17, "the root name parses as \"\"");

	/* Not answered at all. */
	ok(parse_fails(q_glibc_a, 0, EBADMSG, DNS_NOREPLY), "empty: dropped");
	ok(parse_fails(q_glibc_a, 11, EBADMSG, DNS_NOREPLY),
	    "shorter than a header: dropped");
	len = mkquery(b, 0x8180, 1, "example.com", DNS_TYPE_A, 1);
	ok(parse_fails(b, len, EBADMSG, DNS_NOREPLY), "a response (QR): "
	    "dropped");

	/* Malformed: FORMERR, without the question. */
	len = mkquery(b, 0x0100, 0, NULL, 0, 0);
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR), "QDCOUNT 0");
	dns_query_parse(b, len, &q);
	n = dns_reply(b, len, &q, q.rcode, NULL, 0, out, sizeof(out));
	ok(n == 12 && g16(out) == 0x1234 && g16(out + 2) == 0x8181 &&
	    g16(out + 4) == 0, "FORMERR reply: ID, RD, rcode 1, no question"
	    " (%04x)", g16(out + 2));
	len = mkquery(b, 0x0100, 2, "example.com", DNS_TYPE_A, 1);
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR), "QDCOUNT 2");
	len = mkquery(b, 0x0100, 1, "example.com", DNS_TYPE_A, 1);
	b[4] = 1;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR), "QDCOUNT 257");
	len = mkquery(b, 0x0100, 1, "example.com", DNS_TYPE_A, 1);
	ok(parse_fails(b, len - 1, EBADMSG, DNS_RCODE_FORMERR),
	    "QCLASS cut short");
	ok(parse_fails(b, len - 4, EBADMSG, DNS_RCODE_FORMERR),
	    "QTYPE and QCLASS missing");
	ok(parse_fails(b, 12 + 12, EBADMSG, DNS_RCODE_FORMERR),
	    "no root label");
	ok(parse_fails(b, 12 + 5, EBADMSG, DNS_RCODE_FORMERR),
	    "cut inside a label");
	ok(parse_fails(b, 12, EBADMSG, DNS_RCODE_FORMERR),
	    "header only, QDCOUNT 1");
	b[12 + 8] = 0xc0;	/* "example" then a pointer to offset 12 */
	b[12 + 9] = 0x0c;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a compression pointer in the question");
	len = mkquery(b, 0x0100, 1, "example.com", DNS_TYPE_A, 1);
	b[12] = 0xc0;
	b[13] = 0x0c;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a question that is only a pointer");
	len = mkquery(b, 0x0100, 1, "example.com", DNS_TYPE_A, 1);
	b[12] = 0x40;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a label length of 64 (extended label type)");
	snprintf(name, sizeof(name), "%s.com", label(63, 'a'));
	len = mkquery(b, 0x0100, 1, name, DNS_TYPE_A, 1);
	b[12] = 64;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a label longer than 63, running into the next");
	len = mkquery(b, 0x0100, 1, NULL, 0, 0);
	b[len++] = 64;
	memset(b + len, 'a', 64);
	len += 64;
	memcpy(b + len, "\0\0\1\0\1", 5);
	len += 5;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a well-formed label of 64 bytes");
	len = mkquery(b, 0x0100, 1, NULL, 0, 0);
	b[len++] = 0xc0;
	memset(b + len, 'a', 300);
	len += 300;
	ok(parse_fails(b, len, EBADMSG, DNS_RCODE_FORMERR),
	    "a pointer followed by 300 bytes of letters");

	/* Well formed but not served. */
	len = mkquery(b, 0x1100, 1, "example.com", DNS_TYPE_A, 1);
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_NOTIMP), "opcode STATUS");
	dns_query_parse(b, len, &q);
	n = dns_reply(b, len, &q, q.rcode, NULL, 0, out, sizeof(out));
	ok(n == 12 && g16(out + 2) == 0x9184,
	    "NOTIMP reply keeps the opcode (%04x)", g16(out + 2));
	len = mkquery(b, 0x2800, 1, "example.com", 6, 1);
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_NOTIMP), "opcode UPDATE");
	len = mkquery(b, 0x0100, 1, "version.bind", 16, 3);
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "class CH");
	dns_query_parse(b, len, &q);
	n = dns_reply(b, len, &q, q.rcode, NULL, 0, out, sizeof(out));
	ok(n == (ssize_t)len && g16(out + 2) == 0x8185 && g16(out + 4) == 1 &&
	    memcmp(out + 12, b + 12, len - 12) == 0,
	    "REFUSED reply repeats the question");
	len = mkquery(b, 0x0100, 1, "example.com", 252, 1);
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "AXFR");
	len = mkquery(b, 0x0100, 1, "exa mple.com", DNS_TYPE_A, 1);
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "a space in a "
	    "label");
	dns_query_parse(b, len, &q);
	ok(q.name[0] == '\0' && q.qend == len, "the name is not kept");
	len = mkquery(b, 0x0100, 1, "a.com", DNS_TYPE_A, 1);
	b[13] = '\0';
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "a NUL in a "
	    "label");
	b[13] = '.';
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "a dot in a "
	    "label");
	b[13] = 0xc3;
	ok(parse_fails(b, len, ENOTSUP, DNS_RCODE_REFUSED), "a non-ASCII "
	    "byte");
	len = mkquery(b, 0x0100, 1, "_sip._tcp.example.com", 33, 1);
	ok(dns_query_parse(b, len, &q) == 0 && q.qtype == 33,
	    "an SRV query with '_' labels parses (NODATA for the caller)");

	/* DNS over TCP framing. */
	b[0] = 0;
	b[1] = sizeof(q_glibc_a);
	memcpy(b + 2, q_glibc_a, sizeof(q_glibc_a));
	memcpy(b + 2 + sizeof(q_glibc_a), b, 2 + sizeof(q_glibc_a));
	ok(dns_tcp_frame(b, 0) == 0 && dns_tcp_frame(b, 1) == 0,
	    "TCP: no length yet, more needed");
	ok(dns_tcp_frame(b, 2) == 0 && dns_tcp_frame(b, 10) == 0 &&
	    dns_tcp_frame(b, 1 + sizeof(q_glibc_a)) == 0,
	    "TCP: part of the message, more needed");
	ok(dns_tcp_frame(b, 2 + sizeof(q_glibc_a)) ==
	    (ssize_t)(2 + sizeof(q_glibc_a)), "TCP: a whole message");
	ok(dns_tcp_frame(b, 2 * (2 + sizeof(q_glibc_a))) ==
	    (ssize_t)(2 + sizeof(q_glibc_a)) &&
	    dns_query_parse(b + 2, sizeof(q_glibc_a), &q) == 0 &&
	    dns_tcp_frame(b + 2 + sizeof(q_glibc_a), 2 + sizeof(q_glibc_a)) ==
	    (ssize_t)(2 + sizeof(q_glibc_a)),
	    "TCP: two messages back to back, one at a time");
	b[1] = 0;
	ok(dns_tcp_frame(b, 40) == -1 && errno == EBADMSG, "TCP: length 0");
	b[1] = 11;
	ok(dns_tcp_frame(b, 40) == -1, "TCP: shorter than a header");
	b[1] = 12;
	ok(dns_tcp_frame(b, 14) == 14, "TCP: exactly a header");
	b[0] = 0x10;
	b[1] = 0x01;
	ok(dns_tcp_frame(b, 2) == -1, "TCP: 4097 bytes is not a query");
	b[0] = 0x10;
	b[1] = 0x00;
	ok(dns_tcp_frame(b, 2) == 0, "TCP: 4096 bytes may be");
}

static int
addr_is(const void *a, int family, const char *text)
{
	uint8_t	want[16];

	inet_pton(family, text, want);
	return (memcmp(a, want, family == AF_INET ? 4 : 16) == 0);
}

static const char *
rname(struct fakeip *f, int family, const char *text)
{
	uint8_t	a[16];

	inet_pton(family, text, a);
	return (fakeip_name(f, family, a));
}

static int
pin(struct fakeip *f, int family, const char *text, int on)
{
	uint8_t	a[16];

	inet_pton(family, text, a);
	return (on ? fakeip_pin(f, family, a) : fakeip_unpin(f, family, a));
}

static int
pool(int family, const char *text)
{
	uint8_t	a[16];

	inet_pton(family, text, a);
	return (fakeip_is_pool(family, a));
}

static void
test_fakeip(void)
{
	struct fakeip	*f;
	uint8_t		 a[16], b[16];
	char		 name[64];
	const char	*s;
	int		 i, good;

	ok(fakeip_new(0, 1) == NULL && errno == EINVAL, "cap 0 is refused");
	ok(fakeip_new(FAKEIP_CAP_MAX + 1, 1) == NULL && errno == EINVAL,
	    "a cap past the /15 is refused");
	f = fakeip_new(FAKEIP_CAP_DEFAULT, 42);
	ok(f != NULL, "a pool of %d", FAKEIP_CAP_DEFAULT);

	ok(fakeip_assign(f, "example.com", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.0"), "the first name: 198.18.1.0");
	ok(fakeip_assign(f, "example.com", AF_INET6, a) == 0 &&
	    addr_is(a, AF_INET6, "fd67:7779:6661::100"),
	    "and fd67:7779:6661::100");
	ok(fakeip_assign(f, "pypi.org", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.1") &&
	    fakeip_assign(f, "pypi.org", AF_INET6, b) == 0 &&
	    addr_is(b, AF_INET6, "fd67:7779:6661::101"), "the second: .1.1");
	ok(fakeip_assign(f, "example.com", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.0") && fakeip_count(f) == 2,
	    "the same name, the same address");
	ok((s = rname(f, AF_INET, "198.18.1.0")) != NULL &&
	    strcmp(s, "example.com") == 0, "198.18.1.0 -> example.com");
	ok((s = rname(f, AF_INET6, "fd67:7779:6661::101")) != NULL &&
	    strcmp(s, "pypi.org") == 0, "fd67:7779:6661::101 -> pypi.org");
	ok(rname(f, AF_INET, "198.18.1.2") == NULL &&
	    rname(f, AF_INET6, "fd67:7779:6661::102") == NULL,
	    "an unassigned pool address has no name");
	ok(rname(f, AF_INET, "198.18.0.53") == NULL &&
	    rname(f, AF_INET6, "fd67:7779:6661::ff") == NULL &&
	    rname(f, AF_INET, "10.0.0.1") == NULL &&
	    rname(f, AF_INET6, "fd67:7779:6662::100") == NULL &&
	    rname(f, AF_INET6, "::ffff:198.18.1.0") == NULL &&
	    rname(f, AF_UNIX, "198.18.1.0") == NULL,
	    "infrastructure and other addresses have none");
	ok(fakeip_assign(f, "", AF_INET, a) == -1 && errno == EINVAL &&
	    fakeip_assign(f, "x.com", AF_UNIX, a) == -1 && errno == EINVAL,
	    "an empty name or bad family is EINVAL");
	ok(pin(f, AF_INET, "198.18.1.9", 1) == -1 && errno == ENOENT &&
	    pin(f, AF_INET, "198.18.1.0", 0) == -1 && errno == ENOENT,
	    "pinning an unknown address, unpinning an unpinned one: ENOENT");

	ok(pool(AF_INET, "198.18.0.0") && pool(AF_INET, "198.19.255.255") &&
	    !pool(AF_INET, "198.17.255.255") && !pool(AF_INET, "198.20.0.0"),
	    "fakeip_is_pool: 198.18.0.0/15");
	ok(pool(AF_INET6, "fd67:7779:6661::1") &&
	    pool(AF_INET6, "fd67:7779:6661::ffff:ffff") &&
	    !pool(AF_INET6, "fd67:7779:6661:0:1::") &&
	    !pool(AF_INET6, "::ffff:198.18.1.0"),
	    "fakeip_is_pool: fd67:7779:6661::/96");
	net_addr_fakeip_infra(FAKEIP_RESOLVER, AF_INET, a);
	net_addr_fakeip_infra(FAKEIP_HOST, AF_INET6, b);
	ok(addr_is(a, AF_INET, "198.18.0.53") &&
	    addr_is(b, AF_INET6, "fd67:7779:6661::2"),
	    "infrastructure: 198.18.0.53, fd67:7779:6661::2");

	/* Fill the pool: every name its own address, both ways. */
	good = 1;
	for (i = 2; i < FAKEIP_CAP_DEFAULT; i++) {
		snprintf(name, sizeof(name), "host%d.example", i);
		if (fakeip_assign(f, name, AF_INET, a) != 0 ||
		    (a[2] << 8 | a[3]) != 0x100 + i ||
		    (s = fakeip_name(f, AF_INET, a)) == NULL ||
		    strcmp(s, name) != 0)
			good = 0;
	}
	ok(good && fakeip_count(f) == FAKEIP_CAP_DEFAULT,
	    "4096 names, 4096 addresses, each reversible");
	ok(fakeip_assign(f, "host4095.example", AF_INET6, a) == 0 &&
	    addr_is(a, AF_INET6, "fd67:7779:6661::10ff"),
	    "the last slot: fd67:7779:6661::10ff");
	/* example.com is the least recently used: pypi.org was looked up. */
	ok(fakeip_assign(f, "new.example", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.0") && fakeip_count(f) == 4096,
	    "a full pool reuses the least recently used slot");
	ok((s = rname(f, AF_INET6, "fd67:7779:6661::100")) != NULL &&
	    strcmp(s, "new.example") == 0 &&
	    fakeip_assign(f, "example.com", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.1"), "the old name is gone; asked"
	    " again it takes the next LRU slot, pypi.org's");
	ok(fakeip_assign(f, "host2.example", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.2") && fakeip_count(f) == 4096,
	    "a name still in the pool keeps its address");
	fakeip_free(f);

	/* Pinning: live flows keep their address. */
	f = fakeip_new(3, 7);
	fakeip_assign(f, "a.example", AF_INET, a);
	fakeip_assign(f, "b.example", AF_INET, a);
	fakeip_assign(f, "c.example", AF_INET, a);
	ok(pin(f, AF_INET, "198.18.1.0", 1) == 0 &&
	    pin(f, AF_INET6, "fd67:7779:6661::100", 1) == 0,
	    "pin a.example twice, by either address");
	fakeip_assign(f, "d.example", AF_INET, a);
	ok(addr_is(a, AF_INET, "198.18.1.1") &&
	    strcmp(rname(f, AF_INET, "198.18.1.0"), "a.example") == 0,
	    "the oldest, pinned, is skipped: b.example's slot is reused");
	ok(rname(f, AF_INET, "198.18.1.2") != NULL &&
	    pin(f, AF_INET, "198.18.1.2", 1) == 0 &&
	    pin(f, AF_INET, "198.18.1.1", 1) == 0, "pin the other two");
	ok(fakeip_assign(f, "e.example", AF_INET, a) == -1 &&
	    errno == ENOSPC, "every slot pinned: ENOSPC");
	ok(fakeip_assign(f, "d.example", AF_INET6, a) == 0 &&
	    addr_is(a, AF_INET6, "fd67:7779:6661::101"),
	    "a pinned name still resolves");
	ok(pin(f, AF_INET, "198.18.1.0", 0) == 0 &&
	    fakeip_assign(f, "e.example", AF_INET, a) == -1,
	    "one unpin of two: still pinned");
	ok(pin(f, AF_INET6, "fd67:7779:6661::100", 0) == 0 &&
	    fakeip_assign(f, "e.example", AF_INET, a) == 0 &&
	    addr_is(a, AF_INET, "198.18.1.0"),
	    "the last unpin frees the slot for reuse");
	ok(pin(f, AF_INET, "198.18.1.0", 0) == -1 && errno == ENOENT,
	    "an extra unpin is ENOENT");
	fakeip_free(f);

	/* A reverse lookup counts as a use. */
	f = fakeip_new(2, 0);
	fakeip_assign(f, "p.example", AF_INET, a);
	fakeip_assign(f, "q.example", AF_INET, a);
	rname(f, AF_INET, "198.18.1.0");
	fakeip_assign(f, "r.example", AF_INET, a);
	ok(addr_is(a, AF_INET, "198.18.1.1") &&
	    strcmp(rname(f, AF_INET, "198.18.1.0"), "p.example") == 0,
	    "a looked-up address is not the one reused");
	fakeip_free(f);
	fakeip_free(NULL);
}

struct name_case {
	const char	*name;
	int		 allowed;
	const char	*rule;
};

static void
check_names(const struct net_rules *r, const struct name_case *c, size_t n,
    const char *what)
{
	const char	*rule;
	size_t		 i;
	int		 got;

	for (i = 0; i < n; i++) {
		got = net_rules_name(r, c[i].name, &rule);
		ok(got == c[i].allowed && strcmp(rule, c[i].rule) == 0,
		    "%s: '%s' %s by %s (got %d by %s)", what, c[i].name,
		    c[i].allowed ? "allowed" : "denied", c[i].rule, got, rule);
	}
}

struct addr_case {
	const char	*addr;
	int		 allowed;
	const char	*rule;
};

static void
check_addrs(const struct net_rules *r, const struct addr_case *c, size_t n,
    const char *what)
{
	uint8_t		 a[16];
	const char	*rule;
	size_t		 i;
	int		 got, family;

	for (i = 0; i < n; i++) {
		family = strchr(c[i].addr, ':') != NULL ? AF_INET6 : AF_INET;
		inet_pton(family, c[i].addr, a);
		got = net_rules_addr(r, family, a, &rule);
		ok(got == c[i].allowed && strcmp(rule, c[i].rule) == 0,
		    "%s: %s %s by %s (got %d by %s)", what, c[i].addr,
		    c[i].allowed ? "allowed" : "denied", c[i].rule, got, rule);
	}
}

static const struct name_case	names_list[] = {
	{ "example.com", 1, "example.com" },
	{ "EXAMPLE.Com.", 1, "example.com" },
	{ "www.pypi.org", 0, "default" },	/* exact: no subdomains */
	{ "example.org", 0, "default" },	/* *.: not the apex */
	{ "www.example.com", 0, "*.example.com" },
	{ "example.com.", 1, "example.com" },	/* *. deny: not the apex */
	{ "a.example.org", 1, "*.example.org" },
	{ "a.b.example.org", 1, "*.example.org" },
	{ "A.B.Example.ORG.", 1, "*.example.org" },
	{ "x.api.example.org", 1, "*.api.example.org" },	/* longest */
	{ "bad.example.org", 0, "bad.example.org" },	/* deny wins */
	{ "BAD.example.org.", 0, "bad.example.org" },
	{ "x.bad.example.org", 1, "*.example.org" },	/* exact deny only */
	{ "ads.example.com", 0, "*.example.com" },
	{ "pypi.org", 1, "pypi.org" },
	{ "xexample.org", 0, "default" },
	{ "example.org.evil.com", 0, "default" },
	{ "notexample.com", 0, "default" },
	{ "", 0, "invalid" },
	{ ".", 0, "invalid" },
	{ "a..example.org", 0, "invalid" },
	{ ".example.org", 0, "invalid" },
	{ "a b.example.org", 0, "invalid" },
	{ "a.example.org..", 0, "invalid" },
};

static const struct name_case	names_star[] = {
	{ "example.com", 1, "*" },
	{ "a.b.c.example.com", 1, "*" },
	{ "_srv._tcp.example.com", 1, "*" },
	{ "evil.com", 1, "*" },			/* the apex of a *. deny */
	{ "x.evil.com", 0, "*.evil.com" },
	{ "X.EVIL.COM.", 0, "*.evil.com" },
	{ "tracker.net", 0, "tracker.net" },
	/* Never, whatever the allow list: the proxy would go to the host. */
	{ "localhost", 0, "reserved" },
	{ "localhost.", 0, "reserved" },
	{ "LocalHost", 0, "reserved" },
	{ "myhost", 0, "reserved" },
	{ "ip6-localhost", 0, "reserved" },
	{ "a.localhost", 0, "reserved" },
	{ "localhost.localdomain", 0, "reserved" },
	{ "localhost4.localdomain4", 0, "reserved" },
	{ "localhost6.localdomain6", 0, "reserved" },
	{ "localhostx.example", 1, "*" },
	{ "127.0.0.1", 0, "reserved" },
	{ "10.0.0.1.", 0, "reserved" },
	{ "1.2.3.4", 0, "reserved" },
	{ "0x7f.1", 0, "reserved" },
	{ "0x7f.0x1", 0, "reserved" },
	{ "0x7f.0.0.0x1", 0, "reserved" },
	{ "0x8.0x8.0x8.0x8", 0, "reserved" },
	{ "1.2.3.4.nip.io", 1, "*" },
	{ "123.example", 1, "*" },
};

static const struct name_case	names_denyall[] = {
	{ "example.com", 0, "*" },
	{ "pypi.org", 0, "*" },
};

static const struct addr_case	addrs_all[] = {
	{ "8.8.8.8", 1, "0.0.0.0/0" },
	{ "198.51.100.7", 1, "0.0.0.0/0" },
	{ "2001:db8::1", 1, "::/0" },
	{ "::ffff:8.8.8.8", 1, "0.0.0.0/0" },	/* judged as IPv4 */
	{ "127.0.0.1", 0, "loopback" },
	{ "127.255.0.1", 0, "loopback" },
	{ "::1", 0, "loopback" },
	{ "::ffff:127.0.0.1", 0, "loopback" },
	{ "0.0.0.0", 0, "reserved" },
	{ "0.1.2.3", 0, "reserved" },
	{ "::", 0, "reserved" },
	{ "::127.0.0.1", 0, "reserved" },	/* IPv4-compatible */
	{ "224.0.0.1", 0, "multicast" },
	{ "239.255.255.250", 0, "multicast" },
	{ "ff02::1", 0, "multicast" },
	{ "240.0.0.1", 0, "reserved" },
	{ "255.255.255.255", 0, "reserved" },
	{ "169.254.169.254", 0, "link-local" },	/* /0 does not open it */
	{ "fe80::1", 0, "link-local" },
	{ "febf::1", 0, "link-local" },
	{ "fec0::1", 1, "::/0" },
};

static const struct addr_case	addrs_list[] = {
	{ "10.0.0.0", 1, "10.0.0.0/8" },
	{ "10.255.255.255", 1, "10.0.0.0/8" },
	{ "10.1.2.3", 1, "10.1.0.0/16" },	/* the longest match */
	{ "11.0.0.0", 0, "default" },
	{ "9.255.255.255", 0, "default" },
	{ "192.168.1.1", 1, "192.168.1.1/32" },
	{ "192.168.1.2", 0, "default" },
	{ "192.168.1.0", 0, "default" },
	{ "172.16.0.1", 1, "172.16.0.0/12" },
	{ "172.31.255.255", 1, "172.16.0.0/12" },
	{ "172.32.0.0", 0, "default" },
	{ "::ffff:10.9.9.9", 1, "10.0.0.0/8" },
	{ "2001:db8::", 1, "2001:db8::/127" },
	{ "2001:db8::1", 1, "2001:db8::/127" },
	{ "2001:db8::2", 0, "default" },
	{ "2001:db8::5", 1, "2001:db8::5/128" },
	{ "2001:db8::4", 0, "default" },
	{ "fd00::1", 0, "default" },
	{ "169.254.169.254", 1, "169.254.169.254/32" },
	{ "169.254.169.253", 0, "default" },
	{ "fe80::1", 1, "fe80::/10" },
	{ "8.8.8.8", 0, "default" },
	{ "::a00:1", 0, "reserved" },		/* not 10.0.0.1 */
};

static void
test_rules(void)
{
	char *allow[] = { "example.com", "*.example.org", "PyPI.org.",
		"*.api.example.org", NULL };
	char *deny[] = { "bad.example.org", "*.Example.Com", NULL };
	char *star[] = { "*", NULL };
	char *deny2[] = { "*.evil.com", "TRACKER.net", NULL };
	char *all[] = { "0.0.0.0/0", "::/0", NULL };
	char *cidrs[] = { "10.0.0.0/8", "10.1.0.0/16", "192.168.1.1/32",
		"172.16.0.0/12", "2001:db8::/127", "2001:db8::5/128",
		"169.254.169.254/32", "fe80::/10", NULL };
	char *badpat[] = { "example.com", "exa mple.com", NULL };
	char *badwild[] = { "*.", NULL };
	char *badc1[] = { "10.0.0.1/8", NULL };
	char *badc2[] = { "10.0.0.0/33", NULL };
	char *badc3[] = { "::/129", NULL };
	char *badc4[] = { "10.0.0.0", NULL };
	char *badc5[] = { "10.0.0.0/", NULL };
	char *badc6[] = { "example.com/8", NULL };
	char *badc7[] = { "10.0.0.0/8x", NULL };
	char *badc8[] = { "fd00::1/8", NULL };
	char **badc[] = { badc1, badc2, badc3, badc4, badc5, badc6, badc7,
		badc8 };
	struct net_rules	*r;
	const char		*rule;
	char			*err;
	uint8_t			 a[16] = { 8, 8, 8, 8 };
	size_t			 i;

	r = net_rules_new(allow, deny, NULL, &err);
	ok(r != NULL && err == NULL, "rules from lists");
	check_names(r, names_list, nitems(names_list), "lists");
	ok(net_rules_addr(r, AF_INET, a, &rule) == 0 &&
	    strcmp(rule, "default") == 0, "no CIDRs: no raw address");
	net_rules_free(r);

	r = net_rules_new(star, deny2, all, &err);
	ok(r != NULL, "rules with '*'");
	check_names(r, names_star, nitems(names_star), "*");
	check_addrs(r, addrs_all, nitems(addrs_all), "/0");
	ok(net_rules_addr(r, AF_UNIX, a, &rule) == 0 &&
	    strcmp(rule, "invalid") == 0, "an unknown family is denied");
	ok(net_rules_name(r, "example.com", NULL) == 1,
	    "rule may be NULL");
	net_rules_free(r);

	r = net_rules_new(allow, star, NULL, &err);
	check_names(r, names_denyall, nitems(names_denyall), "deny *");
	net_rules_free(r);

	r = net_rules_new(NULL, NULL, cidrs, &err);
	ok(r != NULL, "rules with CIDRs");
	ok(net_rules_name(r, "example.com", &rule) == 0 &&
	    strcmp(rule, "default") == 0, "an empty allow list allows no name");
	check_addrs(r, addrs_list, nitems(addrs_list), "cidrs");
	net_rules_free(r);

	r = net_rules_new((char *[]){ NULL }, (char *[]){ NULL },
	    (char *[]){ NULL }, &err);
	ok(r != NULL && net_rules_name(r, "example.com", &rule) == 0 &&
	    net_rules_addr(r, AF_INET, a, &rule) == 0 &&
	    strcmp(rule, "default") == 0, "empty lists allow nothing");
	net_rules_free(r);

	r = net_rules_new(badpat, NULL, NULL, &err);
	ok(r == NULL &&
	    errno == EINVAL && err != NULL && strcmp(err,
	    "'network.domains.allow': 'exa mple.com' is not a domain pattern")
	    == 0, "a bad pattern is refused, named (%s)", err);
	free(err);
	r = net_rules_new(NULL, badwild, NULL, &err);
	ok(r == NULL &&
	    errno == EINVAL && err != NULL &&
	    strstr(err, "'network.domains.deny': '*.'") != NULL,
	    "a bad deny pattern too (%s)", err);
	free(err);
	for (i = 0; i < nitems(badc); i++) {
		r = net_rules_new(NULL, NULL, badc[i], &err);
		ok(r == NULL && errno == EINVAL && err != NULL && strstr(err,
		    "'network.cidrs.allow'") != NULL && strstr(err,
		    badc[i][0]) != NULL, "CIDR '%s' refused (%s)", badc[i][0],
		    err);
		free(err);
	}
	ok(net_rules_new(NULL, NULL, badc1, NULL) == NULL && errno == EINVAL,
	    "err may be NULL");
	net_rules_free(NULL);

	/* Coverage, for overlays that narrow an allow list. */
	ok(net_domain_covers("*", "*.pypi.org") &&
	    net_domain_covers("*", "pypi.org") && net_domain_covers("*", "*"),
	    "'*' covers every pattern");
	ok(net_domain_covers("*.pypi.org", "files.pypi.org") &&
	    net_domain_covers("*.pypi.org", "a.files.pypi.org") &&
	    net_domain_covers("*.pypi.org", "*.files.pypi.org") &&
	    net_domain_covers("*.pypi.org", "*.pypi.org"),
	    "'*.pypi.org' covers its subdomains and their wildcards");
	ok(!net_domain_covers("*.pypi.org", "pypi.org") &&
	    !net_domain_covers("*.pypi.org", "*") &&
	    !net_domain_covers("*.pypi.org", "xpypi.org") &&
	    !net_domain_covers("*.pypi.org", "*.xpypi.org") &&
	    !net_domain_covers("*.pypi.org", "pypi.org.evil.com"),
	    "but not the apex, '*', or look-alikes");
	ok(net_domain_covers("pypi.org", "pypi.org") &&
	    !net_domain_covers("pypi.org", "*.pypi.org") &&
	    !net_domain_covers("pypi.org", "a.pypi.org"),
	    "a name covers only itself");
	ok(net_cidr_covers("0.0.0.0/0", "10.0.0.0/8") &&
	    net_cidr_covers("0.0.0.0/0", "0.0.0.0/0") &&
	    net_cidr_covers("0.0.0.0/0", "1.2.3.4/32") &&
	    net_cidr_covers("::/0", "fd00::/8") &&
	    net_cidr_covers("::/0", "::1/128"), "/0 covers its family");
	ok(!net_cidr_covers("0.0.0.0/0", "::/0") &&
	    !net_cidr_covers("::/0", "10.0.0.0/8") &&
	    !net_cidr_covers("0.0.0.0/0", "::ffff:10.0.0.0/104"),
	    "but not the other family");
	ok(net_cidr_covers("10.0.0.0/8", "10.1.0.0/16") &&
	    !net_cidr_covers("10.1.0.0/16", "10.0.0.0/8") &&
	    !net_cidr_covers("10.0.0.0/8", "11.0.0.0/8") &&
	    !net_cidr_covers("10.0.0.0/9", "10.128.0.0/9") &&
	    net_cidr_covers("2001:db8::/32", "2001:db8:1::/48") &&
	    !net_cidr_covers("2001:db8::/32", "2001:db9::/48") &&
	    net_cidr_covers("2001:db8::/127", "2001:db8::1/128"),
	    "containment by prefix");
	ok(!net_cidr_covers("garbage", "10.0.0.0/8") &&
	    !net_cidr_covers("10.0.0.0/8", "10.0.0.1/8"),
	    "unparsable: not covered");
}

/* Whether hostset_match() says want (NULL: not the host) for text s. */
static int
match_is(const struct hostset *hs, int fam, const char *s, const char *want)
{
	uint8_t		 a[16];
	const char	*got;

	if (inet_pton(fam, s, a) != 1)
		return (0);
	got = hostset_match(hs, fam, a);
	if (want == NULL || got == NULL)
		return (want == got);
	return (strcmp(got, want) == 0);
}

/* net-hostaddr.c and the resolver half of net-dns.c. */
static void
test_hostaddr(void)
{
	struct hostaddr		 v[3], out[4];
	struct hostset		*hs;
	struct hostsfile	*hf;
	struct sockaddr_storage	 ns[3];
	uint8_t			 a[16], q[300], r[300];
	const char		*text;
	ssize_t			 n;
	size_t			 cnt;
	int			 rc;

	memset(v, 0, sizeof(v));
	v[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", v[0].addr);
	v[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", v[1].addr);
	v[2].family = 99;		/* ignored */
	hs = hostset_new(v, 3);
	ok(hs != NULL && hostset_count(hs) == 2, "a host set of 2 addresses");
#define M(fam, s, want) match_is(hs, fam, s, want)
	ok(M(AF_INET, "192.0.2.7", "host address") &&
	    M(AF_INET6, "2001:db8::7", "host address"),
	    "an interface address is the host's, v4 and v6");
	ok(M(AF_INET, "127.0.0.1", "loopback") &&
	    M(AF_INET, "127.255.0.9", "loopback") &&
	    M(AF_INET6, "::1", "loopback") &&
	    M(AF_INET, "0.0.0.0", "unspecified") &&
	    M(AF_INET6, "::", "unspecified") &&
	    M(AF_INET, "169.254.169.254", "link-local") &&
	    M(AF_INET6, "fe80::1", "link-local"),
	    "loopback, unspecified and link-local, whatever the interfaces");
	ok(M(AF_INET6, "::ffff:127.0.0.1", "loopback") &&
	    M(AF_INET6, "::ffff:192.0.2.7", "host address") &&
	    M(AF_INET6, "::127.0.0.1", "loopback") &&
	    M(AF_INET6, "::192.0.2.7", "host address") &&
	    M(AF_INET6, "::ffff:0.0.0.0", "unspecified"),
	    "IPv4-mapped and IPv4-compatible forms are judged as IPv4");
	ok(M(AF_INET, "192.0.2.8", NULL) && M(AF_INET6, "2001:db8::8", NULL) &&
	    M(AF_INET6, "::ffff:192.0.2.8", NULL) &&
	    M(AF_INET, "198.51.100.1", NULL),
	    "other addresses are not");
	inet_pton(AF_INET, "127.0.0.1", a);
	ok(hostset_match(NULL, AF_INET, a) != NULL &&
	    hostset_match(NULL, AF_INET, v[0].addr) == NULL,
	    "no set: only the fixed ranges");
#undef M
	hostset_free(hs);

	text = "# comment\n127.0.0.1\tlocalhost\n"
	    "::1 ip6-localhost  Lo6.Test. # trailing\n"
	    "192.0.2.7 web.test  alias.test\r\n"
	    "192.0.2.8 WEB.test\n"
	    "not-an-address bad.test\n"
	    "fe80::1%eth0 ll.test\n"
	    "   \n#only\n10.0.0.1";
	hf = hostsfile_parse(text, strlen(text));
	ok(hf != NULL && hostsfile_count(hf) == 7, "hosts: 7 entries (%zu)",
	    hostsfile_count(hf));
	cnt = hostsfile_find(hf, "web.test", out, 4);
	ok(cnt == 2 && out[0].family == AF_INET && out[1].family == AF_INET,
	    "a name on two lines has both addresses, any case");
	ok(hostsfile_find(hf, "lo6.test", out, 4) == 1 &&
	    out[0].family == AF_INET6 && out[0].addr[15] == 1,
	    "an alias with a final dot, after a comment-free IPv6 line");
	ok(hostsfile_find(hf, "ll.test", out, 4) == 1 &&
	    out[0].addr[0] == 0xfe, "a zone is dropped: link-local");
	ok(hostsfile_find(hf, "bad.test", out, 4) == 0 &&
	    hostsfile_find(hf, "trailing", out, 4) == 0 &&
	    hostsfile_find(hf, "nothing.test", out, 4) == 0 &&
	    hostsfile_find(NULL, "web.test", out, 4) == 0,
	    "bad lines, comments and unknown names give nothing");
	ok(hostsfile_find(hf, "web.test", out, 1) == 2,
	    "the count is the total even past max");
	hostsfile_free(hf);
	hf = hostsfile_parse("", 0);
	ok(hf != NULL && hostsfile_count(hf) == 0, "an empty hosts file");
	hostsfile_free(hf);

	text = "search example\nnameserver 192.0.2.53\n"
	    "  nameserver\t2001:db8::53 # x\nnameserver fe80::1%eth0\n"
	    "nameserverx 1.1.1.1\nnameserver bogus\nnameserver 192.0.2.54\n"
	    "nameserver 192.0.2.55\n";
	ok(resolv_parse(text, strlen(text), ns, 3) == 3 &&
	    ns[0].ss_family == AF_INET && ns[1].ss_family == AF_INET6 &&
	    ns[2].ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ns[0])->sin_port == htons(53),
	    "resolv.conf: at most 3 nameservers, port 53, bad lines skipped");

	n = dns_query_build(q, sizeof(q), 0x1234, "web.gw.test", DNS_TYPE_AAAA);
	ok(n == DNS_HDR_LEN + 13 + 4 && q[12] == 3 && memcmp(q + 13, "web", 3)
	    == 0 && q[n - 3] == DNS_TYPE_AAAA, "a query for the host's resolver");
	ok(dns_query_build(q, sizeof(q), 1, "a..b", 1) == -1 &&
	    dns_query_build(q, sizeof(q), 1, "a.", 1) == -1 &&
	    dns_query_build(q, 20, 1, "web.gw.test", 1) == -1,
	    "empty labels and short buffers are refused");
	/* Its reply: a CNAME, then an A, compressed names. */
	n = dns_query_build(r, sizeof(r), 0x4242, "web.test", DNS_TYPE_A);
	r[2] = 0x81;
	r[3] = 0x80;
	r[7] = 2;
	memcpy(r + n, "\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x1e\x00\x02"
	    "\xc0\x0c", 14);
	memcpy(r + n + 14, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04"
	    "\x7f\x00\x00\x01", 16);
	rc = dns_answer_addrs(r, n + 30, 0x4242, DNS_TYPE_A, out, 4, &cnt);
	ok(rc == 0 && cnt == 1 && out[0].family == AF_INET &&
	    out[0].addr[0] == 127, "the A record after a CNAME");
	ok(dns_answer_addrs(r, n + 30, 0x4243, DNS_TYPE_A, out, 4, &cnt) ==
	    -1 && dns_answer_addrs(r, n + 29, 0x4242, DNS_TYPE_A, out, 4,
	    &cnt) == -1 && dns_answer_addrs(r, n + 30, 0x4242, DNS_TYPE_AAAA,
	    out, 4, &cnt) == 0 && cnt == 0,
	    "another id or a short reply: not it; no AAAA in it");
	r[3] = 0x83;
	r[7] = 0;
	ok(dns_answer_addrs(r, n, 0x4242, DNS_TYPE_A, out, 4, &cnt) == 3 &&
	    cnt == 0, "NXDOMAIN: its rcode, no address");
}

int
main(void)
{
	test_dns();
	test_fakeip();
	test_rules();
	test_hostaddr();
	return (done_testing());
}
