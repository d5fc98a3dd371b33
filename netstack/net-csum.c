/*
 * The Internet checksum (RFC 1071), for the TUN's offloads: a packet the
 * sandbox's kernel hands over with its checksum left to do (it only
 * seeded the field with the pseudo-header), finished here once so that
 * lwIP, whose build always checks, accepts it. Pure: buffers in and out.
 *
 * The sum is taken in host byte order over 32-bit loads into a 64-bit
 * accumulator and folded at the end; RFC 1071's byte-order independence
 * makes the stored result right on either byte order.
 */

#include <sys/types.h>

#include <string.h>

#include "netstack.h"

/*
 * Add len bytes at buf to sum; an odd last byte is padded with zero.
 * 64-bit loads whose halves go into the accumulator separately: no carry
 * is lost for any length below 16 GiB, and the loop vectorises.
 */
uint64_t
net_csum_add(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 w, a = 0, b = 0;
	uint32_t	 v;
	uint16_t	 h;
	uint8_t		 last[2];

	while (len >= 16) {
		memcpy(&w, p, 8);
		a += (w & 0xffffffff) + (w >> 32);
		memcpy(&w, p + 8, 8);
		b += (w & 0xffffffff) + (w >> 32);
		p += 16;
		len -= 16;
	}
	sum += net_csum_fold(a) + (uint64_t)net_csum_fold(b);
	while (len >= 4) {
		memcpy(&v, p, 4);
		sum += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		last[0] = *p;
		last[1] = 0;
		memcpy(&h, last, 2);
		sum += h;
	}
	return (sum);
}

/* The one's complement sum folded to 16 bits, not complemented. */
uint16_t
net_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)sum);
}

/*
 * Finish a partial checksum: the field at start + off holds the
 * pseudo-header's sum; sum from start to the end and store the
 * complement there. The offsets come from the TUN's virtio header, so
 * they are checked against the packet: -1 if they do not fit in it.
 * *region gets what net_csum_fold(net_csum_add(0, pkt + start, len -
 * start)) returns for the completed packet, without a second pass: the
 * old field's value replaced by the new one in one's complement
 * arithmetic (at an odd offset the field straddles two words, which
 * counts as its bytes swapped). lwIP's own check then needs no pass over
 * the data either.
 */
int
net_csum_complete(uint8_t *pkt, size_t len, size_t start, size_t off,
    uint16_t *region)
{
	uint64_t	sum;
	uint16_t	c, old;

	if (start < NET_CSUM_MIN_START || start >= len || off > len - start ||
	    len - start - off < 2)
		return (-1);
	memcpy(&old, pkt + start + off, 2);
	sum = net_csum_add(0, pkt + start, len - start);
	c = ~net_csum_fold(sum);
	memcpy(pkt + start + off, &c, 2);
	old = ~old;
	if (off % 2 != 0) {
		old = (uint16_t)(old << 8 | old >> 8);
		c = (uint16_t)(c << 8 | c >> 8);
	}
	*region = net_csum_fold((uint64_t)net_csum_fold(sum) + old + c);
	return (0);
}

/*
 * A TCP segment the sandbox's kernel left partial, answered without a
 * pass over it: that kernel built it for this link, and a partial
 * checksum is one no receiver on the host checks either (Linux trusts
 * CHECKSUM_PARTIAL). The field stays as the kernel seeded it; *region
 * gets the sum lwIP's check of the transport bytes must see for the
 * segment to verify: the complement of the pseudo-header's sum, which is
 * what net_csum_complete reports for the same segment completed. That
 * answer is only there for the check made at once, on arrival: a SYN,
 * which the helper holds until the upstream has answered, is completed.
 * Only a whole IPv4 or IPv6 TCP segment with data, TCP's field offset,
 * no fragment, no IPv6 extension header and lengths that agree
 * qualifies: -1 otherwise, and the caller completes the checksum.
 */
int
net_csum_trust_tcp(const uint8_t *pkt, size_t len, size_t start,
    size_t off, uint16_t *region)
{
	size_t		l4len;
	int		v6;

	if (off != 16 || len < 40 || start < NET_CSUM_MIN_START ||
	    start >= len || len - start < 20 || len > 65535 + 40)
		return (-1);
	l4len = len - start;
	switch (pkt[0] >> 4) {
	case 4:
		/* Header length, TCP, total length, no fragment bits. */
		if ((size_t)(pkt[0] & 0x0f) * 4 != start || pkt[9] != 6 ||
		    ((size_t)pkt[2] << 8 | pkt[3]) != len ||
		    (pkt[6] & 0x3f) != 0 || pkt[7] != 0)
			return (-1);
		v6 = 0;
		break;
	case 6:
		if (start != 40 || pkt[6] != 6 ||
		    ((size_t)pkt[4] << 8 | pkt[5]) != l4len)
			return (-1);
		v6 = 1;
		break;
	default:
		return (-1);
	}
	/* Data, and no SYN (held, checked later): the bulk of a transfer. */
	if ((pkt[start + 13] & 0x02) != 0 ||
	    (size_t)(pkt[start + 12] >> 4) * 4 >= l4len)
		return (-1);
	*region = (uint16_t)~net_csum_pseudo(pkt, v6, l4len);
	return (0);
}

/*
 * The folded sum of a TCP segment's pseudo-header: the addresses of the
 * IPv4 or IPv6 header at ip, the protocol and l4len, the segment's
 * length. What a partial checksum's field holds.
 */
uint16_t
net_csum_pseudo(const uint8_t *ip, int v6, size_t l4len)
{
	uint8_t	ph[40];

	memset(ph, 0, sizeof(ph));
	if (v6) {
		memcpy(ph, ip + 8, 32);
		ph[34] = l4len >> 8;
		ph[35] = l4len & 0xff;
		ph[39] = 6;
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = 6;
		ph[10] = l4len >> 8;
		ph[11] = l4len & 0xff;
	}
	return (net_csum_fold(net_csum_add(0, ph, v6 ? 40 : 12)));
}
