/*
 * libFuzzer target for the sandbox resolver: arbitrary bytes as one DNS
 * query over UDP and as a DNS-over-TCP stream, through dns_query_parse()
 * and, whatever it decides, the reply dns_reply() builds, as the netstack
 * would answer it: an address from a small fake-IP pool (so slots are
 * reused across inputs) for allowed A and AAAA queries, NXDOMAIN for
 * denied names, NODATA for other types. The same bytes also go through
 * the name and address rules. Any broken invariant aborts.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct fakeip	*pool;
static struct net_rules	*rules;

static void
setup(void)
{
	char *allow[] = { "*", "example.com", "*.example.org", NULL };
	char *deny[] = { "*.evil.example", "bad.example.org", NULL };
	char *cidrs[] = { "0.0.0.0/0", "::/0", "10.0.0.0/8",
		"169.254.169.254/32", NULL };

	if ((pool = fakeip_new(8, 0x5eed)) == NULL ||
	    (rules = net_rules_new(allow, deny, cidrs, NULL)) == NULL)
		abort();
}

/*
 * The same bytes as a reply from the host's resolver (net-hostcheck.c),
 * and as the host's hosts file and resolv.conf (net-hostaddr.c).
 */
static void
resolver_reply(const uint8_t *data, size_t size)
{
	struct hostaddr		 out[4];
	struct hostsfile	*h;
	struct sockaddr_storage	 ns[RESOLV_NS_MAX];
	size_t			 n, i;
	int			 rc;

	if (size >= 2) {
		rc = dns_answer_addrs(data, size, data[0] << 8 | data[1],
		    size & 1 ? DNS_TYPE_A : DNS_TYPE_AAAA, out, 4, &n);
		if (rc < -1 || rc > 15)
			abort();
		for (i = 0; i < n && i < 4; i++)
			if (out[i].family != AF_INET &&
			    out[i].family != AF_INET6)
				abort();
	}
	if ((h = hostsfile_parse((const char *)data, size)) == NULL)
		abort();
	(void)hostsfile_find(h, "example.com", out, 4);
	hostsfile_free(h);
	if (resolv_parse((const char *)data, size, ns, RESOLV_NS_MAX) >
	    RESOLV_NS_MAX)
		abort();
}

/* Answer a query as the netstack would, and check the reply. */
static void
answer(const uint8_t *data, size_t size)
{
	struct dns_query	 q, r;
	uint8_t			 out[DNS_REPLY_MAX], addr[16];
	const char		*name, *rule;
	const void		*a = NULL;
	ssize_t			 n;
	size_t			 i;
	int			 rcode, family = 0;

	if (dns_query_parse(data, size, &q) == -1) {
		if (errno != EBADMSG && errno != ENOTSUP)
			abort();
		if (q.rcode == DNS_NOREPLY)
			return;
		rcode = q.rcode;
	} else {
		if (q.qend > size || q.qend < DNS_HDR_LEN + 5 ||
		    strlen(q.name) > DNS_NAME_MAX)
			abort();
		for (i = 0; q.name[i] != '\0'; i++)
			if (!((q.name[i] >= 'a' && q.name[i] <= 'z') ||
			    (q.name[i] >= '0' && q.name[i] <= '9') ||
			    q.name[i] == '-' || q.name[i] == '_' ||
			    q.name[i] == '.'))
				abort();
		rcode = DNS_RCODE_NOERROR;
		if (!net_rules_name(rules, q.name, &rule))
			rcode = DNS_RCODE_NXDOMAIN;
		else if (q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_AAAA) {
			family = q.qtype == DNS_TYPE_A ? AF_INET : AF_INET6;
			if (fakeip_assign(pool, q.name, family, addr) == -1 ||
			    !fakeip_is_pool(family, addr) ||
			    (name = fakeip_name(pool, family, addr)) == NULL ||
			    strcmp(name, q.name) != 0)
				abort();
			a = addr;
		}
	}
	if ((n = dns_reply(data, size, &q, rcode, a, family, out,
	    sizeof(out))) < DNS_HDR_LEN)
		abort();
	if (out[0] != data[0] || out[1] != data[1] || (out[3] & 0xf) != rcode ||
	    !(out[2] & 0x80))
		abort();
	/* Too small a buffer fails cleanly. */
	if (dns_reply(data, size, &q, rcode, a, family, out, n - 1) != -1 ||
	    errno != ENOBUFS)
		abort();
	/* A reply is never taken for a query: no resolver loops. */
	if (dns_query_parse(out, n, &r) != -1 || r.rcode != DNS_NOREPLY)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 str[DNS_NAME_MAX + 8];
	const char	*rule;
	ssize_t		 n;
	size_t		 len;

	if (pool == NULL)
		setup();
	answer(data, size);
	resolver_reply(data, size);

	/* The same bytes as a TCP stream of framed queries. */
	while ((n = dns_tcp_frame(data, size)) > 0) {
		if ((size_t)n > size || n < 2 + DNS_HDR_LEN)
			abort();
		answer(data + 2, n - 2);
		data += n;
		size -= n;
	}

	/* And as a host name and a raw address for the rules. */
	len = size < sizeof(str) - 1 ? size : sizeof(str) - 1;
	memcpy(str, data, len);
	str[len] = '\0';
	if (net_rules_name(rules, str, &rule) < 0 || rule == NULL)
		abort();
	if (size >= 16 && (net_rules_addr(rules, data[0] & 1 ? AF_INET6 :
	    AF_INET, data, &rule) < 0 || rule == NULL))
		abort();
	return (0);
}
