/*
 * The sandbox network's pure logic: DNS messages, the fake-IP pool and the
 * destination rules. No I/O, no lwIP, no logging: buffers in, answers out,
 * so the netstack helper can call it and tests and fuzzers can drive it.
 * Self-contained: it needs nothing from greywalld.h.
 */
#ifndef GW_NET_H
#define GW_NET_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

/*
 * net-dns.c
 */
#define DNS_HDR_LEN		12
#define DNS_NAME_MAX		253	/* text, without the trailing dot */
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

enum fakeip_infra {
	FAKEIP_SANDBOX = 1,	/* the sandbox's own TUN address */
	FAKEIP_HOST = 2,	/* the host loopback alias (allow_ports) */
	FAKEIP_RESOLVER = 53,	/* the resolver in resolv.conf */
};

struct fakeip;

struct fakeip	*fakeip_new(size_t, uint64_t);
void		 fakeip_free(struct fakeip *);
int		 fakeip_assign(struct fakeip *, const char *, int, void *);
const char	*fakeip_name(struct fakeip *, int, const void *);
int		 fakeip_is_pool(int, const void *);
void		 fakeip_infra_addr(enum fakeip_infra, int, void *);
int		 fakeip_pin(struct fakeip *, int, const void *);
int		 fakeip_unpin(struct fakeip *, int, const void *);
size_t		 fakeip_count(const struct fakeip *);

/* net-rules.c */
struct net_rules;

struct net_rules *net_rules_new(char *const *, char *const *, char *const *,
		    char **);
void		 net_rules_free(struct net_rules *);
int		 net_rules_name(const struct net_rules *, const char *,
		    const char **);
int		 net_rules_addr(const struct net_rules *, int, const void *,
		    const char **);
int		 net_domain_covers(const char *, const char *);
int		 net_cidr_covers(const char *, const char *);

/*
 * net-hostaddr.c: the host's own addresses, and its hosts file and
 * nameservers. struct hostaddr is also the wire form of NSMSG_HOSTADDRS.
 */
struct hostaddr {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		reserved[3];
	uint8_t		addr[16];	/* AF_INET: the first 4 bytes */
};
#define HOSTADDR_MAX		2048	/* interface addresses sent */
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

#endif /* GW_NET_H */
