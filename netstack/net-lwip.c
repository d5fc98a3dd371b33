/*
 * The netstack helper's TCP/IP side: one lwIP instance (Debian's liblwip,
 * raw API, one thread) with one netif per sandbox TUN device. This is the
 * only file that includes lwIP headers; <netinet/tcp.h> must never be
 * included here (its TCP_MSS would silently change lwIP's derived sizes).
 *
 * lwIP only delivers packets addressed to a netif address, so before each
 * ip_input() the netif's address is set to the packet's destination (the
 * "address poke"): a listener bound to ANY:port then accepts connections
 * to every destination without NAT. A SYN is held until the SOCKS5 proxy
 * accepted the CONNECT, so a refusal is an immediate RST in the sandbox.
 * Everything from the sandbox passes an ingress filter first: its source
 * must be the sandbox's own address and its destination an ordinary
 * unicast one, which keeps packets off lwIP's loopback path (an abort).
 *
 * Inbound ports (gw exec -p) go the other way: greywalld hands over a
 * socket listening on the host's 127.0.0.1, and each connection accepted
 * there becomes an active lwIP connection from the host alias 198.18.0.2
 * to the sandbox's own address, pinned to its netif. The sandbox's
 * SYN-ACK is addressed to the alias, which the filter lets through.
 *
 * Large segments: the TUN carries a virtio-net header per packet with
 * the checksum and TCP segmentation offloads on (sandbox-tun.c). The
 * sandbox's kernel sends TCP segments of up to 64 KiB whose checksum it
 * left to do; it is finished here once (net-csum.c), because Debian's
 * lwIP always checks. The other way, each connection's pcb->mss is
 * raised past the link's MSS so that lwIP emits segments of up to
 * TUN_BIG_MSS, and each goes out with GSO metadata (the link's MSS) and
 * its checksum marked partial: lwIP computed it (its build always does),
 * the sandbox's kernel does not check it again. Read buffers are custom
 * pbufs from two free lists, so the read path allocates nothing once
 * warm.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <errno.h>
#include <event2/event.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netstack.h"

#ifdef LWIP_DEBUG
#error "LWIP_DEBUG changes the layout of liblwip's structures"
#endif
#ifdef TCP_MSS
#undef TCP_MSS
#endif

#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/ip_addr.h>
#include <lwip/memp.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>
#include <lwip/priv/memp_priv.h>
#include <lwip/priv/tcp_priv.h>

#define PROTO_TCP		6
#define PROTO_UDP		17
#define TCPF_FIN		0x01
#define TCPF_SYN		0x02
#define TCPF_ACK		0x10

#define TUN_BATCH		64	/* packets read per wakeup */
/*
 * Segments lwIP emits to a TUN with offloads: below 64 KiB with the IPv6
 * header, and within a pbuf's 16-bit length with lwIP's header room.
 */
#define TUN_BIG_MSS		65000
/* Bytes a flow may have in flight to the sandbox beyond lwIP's 64 KiB. */
#define TUN_SND_EXTRA		(448 * 1024)
/*
 * Bytes from the sandbox a flow holds for the proxy while lwIP's receive
 * window is already open again for more: the packaged build's window is
 * 64 KiB (TCP_WND, compile time), so without this the sandbox waits for
 * each 64 KiB to be written upstream before it may send the next. With
 * three more windows, a wakeup reads several segments and writes them
 * in one writev (a fifth fewer system calls per GiB than one more).
 */
#define RECV_AHEAD		(192 * 1024)
#define UP_BUF			(4 * TUN_BIG_MSS)	/* one upstream read */
#define UP_READS		2	/* upstream reads per wakeup */
#define RX_BIG			65535	/* any packet from the TUN */
#define RX_SMALL		2048	/* copied out of the big buffer */
#define RX_KEEP_BIG		8	/* free buffers kept */
#define RX_KEEP_SMALL		256
#define CONNECT_TIMEOUT		10	/* s: TCP connect plus SOCKS5 */
#define ACCEPT_TIMEOUT		20	/* s: admitted, handshake pending */
#define HALFOPEN_TIMEOUT	300	/* s: one side closed, idle */
#define SWEEP_INTERVAL		5
/*
 * TIME_WAIT pcbs kept (2 x MSL = 120 s each in lwIP, malloc'd): ten
 * thousand short connections otherwise hold 3 MiB for two minutes. A
 * lossless point-to-point link has no old duplicates to wait for, a
 * reused 4-tuple aborts its entry anyway (flow_admit), and lwIP itself
 * drops the oldest when a pool runs out.
 */
#define TW_KEEP			256
#define DNS_TIMEOUT		5	/* s: upstream resolver */
#define DNS_TCP_IDLE		30	/* s: an idle DNS-over-TCP connection */
#define PROTO_ICMP		1
#define PROTO_ICMP6		58
/*
 * Events per sandbox per second, with a burst: past it they are counted
 * and reported as dropped, so a sandbox looping on denials cannot make
 * this process or greywalld spend its time on events.
 */
#define EVENT_RATE		200
#define EVENT_BURST		400

enum flow_state {
	FL_RESOLVE,		/* asking the host's resolver (net-hostcheck.c) */
	FL_CONNECT,		/* TCP connect to the proxy in progress */
	FL_METHOD,		/* greeting sent, waiting for the method */
	FL_AUTH,		/* username/password sent */
	FL_REPLY,		/* CONNECT sent, waiting for the reply */
	FL_ADMITTED,		/* SYN given to lwIP, waiting for accept */
	FL_OPEN,		/* relaying */
};

struct nsb;

struct flow {
	TAILQ_ENTRY(flow)	 entry;
	struct nsb		*sb;
	ip_addr_t		 src, dst;	/* sandbox side, as seen */
	u16_t			 sport, dport;
	enum flow_state		 state;
	int			 direct;	/* host loopback, no SOCKS5 */
	struct sockaddr_storage	 direct_ss;	/* where, if direct */
	struct hostcheck	*hc;		/* FL_RESOLVE */
	int			 dns;		/* DNS over TCP, answered here */
	uint8_t			*dnsbuf;
	size_t			 dnslen;
	struct pbuf		*syn;
	u32_t			 syn_seq;
	int			 fd;
	struct event		*ev_read, *ev_write;
	struct tcp_pcb		*pcb;
	uint8_t			 hs[600];	/* SOCKS5 handshake */
	size_t			 hslen, hswant;
	struct pbuf		*pending;	/* to the proxy, unwritten */
	struct pbuf		*pend_tail;	/* its last pbuf */
	size_t			 pend_bytes;
	size_t			 ahead;		/* of those, ACKed to lwIP */
	int			 sb_fin, up_eof, up_paused, pinned;
	int			 dirty;		/* pending data to flush */
	time_t			 since;
	char			 target[DNS_NAME_MAX + 8];	/* for logs */
};
TAILQ_HEAD(flowlist, flow);

/* A sandbox attached to the stack. */
struct nsb {
	TAILQ_ENTRY(nsb)	 entry;
	uint32_t		 id;
	uint32_t		 flags;		/* NS_* */
	int			 slot;
	int			 tunfd;
	int			 vnet;		/* virtio header, offloads */
	uint64_t		 tun_drops;	/* full TUN queue: TCP resends */
	uint64_t		 tun_bad;	/* unusable virtio headers */
	struct event		*ev_tun;
	struct netif		 nif;
	int			 nif_added;
	ip_addr_t		 a4, a6;	/* the sandbox's addresses */
	struct sockaddr_storage	 upstream, dns;
	char			 user[256];
	struct net_rules	*rules;
	struct fakeip		*pool;
	uint16_t		*lports;	/* host loopback ports */
	size_t			 nlports;
	struct flowlist		 flows;
	uint64_t		 bytes_out, bytes_in;	/* relayed */
	int			 counters_dirty;
	uint32_t		 ev_dropped;	/* not sent to greywalld */
	uint32_t		 ev_tokens;
	time_t			 ev_refill;
};
TAILQ_HEAD(nsblist, nsb);

static struct nsblist		 nsbs = TAILQ_HEAD_INITIALIZER(nsbs);

/*
 * Read buffers. lwIP gets each packet read from a TUN as a custom pbuf
 * over one of these and hands it back through rx_free() when its last
 * reference goes, so reading allocates nothing once warm. A small packet
 * (an ACK, a SYN, DNS) is copied into a small buffer, so that a big one
 * is never held by a few bytes.
 */
struct rxpool;
struct rxbuf {
	struct pbuf_custom	 pc;	/* first: lwIP frees through it */
	struct rxpool		*pool;
	struct rxbuf		*next;
	uint8_t			 data[];
};
struct rxpool {
	struct rxbuf		*free;
	size_t			 nfree, keep;
	u16_t			 size;
};
static struct rxpool		 rx_big = { NULL, 0, RX_KEEP_BIG, RX_BIG };
static struct rxpool		 rx_small = { NULL, 0, RX_KEEP_SMALL,
				    RX_SMALL };
static struct rxbuf		*rx_cur;	/* the next read's buffer */
static struct tcp_pcb		*listeners[65536];
static struct udp_pcb		*dns_pcb;
static struct event		*ev_lwip, *ev_sweep, *ev_counters;

/* The channel to greywalld (netstack.c); -1 in the tests and fuzzers. */
int				 net_event_fd = -1;
struct event_base		*net_base;

static void	flow_free(struct flow *);
static ssize_t	dns_answer(struct nsb *, const uint8_t *, size_t, uint8_t *,
		    size_t, int *);
static void	flow_abort(struct flow *);
static void	flow_admit(struct flow *);
static void	flow_refuse(struct flow *, const char *);
static void	flow_read_cb(int, short, void *);
static void	flow_write_cb(int, short, void *);

/*
 * Debian may change lwipopts.h; the structure sizes this file was built
 * with must be the ones liblwip allocates, or every pcb is corrupt.
 */
