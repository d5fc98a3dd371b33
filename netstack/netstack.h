/*
 * The netstack helper (gw-netstack): its own executable, unprivileged,
 * with no file access, serving every sandbox's TUN with one lwIP stack.
 * It may use common/, proto/ and lib/, never the daemon, the sandbox or
 * the policy engine (the build's include path enforces it).
 *
 * net-dns.c and net-fakeip.c are pure: buffers in, answers out, so tests
 * and fuzzers drive them directly.
 */
#ifndef GW_NETSTACK_H
#define GW_NETSTACK_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common.h"
#include "gw-protocol.h"
#include "match.h"

/*
 * net-dns.c
 */
#define DNS_HDR_LEN		12
#define DNS_REPLY_MAX		512	/* every reply built here fits */
/*
 * TTL of synthetic answers, in seconds. Short, so that a name whose pool
 * slot was reused (see fakeip below) does not stay cached for long.
 */
#define DNS_TTL			5

#define DNS_TYPE_A		1
#define DNS_TYPE_AAAA		28
#define DNS_CLASS_IN		1

#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_NOTIMP	4
#define DNS_RCODE_REFUSED	5
#define DNS_NOREPLY		(-1)	/* dns_query.rcode: drop the message */

struct dns_query {
	uint16_t	id;
	uint16_t	qtype;
	uint16_t	qclass;
	int		rd;		/* recursion desired, echoed */
	int		rcode;		/* after a failed parse: the answer */
	size_t		qend;		/* end of the question, 0 if unread */
	char		name[DNS_NAME_MAX + 1];	/* lower case, no final dot */
};

int		 dns_query_parse(const uint8_t *, size_t, struct dns_query *);
ssize_t		 dns_reply(const uint8_t *, size_t, const struct dns_query *,
		    int, const void *, int, uint8_t *, size_t);
ssize_t		 dns_tcp_frame(const uint8_t *, size_t);
ssize_t		 dns_query_build(uint8_t *, size_t, uint16_t, const char *,
		    uint16_t);
struct hostaddr;
int		 dns_answer_addrs(const uint8_t *, size_t, uint16_t, uint16_t,
		    struct hostaddr *, size_t, size_t *);

/*
 * net-fakeip.c: synthetic addresses, one slot per name holding both an
 * IPv4 address in 198.18.0.0/15 (RFC 2544 benchmarking space, never
 * routed) and an IPv6 address in the ULA fd67:7779:6661::/96. The first
 * 256 addresses of each (198.18.0.0/24, ::0-::ff) are the infrastructure
 * below, never given to a name; slot i is 198.18.1.0 + i and
 * fd67:7779:6661::100 + i.
 */
#define FAKEIP_CAP_DEFAULT	4096
#define FAKEIP_CAP_MAX		130815	/* 198.18.1.0 to 198.19.255.254 */

struct fakeip;

struct fakeip	*fakeip_new(size_t, uint64_t);
void		 fakeip_free(struct fakeip *);
int		 fakeip_assign(struct fakeip *, const char *, int, void *);
const char	*fakeip_name(struct fakeip *, int, const void *);
int		 fakeip_is_pool(int, const void *);
int		 fakeip_pin(struct fakeip *, int, const void *);
int		 fakeip_unpin(struct fakeip *, int, const void *);
size_t		 fakeip_count(const struct fakeip *);

/*
 * net-csum.c: the Internet checksum, for the TUN's checksum offload. A
 * partial checksum never starts inside the smallest IP header.
 */
#define NET_CSUM_MIN_START	20
uint64_t	 net_csum_add(uint64_t, const void *, size_t);
uint16_t	 net_csum_fold(uint64_t);
int		 net_csum_complete(uint8_t *, size_t, size_t, size_t,
		    uint16_t *);
int		 net_csum_trust_tcp(const uint8_t *, size_t, size_t, size_t,
		    uint16_t *);
uint16_t	 net_csum_pseudo(const uint8_t *, int, size_t);

/* net-lwip.c */
struct event_base;
extern struct event_base *net_base;	/* the helper's own loop */
extern int	 net_event_fd;	/* to greywalld, -1 in tests */
int		 net_lwip_init(void);
int		 net_lwip_attach(const struct nsmsg *, size_t, int);
void		 net_lwip_detach(uint32_t);
int		 net_lwip_listen(uint32_t, uint16_t, int);
int		 net_lwip_input(uint32_t, const void *, const void *, size_t);
void		 net_lwip_timers(void);

/* net-inbound.c: gw exec -p, host connections spliced into the sandbox */
int		 net_inbound_listen(uint32_t, uint16_t, int, uint64_t *,
		    uint64_t *);
void		 net_inbound_answer(uint32_t, uint16_t, int);
void		 net_inbound_detach(uint32_t);
void		 net_inbound_sweep(time_t);

/*
 * net-hostaddr.c: pure. The host's own addresses (struct hostaddr, the
 * wire form of NSMSG_HOSTADDRS, is in gw-protocol.h), and its hosts file
 * and nameservers, parsed from the fds greywalld sends.
 */
#define RESOLV_NS_MAX		3	/* nameservers used, as glibc */

struct hostset;
struct hostsfile;
struct sockaddr_storage;

struct hostset	*hostset_new(const struct hostaddr *, size_t);
void		 hostset_free(struct hostset *);
size_t		 hostset_count(const struct hostset *);
const char	*hostset_match(const struct hostset *, int, const void *);
struct hostsfile *hostsfile_parse(const char *, size_t);
void		 hostsfile_free(struct hostsfile *);
size_t		 hostsfile_find(const struct hostsfile *, const char *,
		    struct hostaddr *, size_t);
size_t		 hostsfile_count(const struct hostsfile *);
size_t		 resolv_parse(const char *, size_t, struct sockaddr_storage *,
		    size_t);

/*
 * net-hostcheck.c: whether a destination is the host. It reads only the
 * fds greywalld sent and asks the nameservers over UDP; it opens no path.
 */
enum hc_result {
	HC_CLEAR,		/* not the host (or no such name) */
	HC_HOST,		/* an address the host would give it is its own */
	HC_UNKNOWN,		/* could not be checked */
	HC_PENDING,		/* asking the host's resolver */
};
struct hostcheck;
typedef void	(*hostcheck_cb)(void *, enum hc_result, const char *,
		    const struct hostaddr *);
int		 hostcheck_set_addrs(const struct hostaddr *, size_t);
int		 hostcheck_set_hosts(int);
int		 hostcheck_set_resolv(int);
void		 hostcheck_counts(size_t *, size_t *, size_t *);
const char	*hostcheck_addr(int, const void *);
enum hc_result	 hostcheck_name(const char *, hostcheck_cb, void *,
		    struct hostcheck **, const char **, struct hostaddr *);
void		 hostcheck_cancel(struct hostcheck *);

/* netstack.c: main() */
#define NETSTACK_TRIM_THRESHOLD	(4 * 1024 * 1024)

#endif /* GW_NETSTACK_H */
