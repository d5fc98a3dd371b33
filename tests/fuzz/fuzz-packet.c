/*
 * libFuzzer target for the netstack's packet path: arbitrary bytes as one
 * packet read from a sandbox's TUN device, through the ingress filter,
 * lwIP (IPv4, IPv6, TCP, UDP), the DNS answerer and the SYN decision.
 *
 * The first input byte is control: bit 0 overwrites the source address
 * with the sandbox's own, so most inputs pass the ingress filter; bit 1
 * fixes the IP and TCP/UDP checksums, so lwIP looks past them. Bit 2: the
 * packet comes from a TUN with offloads, after a virtio header: the next
 * 10 input bytes, or with bit 1 one the sandbox's kernel would write (the
 * transport checksum left partial for the netstack to finish). The rest
 * is the packet. The sandbox allows every name and no address, and its
 * proxy address has no family: every connection is refused at once, so
 * no socket is ever made.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <endian.h>
#include <event2/event.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstack.h"

#define SLOT	7

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return (sum);
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (~sum & 0xffff);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * Fill in the IPv4 header and TCP/UDP checksums the packet claims. With
 * vh, the transport checksum is left partial (the pseudo-header's sum)
 * and vh says where, as a TUN with offloads hands it over.
 */
static void
fix_checksums(uint8_t *h, size_t len, struct virtio_net_hdr *vh)
{
	uint8_t		*l4, pseudo[40];
	size_t		 hl, l4len, off;
	uint32_t	 sum;
	int		 proto, v6 = (h[0] >> 4) == 6;

	if (!v6) {
		hl = (h[0] & 0x0f) * 4;
		if (hl < 20 || hl > len)
			return;
		put16(h + 2, len);
		put16(h + 10, 0);
		put16(h + 10, fold(sum16(h, hl, 0)));
		proto = h[9];
		memset(pseudo, 0, 12);
		memcpy(pseudo, h + 12, 8);
		pseudo[9] = proto;
		l4len = len - hl;
		put16(pseudo + 10, l4len);
		sum = sum16(pseudo, 12, 0);
	} else {
		hl = 40;
		if (len < hl)
			return;
		put16(h + 4, len - hl);
		proto = h[6];
		memset(pseudo, 0, 40);
		memcpy(pseudo, h + 8, 32);
		l4len = len - hl;
		pseudo[34] = l4len >> 8;
		pseudo[35] = l4len & 0xff;
		pseudo[39] = proto;
		sum = sum16(pseudo, 40, 0);
	}
	l4 = h + hl;
	if (proto == 6 && l4len >= 20)
		off = 16;
	else if (proto == 17 && l4len >= 8) {
		off = 6;
		put16(l4 + 4, l4len);
	} else
		return;
	put16(l4 + off, 0);
	if (vh != NULL) {
		put16(l4 + off, ~fold(sum) & 0xffff);
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = htole16(hl);
		vh->csum_offset = htole16(off);
		return;
	}
	put16(l4 + off, fold(sum16(l4, l4len, sum)));
}

static void
attach(void)
{
	static const char	 strs[] = "A*\0Ddenied.example.com\0P5432";
	struct nsmsg		*m;
	int			 sp[2];

	if ((m = calloc(1, sizeof(*m) + sizeof(strs))) == NULL)
		abort();
	m->type = NSMSG_ATTACH;
	m->id = 1;
	m->slot = SLOT;
	m->flags = NS_IPV6;
	m->nstr = 3;
	snprintf(m->user, sizeof(m->user), "fuzz/1/fuzz");
	memcpy(m + 1, strs, sizeof(strs));
	/* The sandbox end is never read: replies are dropped when full. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) == -1)
		abort();
	if (net_lwip_attach(m, sizeof(*m) + sizeof(strs), sp[0]) == -1)
		abort();
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	static uint8_t		 pkt[NET_TUN_MTU];
	struct virtio_net_hdr	 vh, *vhp = NULL;
	struct in_addr		 a4;
	struct in6_addr		 a6;
	size_t			 len;
	uint8_t			 ctl;

	if (!ready) {
		log_init(1, 0);
		if ((net_base = event_base_new()) == NULL || net_lwip_init() == -1)
			abort();
		attach();
		ready = 1;
	}
	if (size < 1)
		return (0);
	ctl = data[0];
	data++;
	size--;
	if (ctl & 4) {
		if (size < sizeof(vh))
			return (0);
		memcpy(&vh, data, sizeof(vh));
		vhp = &vh;
		data += sizeof(vh);
		size -= sizeof(vh);
	}
	if (size > sizeof(pkt))
		return (0);
	len = size;
	memcpy(pkt, data, len);
	if ((ctl & 1) && len >= 40) {
		if ((pkt[0] >> 4) == 6) {
			net_addr_sandbox6(SLOT, &a6);
			memcpy(pkt + 8, a6.s6_addr, 16);
		} else {
			net_addr_sandbox4(SLOT, &a4);
			memcpy(pkt + 12, &a4, 4);
		}
	}
	if (ctl & 2) {
		if (vhp != NULL)
			memset(vhp, 0, sizeof(*vhp));
		fix_checksums(pkt, len, vhp);
	}
	net_lwip_input(1, vhp, pkt, len);
	/* Let lwIP's timers run as they would between packets. */
	net_lwip_timers();
	event_base_loop(net_base, EVLOOP_NONBLOCK);
	return (0);
}
