/*
 * The Internet checksum of the TUN offloads (net-csum.c): the same sums
 * as a byte-by-byte RFC 1071 reference, a completed partial checksum
 * verifies, the region's sum it reports is the one a second pass gives,
 * and offsets outside the packet are refused.
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

	plan(11);
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
	return (done_testing());
}
