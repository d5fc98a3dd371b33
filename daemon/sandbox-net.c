/*
 * A sandbox's network settings, from its effective policy to the message
 * the netstack helper gets with the TUN fd (struct nsmsg).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

/* "1.2.3.4:5", "[::1]:53": numeric only, so nothing blocks on a lookup. */
static int
hostport_addr(const char *s, struct sockaddr_storage *ss)
{
	struct addrinfo	 hints, *res;
	char		 host[256];
	const char	*colon, *port;
	size_t		 len;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return (-1);
		len = colon - (s + 1);
		if (len >= sizeof(host))
			return (-1);
		memcpy(host, s + 1, len);
		port = colon + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return (-1);
		len = colon - s;
		if (len >= sizeof(host))
			return (-1);
		memcpy(host, s, len);
		port = colon + 1;
	}
	host[len] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return (-1);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return (0);
}

/* For gwctl status: the same parse, for its reachability test. */
int
sandbox_net_addr(const char *s, struct sockaddr_storage *ss)
{
	return (hostport_addr(s, ss));
}

static int
add_strs(char **buf, size_t *len, char tag, const struct policy_entry *e)
{
	size_t	 i, l;
	char	*nb;

	for (i = 0; i < e->n; i++) {
		l = strlen(e->v[i].str) + 2;
		if (*len + l > NSMSG_MAX) {
			errno = E2BIG;
			return (-1);
		}
		if ((nb = realloc(*buf, *len + l)) == NULL)
			return (-1);
		*buf = nb;
		nb[*len] = tag;
		memcpy(nb + *len + 1, e->v[i].str, l - 1);
		*len += l;
		((struct nsmsg *)nb)->nstr++;
	}
	return (0);
}

/*
 * Build the helper's message for a sandbox, or set *ret to NULL when the
 * policy gives it no network. Returns -1 with a message in err when the
 * policy cannot be applied.
 */
int
sandbox_net_config(const struct policy *pol, uint32_t id, const char *user,
    const char *argv0, struct nsmsg **ret, size_t *retlen, char *err,
    size_t errlen)
{
	struct nsmsg	*m;
	char		*buf = NULL, name[64];
	const char	*base;
	size_t		 len = sizeof(*m), i;

	*ret = NULL;
	*retlen = 0;
	if (pol->e[PK_NET_UPSTREAM].one.num == 0)	/* none */
		return (0);
	if ((buf = calloc(1, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	m = (struct nsmsg *)buf;
	m->type = NSMSG_ATTACH;
	m->id = id;
	if (pol->e[PK_NET_IPV6].one.num)
		m->flags |= NS_IPV6;
	if (hostport_addr(pol->e[PK_NET_UPSTREAM_SOCKS5].one.str,
	    &m->upstream) == -1) {
		snprintf(err, errlen, "network.upstream.socks5 '%s' is not a"
		    " numeric address and port",
		    pol->e[PK_NET_UPSTREAM_SOCKS5].one.str);
		goto fail;
	}
	if (pol->e[PK_NET_DNS_MODE].one.num == 1) {	/* upstream */
		if (!pol->e[PK_NET_DNS_SERVER].set ||
		    hostport_addr(pol->e[PK_NET_DNS_SERVER].one.str,
		    &m->dns) == -1) {
			snprintf(err, errlen, "network.dns.mode is 'upstream'"
			    " but network.dns.server is %s",
			    pol->e[PK_NET_DNS_SERVER].set ?
			    "not a numeric address and port" : "not set");
			goto fail;
		}
		m->flags |= NS_DNS_UPSTREAM;
	}
	/* The proxy's view of who connects: user/sandbox id/command. */
	base = strrchr(argv0, '/');
	base = base != NULL ? base + 1 : argv0;
	snprintf(name, sizeof(name), "%s", base);
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
			name[i] = '_';
	snprintf(m->user, sizeof(m->user), "%s/%u/%s", user, id,
	    name[0] != '\0' ? name : "-");

	/* m may move from here on. */
	if (add_strs(&buf, &len, 'A', &pol->e[PK_NET_DOMAINS_ALLOW]) == -1 ||
	    add_strs(&buf, &len, 'D', &pol->e[PK_NET_DOMAINS_DENY]) == -1 ||
	    add_strs(&buf, &len, 'C', &pol->e[PK_NET_CIDRS_ALLOW]) == -1 ||
	    add_strs(&buf, &len, 'P',
	    &pol->e[PK_NET_HOST_LOOPBACK_PORTS]) == -1) {
		snprintf(err, errlen, "network rules: %s", strerror(errno));
		goto fail;
	}
	*ret = (struct nsmsg *)buf;
	*retlen = len;
	return (0);
fail:
	free(buf);
	return (-1);
}
