/*
 * The sandbox network's address plan, shared by greywalld, the sandbox's
 * init (which configures the TUN) and the netstack helper (which routes
 * replies): pure arithmetic, no I/O.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "gw-protocol.h"

static const uint8_t	infra_v6_net[12] = FAKEIP_INFRA6_NET;

/* The sandbox's own addresses; unique per slot so replies route back. */
void
net_addr_sandbox4(int slot, struct in_addr *a)
{
	a->s_addr = htonl(NET_SANDBOX4_BASE | (uint32_t)slot);
}

void
net_addr_sandbox6(int slot, struct in6_addr *a)
{
	static const uint8_t	pfx[] = NET_SANDBOX6_PREFIX;

	memset(a, 0, sizeof(*a));
	memcpy(a->s6_addr, pfx, sizeof(pfx));
	a->s6_addr[6] = slot >> 8;
	a->s6_addr[7] = slot & 0xff;
	a->s6_addr[15] = 2;
}

/* An infrastructure address: 198.18.0.N or fd67:7779:6661::N. */
void
net_addr_fakeip_infra(enum fakeip_infra which, int family, void *out)
{
	uint8_t	*p = out;

	if (family == AF_INET6) {
		memcpy(p, infra_v6_net, sizeof(infra_v6_net));
		p += sizeof(infra_v6_net);
		p[0] = p[1] = p[2] = 0;
	} else {
		p[0] = FAKEIP_INFRA4_NET >> 24;
		p[1] = (FAKEIP_INFRA4_NET >> 16) & 0xff;
		p[2] = 0;
	}
	p[3] = (uint8_t)which;
}

