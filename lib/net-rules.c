/*
 * Destination rules: which names (network.domains.allow and deny) and
 * which raw addresses (network.cidrs.allow) a sandbox may connect to.
 * Fail closed: what no allowance matches is denied, a denial beats any
 * allowance, and some names and addresses are never allowed because the
 * proxy would take them to the host itself.
 */

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define LABEL_MAX	63

/* One list of domain patterns, sorted for bsearch(3). */
struct domset {
	char	**exact;	/* "example.com" */
	size_t	  nexact;
	char	**wild;		/* "*.example.com", sorted by what follows */
	size_t	  nwild;
	int	  all;		/* "*" */
};

struct cidr {
	int	 family;
	uint8_t	 addr[16];
	unsigned int plen;
	char	*text;
};

struct net_rules {
	struct domset	 allow;
	struct domset	 deny;
	struct cidr	*cidr;
	size_t		 ncidr;
};

/*
 * Lower-case s into out (DNS_NAME_MAX + 1 bytes) without one final dot,
 * and check it is a name: 1 to 253 characters in labels of 1 to 63
 * letters, digits, '-' and '_'. Returns the number of labels, or 0.
 */
static size_t
name_canon(const char *s, char *out)
{
	size_t	len = strlen(s), i, lab = 0, nlab = 1;
	char	c;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[i] = c;
		if (c == '.') {
			if (lab == 0)
				return (0);
			lab = 0;
			nlab++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_') || ++lab > LABEL_MAX)
			return (0);
	}
	if (lab == 0)
		return (0);
	out[len] = '\0';
	return (nlab);
}

/*
 * Names the proxy would resolve to the host or read as an address: one
 * label (anything in the host's /etc/hosts, its own name included),
 * localhost in its usual spellings and under .localhost (RFC 6761), a
 * last label of digits ("127.0.0.1" sent as a name), and anything
 * inet_aton(3) takes for an address ("0x7f.0x1"). Host services are
 * reached through network.host_loopback.allow_ports, never by name.
 */
static int
name_reserved(const char *name, size_t nlab)
{
	struct in_addr	 in;
	const char	*last;
	size_t		 first;

	/* "0x7f.0x1": the proxy's C library reads it as 127.0.0.1. */
	if (nlab < 2 || inet_aton(name, &in) == 1)
		return (1);
	first = strcspn(name, ".");
	if ((first == 9 || first == 10) &&
	    strncmp(name, "localhost", 9) == 0 &&
	    (first == 9 || name[9] == '4' || name[9] == '6'))
		return (1);
	last = strrchr(name, '.') + 1;
	if (strcmp(last, "localhost") == 0)
		return (1);
	return (strspn(last, "0123456789") == strlen(last));
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The wildcard list is sorted, and searched, by the suffix after "*.". */
static int
cmp_wild(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a + 2, *(char *const *)b + 2));
}

static int
cmp_key_wild(const void *key, const void *elem)
{
	return (strcmp(key, *(char *const *)elem + 2));
}

static int
cmp_key_str(const void *key, const void *elem)
{
	return (strcmp(key, *(char *const *)elem));
}

static void
domset_clear(struct domset *d)
{
	size_t	i;

	for (i = 0; i < d->nexact; i++)
		free(d->exact[i]);
	for (i = 0; i < d->nwild; i++)
		free(d->wild[i]);
	free(d->exact);
	free(d->wild);
}

static size_t
list_len(char *const *v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return (n);
}

/*
 * Fill d from a NULL-terminated list of patterns: "*", "*.example.com"
 * or "example.com", in any case, with or without a final dot. Returns 0,
 * or -1 with errno (EINVAL: *bad is the pattern at fault).
 */
static int
domset_load(struct domset *d, char *const *v, const char **bad)
{
	char	 canon[DNS_NAME_MAX + 1], *p;
	size_t	 n = list_len(v), i;
	int	 wild;

	memset(d, 0, sizeof(*d));
	if ((d->exact = calloc(n + 1, sizeof(char *))) == NULL ||
	    (d->wild = calloc(n + 1, sizeof(char *))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "*") == 0) {
			d->all = 1;
			continue;
		}
		wild = strncmp(v[i], "*.", 2) == 0;
		if (name_canon(v[i] + 2 * wild, canon) == 0) {
			*bad = v[i];
			errno = EINVAL;
			return (-1);
		}
		if (asprintf(&p, "%s%s", wild ? "*." : "", canon) == -1)
			return (-1);
		if (wild)
			d->wild[d->nwild++] = p;
		else
			d->exact[d->nexact++] = p;
	}
	qsort(d->exact, d->nexact, sizeof(char *), cmp_str);
	qsort(d->wild, d->nwild, sizeof(char *), cmp_wild);
	return (0);
}

