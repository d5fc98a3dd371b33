/*
 * DNS as the sandbox's resolver speaks it: parse the queries a sandbox
 * sends (untrusted bytes) and build the few replies a fake-IP resolver
 * gives: one A or AAAA record, NXDOMAIN, NODATA or an error code. Plus the
 * two-byte length framing of DNS over TCP (RFC 1035 4.2.2).
 */

#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "netstack.h"

#define DNS_QR			0x8000
#define DNS_OPCODE_MASK		0x7800
#define DNS_AA			0x0400
#define DNS_RD			0x0100
#define DNS_RA			0x0080
#define DNS_LABEL_MAX		63
#define DNS_TYPE_IXFR		251
#define DNS_TYPE_AXFR		252
#define DNS_ANSWER_FIXED	12	/* name, type, class, TTL, length */
/*
 * A query with one question and an OPT record is a few hundred bytes;
 * anything much longer on a TCP stream is not a query worth buffering.
 */
#define DNS_TCP_QUERY_MAX	4096

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/*
 * Letters, digits, '-' and '_' (service labels such as _tcp): what a host
 * name handed to the SOCKS5 proxy may contain. Anything else is refused
 * rather than passed on or written to a log.
 */
static int
dns_name_char(uint8_t c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_');
}

static int
dns_fail(struct dns_query *q, int rcode, int error)
{
	q->rcode = rcode;
	errno = error;
	return (-1);
}

/*
 * Parse a query of exactly one question with an uncompressed name (the
 * sections after the question, such as an EDNS OPT record, are ignored).
 * Returns 0 with the question in q, or -1 with errno EBADMSG (malformed)
 * or ENOTSUP (well formed but not served) and q->rcode saying how to
 * answer: FORMERR, NOTIMP (opcode not QUERY) or REFUSED (class not IN,
 * zone transfers, names with other characters than dns_name_char()), or
 * DNS_NOREPLY when the message is shorter than a header or is a response,
 * which must be dropped. q->id and q->rd are set whenever the header was
 * read; q->qend is set, and a reply repeats the question, whenever the
 * question was read.
 */
int
dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *q)
{
	size_t		off, n = 0, lablen, i;
	uint16_t	flags;
	uint8_t		c;
	int		badchar = 0;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN)
		return (dns_fail(q, DNS_NOREPLY, EBADMSG));
	q->id = get16(buf);
	flags = get16(buf + 2);
	q->rd = (flags & DNS_RD) != 0;
	/* Answering a response could start a loop between two resolvers. */
	if (flags & DNS_QR)
		return (dns_fail(q, DNS_NOREPLY, EBADMSG));
	if (flags & DNS_OPCODE_MASK)
		return (dns_fail(q, DNS_RCODE_NOTIMP, ENOTSUP));
	if (get16(buf + 4) != 1)
		return (dns_fail(q, DNS_RCODE_FORMERR, EBADMSG));

	/*
	 * QNAME. A length byte above 63 is a compression pointer (0xc0) or
	 * a reserved label type: the question is the first name in the
	 * message, so a pointer can only be malformed. The text form is at
	 * most 253 characters, which is the 255-byte wire limit.
	 */
	for (off = DNS_HDR_LEN;; off += lablen) {
		if (off >= len)
			return (dns_fail(q, DNS_RCODE_FORMERR, EBADMSG));
		if ((lablen = buf[off++]) == 0)
			break;
		if (lablen > DNS_LABEL_MAX || lablen > len - off ||
		    n + (n > 0) + lablen > DNS_NAME_MAX)
			return (dns_fail(q, DNS_RCODE_FORMERR, EBADMSG));
		if (n > 0)
			q->name[n++] = '.';
		for (i = 0; i < lablen; i++) {
			c = buf[off + i];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (!dns_name_char(c))
				badchar = 1;
			q->name[n++] = c;
		}
	}
	q->name[n] = '\0';
	if (len - off < 4)
		return (dns_fail(q, DNS_RCODE_FORMERR, EBADMSG));
	q->qtype = get16(buf + off);
	q->qclass = get16(buf + off + 2);
	q->qend = off + 4;

	if (badchar) {
		q->name[0] = '\0';
		return (dns_fail(q, DNS_RCODE_REFUSED, ENOTSUP));
	}
	if (q->qclass != DNS_CLASS_IN || q->qtype == DNS_TYPE_AXFR ||
	    q->qtype == DNS_TYPE_IXFR)
		return (dns_fail(q, DNS_RCODE_REFUSED, ENOTSUP));
	q->rcode = DNS_RCODE_NOERROR;
	return (0);
}