static int
abi_check(void)
{
	static const struct {
		int	 pool;
		size_t	 size;
		const char *name;
	} want[] = {
		{ MEMP_TCP_PCB, sizeof(struct tcp_pcb), "tcp_pcb" },
		{ MEMP_TCP_PCB_LISTEN, sizeof(struct tcp_pcb_listen),
		    "tcp_pcb_listen" },
		{ MEMP_UDP_PCB, sizeof(struct udp_pcb), "udp_pcb" },
		{ MEMP_TCP_SEG, sizeof(struct tcp_seg), "tcp_seg" },
		{ MEMP_PBUF, sizeof(struct pbuf), "pbuf" },
		{ MEMP_SYS_TIMEOUT, sizeof(struct sys_timeo), "sys_timeo" },
	};
	size_t	i;

	for (i = 0; i < nitems(want); i++) {
		if (memp_pools[want[i].pool]->size !=
		    LWIP_MEM_ALIGN_SIZE(want[i].size)) {
			log_warnx("liblwip ABI mismatch: struct %s is %u bytes"
			    " in the library, %zu in its headers", want[i].name,
			    memp_pools[want[i].pool]->size,
			    (size_t)LWIP_MEM_ALIGN_SIZE(want[i].size));
			return (-1);
		}
	}
	return (0);
}

/*
 * lwIP's Internet checksum, replaced. liblwip calls lwip_standard_chksum
 * through its PLT for every checksum it computes or checks (the TCP
 * checksum of each 64 KiB segment both ways, at -O2 a 16-bit loop that
 * took a fifth of the helper's time); the executable's definition wins
 * that lookup. Same contract as lwIP's (inet_chksum.c, algorithm 2): the
 * one's complement sum of the bytes as 16-bit words in memory order, an
 * odd last byte padded with zero, folded, not complemented, in the byte
 * order of the words (so any start alignment gives the same value).
 * Were the library ever linked so that this is not used, lwIP's own
 * gives the same results, only slower.
 */
u16_t	lwip_standard_chksum(const void *, int);
u16_t	lwip_chksum_copy(void *, const void *, u16_t);

/*
 * A segment whose partial checksum tun_read_cb just finished: the sum of
 * its transport bytes is known, so lwIP's check of the same bytes (one
 * call over exactly this range, inside the ip_input of this packet) is
 * answered without a second pass. Set and cleared around that one
 * ip_input; the bytes cannot change in between (one thread, our buffer).
 */
static struct {
	const void	*data;
	int		 len;
	u16_t		 sum;
} csum_known;
/*
 * Set around tcp_write of a flow whose TUN takes partial checksums: the
 * sum lwIP computes while copying the payload is never used, because
 * tun_vnet_out marks every TCP segment partial (the field then holds the
 * pseudo-header's sum and the sandbox's kernel does not check), so the
 * copy skips it.
 */
static int	csum_copy_skip;

u16_t
lwip_standard_chksum(const void *data, int len)
{
	if (len <= 0)
		return (0);
	if (data == csum_known.data && len == csum_known.len)
		return (csum_known.sum);
	return (net_csum_fold(net_csum_add(0, data, (size_t)len)));
}

u16_t
lwip_chksum_copy(void *dst, const void *src, u16_t len)
{
	memcpy(dst, src, len);
	if (csum_copy_skip)
		return (0);
	return (lwip_standard_chksum(dst, len));
}

/* Re-arm the one libevent timer that drives lwIP's timers. */
void
net_lwip_timers(void)
{
	struct timeval	tv;
	u32_t		ms;

	ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		ms = 1000;
	/* Idle: the IGMP/MLD cyclic timers tolerate running late. */
	if (tcp_active_pcbs == NULL && tcp_tw_pcbs == NULL && ms < 1000)
		ms = 1000;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev_lwip, &tv);
}

static void	flush_dirty(struct nsb *);

static void
lwip_timer_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	struct nsb	*sb;

	sys_check_timeouts();
	TAILQ_FOREACH(sb, &nsbs, entry)
		flush_dirty(sb);
	net_lwip_timers();
}

static void
rx_free(struct pbuf *p)
{
	struct rxbuf	*b = (struct rxbuf *)(void *)p;
	struct rxpool	*pool = b->pool;

	if (pool->nfree >= pool->keep) {
		free(b);
		return;
	}
	b->next = pool->free;
	pool->free = b;
	pool->nfree++;
}

/* Idle: give the free buffers back (a burst of held SYNs fills the pool). */
static void
rx_drain(struct rxpool *pool)
{
	struct rxbuf	*b;

	while ((b = pool->free) != NULL) {
		pool->free = b->next;
		free(b);
	}
	pool->nfree = 0;
}

static struct rxbuf *
rx_get(struct rxpool *pool)
{
	struct rxbuf	*b;

	if ((b = pool->free) != NULL) {
		pool->free = b->next;
		pool->nfree--;
	} else if ((b = malloc(sizeof(*b) + pool->size)) == NULL)
		return (NULL);
	memset(&b->pc, 0, sizeof(b->pc));
	b->pc.custom_free_function = rx_free;
	b->pool = pool;
	return (b);
}

/*
 * The virtio header of a TCP segment lwIP sends: GSO metadata when it is
 * larger than the link's MSS, and its checksum marked partial (lwIP's is
 * right; the field gets the pseudo-header sum the kernel expects of a
 * partial one, and *saved what to put back). Anything else: no flags.
 */
static int
tun_vnet_out(struct pbuf *p, struct virtio_net_hdr *vh, uint8_t **ck,
    uint16_t *saved)
{
	uint8_t		*h = p->payload;
	size_t		 hl, thl, l4len;
	uint16_t	 seed;
	int		 v6;

	memset(vh, 0, sizeof(*vh));
	*ck = NULL;
	if (p->len < 40)
		return (0);
	v6 = (h[0] >> 4) == 6;
	hl = v6 ? 40 : (size_t)(h[0] & 0x0f) * 4;
	if ((v6 ? h[6] : h[9]) != PROTO_TCP || p->len < hl + 20)
		return (0);
	thl = (size_t)(h[hl + 12] >> 4) * 4;
	if (thl < 20 || p->len < hl + thl)
		return (0);
	l4len = p->tot_len - hl;
	seed = net_csum_pseudo(h, v6, l4len);
	*ck = h + hl + 16;
	memcpy(saved, *ck, 2);
	memcpy(*ck, &seed, 2);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = htole16(hl);
	vh->csum_offset = htole16(16);
	if (l4len - thl > NET_TUN_MTU - hl - 20) {
		vh->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
		    VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = htole16(NET_TUN_MTU - hl - 20);
		vh->hdr_len = htole16(hl + thl);
	}
	return (0);
}

/* Write one packet from lwIP to the sandbox; drops are TCP's problem. */
static err_t
tun_output(struct netif *nif, struct pbuf *p)
{
	struct nsb		*sb = nif->state;
	struct virtio_net_hdr	 vh;
	struct iovec		 iov[17];
	struct pbuf		*q;
	uint8_t			*ck = NULL;
	uint16_t		 saved = 0;
	int			 n = 0;

	if (sb->vnet) {
		tun_vnet_out(p, &vh, &ck, &saved);
		iov[n].iov_base = &vh;
		iov[n++].iov_len = sizeof(vh);
	}
	for (q = p; q != NULL && n < (int)nitems(iov); q = q->next) {
		iov[n].iov_base = q->payload;
		iov[n++].iov_len = q->len;
	}
	if (q == NULL && writev(sb->tunfd, iov, n) == -1)
		sb->tun_drops++;
	/* lwIP's own bytes, as it left them (a resend recomputes anyway). */
	if (ck != NULL)
		memcpy(ck, &saved, 2);
	return (ERR_OK);
}

static err_t
nif_output4(struct netif *nif, struct pbuf *p, const ip4_addr_t *a __unused)
{
	return (tun_output(nif, p));
}

static err_t
nif_output6(struct netif *nif, struct pbuf *p, const ip6_addr_t *a __unused)
{
	return (tun_output(nif, p));
}

static err_t
nif_init(struct netif *nif)
{
	struct nsb	*sb = nif->state;

	nif->name[0] = 'g';
	nif->name[1] = 'w';
	nif->output = nif_output4;
	nif->output_ip6 = nif_output6;
	/* With offloads, segments pass whole: lwIP must not fragment. */
	nif->mtu = sb->vnet ? 0xffff : NET_TUN_MTU;
	nif->mtu6 = nif->mtu;
	/* Point-to-point: no ARP, broadcast, IGMP or MLD. */
	nif->flags = 0;
	return (ERR_OK);
}

/* Make lwIP believe, for one ip_input(), that dst is its own address. */
static void
poke(struct nsb *sb, int v6, const uint8_t *dst)
{
	if (!v6) {
		memcpy(&ip_2_ip4(&sb->nif.ip_addr)->addr, dst, 4);
		return;
	}
	IP_SET_TYPE_VAL(sb->nif.ip6_addr[0], IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(&sb->nif.ip6_addr[0])->addr, dst, 16);
	ip6_addr_assign_zone(ip_2_ip6(&sb->nif.ip6_addr[0]), IP6_UNKNOWN,
	    &sb->nif);
	sb->nif.ip6_addr_state[0] = IP6_ADDR_PREFERRED;
}

static struct nsb *
nsb_find(uint32_t id)
{
	struct nsb	*sb;

	TAILQ_FOREACH(sb, &nsbs, entry)
		if (sb->id == id)
			return (sb);
	return (NULL);
}

static int
lport_allowed(const struct nsb *sb, u16_t port)
{
	size_t	i;

	for (i = 0; i < sb->nlports; i++)
		if (sb->lports[i] == port)
			return (1);
	return (0);
}

/* One message to greywalld, never waiting: 0, or -1 (counted dropped). */
static int
net_send(uint32_t type, uint32_t id, const void *m, size_t len)
{
	return (frame_send(net_event_fd, type, id, m, len, -1, MSG_DONTWAIT));
}

