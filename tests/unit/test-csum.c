/*
 * The Internet checksum of the TUN offloads (net-csum.c): the same sums
 * as a byte-by-byte RFC 1071 reference, a completed partial checksum
 * verifies, the region's sum it reports is the one a second pass gives,
 * and offsets outside the packet are refused; a trusted partial TCP
 * segment reports the same sum without a pass, and only a plain TCP
 * segment is trusted.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "netstack.h"
#include "tap.h"

/* RFC 1071, 16 bits at a time in network order. */
static uint16_t
ref_sum(const uint8_t *p, size_t len)
{
	uint32_t	sum = 0;
	size_t		i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (sum);
}

/* net_csum_fold's result, stored, read back in network order. */
static uint16_t
stored(uint16_t v)
{
	uint8_t	b[2];

	memcpy(b, &v, 2);
	return ((uint16_t)(b[0] << 8 | b[1]));
}

/* A plain IPv4 (60 bytes) or IPv6 (80) TCP segment, one byte changed. */
static const struct {
	int		 v6;
	size_t		 at;
	uint8_t		 val;
	size_t		 start, off;
	int		 want;
	const char	*what;
} trust[] = {
	{ 0, 0, 0x45, 20, 16, 0,
	    "a plain IPv4 TCP segment with data is trusted" },
	{ 0, 33, 0x12, 20, 16, -1,
	    "a SYN (held until the upstream answers): refused" },
	{ 0, 32, 0xa0, 20, 16, -1,
	    "no data past a 40-byte header (an ACK): refused" },
	{ 0, 0, 0x45, 20, 6, -1, "not TCP's field offset: refused" },
	{ 0, 9, 17, 20, 16, -1, "not TCP: refused" },
	{ 0, 6, 0x20, 20, 16, -1, "a fragment: refused" },
	{ 0, 3, 59, 20, 16, -1,
	    "an IP length other than the packet's: refused" },
	{ 0, 0, 0x45, 24, 16, -1,
	    "a start other than the IP header's length: refused" },
	{ 0, 0, 0x42, 8, 16, -1,
	    "a start inside the smallest IP header: refused" },
	{ 1, 6, 6, 40, 16, 0, "a plain IPv6 TCP segment with data is trusted" },
	{ 1, 6, 0, 40, 16, -1,
	    "an IPv6 extension header (hop-by-hop): refused" },
	{ 1, 53, 0x02, 40, 16, -1, "an IPv6 SYN: refused" },
};