/*
 * Build the reply to a query parsed by dns_query_parse() (query and qlen
 * are the message it parsed) in out. With addr, an AF_INET (for an A
 * query) or AF_INET6 (for AAAA) address, the reply is NOERROR with that
 * one answer and TTL DNS_TTL; without, it is rcode with no answer:
 * NOERROR is NODATA, the answer for every other type (HTTPS and SVCB
 * included, so clients fall back to A and AAAA). NOERROR and NXDOMAIN are
 * authoritative. There is no SOA record, so no client caches a negative
 * answer; no OPT record either, since every reply fits in 512 bytes.
 * Returns the length, or -1 with errno EINVAL (arguments that do not fit
 * together) or ENOBUFS (out is shorter than the reply; DNS_REPLY_MAX
 * always suffices).
 */
ssize_t
dns_reply(const uint8_t *query, size_t qlen, const struct dns_query *q,
    int rcode, const void *addr, int family, uint8_t *out, size_t outlen)
{
	size_t		qdlen = 0, alen = 0, len;
	uint16_t	flags;

	if (rcode < 0 || rcode > 15 || qlen < DNS_HDR_LEN ||
	    q->qend > qlen || (q->qend > 0 && q->qend < DNS_HDR_LEN + 5)) {
		errno = EINVAL;
		return (-1);
	}
	if (addr != NULL) {
		if (rcode != DNS_RCODE_NOERROR || q->qend == 0)
			alen = 0;
		else if (family == AF_INET && q->qtype == DNS_TYPE_A)
			alen = 4;
		else if (family == AF_INET6 && q->qtype == DNS_TYPE_AAAA)
			alen = 16;
		if (alen == 0) {
			errno = EINVAL;
			return (-1);
		}
	}
	if (q->qend > 0)
		qdlen = q->qend - DNS_HDR_LEN;
	len = DNS_HDR_LEN + qdlen + (alen > 0 ? DNS_ANSWER_FIXED + alen : 0);
	if (len > outlen) {
		errno = ENOBUFS;
		return (-1);
	}

	/* The opcode is the query's, so NOTIMP names what it refuses. */
	flags = DNS_QR | DNS_RA | (get16(query + 2) & DNS_OPCODE_MASK) |
	    (q->rd ? DNS_RD : 0) | rcode;
	if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN)
		flags |= DNS_AA;
	put16(out, q->id);
	put16(out + 2, flags);
	put16(out + 4, qdlen > 0);
	put16(out + 6, alen > 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	/* The question as sent, keeping the case of any 0x20 randomisation. */
	memcpy(out + DNS_HDR_LEN, query + DNS_HDR_LEN, qdlen);
	if (alen > 0) {
		out += DNS_HDR_LEN + qdlen;
		put16(out, 0xc000 | DNS_HDR_LEN);	/* the question name */
		put16(out + 2, q->qtype);
		put16(out + 4, DNS_CLASS_IN);
		put32(out + 6, DNS_TTL);
		put16(out + 10, alen);
		memcpy(out + DNS_ANSWER_FIXED, addr, alen);
	}
	return (len);
}

/*
 * DNS over TCP: each message follows its length as two bytes. Given the
 * bytes received so far, return the length of the first framed message
 * including the two length bytes (the message itself starts at buf + 2),
 * 0 if more bytes are needed, or -1 with errno EBADMSG when the length
 * cannot be a query (shorter than a header or longer than 4096 bytes) and
 * the connection should be closed.
 */
ssize_t
dns_tcp_frame(const uint8_t *buf, size_t len)
{
	size_t	n;

	if (len < 2)
		return (0);
	n = get16(buf);
	if (n < DNS_HDR_LEN || n > DNS_TCP_QUERY_MAX) {
		errno = EBADMSG;
		return (-1);
	}
	if (len - 2 < n)
		return (0);
	return (n + 2);
}