/*
 * Tell greywalld about a denial. Never waits: a full channel or an
 * exhausted rate counts the event as dropped instead, and the count goes
 * with the next message that does leave.
 */
static void
net_event(struct nsb *sb, uint32_t kind, const char *target,
    const char *rule, const char *note)
{
	struct nsevent	m;
	time_t		now;

	if (net_event_fd == -1)
		return;
	now = time(NULL);
	if (now != sb->ev_refill) {
		sb->ev_tokens = now - sb->ev_refill >= EVENT_BURST / EVENT_RATE ?
		    EVENT_BURST : sb->ev_tokens + (now - sb->ev_refill) *
		    EVENT_RATE;
		if (sb->ev_tokens > EVENT_BURST)
			sb->ev_tokens = EVENT_BURST;
		sb->ev_refill = now;
	}
	if (sb->ev_tokens == 0) {
		sb->ev_dropped++;
		sb->counters_dirty = 1;
		return;
	}
	sb->ev_tokens--;
	memset(&m, 0, sizeof(m));
	m.type = NSMSG_EVENT;
	m.id = sb->id;
	m.kind = kind;
	m.dropped = sb->ev_dropped;
	snprintf(m.target, sizeof(m.target), "%s", target);
	snprintf(m.rule, sizeof(m.rule), "%s", rule != NULL ? rule :
	    "default");
	snprintf(m.note, sizeof(m.note), "%s", note != NULL ? note : "");
	if (net_send(m.type, m.id, &m, sizeof(m)) == 0)
		sb->ev_dropped = 0;
	else {
		sb->ev_dropped++;
		sb->counters_dirty = 1;
	}
}

/* Once a second: bytes relayed, and events dropped, per sandbox. */
static void
counters_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	struct nscounters	 m;
	struct nsb		*sb;

	if (net_event_fd == -1)
		return;
	TAILQ_FOREACH(sb, &nsbs, entry) {
		if (!sb->counters_dirty)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = NSMSG_COUNTERS;
		m.id = sb->id;
		m.dropped = sb->ev_dropped;
		m.bytes_out = sb->bytes_out;
		m.bytes_in = sb->bytes_in;
		net_send(m.type, m.id, &m, sizeof(m));
		sb->counters_dirty = 0;
		sb->ev_dropped = 0;
	}
}

static void
addr_str(const ip_addr_t *a, u16_t port, char *buf, size_t len)
{
	char	s[INET6_ADDRSTRLEN];

	if (IP_IS_V6(a)) {
		inet_ntop(AF_INET6, ip_2_ip6(a)->addr, s, sizeof(s));
		snprintf(buf, len, "[%s]:%u", s, port);
	} else {
		inet_ntop(AF_INET, &ip_2_ip4(a)->addr, s, sizeof(s));
		snprintf(buf, len, "%s:%u", s, port);
	}
}

/*
 * Flows.
 */

static struct flow *
flow_find(struct nsb *sb, const ip_addr_t *src, u16_t sport,
    const ip_addr_t *dst, u16_t dport)
{
	struct flow	*f;

	TAILQ_FOREACH(f, &sb->flows, entry) {
		if (f->sport == sport && f->dport == dport &&
		    ip_addr_cmp(&f->src, src) && ip_addr_cmp(&f->dst, dst))
			return (f);
	}
	return (NULL);
}

static void
flow_free(struct flow *f)
{
	struct nsb	*sb = f->sb;

	TAILQ_REMOVE(&sb->flows, f, entry);
	hostcheck_cancel(f->hc);
	if (f->pcb != NULL) {
		tcp_arg(f->pcb, NULL);
		tcp_recv(f->pcb, NULL);
		tcp_sent(f->pcb, NULL);
		tcp_err(f->pcb, NULL);
		if (tcp_close(f->pcb) != ERR_OK)
			tcp_abort(f->pcb);
	}
	if (f->syn != NULL)
		pbuf_free(f->syn);
	if (f->pending != NULL)
		pbuf_free(f->pending);
	if (f->ev_read != NULL)
		event_free(f->ev_read);
	if (f->ev_write != NULL)
		event_free(f->ev_write);
	if (f->fd != -1)
		close(f->fd);
	free(f->dnsbuf);
	if (f->pinned)
		fakeip_unpin(sb->pool, IP_IS_V6(&f->dst) ? AF_INET6 : AF_INET,
		    IP_IS_V6(&f->dst) ? (void *)ip_2_ip6(&f->dst)->addr :
		    (void *)&ip_2_ip4(&f->dst)->addr);
	free(f);
}

/* Drop the lwIP side hard (RST to the sandbox), then the flow. */
static void
flow_abort(struct flow *f)
{
	struct tcp_pcb	*pcb = f->pcb;

	if (pcb != NULL) {
		f->pcb = NULL;
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_abort(pcb);
	}
	flow_free(f);
}

/* Refuse a held SYN: an RST the sandbox sees as ECONNREFUSED. */
static void
flow_refuse(struct flow *f, const char *why)
{
	char	note[128];

	log_debug("sandbox %u: connection to %s refused: %s", f->sb->id,
	    f->target, why);
	if (f->direct) {
		snprintf(note, sizeof(note), "the host's port: %s", why);
		net_event(f->sb, GW_EV_CONNECT, f->target, "default", note);
	} else
		net_event(f->sb, GW_EV_UPSTREAM, f->target, "network.upstream",
		    why);
	if (f->syn != NULL)
		tcp_rst(NULL, 0, f->syn_seq + 1, &f->dst, &f->src, f->dport,
		    f->sport);
	flow_free(f);
}

static void
rst_syn(const ip_addr_t *src, u16_t sport, const ip_addr_t *dst, u16_t dport,
    u32_t seq)
{
	tcp_rst(NULL, 0, seq + 1, dst, src, dport, sport);
}

/* Open lwIP's receive window by n bytes (tcp_recved takes 16 bits). */
static void
flow_recved(struct flow *f, size_t n)
{
	u16_t	i;

	for (; n > 0; n -= i) {
		i = n > 0xffff ? 0xffff : n;
		if (f->pcb != NULL)
			tcp_recved(f->pcb, i);
	}
}

/* ACK ahead of the proxy: up to RECV_AHEAD of the held bytes. */
static void
flow_credit(struct flow *f)
{
	size_t	want;

	want = f->pend_bytes < RECV_AHEAD ? f->pend_bytes : RECV_AHEAD;
	if (want > f->ahead) {
		flow_recved(f, want - f->ahead);
		f->ahead = want;
	}
}

/*
 * Hold a segment for the proxy. The list is linked by hand, not with
 * pbuf_cat: it may hold more than a pbuf's 16-bit tot_len counts, so
 * only len and next are used (pbuf_free walks next).
 */
static void
flow_hold(struct flow *f, struct pbuf *p)
{
	struct pbuf	*q;

	if (f->pending == NULL)
		f->pending = p;
	else
		f->pend_tail->next = p;
	for (q = p; q->next != NULL; q = q->next)
		;
	f->pend_tail = q;
	f->pend_bytes += p->tot_len;
	flow_credit(f);
}

/* Sandbox to proxy: write what lwIP delivered, ACK what left. */
static int
flow_flush(struct flow *f)
{
	struct iovec	 iov[32];
	struct pbuf	*q;
	ssize_t		 n;
	size_t		 left, acked;
	int		 i = 0;

	while (f->pending != NULL) {
		for (i = 0, q = f->pending; q != NULL && i < (int)nitems(iov);
		    q = q->next) {
			iov[i].iov_base = q->payload;
			iov[i++].iov_len = q->len;
		}
		n = writev(f->fd, iov, i);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			event_add(f->ev_write, NULL);
			return (0);
		}
		if (n <= 0)
			return (-1);
		f->sb->bytes_out += n;
		f->sb->counters_dirty = 1;
		/* The oldest bytes were the ones ACKed ahead. */
		acked = (size_t)n < f->ahead ? (size_t)n : f->ahead;
		f->ahead -= acked;
		f->pend_bytes -= n;
		for (left = n; left > 0 && f->pending != NULL;) {
			q = f->pending;
			if (left < q->len) {
				pbuf_remove_header(q, left);
				break;
			}
			left -= q->len;
			f->pending = q->next;
			q->next = NULL;
			pbuf_free(q);
		}
		if (f->pending == NULL)
			f->pend_tail = NULL;
		flow_recved(f, n - acked);
		flow_credit(f);
	}
	if (f->sb_fin)
		shutdown(f->fd, SHUT_WR);
	return (0);
}

static void
flow_maybe_close(struct flow *f)
{
	if (f->sb_fin && f->up_eof && f->pending == NULL)
		flow_free(f);
}

/* DNS over TCP: 2-byte length, message; answered like UDP queries. */
static err_t
dns_tcp_recv(struct flow *f, struct pbuf *p)
{
	uint8_t		 out[2 + DNS_REPLY_MAX];
	ssize_t		 frame, n;
	int		 forward;

	if (p == NULL) {
		flow_free(f);
		return (ERR_OK);
	}
	if (f->dnsbuf == NULL && (f->dnsbuf = malloc(2 + 4096)) == NULL)
		goto fail;
	if (f->dnslen + p->tot_len > 2 + 4096)
		goto fail;
	f->since = time(NULL);
	pbuf_copy_partial(p, f->dnsbuf + f->dnslen, p->tot_len, 0);
	f->dnslen += p->tot_len;
	tcp_recved(f->pcb, p->tot_len);
	pbuf_free(p);
	p = NULL;
	while ((frame = dns_tcp_frame(f->dnsbuf, f->dnslen)) > 0) {
		n = dns_answer(f->sb, f->dnsbuf + 2, frame - 2, out + 2,
		    sizeof(out) - 2, &forward);
		if (n > 0) {
			out[0] = n >> 8;
			out[1] = n & 0xff;
			if (tcp_write(f->pcb, out, n + 2,
			    TCP_WRITE_FLAG_COPY) != ERR_OK)
				goto fail;
			tcp_output(f->pcb);
		}
		memmove(f->dnsbuf, f->dnsbuf + frame, f->dnslen - frame);
		f->dnslen -= frame;
	}
	if (frame == -1)
		goto fail;
	return (ERR_OK);
fail:
	if (p != NULL)
		pbuf_free(p);
	flow_abort(f);
	return (ERR_ABRT);
}