/*
 * The most specific pattern of d matching a canonical name: the name
 * itself, else "*." and the longest suffix, else "*"; or NULL.
 */
static const char *
domset_match(const struct domset *d, const char *name)
{
	char *const	*hit;
	const char	*p;

	if ((hit = bsearch(name, d->exact, d->nexact, sizeof(char *),
	    cmp_key_str)) != NULL)
		return (*hit);
	for (p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((hit = bsearch(p + 1, d->wild, d->nwild, sizeof(char *),
		    cmp_key_wild)) != NULL)
			return (*hit);
	return (d->all ? "*" : NULL);
}

/* "10.0.0.0/8", "fd00::/8": host bits must be clear. 0, or -1. */
static int
cidr_parse(const char *s, struct cidr *c)
{
	char		 addr[INET6_ADDRSTRLEN];
	const char	*slash;
	size_t		 alen, i;
	unsigned long	 plen;
	char		*end;

	memset(c, 0, sizeof(*c));
	if ((slash = strchr(s, '/')) == NULL ||
	    (alen = slash - s) >= sizeof(addr) ||
	    slash[1] < '0' || slash[1] > '9')
		return (-1);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	c->family = memchr(addr, ':', alen) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(c->family, addr, c->addr) != 1)
		return (-1);
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' ||
	    plen > (c->family == AF_INET6 ? 128U : 32U))
		return (-1);
	c->plen = plen;
	for (i = 0; i < 16; i++) {
		if (i * 8 + 8 <= plen)
			continue;
		if (i * 8 >= plen ? c->addr[i] != 0 :
		    (c->addr[i] & (0xff >> (plen - i * 8))) != 0)
			return (-1);
	}
	return (0);
}

/* Whether the first plen bits of a and b are equal. */
static int
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int	full = plen / 8, rest = plen % 8;
	uint8_t		mask;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[full] & mask) == (b[full] & mask));
}

void
net_rules_free(struct net_rules *r)
{
	size_t	i;

	if (r == NULL)
		return;
	domset_clear(&r->allow);
	domset_clear(&r->deny);
	for (i = 0; i < r->ncidr; i++)
		free(r->cidr[i].text);
	free(r->cidr);
	free(r);
}

/*
 * Rules from NULL-terminated lists (any may be NULL, meaning empty): the
 * values of network.domains.allow, network.domains.deny and
 * network.cidrs.allow. Returns the rules, or NULL with errno; for EINVAL,
 * *err (when err is not NULL) is a message naming the key and the value
 * at fault, for the caller to free.
 */