int
main(void)
{
	static uint8_t	 buf[70000 + 3];	/* the longest length at offset 2 */
	size_t		 lens[] = { 0, 1, 2, 3, 15, 16, 17, 63, 1500, 1501,
			    65535, 69999 };
	size_t		 i, j;
	int		 same = 1;
	uint8_t		 pkt[100];
	uint16_t	 region;

	plan(12 + (int)nitems(trust));
	srandom(16);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = random();
	for (i = 0; i < nitems(lens); i++)
		for (j = 0; j < 3; j++)	/* unaligned starts too */
			if (stored(net_csum_fold(net_csum_add(0, buf + j,
			    lens[i]))) != ref_sum(buf + j, lens[i]))
				same = 0;
	ok(same, "sums match RFC 1071 for odd, even and unaligned lengths");
	/* Every tail of the 16-byte loop, from every start in a word. */
	same = 1;
	for (i = 0; i <= 80; i++)
		for (j = 0; j < 8; j++)
			if (stored(net_csum_fold(net_csum_add(0, buf + j,
			    i))) != ref_sum(buf + j, i))
				same = 0;
	ok(same, "sums match RFC 1071 for lengths 0-80 at offsets 0-7");
	/* lwIP's contract (lwip_standard_chksum is this): zeros sum to 0. */
	memset(buf, 0, 4096);
	ok(net_csum_fold(net_csum_add(0, buf, 4096)) == 0,
	    "all zeros fold to 0");
	memset(buf, 0xff, 4096);
	ok(stored(net_csum_fold(net_csum_add(0, buf, 4096))) == 0xffff,
	    "all ones folds to 0xffff");

	/* A TCP-like packet: header 20, field at 20 + 16, seeded with 0x1234. */
	for (i = 0; i < sizeof(pkt); i++)
		pkt[i] = i * 7;
	pkt[36] = 0x12;
	pkt[37] = 0x34;
	ok(net_csum_complete(pkt, sizeof(pkt), 20, 16, &region) == 0,
	    "a partial checksum inside the packet is completed");
	ok(region == net_csum_fold(net_csum_add(0, pkt + 20, 80)),
	    "the completed region's sum is what a second pass gives");
	{
		uint32_t s;

		/* With the pseudo-header's sum (the seed) it verifies. */
		s = ref_sum(pkt + 20, sizeof(pkt) - 20) + 0x1234;
		s = (s & 0xffff) + (s >> 16);
		ok(s == 0xffff, "the completed segment verifies");
	}
	/* Random segments, every length parity, even and odd fields. */
	same = 1;
	for (i = 0; i < 2000; i++) {
		size_t	n = 22 + random() % 1400, off = random() % (n - 21);

		for (j = 0; j < n; j++)
			buf[j] = random();
		if (i % 7 == 0)
			memset(buf + 20, 0, n - 20);	/* zeros but the seed */
		if (net_csum_complete(buf, n, 20, off, &region) != 0 ||
		    region != net_csum_fold(net_csum_add(0, buf + 20, n - 20)))
			same = 0;
	}
	ok(same, "the reported sum matches a second pass (2000 packets)");
	ok(net_csum_complete(pkt, sizeof(pkt), 10, 16, &region) == -1,
	    "a start inside the IP header is refused");
	ok(net_csum_complete(pkt, sizeof(pkt), 20, 79, &region) == -1,
	    "a field past the end is refused");
	ok(net_csum_complete(pkt, sizeof(pkt), 100, 0, &region) == -1,
	    "a start at the end is refused");

	/* Trusted partial TCP segments, IPv4 and IPv6, as a kernel seeds them. */
	same = 1;
	for (i = 0; i < 2000; i++) {
		int	v6 = i % 2;
		size_t	hl = v6 ? 40 : 20 + 4 * (i % 3), n, k;
		uint8_t	cp[1500], ph[40];
		uint16_t seed, r1, r2;

		n = hl + 21 + random() % 1200;
		for (j = 0; j < n; j++)
			buf[j] = random();
		memset(ph, 0, sizeof(ph));
		if (v6) {
			buf[0] = 0x60;
			buf[4] = (n - 40) >> 8;
			buf[5] = (n - 40) & 0xff;
			buf[6] = 6;
			memcpy(ph, buf + 8, 32);
			ph[34] = (n - hl) >> 8;
			ph[35] = (n - hl) & 0xff;
			ph[39] = 6;
			k = 40;
		} else {
			buf[0] = 0x40 | hl / 4;
			buf[2] = n >> 8;
			buf[3] = n & 0xff;
			buf[6] = 0x40;	/* DF only */
			buf[7] = 0;
			buf[9] = 6;
			memcpy(ph, buf + 12, 8);
			ph[9] = 6;
			ph[10] = (n - hl) >> 8;
			ph[11] = (n - hl) & 0xff;
			k = 12;
		}
		buf[hl + 12] = 0x50 | (buf[hl + 12] & 0x0f);	/* 20 bytes */
		buf[hl + 13] &= ~0x02;				/* no SYN */
		seed = net_csum_fold(net_csum_add(0, ph, k));
		memcpy(buf + hl + 16, &seed, 2);
		memcpy(cp, buf, n);
		if (net_csum_trust_tcp(buf, n, hl, 16, &r1) != 0 ||
		    net_csum_complete(cp, n, hl, 16, &r2) != 0 || r1 != r2 ||
		    memcmp(buf + hl + 16, &seed, 2) != 0)
			same = 0;
	}
	ok(same, "a trusted TCP segment reports the completed one's sum, "
	    "and is left as it was (2000 packets, IPv4 and IPv6)");
	/* One change at a time to a plain segment with 20 bytes of data. */
	for (i = 0; i < nitems(trust); i++) {
		size_t	n = trust[i].v6 ? 80 : 60;

		memset(buf, 0, n);
		if (trust[i].v6) {
			buf[0] = 0x60;
			buf[5] = 40;
			buf[6] = 6;
			buf[52] = 0x50;
		} else {
			buf[0] = 0x45;
			buf[3] = 60;
			buf[9] = 6;
			buf[32] = 0x50;
		}
		buf[trust[i].at] = trust[i].val;
		ok(net_csum_trust_tcp(buf, n, trust[i].start, trust[i].off,
		    &region) == trust[i].want, "%s", trust[i].what);
	}
	return (done_testing());
}