static err_t
lw_recv(void *arg, struct tcp_pcb *pcb __unused, struct pbuf *p, err_t err)
{
	struct flow	*f = arg;

	if (f == NULL) {
		if (p != NULL)
			pbuf_free(p);
		return (ERR_OK);
	}
	if (f->dns) {
		if (err != ERR_OK && p != NULL) {
			pbuf_free(p);
			return (ERR_OK);
		}
		return (dns_tcp_recv(f, p));
	}
	if (err != ERR_OK && p != NULL) {
		pbuf_free(p);
		return (ERR_OK);
	}
	f->since = time(NULL);
	if (p == NULL)
		f->sb_fin = 1;
	else
		flow_hold(f, p);
	/* Written after the batch: one writev for many segments. */
	f->dirty = 1;
	return (ERR_OK);
}

/* After a TUN batch or lwIP's timers: write what the sandbox sent. */
static void
flush_dirty(struct nsb *sb)
{
	struct flow	*f, *next;

	for (f = TAILQ_FIRST(&sb->flows); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (!f->dirty)
			continue;
		f->dirty = 0;
		if (flow_flush(f) == -1)
			flow_abort(f);
		else
			flow_maybe_close(f);
	}
}

/* lwIP has room again: resume reading from the proxy. */
static err_t
lw_sent(void *arg, struct tcp_pcb *pcb, u16_t len __unused)
{
	struct flow	*f = arg;
	u32_t		 want;

	if (f == NULL || !f->up_paused)
		return (ERR_OK);
	/*
	 * Large segments: wait for room for two (a 512 KiB queue still
	 * holds more than twice that in flight), so that a wakeup reads
	 * much. snd_buf itself: tcp_sndbuf() never reports past 64 KiB.
	 */
	want = 8 * pcb->mss;
	if (want > 32768)
		want = 32768;
	if (f->sb->vnet)
		want = 2 * TUN_BIG_MSS;
	if (pcb->snd_buf >= want) {
		f->up_paused = 0;
		event_add(f->ev_read, NULL);
	}
	return (ERR_OK);
}

/* The pcb is already gone (reset or aborted): only free the flow. */
static void
lw_err(void *arg, err_t err __unused)
{
	struct flow	*f = arg;

	if (f == NULL)
		return;
	f->pcb = NULL;
	flow_free(f);
}

/*
 * A TUN with offloads takes segments past the link's MSS (the kernel
 * knows the real one from the virtio header): let lwIP build them, and
 * keep more than its 64 KiB in flight. Both fields are runtime ones of
 * the packaged build; tcp_sndbuf() still reports at most 64 KiB.
 */
static void
flow_big_segments(struct flow *f)
{
	if (!f->sb->vnet || f->pcb == NULL)
		return;
	f->pcb->mss = TUN_BIG_MSS;
	f->pcb->snd_buf += TUN_SND_EXTRA;
	/*
	 * The initial congestion window came from the small MSS, and lwIP
	 * never sends a segment larger than the window: the first big one
	 * would wait. RFC 3390 gives two segments of this size.
	 */
	if (f->pcb->cwnd < 2 * TUN_BIG_MSS)
		f->pcb->cwnd = 2 * TUN_BIG_MSS;
}

static err_t
lw_accept(void *arg __unused, struct tcp_pcb *pcb, err_t err)
{
	struct netif	*nif = ip_current_input_netif();
	struct nsb	*sb;
	struct flow	*f;

	if (err != ERR_OK || pcb == NULL || nif == NULL)
		return (ERR_VAL);
	sb = nif->state;
	f = flow_find(sb, &pcb->remote_ip, pcb->remote_port, &pcb->local_ip,
	    pcb->local_port);
	if (f == NULL || f->state != FL_ADMITTED) {
		tcp_abort(pcb);
		return (ERR_ABRT);
	}
	f->pcb = pcb;
	f->state = FL_OPEN;
	f->since = time(NULL);
	tcp_bind_netif(pcb, nif);
	tcp_arg(pcb, f);
	tcp_recv(pcb, lw_recv);
	tcp_sent(pcb, lw_sent);
	tcp_err(pcb, lw_err);
	tcp_nagle_disable(pcb);
	flow_big_segments(f);
	if (f->ev_read != NULL)
		event_add(f->ev_read, NULL);
	return (ERR_OK);
}

static int
listener_ensure(u16_t port)
{
	struct tcp_pcb	*pcb, *l;

	if (listeners[port] != NULL)
		return (0);
	if ((pcb = tcp_new_ip_type(IPADDR_TYPE_ANY)) == NULL)
		return (-1);
	if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		tcp_close(pcb);
		return (-1);
	}
	if ((l = tcp_listen_with_backlog(pcb, 255)) == NULL) {
		tcp_close(pcb);
		return (-1);
	}
	tcp_accept(l, lw_accept);
	listeners[port] = l;
	return (0);
}

/* The proxy said yes: let lwIP answer the held SYN. */
static void
flow_admit(struct flow *f)
{
	struct tcp_pcb	*tw, *next;
	struct pbuf	*p;
	int		 v6 = IP_IS_V6(&f->dst);

	if (listener_ensure(f->dport) == -1) {
		flow_refuse(f, "out of memory");
		return;
	}
	/* A reused 4-tuple would meet an old TIME_WAIT pcb and get a RST. */
	for (tw = tcp_tw_pcbs; tw != NULL; tw = next) {
		next = tw->next;
		if (tw->local_port == f->dport && tw->remote_port == f->sport &&
		    ip_addr_cmp(&tw->local_ip, &f->dst) &&
		    ip_addr_cmp(&tw->remote_ip, &f->src))
			tcp_abort(tw);
	}
	f->state = FL_ADMITTED;
	f->since = time(NULL);
	if (f->ev_write != NULL)
		event_del(f->ev_write);
	p = f->syn;
	f->syn = NULL;
	poke(f->sb, v6, v6 ? (const uint8_t *)ip_2_ip6(&f->dst)->addr :
	    (const uint8_t *)&ip_2_ip4(&f->dst)->addr);
	f->sb->nif.input(p, &f->sb->nif);
}

/*
 * Proxy to sandbox: read only as much as lwIP's send queue can take, in
 * reads of up to UP_BUF (four of the TUN's largest segments, so that a
 * full read leaves no runt segment behind), up to UP_READS reads per
 * wakeup, then one tcp_output for all of it. The room is snd_buf itself:
 * tcp_sndbuf() reports at most 64 KiB of the 512 KiB a flow may hold.
 */