/*
 * A recursive query for name (letters, digits, '-', '_' and dots, as
 * dns_query_parse() gives it) of type qtype, for the host's own resolver.
 * Returns its length, or -1 with errno EINVAL or ENOBUFS.
 */
ssize_t
dns_query_build(uint8_t *buf, size_t len, uint16_t id, const char *name,
    uint16_t qtype)
{
	size_t		 n = DNS_HDR_LEN, lab;
	const char	*p, *dot;

	if (name[0] == '\0' || strlen(name) > DNS_NAME_MAX) {
		errno = EINVAL;
		return (-1);
	}
	if (len < DNS_HDR_LEN + strlen(name) + 2 + 4) {
		errno = ENOBUFS;
		return (-1);
	}
	memset(buf, 0, DNS_HDR_LEN);
	put16(buf, id);
	put16(buf + 2, DNS_RD);
	put16(buf + 4, 1);
	for (p = name; *p != '\0'; p = *dot != '\0' ? dot + 1 : dot) {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		lab = dot - p;
		if (lab == 0 || lab > DNS_LABEL_MAX) {
			errno = EINVAL;
			return (-1);
		}
		buf[n++] = lab;
		memcpy(buf + n, p, lab);
		n += lab;
		if (*dot == '.' && dot[1] == '\0') {
			errno = EINVAL;
			return (-1);
		}
	}
	buf[n++] = 0;
	put16(buf + n, qtype);
	put16(buf + n + 2, DNS_CLASS_IN);
	return (n + 4);
}

/* Skip a (possibly compressed) name at off; the offset after it, or 0. */
static size_t
dns_skip_name(const uint8_t *buf, size_t len, size_t off)
{
	size_t	lab;

	while (off < len) {
		lab = buf[off];
		if (lab == 0)
			return (off + 1);
		if ((lab & 0xc0) == 0xc0)
			return (off + 2 <= len ? off + 2 : 0);
		if (lab > DNS_LABEL_MAX)
			return (0);
		off += 1 + lab;
	}
	return (0);
}

/*
 * The A (qtype 1) or AAAA (28) records of a reply from the host's
 * resolver to the query with this id: every such record of the answer
 * section, whatever its owner name (a CNAME chain's target included), is
 * stored in out, up to max, and counted in *n. Returns the reply's
 * rcode, or -1 with errno EBADMSG for a message that is not the reply.
 */
int
dns_answer_addrs(const uint8_t *buf, size_t len, uint16_t id, uint16_t qtype,
    struct hostaddr *out, size_t max, size_t *n)
{
	size_t		off, i, qd, an, rdlen;
	uint16_t	flags, type, class;

	*n = 0;
	if (len < DNS_HDR_LEN || get16(buf) != id)
		goto bad;
	flags = get16(buf + 2);
	if (!(flags & DNS_QR) || (flags & DNS_OPCODE_MASK))
		goto bad;
	qd = get16(buf + 4);
	an = get16(buf + 6);
	off = DNS_HDR_LEN;
	for (i = 0; i < qd; i++) {
		if ((off = dns_skip_name(buf, len, off)) == 0 ||
		    len - off < 4)
			goto bad;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		if ((off = dns_skip_name(buf, len, off)) == 0 ||
		    len - off < 10)
			goto bad;
		type = get16(buf + off);
		class = get16(buf + off + 2);
		rdlen = get16(buf + off + 8);
		off += 10;
		if (len - off < rdlen)
			goto bad;
		if (class == DNS_CLASS_IN && type == qtype &&
		    rdlen == (qtype == DNS_TYPE_A ? 4U : 16U)) {
			if (*n < max) {
				memset(&out[*n], 0, sizeof(out[*n]));
				out[*n].family = qtype == DNS_TYPE_A ?
				    AF_INET : AF_INET6;
				memcpy(out[*n].addr, buf + off, rdlen);
			}
			(*n)++;
		}
		off += rdlen;
	}
	return (flags & 0x000f);
bad:
	errno = EBADMSG;
	return (-1);
}