struct net_rules *
net_rules_new(char *const *allow, char *const *deny, char *const *cidrs,
    char **err)
{
	struct net_rules	*r;
	const char		*bad = NULL, *key, *what;
	size_t			 n = list_len(cidrs), i;

	if (err != NULL)
		*err = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	key = "network.domains.allow";
	what = "a domain pattern";
	if (domset_load(&r->allow, allow, &bad) == -1)
		goto fail;
	key = "network.domains.deny";
	if (domset_load(&r->deny, deny, &bad) == -1)
		goto fail;
	key = "network.cidrs.allow";
	what = "a CIDR";
	if ((r->cidr = calloc(n + 1, sizeof(*r->cidr))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (cidr_parse(cidrs[i], &r->cidr[i]) == -1) {
			bad = cidrs[i];
			errno = EINVAL;
			goto fail;
		}
		r->ncidr++;
		if ((r->cidr[i].text = strdup(cidrs[i])) == NULL)
			goto fail;
	}
	return (r);
fail:
	if (bad != NULL && err != NULL &&
	    asprintf(err, "'%s': '%s' is not %s", key, bad, what) == -1)
		*err = NULL;
	net_rules_free(r);
	errno = bad != NULL ? EINVAL : ENOMEM;
	return (NULL);
}

/*
 * Whether a sandbox may connect to a host name (any case, a final dot
 * allowed): 1 if an allowance matches and no denial does, else 0. *rule
 * (if rule is not NULL) is set to what decided: the matching pattern,
 * "default" when no pattern matched, or "reserved" or "invalid" for names
 * that are never allowed. It stays valid as long as r.
 */
int
net_rules_name(const struct net_rules *r, const char *name, const char **rule)
{
	char		 canon[DNS_NAME_MAX + 1];
	const char	*why, *dummy;
	size_t		 nlab;

	if (rule == NULL)
		rule = &dummy;
	if ((nlab = name_canon(name, canon)) == 0) {
		*rule = "invalid";
		return (0);
	}
	if (name_reserved(canon, nlab)) {
		*rule = "reserved";
		return (0);
	}
	if ((why = domset_match(&r->deny, canon)) != NULL) {
		*rule = why;
		return (0);
	}
	if ((why = domset_match(&r->allow, canon)) != NULL) {
		*rule = why;
		return (1);
	}
	*rule = "default";
	return (0);
}

/*
 * Addresses the proxy would take to the host itself or that are not a
 * destination at all: never allowed (host services are reached through
 * network.host_loopback.allow_ports). Link-local addresses, cloud
 * metadata services among them, only with a CIDR inside the link-local
 * block: 0.0.0.0/0 does not open them. Returns the rule name, or NULL.
 */
static const char *
addr_special(int family, const uint8_t *a, unsigned int *need_plen)
{
	static const uint8_t	zero[12];

	*need_plen = 0;
	if (family == AF_INET) {
		if (a[0] == 127)
			return ("loopback");
		if (a[0] == 0)
			return ("reserved");
		if (a[0] >= 224)	/* multicast, 240/4, broadcast */
			return (a[0] < 240 ? "multicast" : "reserved");
		if (a[0] == 169 && a[1] == 254)
			*need_plen = 16;
		return (NULL);
	}
	if (memcmp(a, zero, 12) == 0)	/* ::, ::1, IPv4-compatible */
		return (a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1 ?
		    "loopback" : "reserved");
	if (a[0] == 0xff)
		return ("multicast");
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		*need_plen = 10;
	return (NULL);
}

/*
 * Whether a sandbox may connect to a raw address, AF_INET (4 bytes) or
 * AF_INET6 (16), network order: 1 if a CIDR of network.cidrs.allow holds
 * it, else 0. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as
 * the IPv4 address, which is where the proxy would connect. *rule is the
 * longest matching CIDR as written, "default", or why the address is never
 * allowed ("loopback", "multicast", "link-local", "reserved").
 */
int
net_rules_addr(const struct net_rules *r, int family, const void *addr,
    const char **rule)
{
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const struct cidr	*best = NULL;
	const uint8_t		*a = addr;
	const char		*why, *dummy;
	unsigned int		 need;
	size_t			 i;

	if (rule == NULL)
		rule = &dummy;
	if (family == AF_INET6 && memcmp(a, mapped, sizeof(mapped)) == 0) {
		family = AF_INET;
		a += sizeof(mapped);
	} else if (family != AF_INET && family != AF_INET6) {
		*rule = "invalid";
		return (0);
	}
	if ((why = addr_special(family, a, &need)) != NULL) {
		*rule = why;
		return (0);
	}
	for (i = 0; i < r->ncidr; i++) {
		if (r->cidr[i].family != family ||
		    !prefix_eq(r->cidr[i].addr, a, r->cidr[i].plen))
			continue;
		if (best == NULL || r->cidr[i].plen > best->plen)
			best = &r->cidr[i];
	}
	if (best == NULL) {
		*rule = "default";
		return (0);
	}
	if (best->plen < need) {
		*rule = "link-local";
		return (0);
	}
	*rule = best->text;
	return (1);
}

/*
 * Whether domain pattern wide matches every name that pattern narrow
 * matches: "*" covers everything, "*.example.com" covers its subdomains
 * and their wildcards, and a name covers itself. Both are canonical
 * policy values. For client overlays that narrow an allow list.
 */
int
net_domain_covers(const char *wide, const char *narrow)
{
	size_t	wl, nl;
	int	wild;

	if (strcmp(wide, "*") == 0 || strcmp(wide, narrow) == 0)
		return (1);
	if (strncmp(wide, "*.", 2) != 0 || strcmp(narrow, "*") == 0)
		return (0);
	wide += 2;
	if ((wild = strncmp(narrow, "*.", 2) == 0))
		narrow += 2;
	wl = strlen(wide);
	nl = strlen(narrow);
	/* "*.a.com" covers "*.a.com" but not the apex "a.com". */
	if (nl == wl)
		return (wild && strcmp(wide, narrow) == 0);
	return (nl > wl && narrow[nl - wl - 1] == '.' &&
	    strcmp(narrow + nl - wl, wide) == 0);
}

/* Whether CIDR wide holds every address of CIDR narrow (same family). */
int
net_cidr_covers(const char *wide, const char *narrow)
{
	struct cidr	w, n;

	if (cidr_parse(wide, &w) == -1 || cidr_parse(narrow, &n) == -1)
		return (0);
	return (w.family == n.family && w.plen <= n.plen &&
	    prefix_eq(w.addr, n.addr, w.plen));
}