static void
flow_upstream_read(struct flow *f)
{
	static uint8_t	buf[UP_BUF];
	u32_t		room, qroom, chunk, off;
	ssize_t		n;
	int		i, wrote = 0;

	for (i = 0; i < UP_READS; i++) {
		room = f->pcb->snd_buf;
		if (tcp_sndqueuelen(f->pcb) + 2 >= TCP_SND_QUEUELEN)
			qroom = 0;
		else
			qroom = (TCP_SND_QUEUELEN - tcp_sndqueuelen(f->pcb) -
			    2) * f->pcb->mss;
		if (qroom < room)
			room = qroom;
		if (room == 0) {
			f->up_paused = 1;
			event_del(f->ev_read);
			break;
		}
		if (room > sizeof(buf))
			room = sizeof(buf);
		n = read(f->fd, buf, room);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == -1) {
			flow_abort(f);
			return;
		}
		f->since = time(NULL);
		if (n == 0) {
			if (wrote)
				tcp_output(f->pcb);
			f->up_eof = 1;
			event_del(f->ev_read);
			tcp_shutdown(f->pcb, 0, 1);
			flow_maybe_close(f);
			return;
		}
		/* tcp_write takes 16 bits of length. */
		csum_copy_skip = f->sb->vnet;
		for (off = 0; off < (u32_t)n; off += chunk) {
			chunk = (u32_t)n - off;
			if (chunk > TUN_BIG_MSS)
				chunk = TUN_BIG_MSS;
			if (tcp_write(f->pcb, buf + off, chunk,
			    TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
		}
		csum_copy_skip = 0;
		if (off < (u32_t)n) {
			flow_abort(f);
			return;
		}
		wrote = 1;
		f->sb->bytes_in += n;
		f->sb->counters_dirty = 1;
		/* A short read emptied the socket: no EAGAIN read after it. */
		if ((u32_t)n < room)
			break;
	}
	if (wrote)
		tcp_output(f->pcb);
}

/* Send the next handshake message and say how many bytes come back. */
static int
flow_hs_send(struct flow *f, const uint8_t *buf, size_t len, size_t want)
{
	ssize_t	n;

	n = send(f->fd, buf, len, MSG_NOSIGNAL);
	/* A fresh socket's buffer takes a whole handshake message. */
	if (n != (ssize_t)len)
		return (-1);
	f->hslen = 0;
	f->hswant = want;
	return (0);
}

static int
flow_request(struct flow *f)
{
	const char	*name = NULL;
	uint8_t		 buf[600];
	ssize_t		 n;
	int		 v6 = IP_IS_V6(&f->dst);
	const void	*a;

	a = v6 ? (const void *)ip_2_ip6(&f->dst)->addr :
	    (const void *)&ip_2_ip4(&f->dst)->addr;
	if (fakeip_is_pool(v6 ? AF_INET6 : AF_INET, a))
		name = fakeip_name(f->sb->pool, v6 ? AF_INET6 : AF_INET, a);
	n = socks5_connect(buf, sizeof(buf), name, v6 ? AF_INET6 : AF_INET,
	    a, f->dport);
	if (n == -1)
		return (-1);
	f->state = FL_REPLY;
	return (flow_hs_send(f, buf, n, 5));
}

/* One step of the SOCKS5 handshake, with exact-length reads. */
static void
flow_handshake(struct flow *f)
{
	uint8_t		 buf[600];
	char		 pass[16];
	ssize_t		 n, need;
	int		 m, code;

	n = read(f->fd, f->hs + f->hslen, f->hswant - f->hslen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		flow_refuse(f, n == 0 ? "the proxy closed the connection" :
		    strerror(errno));
		return;
	}
	f->hslen += n;
	if (f->hslen < f->hswant)
		return;
	switch (f->state) {
	case FL_METHOD:
		m = socks5_method(f->hs);
		if (m == SOCKS5_METHOD_USERPASS) {
			snprintf(pass, sizeof(pass), "%u", f->sb->id);
			n = socks5_auth(buf, sizeof(buf), f->sb->user, pass);
			f->state = FL_AUTH;
			if (n == -1 || flow_hs_send(f, buf, n, 2) == -1)
				flow_refuse(f, "cannot send SOCKS5"
				    " credentials");
			return;
		}
		if (m != SOCKS5_METHOD_NONE) {
			flow_refuse(f, "the proxy accepts none of our SOCKS5"
			    " authentication methods");
			return;
		}
		if (flow_request(f) == -1)
			flow_refuse(f, "cannot send the SOCKS5 request");
		return;
	case FL_AUTH:
		if (socks5_auth_status(f->hs) == -1) {
			flow_refuse(f, "the proxy rejected the SOCKS5"
			    " credentials");
			return;
		}
		if (flow_request(f) == -1)
			flow_refuse(f, "cannot send the SOCKS5 request");
		return;
	case FL_REPLY:
		if (f->hswant == 5) {
			if ((need = socks5_reply_len(f->hs)) == -1) {
				flow_refuse(f, "malformed SOCKS5 reply");
				return;
			}
			f->hswant = need;
			return;
		}
		code = socks5_reply_code(f->hs, f->hslen);
		if (code != 0) {
			flow_refuse(f, code == -1 ? "malformed SOCKS5 reply" :
			    socks5_strerror(code));
			return;
		}
		flow_admit(f);
		return;
	default:
		return;
	}
}

static void
flow_read_cb(int fd __unused, short ev __unused, void *arg)
{
	struct flow	*f = arg;

	if (f->state == FL_OPEN)
		flow_upstream_read(f);
	else if (f->state > FL_CONNECT && f->state < FL_ADMITTED)
		flow_handshake(f);
	net_lwip_timers();
}

static void
flow_write_cb(int fd __unused, short ev __unused, void *arg)
{
	struct flow	*f = arg;
	uint8_t		 buf[8];
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (f->state == FL_CONNECT) {
		if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			flow_refuse(f, f->direct ? strerror(err) :
			    "the SOCKS5 proxy is unreachable");
			goto out;
		}
		if (f->direct) {
			flow_admit(f);
			goto out;
		}
		f->state = FL_METHOD;
		if (flow_hs_send(f, buf, socks5_greeting(buf), 2) == -1) {
			flow_refuse(f, "cannot greet the SOCKS5 proxy");
			goto out;
		}
		event_add(f->ev_read, NULL);
		goto out;
	}
	if (f->state == FL_OPEN && flow_flush(f) == -1)
		flow_abort(f);
	else if (f->state == FL_OPEN)
		flow_maybe_close(f);
out:
	net_lwip_timers();
}

/*
 * A destination that is the host itself, refused: the event names the
 * address the host gives it (for a name) and why it counts as the host.
 */
static void
host_event(struct nsb *sb, const char *target, const struct hostaddr *hit,
    const char *why)
{
	char	a[INET6_ADDRSTRLEN], note[128];

	if (hit != NULL) {
		inet_ntop(hit->family, hit->addr, a, sizeof(a));
		snprintf(note, sizeof(note), "the host resolves it to %s, its"
		    " own (%s): only network.host_loopback.allow_ports", a,
		    why);
	} else
		snprintf(note, sizeof(note), "the host's own address (%s):"
		    " only network.host_loopback.allow_ports", why);
	net_event(sb, GW_EV_CONNECT, target, "host", note);
}

/* A flow that goes to the host itself, at addr, not to the proxy. */
static void
flow_direct(struct flow *f, const struct hostaddr *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&f->direct_ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&f->direct_ss;

	f->direct = 1;
	memset(&f->direct_ss, 0, sizeof(f->direct_ss));
	if (addr->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(f->dport);
		memcpy(&sin->sin_addr, addr->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(f->dport);
		memcpy(&sin6->sin6_addr, addr->addr, 16);
	}
}

/* Start the TCP connect to the proxy, or to the host if direct. */
static void
flow_connect(struct flow *f)
{
	struct sockaddr_storage	*ss;

	f->state = FL_CONNECT;
	ss = f->direct ? &f->direct_ss : &f->sb->upstream;
	f->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	f->ev_read = event_new(net_base, f->fd, EV_READ | EV_PERSIST,
	    flow_read_cb, f);
	f->ev_write = event_new(net_base, f->fd, EV_WRITE, flow_write_cb, f);
	if (f->fd == -1 || f->ev_read == NULL || f->ev_write == NULL) {
		flow_refuse(f, strerror(errno));
		return;
	}
	/*
	 * The sandbox's own stack already coalesces what it sends, and
	 * flow_flush() writes what lwIP gave in one writev: a second Nagle
	 * here would hold a small write for the proxy's delayed ACK.
	 */
	(void)fd_set_nodelay(f->fd);
	if (connect(f->fd, (struct sockaddr *)ss, ss->ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == -1 &&
	    errno != EINPROGRESS) {
		flow_refuse(f, f->direct ? strerror(errno) :
		    "the SOCKS5 proxy is unreachable");
		return;
	}
	event_add(f->ev_write, NULL);
}

/*
 * What the host's resolver says about a flow's name: a host address
 * refuses it (unless its port is allowed, which goes there directly), a
 * resolver that did not answer refuses it too (fail closed), anything
 * else goes to the proxy.
 */
static void
flow_hostcheck_cb(void *arg, enum hc_result r, const char *why,
    const struct hostaddr *hit)
{
	struct flow	*f = arg;

	f->hc = NULL;
	switch (r) {
	case HC_HOST:
		if (lport_allowed(f->sb, f->dport)) {
			flow_direct(f, hit);
			break;
		}
		host_event(f->sb, f->target, hit, why);
		goto refuse;
	case HC_UNKNOWN:
		net_event(f->sb, GW_EV_CONNECT, f->target, "host", why);
		goto refuse;
	default:
		break;
	}
	flow_connect(f);
	net_lwip_timers();
	return;
refuse:
	log_debug("sandbox %u: connection to %s refused: %s", f->sb->id,
	    f->target, why);
	if (f->syn != NULL)
		tcp_rst(NULL, 0, f->syn_seq + 1, &f->dst, &f->src, f->dport,
		    f->sport);
	flow_free(f);
	net_lwip_timers();
}

/*
 * A new connection from the sandbox. Decide where it may go, then hold
 * its SYN while the connection to the proxy (or the allowed host
 * loopback port) is made.
 */
static void
syn_in(struct nsb *sb, struct pbuf *p, int v6, const uint8_t *src,
    const uint8_t *dst, u16_t sport, u16_t dport, u32_t seq)
{
	struct flow		*f;
	struct hostaddr		 hit;
	ip_addr_t		 isrc, idst;
	const char		*name = NULL, *rule = NULL, *why;
	uint8_t			 hostlo[16];
	int			 family = v6 ? AF_INET6 : AF_INET, direct = 0;
	enum hc_result		 r;
	char			 where[INET6_ADDRSTRLEN + 8];
	char			 hostport[DNS_NAME_MAX + 8];

	if (v6) {
		IP_ADDR6(&isrc, 0, 0, 0, 0);
		IP_ADDR6(&idst, 0, 0, 0, 0);
		memcpy(ip_2_ip6(&isrc)->addr, src, 16);
		memcpy(ip_2_ip6(&idst)->addr, dst, 16);
		ip6_addr_assign_zone(ip_2_ip6(&isrc), IP6_UNKNOWN, &sb->nif);
		ip6_addr_assign_zone(ip_2_ip6(&idst), IP6_UNKNOWN, &sb->nif);
	} else {
		IP_ADDR4(&isrc, 0, 0, 0, 0);
		IP_ADDR4(&idst, 0, 0, 0, 0);
		memcpy(&ip_2_ip4(&isrc)->addr, src, 4);
		memcpy(&ip_2_ip4(&idst)->addr, dst, 4);
	}
	if ((f = flow_find(sb, &isrc, sport, &idst, dport)) != NULL) {
		/* A retransmitted SYN: lwIP handles it once admitted. */
		if (f->state < FL_ADMITTED) {
			pbuf_free(p);
			return;
		}
		poke(sb, v6, dst);
		sb->nif.input(p, &sb->nif);
		return;
	}

	addr_str(&idst, dport, where, sizeof(where));
	net_addr_fakeip_infra(FAKEIP_HOST, family, hostlo);
	if (dport == 53) {
		/* DNS over TCP, to any address: answered here, as UDP is. */
		if (sb->flags & NS_DNS_UPSTREAM) {
			net_event(sb, GW_EV_CONNECT, where, "default",
			    "DNS over TCP: only UDP is forwarded upstream");
			goto refuse;
		}
		if ((f = calloc(1, sizeof(*f))) == NULL)
			goto refuse;
		f->sb = sb;
		f->fd = -1;
		f->dns = 1;
		f->src = isrc;
		f->dst = idst;
		f->sport = sport;
		f->dport = dport;
		f->syn_seq = seq;
		f->since = time(NULL);
		snprintf(f->target, sizeof(f->target), "%s", where);
		TAILQ_INSERT_TAIL(&sb->flows, f, entry);
		f->syn = p;
		flow_admit(f);
		return;
	}
	if (memcmp(dst, hostlo, v6 ? 16 : 4) == 0) {
		if (!lport_allowed(sb, dport)) {
			net_event(sb, GW_EV_CONNECT, where, "default",
			    "a host loopback port not in"
			    " network.host_loopback.allow_ports");
			goto refuse;
		}
		/* The documented alias of the host's 127.0.0.1. */
		memset(&hit, 0, sizeof(hit));
		hit.family = AF_INET;
		hit.addr[0] = 127;
		hit.addr[3] = 1;
		direct = 1;
	} else if (fakeip_is_pool(family, dst)) {
		if ((name = fakeip_name(sb->pool, family, dst)) == NULL) {
			net_event(sb, GW_EV_CONNECT, where, "default",
			    "no name has this address (an old DNS answer?)");
			goto refuse;
		}
		if (net_rules_name(sb->rules, name, &rule) != 1) {
			snprintf(hostport, sizeof(hostport), "%s:%u", name,
			    dport);
			net_event(sb, GW_EV_CONNECT, hostport, rule,
			    strcmp(rule, "default") == 0 ? "not in"
			    " network.domains.allow" : NULL);
			goto refuse;
		}
	} else if ((why = hostcheck_addr(family, dst)) != NULL) {
		/* The host's own address: as its loopback, by port only. */
		if (!lport_allowed(sb, dport)) {
			host_event(sb, where, NULL, why);
			goto refuse;
		}
		memset(&hit, 0, sizeof(hit));
		hit.family = family;
		memcpy(hit.addr, dst, v6 ? 16 : 4);
		direct = 1;
	} else if (net_rules_addr(sb->rules, family, dst, &rule) != 1) {
		net_event(sb, GW_EV_CONNECT, where, rule,
		    rule == NULL || strcmp(rule, "default") == 0 ?
		    "not in network.cidrs.allow" : NULL);
		goto refuse;
	}

	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto refuse;
	f->sb = sb;
	f->fd = -1;
	f->src = isrc;
	f->dst = idst;
	f->sport = sport;
	f->dport = dport;
	f->syn_seq = seq;
	f->since = time(NULL);
	if (name != NULL)
		snprintf(f->target, sizeof(f->target), "%s:%u", name, dport);
	else
		snprintf(f->target, sizeof(f->target), "%s", where);
	TAILQ_INSERT_TAIL(&sb->flows, f, entry);
	f->syn = p;
	if (name != NULL && fakeip_pin(sb->pool, family, dst) == 0)
		f->pinned = 1;
	if (direct) {
		flow_direct(f, &hit);
		flow_connect(f);
		return;
	}
	if (name == NULL) {
		flow_connect(f);
		return;
	}
	/* By name: would the upstream, asking the host, reach the host? */
	r = hostcheck_name(name, flow_hostcheck_cb, f, &f->hc, &why, &hit);
	if (r == HC_PENDING)
		f->state = FL_RESOLVE;
	else
		flow_hostcheck_cb(f, r, why, &hit);
	return;

refuse:
	rst_syn(&isrc, sport, &idst, dport, seq);
	pbuf_free(p);
}

/* Destinations no packet from a sandbox may have. */
static int
bad_dst4(const uint8_t *d, const uint8_t *src)
{
	uint32_t	a = (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
	uint8_t		infra[4];

	if (d[0] == 0 || d[0] == 127 || d[0] >= 224 ||
	    (d[0] == 169 && d[1] == 254) ||
	    (a & NET_SANDBOX4_MASK) == NET_SANDBOX4_BASE ||
	    memcmp(d, src, 4) == 0)
		return (1);
	/* Of the infrastructure range, only the resolver and host alias. */
	if (d[0] == 198 && d[1] == 18 && d[2] == 0) {
		net_addr_fakeip_infra(FAKEIP_RESOLVER, AF_INET, infra);
		if (memcmp(d, infra, 4) == 0)
			return (0);
		net_addr_fakeip_infra(FAKEIP_HOST, AF_INET, infra);
		return (memcmp(d, infra, 4) != 0);
	}
	return (0);
}

static int
bad_dst6(const uint8_t *d, const uint8_t *src)
{
	static const uint8_t	zero[16];
	static const uint8_t	pfx[] = NET_SANDBOX6_PREFIX;
	uint8_t			infra[16];

	if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) ||
	    memcmp(d, zero, 15) == 0 ||		/* :: and ::1 */
	    memcmp(d, zero, 10) == 0 ||		/* v4-mapped, compatible */
	    memcmp(d, src, 16) == 0)
		return (1);
	if (memcmp(d, pfx, sizeof(pfx)) == 0)
		return (1);
	net_addr_fakeip_infra(FAKEIP_RESOLVER, AF_INET6, infra);
	if (memcmp(d, infra, 15) == 0) {
		if (memcmp(d, infra, 16) == 0)
			return (0);
		net_addr_fakeip_infra(FAKEIP_HOST, AF_INET6, infra);
		return (memcmp(d, infra, 16) != 0);
	}
	return (0);
}

static void
udp_event(struct nsb *sb, int v6, const uint8_t *dst, u16_t dport)
{
	char	a[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 8];

	inet_ntop(v6 ? AF_INET6 : AF_INET, dst, a, sizeof(a));
	snprintf(where, sizeof(where), v6 ? "[%s]:%u" : "%s:%u", a, dport);
	net_event(sb, GW_EV_UDP, where, "default",
	    "UDP other than DNS is not forwarded");
}

static void
icmp_event(struct nsb *sb, int v6, const uint8_t *dst)
{
	char	a[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, dst, a, sizeof(a));
	net_event(sb, GW_EV_ICMP, a, "default", "ICMP echo is not forwarded");
}

/*
 * One packet from the sandbox. Returns with p consumed. Only TCP and UDP
 * to ordinary destinations reach lwIP; ICMP is dropped (lwIP would answer
 * every ping), other protocols and fragments too.
 */
static void
ingress(struct nsb *sb, struct pbuf *p)
{
	const uint8_t	*h = p->payload, *src, *dst, *l4;
	const char	*why;
	char		 a[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 8];
	size_t		 len = p->tot_len, hl = 40;
	int		 v6, proto;
	u16_t		 sport, dport;
	u32_t		 seq;

	if (len < 20)
		goto drop;
	v6 = (h[0] >> 4) == 6;
	if (!v6) {
		if ((h[0] >> 4) != 4 || (hl = (h[0] & 0x0f) * 4) < 20 ||
		    hl + 8 > len)
			goto drop;
		/* Any fragment: the sandbox's stack has no reason to. */
		if ((h[6] & 0x3f) != 0 || h[7] != 0)
			goto drop;
		src = h + 12;
		dst = h + 16;
		proto = h[9];
		if (memcmp(src, &ip_2_ip4(&sb->a4)->addr, 4) != 0)
			goto drop;
		if (bad_dst4(dst, src))
			goto bad_dst;
	} else {
		if (!(sb->flags & NS_IPV6) || len < 48)
			goto drop;
		hl = 40;
		src = h + 8;
		dst = h + 24;
		proto = h[6];
		if (memcmp(src, ip_2_ip6(&sb->a6)->addr, 16) != 0)
			goto drop;
		if (bad_dst6(dst, src))
			goto bad_dst;
	}
	l4 = h + hl;
	if (proto == PROTO_TCP) {
		if (hl + 20 > len)
			goto drop;
		sport = l4[0] << 8 | l4[1];
		dport = l4[2] << 8 | l4[3];
		seq = (u32_t)l4[4] << 24 | l4[5] << 16 | l4[6] << 8 | l4[7];
		if ((l4[13] & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
			syn_in(sb, p, v6, src, dst, sport, dport, seq);
			return;
		}
	} else if (proto == PROTO_ICMP || proto == PROTO_ICMP6) {
		/* Echo requests only: the rest is the stack's own chatter. */
		if (l4[0] == (proto == PROTO_ICMP ? 8 : 128))
			icmp_event(sb, v6, dst);
		goto drop;
	} else if (proto != PROTO_UDP)
		goto drop;
	/* UDP to 53 reaches the resolver; other ports get unreachable. */
	dport = l4[2] << 8 | l4[3];
	if (proto == PROTO_UDP && dport != 53)
		udp_event(sb, v6, dst, dport);
	poke(sb, v6, dst);
	sb->nif.input(p, &sb->nif);
	return;
bad_dst:
	/*
	 * A connection to the host itself (loopback, 0.0.0.0, a mapped
	 * form) that the sandbox's kernel let out: say so, then drop it;
	 * nothing addressed there goes near lwIP.
	 */
	l4 = h + (v6 ? 40 : hl);
	if (proto == PROTO_TCP && (size_t)(l4 - h) + 14 <= len &&
	    (l4[13] & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
	    (why = hostcheck_addr(v6 ? AF_INET6 : AF_INET, dst)) != NULL) {
		dport = l4[2] << 8 | l4[3];
		inet_ntop(v6 ? AF_INET6 : AF_INET, dst, a, sizeof(a));
		snprintf(where, sizeof(where), v6 ? "[%s]:%u" : "%s:%u", a,
		    dport);
		host_event(sb, where, NULL, why);
	}
drop:
	pbuf_free(p);
}

/* lwIP ACKs every other segment; do the rest now, not in 250 ms. */
static void
flush_acks(struct nsb *sb)
{
	struct flow	*f;

	TAILQ_FOREACH(f, &sb->flows, entry) {
		if (f->pcb != NULL && (f->pcb->flags & TF_ACK_DELAY)) {
			tcp_ack_now(f->pcb);
			tcp_output(f->pcb);
		}
	}
}

/*
 * A packet's virtio header: a checksum the sandbox's kernel left partial
 * is trusted for a plain TCP segment (no pass over the upload's bytes:
 * it was a thirteenth of the helper's time) and finished for anything
 * else. Segmentation metadata needs nothing: lwIP takes the segment
 * whole. -1: offsets outside the packet, drop it.
 */
static int
tun_vnet_in(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len,
    size_t *start, uint16_t *sum)
{
	*start = 0;
	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return (0);
	*start = le16toh(vh->csum_start);
	if (net_csum_trust_tcp(pkt, len, *start, le16toh(vh->csum_offset),
	    sum) == 0)
		return (0);
	return (net_csum_complete(pkt, len, *start, le16toh(vh->csum_offset),
	    sum));
}

/*
 * One packet from the TUN into lwIP. start and sum: where the checksummed
 * region of a segment tun_vnet_in completed begins (0: none) and its sum,
 * which then answers lwIP's check of the same bytes.
 */
static void
tun_ingress(struct nsb *sb, struct pbuf *p, size_t start, uint16_t sum)
{
	if (start != 0) {
		csum_known.data = (const uint8_t *)p->payload + start;
		csum_known.len = p->len - start;
		csum_known.sum = sum;
	}
	ingress(sb, p);
	csum_known.data = NULL;
}

static void
tun_read_cb(int fd, short ev __unused, void *arg)
{
	static uint8_t		 spill[256];
	struct nsb		*sb = arg;
	struct virtio_net_hdr	 vh;
	struct iovec		 iov[3];
	struct rxbuf		*b;
	struct pbuf		*p;
	ssize_t			 n;
	size_t			 len, start = 0;
	uint16_t		 sum = 0;
	int			 i;

	for (i = 0; i < TUN_BATCH; i++) {
		if (rx_cur == NULL && (rx_cur = rx_get(&rx_big)) == NULL)
			break;
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		iov[1].iov_base = rx_cur->data;
		iov[1].iov_len = RX_BIG;
		/* Catches what would not fit: dropped, never truncated. */
		iov[2].iov_base = spill;
		iov[2].iov_len = sizeof(spill);
		n = readv(fd, sb->vnet ? iov : iov + 1, sb->vnet ? 3 : 2);
		if (n <= 0)
			break;
		if (sb->vnet && (size_t)n < sizeof(vh))
			continue;
		len = n - (sb->vnet ? sizeof(vh) : 0);
		if (len > RX_BIG || (sb->vnet && tun_vnet_in(&vh,
		    rx_cur->data, len, &start, &sum) == -1)) {
			sb->tun_bad++;
			continue;
		}
		if (len <= RX_SMALL) {
			if ((b = rx_get(&rx_small)) == NULL)
				continue;
			memcpy(b->data, rx_cur->data, len);
		} else {
			b = rx_cur;
			rx_cur = NULL;
		}
		/* PBUF_REF over our memory: never PBUF_POOL (abort path). */
		p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &b->pc,
		    b->data, b->pool->size);
		if (p == NULL) {
			rx_free((struct pbuf *)(void *)b);
			continue;
		}
		tun_ingress(sb, p, start, sum);
		start = 0;
	}
	flush_dirty(sb);
	flush_acks(sb);
	net_lwip_timers();
}

/*
 * One packet as if read from a sandbox's TUN, after its virtio header
 * (vnet: sizeof(struct virtio_net_hdr) bytes, or NULL for a TUN without
 * offloads): the packet fuzzer's entry.
 */
int
net_lwip_input(uint32_t id, const void *vnet, const void *buf, size_t len)
{
	struct virtio_net_hdr	 vh;
	struct nsb		*sb;
	struct pbuf		*p;
	size_t			 start = 0;
	uint16_t		 sum = 0;

	if ((sb = nsb_find(id)) == NULL || len > NET_TUN_MTU ||
	    (p = pbuf_alloc(PBUF_RAW, len, PBUF_RAM)) == NULL)
		return (-1);
	memcpy(p->payload, buf, len);
	if (vnet != NULL) {
		memcpy(&vh, vnet, sizeof(vh));
		if (tun_vnet_in(&vh, p->payload, len, &start, &sum) == -1) {
			sb->tun_bad++;
			pbuf_free(p);
			return (0);
		}
	}
	tun_ingress(sb, p, start, sum);
	flush_dirty(sb);
	flush_acks(sb);
	return (0);
}

/*
 * DNS: UDP port 53 to any address. Fake-IP mode answers here; upstream
 * mode forwards each query on a fresh connected socket.
 */
struct dnsq {
	uint32_t	 id;		/* sandbox */
	ip_addr_t	 client, server;
	u16_t		 cport;
	int		 fd;
	struct event	*ev;
};

static void
dns_send(struct nsb *sb, const uint8_t *buf, size_t len,
    const ip_addr_t *client, u16_t cport, const ip_addr_t *server)
{
	struct pbuf	*p;

	if ((p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM)) == NULL)
		return;
	memcpy(p->payload, buf, len);
	udp_sendto_if_src(dns_pcb, p, client, cport, &sb->nif, server);
	pbuf_free(p);
}

static void
dnsq_free(struct dnsq *q)
{
	event_free(q->ev);
	close(q->fd);
	free(q);
}

static void
dns_upstream_cb(int fd, short ev, void *arg)
{
	struct dnsq	*q = arg;
	struct nsb	*sb;
	uint8_t		 buf[4096];
	ssize_t		 n;

	if ((ev & EV_READ) && (n = recv(fd, buf, sizeof(buf), 0)) >= 12 &&
	    (sb = nsb_find(q->id)) != NULL)
		dns_send(sb, buf, n, &q->client, q->cport, &q->server);
	dnsq_free(q);
	net_lwip_timers();
}

static void
dns_forward(struct nsb *sb, const uint8_t *buf, size_t len,
    const ip_addr_t *client, u16_t cport, const ip_addr_t *server)
{
	struct timeval	 tv = { DNS_TIMEOUT, 0 };
	struct dnsq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return;
	q->id = sb->id;
	q->client = *client;
	q->server = *server;
	q->cport = cport;
	q->fd = socket(sb->dns.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (q->fd == -1) {
		free(q);
		return;
	}
	if (connect(q->fd, (struct sockaddr *)&sb->dns,
	    sb->dns.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) == -1 ||
	    send(q->fd, buf, len, 0) != (ssize_t)len ||
	    (q->ev = event_new(net_base, q->fd, EV_READ, dns_upstream_cb,
	    q)) == NULL || event_add(q->ev, &tv) == -1) {
		if (q->ev != NULL)
			event_free(q->ev);
		close(q->fd);
		free(q);
	}
}

/* Answer one query; returns the reply length or -1 for no reply. */
static ssize_t
dns_answer(struct nsb *sb, const uint8_t *buf, size_t len, uint8_t *out,
    size_t outlen, int *forward)
{
	struct dns_query q;
	const char	*rule;
	uint8_t		 addr[16];
	int		 family = 0;

	*forward = 0;
	if (dns_query_parse(buf, len, &q) == -1) {
		if (q.rcode == DNS_NOREPLY)
			return (-1);
		return (dns_reply(buf, len, &q, q.rcode, NULL, 0, out,
		    outlen));
	}
	if (q.qclass != DNS_CLASS_IN)
		return (dns_reply(buf, len, &q, DNS_RCODE_REFUSED, NULL, 0,
		    out, outlen));
	if (net_rules_name(sb->rules, q.name, &rule) != 1) {
		net_event(sb, GW_EV_DNS, q.name, rule,
		    strcmp(rule, "default") == 0 ? "not in"
		    " network.domains.allow" : NULL);
		return (dns_reply(buf, len, &q, DNS_RCODE_NXDOMAIN, NULL, 0,
		    out, outlen));
	}
	if (sb->flags & NS_DNS_UPSTREAM) {
		*forward = 1;
		return (-1);
	}
	if (q.qtype == DNS_TYPE_A)
		family = AF_INET;
	else if (q.qtype == DNS_TYPE_AAAA && (sb->flags & NS_IPV6))
		family = AF_INET6;
	if (family != 0 && fakeip_assign(sb->pool, q.name, family,
	    addr) == -1)
		return (dns_reply(buf, len, &q, DNS_RCODE_SERVFAIL, NULL, 0,
		    out, outlen));
	return (dns_reply(buf, len, &q, DNS_RCODE_NOERROR,
	    family != 0 ? addr : NULL, family, out, outlen));
}

static void
dns_recv(void *arg __unused, struct udp_pcb *pcb __unused, struct pbuf *p,
    const ip_addr_t *addr, u16_t port)
{
	struct netif	*nif = ip_current_input_netif();
	struct nsb	*sb;
	ip_addr_t	 server, client;
	uint8_t		 buf[4096], out[DNS_REPLY_MAX];
	ssize_t		 n;
	size_t		 len;
	int		 forward;

	if (nif == NULL || (sb = nif->state) == NULL) {
		pbuf_free(p);
		return;
	}
	ip_addr_copy(server, *ip_current_dest_addr());
	ip_addr_copy(client, *addr);
	len = pbuf_copy_partial(p, buf, sizeof(buf), 0);
	pbuf_free(p);
	n = dns_answer(sb, buf, len, out, sizeof(out), &forward);
	if (forward)
		dns_forward(sb, buf, len, &client, port, &server);
	else if (n > 0)
		dns_send(sb, out, n, &client, port, &server);
}

/*
 * Periodic: give up on connects, handshakes and idle half-open flows;
 * when nothing moved since the last sweep, give freed memory back (the
 * helper keeps up to NETSTACK_TRIM_THRESHOLD while busy, netstack.c).
 */
/* Drop the oldest TIME_WAIT pcbs past TW_KEEP (lwIP keeps newest first). */
static void
tw_trim(void)
{
	struct tcp_pcb	*tw, *next;
	size_t		 n = 0;

	for (tw = tcp_tw_pcbs; tw != NULL; tw = next) {
		next = tw->next;
		if (++n > TW_KEEP)
			tcp_abort(tw);
	}
}

static void
sweep_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	static uint64_t	 last;
	struct nsb	*sb;
	struct flow	*f, *next;
	time_t		 now = time(NULL);
	uint64_t	 moved = 0;

	TAILQ_FOREACH(sb, &nsbs, entry)
		moved += sb->bytes_in + sb->bytes_out;
	tw_trim();
	if (moved == last) {
		rx_drain(&rx_big);
		rx_drain(&rx_small);
		malloc_trim(0);
	}
	last = moved;
	TAILQ_FOREACH(sb, &nsbs, entry) {
		for (f = TAILQ_FIRST(&sb->flows); f != NULL; f = next) {
			next = TAILQ_NEXT(f, entry);
			if (f->state < FL_ADMITTED &&
			    now - f->since > CONNECT_TIMEOUT)
				flow_refuse(f, "timed out connecting");
			else if (f->state == FL_ADMITTED &&
			    now - f->since > ACCEPT_TIMEOUT)
				flow_free(f);
			else if (f->dns && now - f->since > DNS_TCP_IDLE)
				flow_abort(f);
			else if (f->state == FL_OPEN &&
			    (f->sb_fin || f->up_eof) &&
			    now - f->since > HALFOPEN_TIMEOUT)
				flow_abort(f);
		}
	}
	net_inbound_sweep(now);
	net_lwip_timers();
}

int
net_lwip_init(void)
{
	struct timeval	tv = { SWEEP_INTERVAL, 0 }, one = { 1, 0 };

	lwip_init();
	if (abi_check() == -1)
		return (-1);
	if ((dns_pcb = udp_new_ip_type(IPADDR_TYPE_ANY)) == NULL ||
	    udp_bind(dns_pcb, IP_ANY_TYPE, 53) != ERR_OK)
		return (-1);
	udp_recv(dns_pcb, dns_recv, NULL);
	if ((ev_lwip = evtimer_new(net_base, lwip_timer_cb, NULL)) == NULL ||
	    (ev_sweep = event_new(net_base, -1, EV_PERSIST, sweep_cb,
	    NULL)) == NULL || event_add(ev_sweep, &tv) == -1 ||
	    (ev_counters = event_new(net_base, -1, EV_PERSIST, counters_cb,
	    NULL)) == NULL || event_add(ev_counters, &one) == -1)
		return (-1);
	net_lwip_timers();
	return (0);
}

static void
nsb_free(struct nsb *sb)
{
	struct flow	*f;

	net_inbound_detach(sb->id);
	while ((f = TAILQ_FIRST(&sb->flows)) != NULL)
		flow_abort(f);
	if (sb->nif_added) {
		/*
		 * netif_remove() aborts every pcb, of any netif, whose local
		 * address is one of this netif's: after the poke that is
		 * another sandbox's fake IP too. Its own pcbs are gone, so
		 * clear the addresses first, by hand, as the poke writes them.
		 */
		ip_addr_set_zero_ip4(&sb->nif.ip_addr);
		memset(sb->nif.ip6_addr_state, IP6_ADDR_INVALID,
		    sizeof(sb->nif.ip6_addr_state));
		netif_remove(&sb->nif);
	}
	if (sb->ev_tun != NULL)
		event_free(sb->ev_tun);
	if (sb->tunfd != -1)
		close(sb->tunfd);
	net_rules_free(sb->rules);
	fakeip_free(sb->pool);
	free(sb->lports);
	free(sb);
}

/*
 * Does the TUN carry virtio headers (sandbox-tun.c sets them up)? Only
 * the size this file reads is accepted. A socket in its place (the
 * packet fuzzer's) has none.
 */
static int
tun_vnet_probe(uint32_t id, int fd, int *vnet)
{
	struct ifreq	ifr;
	int		sz;

	*vnet = 0;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) == -1 ||
	    !(ifr.ifr_flags & IFF_VNET_HDR))
		return (0);
	if (ioctl(fd, TUNGETVNETHDRSZ, &sz) == -1 ||
	    sz != (int)sizeof(struct virtio_net_hdr)) {
		log_warnx("sandbox %u: its TUN's virtio header is not %zu"
		    " bytes", id, sizeof(struct virtio_net_hdr));
		return (-1);
	}
	*vnet = 1;
	return (0);
}

/* A sandbox's settings and TUN fd from greywalld; takes the fd. */
int
net_lwip_attach(const struct nsmsg *m, size_t len, int tunfd)
{
	struct nsb	*sb;
	const char	*s, *end = (const char *)m + len;
	char		**allow = NULL, **deny = NULL, **cidrs = NULL, *err;
	size_t		 na = 0, nd = 0, nc = 0, i;
	ip4_addr_t	 placeholder, mask, gw;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	unsigned long	 port;
	int		 rc = -1;

	if ((sb = calloc(1, sizeof(*sb))) == NULL) {
		close(tunfd);
		return (-1);
	}
	sb->tunfd = tunfd;
	TAILQ_INIT(&sb->flows);
	if (tun_vnet_probe(m->id, tunfd, &sb->vnet) == -1) {
		free(sb);
		close(tunfd);
		return (-1);
	}
	sb->id = m->id;
	sb->slot = m->slot;
	sb->flags = m->flags;
	sb->upstream = m->upstream;
	sb->dns = m->dns;
	memcpy(sb->user, m->user, sizeof(sb->user));
	sb->user[sizeof(sb->user) - 1] = '\0';

	allow = calloc(m->nstr + 1, sizeof(char *));
	deny = calloc(m->nstr + 1, sizeof(char *));
	cidrs = calloc(m->nstr + 1, sizeof(char *));
	sb->lports = calloc(m->nstr + 1, sizeof(uint16_t));
	if (allow == NULL || deny == NULL || cidrs == NULL ||
	    sb->lports == NULL)
		goto out;
	for (s = (const char *)(m + 1), i = 0; i < m->nstr && s < end; i++) {
		if (memchr(s, '\0', end - s) == NULL)
			goto out;
		switch (s[0]) {
		case 'A':
			allow[na++] = (char *)s + 1;
			break;
		case 'D':
			deny[nd++] = (char *)s + 1;
			break;
		case 'C':
			cidrs[nc++] = (char *)s + 1;
			break;
		case 'P':
			port = strtoul(s + 1, NULL, 10);
			if (port == 0 || port > 65535)
				goto out;
			sb->lports[sb->nlports++] = port;
			break;
		default:
			goto out;
		}
		s += strlen(s) + 1;
	}
	if ((sb->rules = net_rules_new(allow, deny, cidrs, &err)) == NULL) {
		log_warnx("sandbox %u: network rules: %s", m->id, err);
		free(err);
		goto out;
	}
	if ((sb->pool = fakeip_new(FAKEIP_CAP_DEFAULT,
	    (uint64_t)arc4random() << 32 | arc4random())) == NULL)
		goto out;

	net_addr_sandbox4(sb->slot, &a4);
	IP_ADDR4(&sb->a4, 0, 0, 0, 0);
	ip_2_ip4(&sb->a4)->addr = a4.s_addr;
	net_addr_sandbox6(sb->slot, &a6);
	IP_ADDR6(&sb->a6, 0, 0, 0, 0);
	memcpy(ip_2_ip6(&sb->a6)->addr, a6.s6_addr, 16);

	/* Replies route to the netif whose gateway is their destination. */
	IP4_ADDR(&placeholder, 198, 18, 0, 254);
	IP4_ADDR(&mask, 255, 255, 255, 255);
	gw.addr = a4.s_addr;
	if (netif_add(&sb->nif, &placeholder, &mask, &gw, sb, nif_init,
	    ip_input) == NULL) {
		log_warnx("sandbox %u: lwIP has no free interface", m->id);
		goto out;
	}
	sb->nif_added = 1;
	/* Slot 1: a permanent address in the sandbox's /64, for routing. */
	a6.s6_addr[15] = 1;
	IP_SET_TYPE_VAL(sb->nif.ip6_addr[1], IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(&sb->nif.ip6_addr[1])->addr, a6.s6_addr, 16);
	ip6_addr_assign_zone(ip_2_ip6(&sb->nif.ip6_addr[1]), IP6_UNKNOWN,
	    &sb->nif);
	sb->nif.ip6_addr_state[1] = IP6_ADDR_PREFERRED;
	netif_set_up(&sb->nif);
	netif_set_link_up(&sb->nif);
	/* Link-up re-arms router solicitations; there is no router. */
	sb->nif.rs_count = 0;
	if (sb->nif.state != sb ||
	    sb->nif.mtu != (sb->vnet ? 0xffff : NET_TUN_MTU)) {
		log_warnx("liblwip ABI mismatch: struct netif layout");
		goto out;
	}

	sb->ev_tun = event_new(net_base, tunfd, EV_READ | EV_PERSIST,
	    tun_read_cb, sb);
	if (sb->ev_tun == NULL || event_add(sb->ev_tun, NULL) == -1)
		goto out;
	TAILQ_INSERT_TAIL(&nsbs, sb, entry);
	log_debug("sandbox %u attached to the netstack (slot %d)", sb->id,
	    sb->slot);
	rc = 0;
out:
	free(allow);
	free(deny);
	free(cidrs);
	if (rc == -1)
		nsb_free(sb);
	net_lwip_timers();
	return (rc);
}

void
net_lwip_detach(uint32_t id)
{
	struct nsb	*sb;

	if ((sb = nsb_find(id)) == NULL)
		return;
	TAILQ_REMOVE(&nsbs, sb, entry);
	nsb_free(sb);
	net_lwip_timers();
}

/* A sandbox's inbound port, listening on the host; takes fd. */
int
net_lwip_listen(uint32_t id, uint16_t port, int fd)
{
	struct nsb	*sb;

	if ((sb = nsb_find(id)) == NULL) {
		close(fd);
		return (-1);
	}
	return (net_inbound_listen(id, port, fd, &sb->bytes_in,
	    &sb->bytes_out));
}
